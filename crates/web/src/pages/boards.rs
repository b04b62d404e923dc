//! A board's page: its description, rules and moderators, and its threads (latest activity,
//! newest, unanswered), paged.

use super::{answer, thread_list, visible_threads};
use crate::i18n::{t, t_args};
use crate::layout::{self, Head};
use crate::session::Visit;
use crate::Web;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::{html, PreEscaped};
use serde::Deserialize;
use tsunagu_db::queries::boards::ThreadOrder;
use tsunagu_service::{boards, ServiceResult};

/// Threads per page.
const PAGE: i64 = 20;

#[derive(Deserialize, Default)]
pub struct BoardQuery {
    order: Option<String>,
    page: Option<i64>,
}

pub async fn board(
    State(web): State<Web>,
    visit: Visit,
    Path(name): Path<String>,
    Query(q): Query<BoardQuery>,
) -> Response {
    let result = board_page(&web, &visit, &name, q).await;
    answer(&web, &visit, result)
}

async fn board_page(
    web: &Web,
    visit: &Visit,
    name: &str,
    q: BoardQuery,
) -> ServiceResult<Response> {
    let ctx = &web.ctx;
    let lang = visit.lang;
    let (board, actor) = boards::find_board(ctx, name).await?;
    let tab = q.order.as_deref().unwrap_or("activity");
    let (order, answered) = match tab {
        "new" => (ThreadOrder::New, None),
        "unanswered" => (ThreadOrder::New, Some(false)),
        _ => (ThreadOrder::Activity, None),
    };
    let page = q.page.unwrap_or(1).max(1);
    let rows = boards::threads(ctx, actor.id, order, answered, PAGE + 1, (page - 1) * PAGE).await?;
    let more = rows.len() as i64 > PAGE;
    let threads =
        visible_threads(ctx, visit, rows.into_iter().take(PAGE as usize).collect()).await?;
    let mut pinned_rows = Vec::new();
    for post in boards::pinned(ctx, actor.id).await? {
        if let Some(thread) = boards::thread(ctx, post.id).await? {
            pinned_rows.push((thread, post));
        }
    }
    let pinned = visible_threads(ctx, visit, pinned_rows).await?;
    let moderators = boards::moderators(ctx, actor.id).await?;
    let follow = match &visit.member {
        Some(m) => {
            let r = tsunagu_service::relations::relationship(ctx, m.actor.id, actor.id).await?;
            Some(crate::pages::member::follow_button(
                visit,
                actor.id,
                r.following || r.requested,
            ))
        }
        None => None,
    };
    let moderates = match &visit.member {
        Some(m) => boards::is_moderator(ctx, &m.actor, actor.id).await?,
        None => false,
    };
    let handle = format!("{}@{}", actor.username, ctx.domain);
    let base = format!("/boards/{}", actor.username);
    let tabs = [
        ("activity", "board-order-activity"),
        ("new", "board-order-new"),
        ("unanswered", "board-order-unanswered"),
    ];
    let atom = format!("{base}/feed.atom");
    let rss = format!("{base}/feed.rss");
    let body = html! {
        header.board {
            h1 { (actor.display_name) }
            div.description { (PreEscaped(actor.summary.clone())) }
            p.meta { (t_args(lang, "board-handle", &[("handle", format!("@{handle}").into())])) }
            @if let Some(button) = &follow { p { (button) } }
            @if board.archived {
                p.notice { (t(lang, "board-archived")) }
            } @else if board.posting_mode == "members" {
                p.notice { (t(lang, "board-posting-members")) }
            } @else if board.posting_mode == "moderators" {
                p.notice { (t(lang, "board-posting-moderators")) }
            }
            @if visit.member.is_some() && !board.archived {
                p { a.button href=(format!("/new?board={}", actor.username)) { (t(lang, "board-start")) } }
            }
            @if moderates {
                p { a href=(format!("/admin/boards/{}", actor.username)) { (t(lang, "board-moderate")) } }
            }
            p.feeds {
                a href=(atom) { (t(lang, "board-feed-atom")) }
                " · "
                a href=(rss) { (t(lang, "board-feed-rss")) }
            }
        }
        @if !pinned.is_empty() {
            section aria-labelledby="pinned-heading" {
                h2 #pinned-heading { (t(lang, "board-pinned")) }
                (thread_list(ctx, visit, &pinned))
            }
        }
        section aria-labelledby="threads-heading" {
            h2 #threads-heading { (t(lang, "board-threads")) }
            nav.tabs aria-label=(t(lang, "board-threads")) {
                ul {
                    @for (key, label) in tabs {
                        li {
                            @if key == tab {
                                span aria-current="page" { (t(lang, label)) }
                            } @else {
                                a href=(format!("{base}?order={key}")) { (t(lang, label)) }
                            }
                        }
                    }
                }
            }
            @if threads.is_empty() {
                p { (t(lang, "board-empty")) }
            } @else {
                (thread_list(ctx, visit, &threads))
            }
            nav.pagination {
                @if page > 1 {
                    a rel="prev" href=(format!("{base}?order={tab}&page={}", page - 1)) { (t(lang, "pagination-newer")) }
                }
                @if more {
                    a rel="next" href=(format!("{base}?order={tab}&page={}", page + 1)) { (t(lang, "pagination-older")) }
                }
            }
        }
        @if !board.rules.is_empty() {
            section {
                h2 { (t(lang, "board-rules")) }
                p.rules { (board.rules) }
            }
        }
        @if !moderators.is_empty() {
            section {
                h2 { (t(lang, "board-moderators")) }
                ul.inline-list {
                    @for m in &moderators {
                        li { (crate::render::byline(&tsunagu_service::read::acct(ctx, m), m)) }
                    }
                }
            }
        }
    };
    let head = Head {
        title: actor.display_name.clone(),
        description: Some(tsunagu_service::html::to_text(&actor.summary)),
        url: Some(ctx.url(&base)),
        activity_json: Some(actor.ap_id.clone()),
        feeds: vec![
            (
                format!("{} (Atom)", actor.display_name),
                atom.clone(),
                "application/atom+xml",
            ),
            (
                format!("{} (RSS)", actor.display_name),
                rss.clone(),
                "application/rss+xml",
            ),
        ],
        og_type: "website",
        ..Head::default()
    };
    Ok(layout::page(web, visit, head, body))
}
