//! Mentoring on the site: finding mentors here and elsewhere and asking one, a member's
//! requests (answering those received, withdrawing those made), and offering mentoring.

use super::answer;
use super::member::{member_form, see, sign_in_first, token_field};
use crate::i18n::{t, t_args};
use crate::layout::{self, Head};
use crate::render;
use crate::session::Visit;
use crate::Web;
use axum::extract::{Path, Query, RawForm, State};
use axum::response::Response;
use maud::html;
use serde::Deserialize;
use tsunagu_db::queries::mentoring::MentorFilter;
use tsunagu_service::mentoring::{self, ProfileInput};
use tsunagu_service::{read, relations, ServiceError};

#[derive(Deserialize, Default)]
pub struct MentorQuery {
    topic: Option<String>,
    q: Option<String>,
}

/// `GET /mentoring`: mentors, by topic or words.
pub async fn mentors(
    State(web): State<Web>,
    visit: Visit,
    Query(q): Query<MentorQuery>,
) -> Response {
    let result = async {
        let ctx = &web.ctx;
        let lang = visit.lang;
        let found = mentoring::mentors(
            ctx,
            visit.viewer(),
            MentorFilter {
                topic: q.topic.clone(),
                text: q.q.clone(),
                local_only: false,
                offset: 0,
                limit: 60,
            },
        )
        .await?;
        let me = visit.member.as_ref().map(|m| m.actor.id);
        let body = html! {
            h1 { (t(lang, "mentoring-heading")) }
            @if visit.member.is_some() {
                p {
                    a.button href="/mentoring/requests" { (t(lang, "mentoring-my-requests")) }
                    " "
                    a href="/mentoring/profile" { (t(lang, "mentoring-offer")) }
                }
            }
            form.search method="get" action="/mentoring" role="search" {
                label for="topic" { (t(lang, "mentoring-topic")) }
                input #topic type="text" name="topic" value=(q.topic.clone().unwrap_or_default());
                label for="q" { (t(lang, "mentoring-words")) }
                input #q type="search" name="q" value=(q.q.clone().unwrap_or_default());
                button type="submit" { (t(lang, "nav-search")) }
            }
            @if found.is_empty() { p { (t(lang, "mentoring-none")) } }
            @for (profile, actor, free) in &found {
                article.article-summary {
                    h2 { (render::byline(&read::acct(ctx, actor), actor)) }
                    p.meta {
                        @for topic in profile.topic_list() { span.badge { (topic) } " " }
                        @if let Some(free) = free {
                            (t_args(lang, "mentoring-free", &[("count", (*free).into())]))
                        }
                    }
                    @if !profile.note.is_empty() { p { (profile.note) } }
                    @if me.is_some_and(|m| m != actor.id) {
                        form method="post" action="/mentoring/ask" {
                            (token_field(&visit))
                            input type="hidden" name="mentor_id" value=(actor.id);
                            label for=(format!("message-{}", actor.id)) { (t(lang, "mentoring-message")) }
                            textarea id=(format!("message-{}", actor.id)) name="message" rows="3" required maxlength="2000" {}
                            button type="submit" { (t(lang, "mentoring-ask")) }
                        }
                    }
                }
            }
        };
        let head = Head {
            title: t(lang, "mentoring-heading"),
            ..Head::default()
        };
        Ok(layout::page(&web, &visit, head, body))
    }
    .await;
    answer(&web, &visit, result)
}

