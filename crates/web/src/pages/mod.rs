//! The pages, one module per part of the site; here the home page and search.

pub mod articles;
pub mod authorize;
pub mod boards;
pub mod campaigns;
pub mod careers;
pub mod directory;
pub mod events;
pub mod joining;
pub mod member;
pub mod mentoring;
pub mod own_data;
pub mod profiles;
pub mod rooms;
pub mod staff;
pub mod surveys;
pub mod threads;

use crate::i18n::{t, t_args};
use crate::layout::{self, Head};
use crate::render::{self, StatusOptions};
use crate::session::Visit;
use crate::Web;
use axum::extract::{Query, State};
use axum::response::Response;
use maud::{html, Markup};
use serde::Deserialize;
use tsunagu_db::{Post, Thread};
use tsunagu_service::read::{self, StatusView};
use tsunagu_service::{posts, relations, timelines, Context, ServiceResult};

/// Answers a page, or its error as a page.
pub(crate) fn answer(web: &Web, visit: &Visit, result: ServiceResult<Response>) -> Response {
    result.unwrap_or_else(|e| layout::error(web, visit, &e))
}

/// A form page shown again with what was wrong: 422.
pub(crate) fn unprocessable(mut response: Response) -> Response {
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    response
}

/// Threads with their starters as the visitor may see them, in order.
pub(crate) async fn visible_threads(
    ctx: &Context,
    visit: &Visit,
    rows: Vec<(Thread, Post)>,
) -> ServiceResult<Vec<(Thread, StatusView)>> {
    let starters: Vec<Post> = rows.iter().map(|(_, p)| p.clone()).collect();
    let starters = posts::filter_visible(ctx, visit.viewer(), starters).await?;
    let views = read::statuses(ctx, visit.viewer(), starters).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(thread, post)| {
            let view = views.iter().find(|v| v.post.id == post.id)?.clone();
            Some((thread, view))
        })
        .collect())
}

/// A list of threads: title, author, time, replies, and whether a question is answered.
pub(crate) fn thread_list(
    ctx: &Context,
    visit: &Visit,
    threads: &[(Thread, StatusView)],
) -> Markup {
    let lang = visit.lang;
    html! {
        ol.threads {
            @for (thread, view) in threads {
                @let title = view.post.name.clone().unwrap_or_else(|| tsunagu_service::html::to_text(&view.post.content).chars().take(80).collect());
                li {
                    a.thread-title href=(format!("/posts/{}", view.post.id)) { (title) }
                    @if thread.question {
                        " "
                        @if thread.accepted_answer_id.is_some() {
                            span.badge.answered { (t(lang, "thread-answered")) }
                        } @else {
                            span.badge { (t(lang, "thread-question")) }
                        }
                    }
                    div.meta {
                        (render::byline(&view.author.acct(ctx), &view.author.actor))
                        " · " (render::time(lang, view.post.created_at))
                        " · " (t_args(lang, "thread-replies", &[("count", view.replies.into())]))
                    }
                }
            }
        }
    }
}

pub async fn home(State(web): State<Web>, visit: Visit) -> Response {
    let result = home_page(&web, &visit).await;
    answer(&web, &visit, result)
}

async fn home_page(web: &Web, visit: &Visit) -> ServiceResult<Response> {
    let ctx = &web.ctx;
    let lang = visit.lang;
    let all = tsunagu_service::boards::list_boards(ctx).await?;
    let recent = visible_threads(
        ctx,
        visit,
        tsunagu_service::boards::recent_threads(ctx, 20, 0).await?,
    )
    .await?;
    let body = html! {
        section.intro {
            h1 { (web.settings.title) }
            p { (web.settings.description) }
        }
        div.columns {
            section aria-labelledby="boards-heading" {
                h2 #boards-heading { (t(lang, "home-boards")) }
                @if all.is_empty() {
                    p { (t(lang, "home-no-boards")) }
                } @else {
                    ul.boards {
                        @for (_, actor) in &all {
                            li {
                                a href=(format!("/boards/{}", actor.username)) { (actor.display_name) }
                                div.meta { "@" (actor.username) "@" (ctx.domain) }
                            }
                        }
                    }
                    p.hint { (t(lang, "home-follow-hint")) }
                }
            }
            section aria-labelledby="recent-heading" {
                h2 #recent-heading { (t(lang, "home-recent")) }
                @if recent.is_empty() {
                    p { (t(lang, "home-no-threads")) }
                } @else {
                    (thread_list(ctx, visit, &recent))
                }
            }
        }
    };
    let head = Head {
        title: web.settings.title.clone(),
        description: Some(web.settings.description.clone()),
        url: Some(ctx.url("/")),
        og_type: "website",
        ..Head::default()
    };
    Ok(layout::page(web, visit, head, body))
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

pub async fn search(
    State(web): State<Web>,
    visit: Visit,
    Query(query): Query<SearchQuery>,
) -> Response {
    let result = search_page(&web, &visit, query.q.trim()).await;
    answer(&web, &visit, result)
}

async fn search_page(web: &Web, visit: &Visit, q: &str) -> ServiceResult<Response> {
    let ctx = &web.ctx;
    let lang = visit.lang;
    let (accounts, statuses) = if q.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        let handle = q.trim_start_matches(['@', '!']);
        let mut accounts = if handle.contains('@') && !handle.contains(' ') {
            // Members may look up accounts on other servers; visitors only what we know.
            relations::find_by_handle(ctx, handle, visit.member.is_some())
                .await
                .unwrap_or_default()
                .into_iter()
                .collect()
        } else {
            relations::search_accounts(ctx, q, 20).await?
        };
        accounts.retain(|a| !a.deleted);
        let statuses = timelines::search(ctx, visit.viewer(), q, 20).await?;
        (
            read::accounts(ctx, &accounts, tsunagu_service::accounts::Viewer::Anonymous).await?,
            read::statuses(ctx, visit.viewer(), statuses).await?,
        )
    };
    let body = html! {
        h1 { (t(lang, "search-heading")) }
        form.search role="search" method="get" action="/search" {
            label for="q" { (t(lang, "search-label")) }
            div.row {
                input #q type="search" name="q" value=(q) autocomplete="off";
                button type="submit" { (t(lang, "search-button")) }
            }
        }
        @if visit.member.is_none() {
            p.hint { (t(lang, "search-remote-hint")) }
        }
        @if !q.is_empty() {
            @if accounts.is_empty() && statuses.is_empty() {
                p { (t(lang, "search-nothing")) }
            }
            @if !accounts.is_empty() {
                section {
                    h2 { (t(lang, "search-accounts")) }
                    @for a in &accounts {
                        (render::account_card(lang, &a.acct(ctx), a))
                    }
                }
            }
            @if !statuses.is_empty() {
                section {
                    h2 { (t(lang, "search-statuses")) }
                    @for s in &statuses {
                        (render::status(lang, &s.author.acct(ctx), s, StatusOptions::default()))
                    }
                }
            }
        }
    };
    let head = Head {
        title: t(lang, "search-heading"),
        ..Head::default()
    };
    Ok(layout::page(web, visit, head, body))
}
