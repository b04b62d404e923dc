//! Statuses: write, read, delete, thread context, favourites and boosts.

use crate::auth::{Auth, MaybeAuth};
use crate::error::{parse_id, ApiError, ApiResult};
use crate::params::Params;
use crate::read_cache::ReadCache;
use crate::views;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::{Extension, Json};
use serde_json::{json, Value};
use tsunagu_db::queries::{actors, posts as post_queries};
use tsunagu_service::posts::{self, NewStatus, PostVisibility};
use tsunagu_service::{timelines, Context, ServiceError};

/// `media_ids[]`: ids of one's uploads, in the order they are to show.
fn media_ids(p: &Params) -> ApiResult<Vec<i64>> {
    p.list("media_ids")
        .iter()
        .filter(|id| !id.is_empty())
        .map(|id| {
            id.parse().map_err(|_| {
                ApiError::unprocessable(format!("Validation failed: no media attachment {id}"))
            })
        })
        .collect()
}

pub async fn create(
    auth: Auth,
    State(ctx): State<Context>,
    axum::Extension(keys): axum::Extension<crate::limits::IdempotencyKeys>,
    headers: axum::http::HeaderMap,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (user, me) = auth.member("write:statuses")?;
    // A retried request with the same Idempotency-Key gets the status made the first time.
    let idempotency_key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if let Some(key) = &idempotency_key {
        if let Some(existing) = keys.get(auth.token.id, key) {
            let post = posts::get_post(&ctx, existing).await?;
            return Ok(Json(views::status(&ctx, Some(me.id), post).await?));
        }
    }
    let visibility = match p.str("visibility").filter(|v| !v.is_empty()) {
        Some(v) => v.parse::<PostVisibility>()?,
        None => user.default_visibility.parse::<PostVisibility>()?,
    };
    let in_reply_to_id = match p.str("in_reply_to_id").filter(|v| !v.is_empty()) {
        Some(id) => Some(parse_id(&id)?),
        None => None,
    };
    let post = posts::create_status(
        &ctx,
        me,
        NewStatus {
            text: p.str("status").unwrap_or_default(),
            visibility,
            in_reply_to_id,
            spoiler_text: p.str("spoiler_text").unwrap_or_default(),
            sensitive: p.bool("sensitive")?.unwrap_or(user.default_sensitive),
            media_ids: media_ids(&p)?,
            poll: crate::polls::new_poll(&p)?,
        },
    )
    .await?;
    if let Some(key) = &idempotency_key {
        keys.put(auth.token.id, key, post.id);
    }
    Ok(Json(views::status(&ctx, Some(me.id), post).await?))
}

pub async fn show(
    Path(id): Path<String>,
    viewer: MaybeAuth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let viewer = viewer.viewer("read:statuses")?;
    let post = posts::visible_post(&ctx, viewer, parse_id(&id)?).await?;
    Ok(Json(views::status(&ctx, viewer, post).await?))
}

pub async fn remove(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:statuses")?;
    let post = posts::delete_status(&ctx, me, parse_id(&id)?).await?;
    let source = post.source.clone().unwrap_or_default();
    let mut view = views::status(&ctx, Some(me.id), post).await?;
    // Mastodon returns the text so clients can offer "delete and redraft".
    view["text"] = json!(source);
    Ok(Json(view))
}

/// `GET /api/v1/statuses/:id/context`, kept for each viewer until the next write.
pub async fn context(
    Path(id): Path<String>,
    viewer: MaybeAuth,
    Extension(cache): Extension<ReadCache>,
    State(ctx): State<Context>,
) -> ApiResult<Response> {
    let viewer = viewer.viewer("read:statuses")?;
    let id = parse_id(&id)?;
    let writes = ctx.db.writes_seen();
    cache
        .json(writes, ("context", id, viewer), move || async move {
            let (ancestors, descendants) = timelines::context(&ctx, viewer, id).await?;
            Ok::<_, ApiError>(json!({
                "ancestors": views::statuses(&ctx, viewer, ancestors).await?,
                "descendants": views::statuses(&ctx, viewer, descendants).await?,
            }))
        })
        .await
}

