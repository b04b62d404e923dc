//! Articles (alumni blogs): writing one, reading one, and the lists per instance and member.

use crate::auth::Auth;
use crate::error::{parse_id, ApiResult};
use crate::params::Params;
use crate::views;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use tsunagu_service::Context;

/// An article as the API shows it: the status fields a client needs, with the title, lead,
/// Markdown body and the page's address.
async fn article_json(
    ctx: &Context,
    viewer: Option<i64>,
    post: tsunagu_db::Post,
) -> ApiResult<Value> {
    let status = views::status(ctx, viewer, post.clone()).await?;
    Ok(json!({
        "id": post.id.to_string(),
        "uri": post.ap_id,
        "url": post.url.clone().unwrap_or_else(|| post.ap_id.clone()),
        "title": post.name,
        "summary": post.summary,
        "body": post.source,
        "content": post.content,
        "tags": status["tags"],
        "created_at": views::time(post.created_at),
        "account": status["account"],
        "status": status,
    }))
}

/// `POST /api/v1/tsunagu/articles` (`title`, `summary`, `body` Markdown, `tags`)
pub async fn create(auth: Auth, State(ctx): State<Context>, p: Params) -> ApiResult<Json<Value>> {
    let (_, actor) = auth.member("write:statuses")?;
    let post = tsunagu_service::articles::publish(
        &ctx,
        actor,
        tsunagu_service::articles::NewArticle {
            title: p.str("title").unwrap_or_default(),
            summary: p.str("summary").unwrap_or_default(),
            body: p.str("body").unwrap_or_default(),
            tags: p.list("tags"),
        },
    )
    .await?;
    Ok(Json(article_json(&ctx, Some(actor.id), post).await?))
}

async fn article_list(
    ctx: &Context,
    auth: &crate::auth::MaybeAuth,
    author: Option<i64>,
    p: &Params,
    path: &str,
) -> ApiResult<Response> {
    let viewer = auth.viewer("read:statuses")?;
    let limit = p.i64("limit")?.unwrap_or(20).clamp(1, 40);
    let list = tsunagu_service::articles::list(ctx, author, p.i64("max_id")?, limit).await?;
    let last = (list.len() as i64 == limit)
        .then(|| list.last().map(|a| a.id))
        .flatten();
    let mut out = Vec::with_capacity(list.len());
    for post in list {
        out.push(article_json(ctx, viewer, post).await?);
    }
    Ok((crate::paging::next_link(ctx, path, last), Json(json!(out))).into_response())
}

/// `GET /api/v1/tsunagu/articles`: this instance's articles, newest first (`max_id`, `limit`).
pub async fn list(
    auth: crate::auth::MaybeAuth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Response> {
    article_list(&ctx, &auth, None, &p, "/api/v1/tsunagu/articles").await
}

/// `GET /api/v1/tsunagu/accounts/:id/articles`: one member's (here or elsewhere).
pub async fn of_account(
    Path(id): Path<String>,
    auth: crate::auth::MaybeAuth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let path = format!("/api/v1/tsunagu/accounts/{id}/articles");
    article_list(&ctx, &auth, Some(id), &p, &path).await
}

/// `GET /api/v1/tsunagu/articles/:id`
pub async fn show(
    Path(id): Path<String>,
    auth: crate::auth::MaybeAuth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let viewer = auth.viewer("read:statuses")?;
    let post = tsunagu_service::articles::get(&ctx, parse_id(&id)?).await?;
    Ok(Json(article_json(&ctx, viewer, post).await?))
}