/// `POST /mentoring/ask`
pub async fn ask(State(web): State<Web>, visit: Visit, raw: RawForm) -> Response {
    let (me, form) = match member_form(&web, &visit, &raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = async {
        let mentor = form
            .get("mentor_id")
            .parse()
            .map_err(|_| ServiceError::NotFound("account"))?;
        mentoring::ask(&web.ctx, &me.actor, mentor, form.get("message")).await?;
        Ok(see("/mentoring/requests"))
    }
    .await;
    answer(&web, &visit, result)
}

/// `GET /mentoring/requests`: received and made.
pub async fn requests(State(web): State<Web>, visit: Visit) -> Response {
    let Some(me) = visit.member.clone() else {
        return sign_in_first(&visit);
    };
    let result = async {
        let ctx = &web.ctx;
        let lang = visit.lang;
        let list = mentoring::requests(ctx, &me.actor, None, None, 100).await?;
        let mut people = Vec::new();
        for r in &list {
            for id in [r.mentor_id, r.mentee_id] {
                if !people.iter().any(|a: &tsunagu_db::Actor| a.id == id) {
                    people.push(relations::get_actor(ctx, id).await?);
                }
            }
        }
        let person = |id: i64| people.iter().find(|a| a.id == id);
        let body = html! {
            h1 { (t(lang, "mentoring-my-requests")) }
            @if list.is_empty() { p { (t(lang, "mentoring-no-requests")) } }
            @for r in &list {
                @let mine_to_answer = r.mentor_id == me.actor.id;
                @let other = person(if mine_to_answer { r.mentee_id } else { r.mentor_id });
                article.article-summary {
                    h2 {
                        (t(lang, if mine_to_answer { "mentoring-from" } else { "mentoring-to" }))
                        " "
                        @if let Some(a) = other { (render::byline(&read::acct(ctx, a), a)) }
                    }
                    p.meta {
                        span.badge { (t(lang, &format!("mentoring-state-{}", r.state))) }
                        " " (render::time(lang, r.created_at))
                    }
                    p { (r.message) }
                    @if !r.reason.is_empty() { p.meta { (r.reason) } }
                    @if let Some(post) = r.conversation_post_id {
                        p { a href=(format!("/posts/{post}")) { (t(lang, "mentoring-conversation")) } }
                    }
                    @if r.state == mentoring::PENDING {
                        @if mine_to_answer {
                            form.inline method="post" action=(format!("/mentoring/requests/{}/accept", r.id)) {
                                (token_field(&visit))
                                button type="submit" { (t(lang, "mentoring-accept")) }
                            }
                            form method="post" action=(format!("/mentoring/requests/{}/decline", r.id)) {
                                (token_field(&visit))
                                label for=(format!("reason-{}", r.id)) { (t(lang, "mentoring-reason")) }
                                input id=(format!("reason-{}", r.id)) type="text" name="reason" maxlength="500";
                                button type="submit" { (t(lang, "mentoring-decline")) }
                            }
                        } @else {
                            form method="post" action=(format!("/mentoring/requests/{}/cancel", r.id)) {
                                (token_field(&visit))
                                button type="submit" { (t(lang, "mentoring-cancel")) }
                            }
                        }
                    }
                }
            }
        };
        let head = Head {
            title: t(lang, "mentoring-my-requests"),
            ..Head::default()
        };
        Ok(layout::page(&web, &visit, head, body))
    }
    .await;
    answer(&web, &visit, result)
}

/// `POST /mentoring/requests/ID/{accept,decline,cancel}`
pub async fn act(
    State(web): State<Web>,
    visit: Visit,
    Path((id, action)): Path<(i64, String)>,
    raw: RawForm,
) -> Response {
    let (me, form) = match member_form(&web, &visit, &raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = async {
        let ctx = &web.ctx;
        match action.as_str() {
            "accept" => mentoring::accept(ctx, &me.actor, id).await?,
            "decline" => mentoring::decline(ctx, &me.actor, id, form.get("reason")).await?,
            "cancel" => mentoring::cancel(ctx, &me.actor, id).await?,
            _ => return Err(ServiceError::NotFound("page")),
        };
        Ok(see("/mentoring/requests"))
    }
    .await;
    answer(&web, &visit, result)
}

/// `GET /mentoring/profile`
pub async fn profile_page(State(web): State<Web>, visit: Visit) -> Response {
    let Some(me) = visit.member.clone() else {
        return sign_in_first(&visit);
    };
    let result = async {
        let lang = visit.lang;
        let current = mentoring::profile(&web.ctx, me.actor.id).await?;
        let (available, topics, capacity, note) = match &current {
            Some(p) => (p.available, p.topic_list().join(", "), p.capacity, p.note.clone()),
            None => (false, String::new(), 1, String::new()),
        };
        let body = html! {
            h1 { (t(lang, "mentoring-offer")) }
            form method="post" action="/mentoring/profile" {
                (token_field(&visit))
                p {
                    input #available type="checkbox" name="available" value="true" checked[available];
                    " "
                    label for="available" { (t(lang, "mentoring-available")) }
                }
                label for="topics" { (t(lang, "mentoring-topics")) }
                input #topics type="text" name="topics" value=(topics);
                label for="capacity" { (t(lang, "mentoring-capacity")) }
                input #capacity type="number" name="capacity" min="1" max="20" value=(capacity);
                label for="note" { (t(lang, "mentoring-note")) }
                textarea #note name="note" rows="3" maxlength="500" { (note) }
                p { button type="submit" { (t(lang, "mentoring-save")) } }
            }
        };
        let head = Head {
            title: t(lang, "mentoring-offer"),
            ..Head::default()
        };
        Ok(layout::page(&web, &visit, head, body))
    }
    .await;
    answer(&web, &visit, result)
}

/// `POST /mentoring/profile`
pub async fn save_profile(State(web): State<Web>, visit: Visit, raw: RawForm) -> Response {
    let (me, form) = match member_form(&web, &visit, &raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = async {
        let capacity = form
            .get("capacity")
            .trim()
            .parse()
            .map_err(|_| ServiceError::Invalid("capacity must be a whole number".into()))?;
        mentoring::set_profile(
            &web.ctx,
            &me.actor,
            ProfileInput {
                available: form.checked("available"),
                topics: vec![form.get("topics").to_string()],
                capacity: Some(capacity),
                note: form.get("note").to_string(),
            },
        )
        .await?;
        Ok(see("/mentoring"))
    }
    .await;
    answer(&web, &visit, result)
}