pub async fn favourite(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:favourites")?;
    let post = posts::favourite(&ctx, me, parse_id(&id)?).await?;
    Ok(Json(views::status(&ctx, Some(me.id), post).await?))
}

pub async fn unfavourite(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:favourites")?;
    let post = posts::unfavourite(&ctx, me, parse_id(&id)?).await?;
    Ok(Json(views::status(&ctx, Some(me.id), post).await?))
}

pub async fn reblog(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:statuses")?;
    let boost = posts::reblog(&ctx, me, parse_id(&id)?).await?;
    Ok(Json(views::status(&ctx, Some(me.id), boost).await?))
}

pub async fn unreblog(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:statuses")?;
    let post = posts::unreblog(&ctx, me, parse_id(&id)?).await?;
    Ok(Json(views::status(&ctx, Some(me.id), post).await?))
}

async fn actors_who(
    ctx: &Context,
    viewer: Option<i64>,
    id: &str,
    favourites: bool,
) -> ApiResult<Json<Value>> {
    let post = posts::visible_post(ctx, viewer, parse_id(id)?).await?;
    let pid = post.id;
    let list = ctx
        .db
        .read(move |c| {
            let ids = if favourites {
                post_queries::favourited_by(c, pid)?
            } else {
                post_queries::reblogged_by(c, pid)?
            };
            actors::by_ids(c, &ids)
        })
        .await
        .map_err(ServiceError::from)?;
    Ok(Json(json!(views::accounts(ctx, &list).await?)))
}

pub async fn favourited_by(
    Path(id): Path<String>,
    viewer: MaybeAuth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let viewer = viewer.viewer("read:statuses")?;
    actors_who(&ctx, viewer, &id, true).await
}

pub async fn reblogged_by(
    Path(id): Path<String>,
    viewer: MaybeAuth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let viewer = viewer.viewer("read:statuses")?;
    actors_who(&ctx, viewer, &id, false).await
}

/// `PUT /api/v1/statuses/:id`: edit `status`, `spoiler_text`, `sensitive`, `media_ids`.
pub async fn edit(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:statuses")?;
    let post = posts::edit_status(
        &ctx,
        me,
        parse_id(&id)?,
        &p.str("status").unwrap_or_default(),
        &p.str("spoiler_text").unwrap_or_default(),
        p.bool("sensitive")?.unwrap_or(false),
        if p.value("media_ids").is_some() || p.value("media_ids[]").is_some() {
            Some(media_ids(&p)?)
        } else {
            None
        },
    )
    .await?;
    Ok(Json(views::status(&ctx, Some(me.id), post).await?))
}

/// `GET /api/v1/statuses/:id/history`: every version, oldest first, the current one last.
pub async fn history(
    Path(id): Path<String>,
    viewer: MaybeAuth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let viewer = viewer.viewer("read:statuses")?;
    let (post, versions) = posts::history(&ctx, viewer, parse_id(&id)?).await?;
    let current = views::status(&ctx, viewer, post.clone()).await?;
    let mut out: Vec<Value> = versions
        .iter()
        .map(|v| {
            json!({
                "content": v.content,
                "spoiler_text": tsunagu_service::html::to_text(&v.summary),
                "sensitive": v.sensitive,
                "created_at": views::time(v.created_at),
                "account": current["account"],
                "media_attachments": [],
                "emojis": [],
            })
        })
        .collect();
    out.push(json!({
        "content": current["content"],
        "spoiler_text": current["spoiler_text"],
        "sensitive": current["sensitive"],
        "created_at": views::time(post.updated_at.unwrap_or(post.created_at)),
        "account": current["account"],
        "media_attachments": current["media_attachments"],
        "poll": current["poll"],
        "emojis": [],
    }));
    Ok(Json(json!(out)))
}

/// `GET /api/v1/statuses/:id/source`: what the author wrote, for editing.
pub async fn source(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("read:statuses")?;
    let post = posts::visible_post(&ctx, Some(me.id), parse_id(&id)?).await?;
    Ok(Json(json!({
        "id": post.id.to_string(),
        "text": post.source.unwrap_or_default(),
        "spoiler_text": tsunagu_service::html::to_text(&post.summary),
    })))
}

