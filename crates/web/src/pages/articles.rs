//! Articles on the site: the instance's (or one member's) list, an article's own page (the
//! `url` other servers link to), and the form members write one with.

use super::answer;
use super::member::{member_form, sign_in_first, token_field};
use crate::i18n::t;
use crate::layout::{self, Head};
use crate::render;
use crate::session::Visit;
use crate::Web;
use axum::extract::{Path, Query, RawForm, State};
use axum::response::Response;
use maud::{html, PreEscaped};
use serde::Deserialize;
use tsunagu_service::articles::{self, NewArticle};
use tsunagu_service::{read, relations, ServiceError};

const PAGE: i64 = 20;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    author: Option<String>,
    before: Option<i64>,
}

/// `GET /articles` and `/articles?author=NAME` (a member here, or `name@server`).
pub async fn list(State(web): State<Web>, visit: Visit, Query(q): Query<ListQuery>) -> Response {
    let result = async {
        let ctx = &web.ctx;
        let lang = visit.lang;
        let author = match q.author.as_deref().filter(|a| !a.is_empty()) {
            Some(handle) => Some(
                relations::find_by_handle(ctx, handle.trim_start_matches('@'), false)
                    .await?
                    .ok_or(ServiceError::NotFound("member"))?,
            ),
            None => None,
        };
        let found = articles::list(ctx, author.as_ref().map(|a| a.id), q.before, PAGE + 1).await?;
        let more = found.len() as i64 > PAGE;
        let shown: Vec<_> = found.into_iter().take(PAGE as usize).collect();
        let mut authors: Vec<tsunagu_db::Actor> = Vec::new();
        for post in &shown {
            if !authors.iter().any(|a| a.id == post.author_id) {
                authors.push(relations::get_actor(ctx, post.author_id).await?);
            }
        }
        let title = match &author {
            Some(a) => format!("{} · {}", t(lang, "articles-heading"), a.display_name),
            None => t(lang, "articles-heading"),
        };
        let body = html! {
            h1 { (title) }
            @if visit.member.is_some() { p { a.button href="/articles/new" { (t(lang, "articles-write")) } } }
            @if shown.is_empty() { p { (t(lang, "articles-none")) } }
            @for post in &shown {
                article.article-summary {
                    h2 { a href=(format!("/articles/{}", post.id)) { (post.name.clone().unwrap_or_default()) } }
                    @if let Some(a) = authors.iter().find(|a| a.id == post.author_id) {
                        p.meta { (render::byline(&read::acct(ctx, a), a)) " · " (render::time(lang, post.created_at)) }
                    }
                    @if !post.summary.is_empty() { p.lead { (post.summary) } }
                }
            }
            @if more {
                @if let Some(last) = shown.last() {
                    @let author_part = q.author.as_deref().map(|a| format!("author={}&", crate::layout::enc(a))).unwrap_or_default();
                    nav.pagination aria-label=(t(lang, "pagination")) {
                        span {}
                        a href=(format!("/articles?{author_part}before={}", last.id)) { (t(lang, "pagination-older")) }
                    }
                }
            }
        };
        let head = Head {
            title,
            ..Head::default()
        };
        Ok(layout::page(&web, &visit, head, body))
    }
    .await;
    answer(&web, &visit, result)
}

/// `GET /articles/ID`: the article's page.
pub async fn show(State(web): State<Web>, visit: Visit, Path(id): Path<i64>) -> Response {
    let result = async {
        let ctx = &web.ctx;
        let lang = visit.lang;
        let post = articles::get(ctx, id).await?;
        let author = relations::get_actor(ctx, post.author_id).await?;
        let title = post.name.clone().unwrap_or_default();
        let body = html! {
            article.article {
                h1 { (title) }
                p.meta {
                    (render::byline(&read::acct(ctx, &author), &author))
                    " · " (render::time(lang, post.created_at))
                }
                @if !post.summary.is_empty() { p.lead { (post.summary) } }
                div.content { (PreEscaped(post.content.clone())) }
                p { a href=(format!("/posts/{}", post.id)) { (t(lang, "articles-discuss")) } }
            }
        };
        let head = Head {
            title,
            description: Some(post.summary.clone()),
            url: post.url.clone(),
            activity_json: Some(post.ap_id.clone()),
            og_type: "article",
            ..Head::default()
        };
        Ok(layout::page(&web, &visit, head, body))
    }
    .await;
    answer(&web, &visit, result)
}

/// `GET /articles/new`
pub async fn new_page(State(web): State<Web>, visit: Visit) -> Response {
    if visit.member.is_none() {
        return sign_in_first(&visit);
    }
    form_page(&web, &visit, None)
}

fn form_page(web: &Web, visit: &Visit, error: Option<String>) -> Response {
    let lang = visit.lang;
    let body = html! {
        h1 { (t(lang, "articles-write")) }
        @if let Some(e) = &error { p.error-text role="alert" { (e) } }
        form method="post" action="/articles/new" {
            (token_field(visit))
            label for="title" { (t(lang, "articles-title")) }
            input #title type="text" name="title" required maxlength="200";
            label for="summary" { (t(lang, "articles-summary")) }
            textarea #summary name="summary" rows="2" maxlength="500" {}
            label for="body" { (t(lang, "articles-body")) }
            textarea #body name="body" rows="16" required {}
            label for="tags" { (t(lang, "articles-tags")) }
            input #tags type="text" name="tags";
            p { button type="submit" { (t(lang, "articles-publish")) } }
        }
    };
    let head = Head {
        title: t(lang, "articles-write"),
        ..Head::default()
    };
    layout::page(web, visit, head, body)
}

/// `POST /articles/new`
pub async fn create(State(web): State<Web>, visit: Visit, raw: RawForm) -> Response {
    let (me, form) = match member_form(&web, &visit, &raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let new = NewArticle {
        title: form.get("title").to_string(),
        summary: form.get("summary").to_string(),
        body: form.get("body").to_string(),
        tags: form
            .get("tags")
            .split([' ', ','])
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
    };
    match articles::publish(&web.ctx, &me.actor, new).await {
        Ok(post) => super::member::see(&format!("/articles/{}", post.id)),
        Err(e) => {
            let text = layout::problem(visit.lang, &e);
            super::unprocessable(form_page(&web, &visit, Some(text)))
        }
    }
}
