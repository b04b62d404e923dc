//! A board's threads as Atom and RSS feeds, for feed readers.

use crate::Web;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, PreEscaped};
use tsunagu_db::queries::boards::ThreadOrder;
use tsunagu_service::read::{self, StatusView};
use tsunagu_service::{boards, posts, ServiceResult};

/// Threads in a feed.
const ENTRIES: i64 = 30;

/// A board's newest public threads, as anyone may see them.
async fn newest(web: &Web, name: &str) -> ServiceResult<(tsunagu_db::Actor, Vec<StatusView>)> {
    let ctx = &web.ctx;
    let (_, actor) = boards::find_board(ctx, name).await?;
    let starters = boards::threads(ctx, actor.id, ThreadOrder::New, None, ENTRIES, 0)
        .await?
        .into_iter()
        .map(|(_, p)| p)
        .filter(|p| p.visibility == "public")
        .collect();
    let starters = posts::filter_visible(ctx, None, starters).await?;
    Ok((actor, read::statuses(ctx, None, starters).await?))
}

fn title_of(view: &StatusView) -> String {
    view.post.name.clone().unwrap_or_else(|| {
        tsunagu_service::html::to_text(&view.post.content)
            .chars()
            .take(80)
            .collect()
    })
}

fn xml(kind: &'static str, body: Markup) -> Response {
    (
        [(header::CONTENT_TYPE, kind)],
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n{}",
            body.into_string()
        ),
    )
        .into_response()
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found").into_response()
}

pub async fn atom(State(web): State<Web>, Path(name): Path<String>) -> Response {
    let Ok((board, entries)) = newest(&web, &name).await else {
        return not_found();
    };
    let ctx = &web.ctx;
    let page = ctx.url(&format!("/boards/{}", board.username));
    let updated = entries
        .first()
        .map(|e| crate::i18n::iso(e.post.created_at))
        .unwrap_or_else(|| crate::i18n::iso(board.published_at));
    xml(
        "application/atom+xml; charset=utf-8",
        html! {
            feed xmlns="http://www.w3.org/2005/Atom" {
                id { (page) }
                title { (board.display_name) }
                updated { (updated) }
                link rel="alternate" type="text/html" href=(page);
                link rel="self" href=(format!("{page}/feed.atom"));
                @for e in &entries {
                    entry {
                        id { (e.post.ap_id) }
                        title { (title_of(e)) }
                        link rel="alternate" type="text/html" href=(ctx.url(&format!("/posts/{}", e.post.id)));
                        published { (crate::i18n::iso(e.post.created_at)) }
                        updated { (crate::i18n::iso(e.post.updated_at.unwrap_or(e.post.created_at))) }
                        author { name { (e.author.acct(ctx)) } }
                        content type="html" { (e.post.content) }
                    }
                }
            }
        },
    )
}

pub async fn rss(State(web): State<Web>, Path(name): Path<String>) -> Response {
    let Ok((board, entries)) = newest(&web, &name).await else {
        return not_found();
    };
    let ctx = &web.ctx;
    let page = ctx.url(&format!("/boards/{}", board.username));
    let rfc2822 = |t: chrono::NaiveDateTime| t.and_utc().to_rfc2822();
    xml(
        "application/rss+xml; charset=utf-8",
        html! {
            rss version="2.0" {
                channel {
                    title { (board.display_name) }
                    link { (page) }
                    description { (tsunagu_service::html::to_text(&board.summary)) }
                    @for e in &entries {
                        item {
                            title { (title_of(e)) }
                            link { (ctx.url(&format!("/posts/{}", e.post.id))) }
                            guid isPermaLink="false" { (e.post.ap_id) }
                            pubDate { (rfc2822(e.post.created_at)) }
                            description { (PreEscaped(maud::html! { (e.post.content) }.into_string())) }
                        }
                    }
                }
            }
        },
    )
}
