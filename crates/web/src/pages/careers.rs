//! Career offers on the site: the listing (by kind, expired ones left out) and the form
//! members post an offer with.

use super::answer;
use super::member::{member_form, see, sign_in_first, token_field};
use crate::i18n::t;
use crate::layout::{self, Head};
use crate::render;
use crate::session::Visit;
use crate::Web;
use axum::extract::{Query, RawForm, State};
use axum::response::Response;
use maud::html;
use serde::Deserialize;
use tsunagu_service::careers::{self, NewOffer, KINDS};
use tsunagu_service::{read, relations};

#[derive(Deserialize, Default)]
pub struct ListQuery {
    kind: Option<String>,
}

/// `GET /careers`
pub async fn list(State(web): State<Web>, visit: Visit, Query(q): Query<ListQuery>) -> Response {
    let result = async {
        let ctx = &web.ctx;
        let lang = visit.lang;
        let kind = q.kind.filter(|k| !k.is_empty());
        let offers = careers::list(ctx, kind.clone(), false, 100).await?;
        let mut authors: Vec<tsunagu_db::Actor> = Vec::new();
        for (_, post) in &offers {
            if !authors.iter().any(|a| a.id == post.author_id) {
                authors.push(relations::get_actor(ctx, post.author_id).await?);
            }
        }
        let body = html! {
            h1 { (t(lang, "careers-heading")) }
            @if visit.member.is_some() { p { a.button href="/careers/new" { (t(lang, "careers-post")) } } }
            nav.tabs aria-label=(t(lang, "careers-kinds")) {
                ul {
                    li { a href="/careers" aria-current=[kind.is_none().then_some("page")] { (t(lang, "careers-all")) } }
                    @for k in KINDS {
                        li { a href=(format!("/careers?kind={k}")) aria-current=[(kind.as_deref() == Some(k)).then_some("page")] { (t(lang, &format!("careers-kind-{k}"))) } }
                    }
                }
            }
            @if offers.is_empty() { p { (t(lang, "careers-none")) } }
            @for (offer, post) in &offers {
                article.article-summary {
                    h2 { a href=(format!("/posts/{}", post.id)) { (post.name.clone().unwrap_or_default()) } }
                    p.meta {
                        span.badge { (t(lang, &format!("careers-kind-{}", offer.kind))) }
                        " " (offer.company)
                        @if !offer.place.is_empty() { " · " (offer.place) }
                        @if let Some(d) = offer.deadline { " · " (t(lang, "careers-deadline")) " " (d.to_string()) }
                    }
                    @if let Some(a) = authors.iter().find(|a| a.id == post.author_id) {
                        p.meta { (render::byline(&read::acct(ctx, a), a)) " · " (render::time(lang, post.created_at)) }
                    }
                }
            }
        };
        let head = Head {
            title: t(lang, "careers-heading"),
            ..Head::default()
        };
        Ok(layout::page(&web, &visit, head, body))
    }
    .await;
    answer(&web, &visit, result)
}

/// `GET /careers/new`
pub async fn new_page(State(web): State<Web>, visit: Visit) -> Response {
    if visit.member.is_none() {
        return sign_in_first(&visit);
    }
    let lang = visit.lang;
    let body = html! {
        h1 { (t(lang, "careers-post")) }
        form method="post" action="/careers/new" {
            (token_field(&visit))
            label for="kind" { (t(lang, "careers-kind")) }
            select #kind name="kind" {
                @for k in KINDS { option value=(k) { (t(lang, &format!("careers-kind-{k}"))) } }
            }
            label for="title" { (t(lang, "articles-title")) }
            input #title type="text" name="title" required maxlength="200";
            label for="company" { (t(lang, "careers-company")) }
            input #company type="text" name="company" required maxlength="200";
            label for="place" { (t(lang, "careers-place")) }
            input #place type="text" name="place" maxlength="200";
            label for="deadline" { (t(lang, "careers-deadline")) }
            input #deadline type="date" name="deadline";
            label for="body" { (t(lang, "articles-body")) }
            textarea #body name="body" rows="10" {}
            p { button type="submit" { (t(lang, "careers-publish")) } }
        }
    };
    let head = Head {
        title: t(lang, "careers-post"),
        ..Head::default()
    };
    layout::page(&web, &visit, head, body)
}

/// `POST /careers/new`
pub async fn create(State(web): State<Web>, visit: Visit, raw: RawForm) -> Response {
    let (me, form) = match member_form(&web, &visit, &raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = async {
        let (_, post) = careers::post(
            &web.ctx,
            &me.actor,
            NewOffer {
                kind: form.get("kind").to_string(),
                title: form.get("title").to_string(),
                body: form.get("body").to_string(),
                company: form.get("company").to_string(),
                place: form.get("place").to_string(),
                deadline: form.get("deadline").to_string(),
            },
        )
        .await?;
        Ok(see(&format!("/posts/{}", post.id)))
    }
    .await;
    answer(&web, &visit, result)
}
