//! Events on the site: upcoming, past and one's own; an event's page (the `url` other servers
//! link to) with taking part, leaving and, for its organiser, cancelling; the form to create
//! one; and the iCalendar files of one event and of a member's calendar.

use super::member::{member_form, see, sign_in_first, token_field};
use super::{answer, unprocessable};
use crate::i18n::{t, t_args};
use crate::layout::{self, Head};
use crate::render;
use crate::session::Visit;
use crate::Web;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;
use tsunagu_service::events::{self, EventInput, EventView};
use tsunagu_service::{read, relations};

const PAGE: i64 = 20;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    scope: Option<String>,
    offset: Option<i64>,
}

/// `GET /events` (`scope` upcoming, past or mine)
pub async fn list(State(web): State<Web>, visit: Visit, Query(q): Query<ListQuery>) -> Response {
    let result = async {
        let ctx = &web.ctx;
        let lang = visit.lang;
        let scope_name = q.scope.clone().unwrap_or_default();
        if scope_name == "mine" && visit.member.is_none() {
            return Ok(sign_in_first(&visit));
        }
        let scope = events::scope(&scope_name, visit.viewer())?;
        let offset = q.offset.unwrap_or(0).max(0);
        let found = events::list(ctx, visit.viewer(), scope, false, offset, PAGE + 1).await?;
        let more = found.len() as i64 > PAGE;
        let shown: Vec<EventView> = found.into_iter().take(PAGE as usize).collect();
        let tabs = [("upcoming", ""), ("past", "past"), ("mine", "mine")];
        let body = html! {
            h1 { (t(lang, "events-heading")) }
            @if visit.member.is_some() {
                p { a.button href="/events/new" { (t(lang, "events-create")) } }
            }
            nav.tabs aria-label=(t(lang, "events-lists")) {
                ul {
                    @for (key, value) in tabs {
                        @if value != "mine" || visit.member.is_some() {
                            li {
                                a href=(if value.is_empty() { "/events".to_string() } else { format!("/events?scope={value}") })
                                    aria-current=[(scope_name == value || (value.is_empty() && scope_name == "upcoming")).then_some("page")]
                                    { (t(lang, &format!("events-{key}"))) }
                            }
                        }
                    }
                }
            }
            @if shown.is_empty() { p { (t(lang, "events-none")) } }
            @for v in &shown { (summary(lang, v)) }
            @if more {
                nav.pagination aria-label=(t(lang, "pagination")) {
                    span {}
                    a href=(format!("/events?scope={scope_name}&offset={}", offset + PAGE)) { (t(lang, "pagination-older")) }
                }
            }
        };
        let head = Head {
            title: t(lang, "events-heading"),
            ..Head::default()
        };
        Ok(layout::page(&web, &visit, head, body))
    }
    .await;
    answer(&web, &visit, result)
}

fn summary(lang: crate::i18n::Lang, v: &EventView) -> Markup {
    html! {
        article.article-summary {
            h2 { a href=(format!("/events/{}", v.post.id)) { (v.post.name.clone().unwrap_or_default()) } }
            p.meta {
                @if v.event.cancelled_at.is_some() { span.badge { (t(lang, "events-cancelled")) } " " }
                (events::when_and_where(&v.event))
            }
            p.meta { (counts(lang, v)) }
        }
    }
}

fn counts(lang: crate::i18n::Lang, v: &EventView) -> String {
    let mut text = t_args(
        lang,
        "events-going",
        &[("count", v.participants_count.into())],
    );
    if let Some(cap) = v.event.capacity {
        text.push_str(&format!(" / {cap}"));
    }
    if v.waitlist_count > 0 {
        text.push_str(" · ");
        text.push_str(&t_args(
            lang,
            "events-waiting",
            &[("count", v.waitlist_count.into())],
        ));
    }
    text
}