/// `GET /api/v1/favourites`: what the member favourited, newest favourite first.
pub async fn favourites(
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<(axum::http::HeaderMap, Json<Value>)> {
    let (_, me) = auth.member("read:favourites")?;
    let rows = posts::favourites(&ctx, me, p.i64("max_id")?, p.i64("limit")?.unwrap_or(20)).await?;
    cursor_page(&ctx, me.id, "/api/v1/favourites", rows).await
}

/// A list paged by its own cursor (favourite or bookmark ids): the statuses and a `next` link.
async fn cursor_page(
    ctx: &Context,
    viewer: i64,
    path: &str,
    rows: Vec<(i64, tsunagu_db::Post)>,
) -> ApiResult<(axum::http::HeaderMap, Json<Value>)> {
    let headers = crate::paging::next_link(ctx, path, rows.last().map(|(cursor, _)| *cursor));
    let list = rows.into_iter().map(|(_, post)| post).collect();
    Ok((
        headers,
        Json(json!(views::statuses(ctx, Some(viewer), list).await?)),
    ))
}

pub async fn bookmark(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:bookmarks")?;
    let post = posts::bookmark(&ctx, me, parse_id(&id)?).await?;
    Ok(Json(views::status(&ctx, Some(me.id), post).await?))
}

pub async fn unbookmark(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:bookmarks")?;
    let post = posts::unbookmark(&ctx, me, parse_id(&id)?).await?;
    Ok(Json(views::status(&ctx, Some(me.id), post).await?))
}

/// `GET /api/v1/bookmarks`, newest bookmark first.
pub async fn bookmarks(
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<(axum::http::HeaderMap, Json<Value>)> {
    let (_, me) = auth.member("read:bookmarks")?;
    let rows = posts::bookmarks(&ctx, me, p.i64("max_id")?, p.i64("limit")?.unwrap_or(20)).await?;
    cursor_page(&ctx, me.id, "/api/v1/bookmarks", rows).await
}

fn markers_json(
    rows: Vec<(String, String, i32, chrono::NaiveDateTime)>,
    wanted: &[String],
) -> Value {
    let mut out = serde_json::Map::new();
    for (timeline, last_read_id, version, updated_at) in rows {
        if wanted.is_empty() || wanted.contains(&timeline) {
            out.insert(timeline, json!({ "last_read_id": last_read_id, "version": version, "updated_at": views::time(updated_at) }));
        }
    }
    Value::Object(out)
}

/// `GET /api/v1/markers?timeline[]=home&timeline[]=notifications`
pub async fn markers(auth: Auth, State(ctx): State<Context>, p: Params) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("read:statuses")?;
    Ok(Json(markers_json(
        posts::markers(&ctx, me).await?,
        &p.list("timeline"),
    )))
}

/// `POST /api/v1/markers` with `home[last_read_id]` and/or `notifications[last_read_id]`.
pub async fn save_markers(
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:statuses")?;
    let mut saved = Vec::new();
    for timeline in posts::MARKER_TIMELINES {
        if let Some(Value::Object(m)) = p.value(timeline) {
            let id = match m.get("last_read_id") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => {
                    return Err(ApiError::unprocessable(format!(
                        "Validation failed: {timeline}[last_read_id] can't be blank"
                    )))
                }
            };
            posts::set_marker(&ctx, me, timeline, &id).await?;
            saved.push(timeline.to_string());
        }
    }
    if saved.is_empty() {
        return Err(ApiError::unprocessable(
            "Validation failed: give home[last_read_id] or notifications[last_read_id]",
        ));
    }
    Ok(Json(markers_json(posts::markers(&ctx, me).await?, &saved)))
}

pub async fn pin(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:accounts")?;
    let post = posts::pin(&ctx, me, parse_id(&id)?).await?;
    Ok(Json(views::status(&ctx, Some(me.id), post).await?))
}

pub async fn unpin(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:accounts")?;
    let post = posts::unpin(&ctx, me, parse_id(&id)?).await?;
    Ok(Json(views::status(&ctx, Some(me.id), post).await?))
}