/// `GET /events/ID`: the event's page.
pub async fn show(State(web): State<Web>, visit: Visit, Path(id): Path<i64>) -> Response {
    let result = async {
        let ctx = &web.ctx;
        let lang = visit.lang;
        let v = events::get(ctx, visit.viewer(), id).await?;
        let organiser = relations::get_actor(ctx, v.post.author_id).await?;
        let title = v.post.name.clone().unwrap_or_default();
        let mine = visit
            .member
            .as_ref()
            .is_some_and(|m| m.actor.id == organiser.id || m.is_staff());
        let open = v.event.cancelled_at.is_none() && !v.is_over();
        let body = html! {
            article.article {
                h1 { (title) }
                p.meta {
                    (render::byline(&read::acct(ctx, &organiser), &organiser))
                }
                @if v.event.cancelled_at.is_some() { p.error-text { (t(lang, "events-cancelled")) } }
                dl {
                    dt { (t(lang, "events-when")) }
                    dd { (events::when_and_where(&v.event)) }
                    @if !v.event.location.is_empty() {
                        dt { (t(lang, "events-location")) }
                        dd { (v.event.location) }
                    }
                    @if let Some(link) = &v.event.online_url {
                        dt { (t(lang, "events-online")) }
                        dd { a href=(link) rel="nofollow noopener" { (link) } }
                    }
                    dt { (t(lang, "events-participants")) }
                    dd { (counts(lang, &v)) }
                }
                @if let Some(state) = &v.participation {
                    p.notice { (t(lang, &format!("events-you-{state}"))) }
                }
                @if visit.member.is_some() && open {
                    @if v.participation.is_some() {
                        form method="post" action=(format!("/events/{id}/leave")) {
                            (token_field(&visit))
                            button type="submit" { (t(lang, "events-leave")) }
                        }
                    } @else {
                        form method="post" action=(format!("/events/{id}/join")) {
                            (token_field(&visit))
                            button type="submit" { (t(lang, "events-join")) }
                        }
                    }
                } @else if visit.member.is_none() && open {
                    p { a href=(format!("/login?back=/events/{id}")) { (t(lang, "events-sign-in")) } }
                }
                div.content { (PreEscaped(v.post.content.clone())) }
                p {
                    a href=(format!("/events/{id}/event.ics")) { (t(lang, "events-add-to-calendar")) }
                    " · "
                    a href=(format!("/posts/{id}")) { (t(lang, "articles-discuss")) }
                }
                @if mine && v.post.local && v.event.cancelled_at.is_none() {
                    form method="post" action=(format!("/events/{id}/cancel")) {
                        (token_field(&visit))
                        button.danger type="submit" { (t(lang, "events-cancel")) }
                    }
                }
            }
        };
        let head = Head {
            title,
            description: Some(events::when_and_where(&v.event)),
            url: v.post.url.clone(),
            activity_json: Some(v.post.ap_id.clone()),
            ..Head::default()
        };
        Ok(layout::page(&web, &visit, head, body))
    }
    .await;
    answer(&web, &visit, result)
}

/// `POST /events/ID/join`, `/leave` and `/cancel`.
pub async fn act(
    State(web): State<Web>,
    visit: Visit,
    Path((id, action)): Path<(i64, String)>,
    raw: RawForm,
) -> Response {
    let (me, _) = match member_form(&web, &visit, &raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = async {
        let ctx = &web.ctx;
        match action.as_str() {
            "join" => {
                events::join(ctx, &me.actor, id).await?;
            }
            "leave" => events::leave(ctx, &me.actor, id).await?,
            "cancel" => {
                events::cancel(ctx, &me.user, &me.actor, id).await?;
            }
            _ => return Err(tsunagu_service::ServiceError::NotFound("page")),
        }
        Ok(see(&format!("/events/{id}")))
    }
    .await;
    answer(&web, &visit, result)
}

/// `GET /events/new`
pub async fn new_page(State(web): State<Web>, visit: Visit) -> Response {
    if visit.member.is_none() {
        return sign_in_first(&visit);
    }
    form_page(&web, &visit, None)
}

fn form_page(web: &Web, visit: &Visit, error: Option<String>) -> Response {
    let lang = visit.lang;
    let body = html! {
        h1 { (t(lang, "events-create")) }
        @if let Some(e) = &error { p.error-text role="alert" { (e) } }
        form method="post" action="/events/new" {
            (token_field(visit))
            label for="title" { (t(lang, "articles-title")) }
            input #title type="text" name="title" required maxlength="200";
            label for="starts" { (t(lang, "events-starts")) }
            input #starts type="datetime-local" name="starts" required;
            label for="ends" { (t(lang, "events-ends")) }
            input #ends type="datetime-local" name="ends";
            label for="offset" { (t(lang, "events-offset")) }
            input #offset type="text" name="offset" value="+09:00" pattern="[+-][0-9]{2}:[0-9]{2}" required;
            label for="timezone" { (t(lang, "events-timezone")) }
            input #timezone type="text" name="timezone" value="Asia/Tokyo" maxlength="64";
            label for="location" { (t(lang, "events-location")) }
            input #location type="text" name="location" maxlength="300";
            label for="online_url" { (t(lang, "events-online")) }
            input #online_url type="url" name="online_url";
            label for="capacity" { (t(lang, "events-capacity")) }
            input #capacity type="number" name="capacity" min="0" value="0";
            label for="description" { (t(lang, "events-description")) }
            textarea #description name="description" rows="10" {}
            p { button type="submit" { (t(lang, "events-publish")) } }
        }
    };
    let head = Head {
        title: t(lang, "events-create"),
        ..Head::default()
    };
    layout::page(web, visit, head, body)
}

/// A `datetime-local` value and an offset as RFC 3339, or empty.
fn rfc3339(local: &str, offset: &str) -> String {
    let local = local.trim();
    if local.is_empty() {
        return String::new();
    }
    let seconds = if local.len() == 16 { ":00" } else { "" };
    format!("{local}{seconds}{}", offset.trim())
}

/// `POST /events/new`
pub async fn create(State(web): State<Web>, visit: Visit, raw: RawForm) -> Response {
    let (me, form) = match member_form(&web, &visit, &raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let capacity = match form.get("capacity").trim() {
        "" => None,
        n => match n.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                let text = t(visit.lang, "events-capacity-invalid");
                return unprocessable(form_page(&web, &visit, Some(text)));
            }
        },
    };
    let offset = form.get("offset");
    let input = EventInput {
        title: form.get("title").to_string(),
        description: form.get("description").to_string(),
        starts_at: rfc3339(form.get("starts"), offset),
        ends_at: rfc3339(form.get("ends"), offset),
        timezone: form.get("timezone").to_string(),
        location: form.get("location").to_string(),
        online_url: form.get("online_url").to_string(),
        capacity,
    };
    match events::create(&web.ctx, &me.actor, input).await {
        Ok(post) => see(&format!("/events/{}", post.id)),
        Err(e) => {
            let text = layout::problem(visit.lang, &e);
            unprocessable(form_page(&web, &visit, Some(text)))
        }
    }
}

fn calendar_file(ics: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        ics,
    )
        .into_response()
}

/// `GET /events/ID/event.ics`
pub async fn ics(State(web): State<Web>, visit: Visit, Path(id): Path<i64>) -> Response {
    match events::get(&web.ctx, visit.viewer(), id).await {
        Ok(v) => calendar_file(crate::calendar::ics(&web.ctx, &[v])),
        Err(e) => layout::error(&web, &visit, &e),
    }
}

/// `GET /calendar/TOKEN/events.ics`: a member's events, for calendar apps (the token is the
/// key; the member can change it).
pub async fn feed(State(web): State<Web>, visit: Visit, Path(token): Path<String>) -> Response {
    match events::feed(&web.ctx, &token).await {
        Ok(list) => calendar_file(crate::calendar::ics(&web.ctx, &list)),
        Err(e) => layout::error(&web, &visit, &e),
    }
}
