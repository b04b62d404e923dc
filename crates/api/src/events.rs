//! Events: creating, editing and cancelling them, the lists, taking part, and a member's
//! calendar feed address.

use crate::auth::{Auth, MaybeAuth};
use crate::error::{parse_id, ApiResult};
use crate::params::Params;
use crate::views;
use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};
use tsunagu_service::events::{self, EventInput, EventView};
use tsunagu_service::Context;

/// Events as the API shows them, with their status entities in one batch.
async fn events_json(
    ctx: &Context,
    viewer: Option<i64>,
    list: Vec<EventView>,
) -> ApiResult<Vec<Value>> {
    let posts = list.iter().map(|v| v.post.clone()).collect();
    let statuses = views::statuses(ctx, viewer, posts).await?;
    Ok(list
        .iter()
        .zip(statuses)
        .map(|(v, status)| {
            let (e, p) = (&v.event, &v.post);
            let url = p.url.clone().unwrap_or_else(|| p.ap_id.clone());
            json!({
                "id": p.id.to_string(),
                "uri": p.ap_id,
                "url": url,
                "title": p.name,
                "description": p.source,
                "content": p.content,
                "starts_at": views::time(e.starts_at),
                "ends_at": e.ends_at.map(views::time),
                "timezone": e.timezone,
                "utc_offset": events::offset_label(e.utc_offset),
                "location": e.location,
                "online_url": e.online_url,
                "capacity": e.capacity,
                "participants_count": v.participants_count,
                "waitlist_count": v.waitlist_count,
                "participation": v.participation,
                "cancelled": e.cancelled_at.is_some(),
                "over": v.is_over(),
                "local": p.local,
                "ics_url": ctx.url(&format!("/events/{}/event.ics", p.id)),
                "organizer": status["account"],
                "created_at": views::time(p.created_at),
                "status": status,
            })
        })
        .collect())
}

async fn one_json(ctx: &Context, viewer: Option<i64>, id: i64) -> ApiResult<Json<Value>> {
    let view = events::get(ctx, viewer, id).await?;
    let mut list = events_json(ctx, viewer, vec![view]).await?;
    Ok(Json(list.pop().unwrap_or(Value::Null)))
}

fn input(p: &Params) -> ApiResult<EventInput> {
    Ok(EventInput {
        title: p.str("title").unwrap_or_default(),
        description: p.str("description").unwrap_or_default(),
        starts_at: p.str("starts_at").unwrap_or_default(),
        ends_at: p.str("ends_at").unwrap_or_default(),
        timezone: p.str("timezone").unwrap_or_default(),
        location: p.str("location").unwrap_or_default(),
        online_url: p.str("online_url").unwrap_or_default(),
        capacity: p.i64("capacity")?,
    })
}

/// `POST /api/v1/tsunagu/events` (`title`, `description` Markdown, `starts_at`, `ends_at`
/// RFC 3339, `timezone`, `location`, `online_url`, `capacity`)
pub async fn create(auth: Auth, State(ctx): State<Context>, p: Params) -> ApiResult<Json<Value>> {
    let (_, actor) = auth.member("write:statuses")?;
    let post = events::create(&ctx, actor, input(&p)?).await?;
    one_json(&ctx, Some(actor.id), post.id).await
}

/// `PUT /api/v1/tsunagu/events/:id` (the same fields; the organiser or staff)
pub async fn update(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (user, actor) = auth.member("write:statuses")?;
    let post = events::update(&ctx, user, actor, parse_id(&id)?, input(&p)?).await?;
    one_json(&ctx, Some(actor.id), post.id).await
}

/// `POST /api/v1/tsunagu/events/:id/cancel`
pub async fn cancel(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (user, actor) = auth.member("write:statuses")?;
    let post = events::cancel(&ctx, user, actor, parse_id(&id)?).await?;
    one_json(&ctx, Some(actor.id), post.id).await
}

/// `GET /api/v1/tsunagu/events/:id`
pub async fn show(
    Path(id): Path<String>,
    auth: MaybeAuth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let viewer = auth.viewer("read:statuses")?;
    one_json(&ctx, viewer, parse_id(&id)?).await
}

/// `GET /api/v1/tsunagu/events` (`scope` upcoming, past or mine; `local=true`; `offset`,
/// `limit`)
pub async fn list(
    auth: MaybeAuth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let viewer = auth.viewer("read:statuses")?;
    let scope = events::scope(&p.str("scope").unwrap_or_default(), viewer)?;
    let found = events::list(
        &ctx,
        viewer,
        scope,
        p.bool("local")?.unwrap_or(false),
        p.i64("offset")?.unwrap_or(0),
        p.i64("limit")?.unwrap_or(20),
    )
    .await?;
    Ok(Json(json!(events_json(&ctx, viewer, found).await?)))
}

/// `POST /api/v1/tsunagu/events/:id/join`: going, or waiting when full, or pending when the
/// organiser is elsewhere.
pub async fn join(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, actor) = auth.member("write:statuses")?;
    let id = parse_id(&id)?;
    events::join(&ctx, actor, id).await?;
    one_json(&ctx, Some(actor.id), id).await
}

/// `POST /api/v1/tsunagu/events/:id/leave`
pub async fn leave(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, actor) = auth.member("write:statuses")?;
    let id = parse_id(&id)?;
    events::leave(&ctx, actor, id).await?;
    one_json(&ctx, Some(actor.id), id).await
}

/// `GET /api/v1/tsunagu/calendar`: the secret address of the member's calendar feed
/// (`POST` gives a new one, and the old one stops working).
pub async fn calendar(auth: Auth, State(ctx): State<Context>) -> ApiResult<Json<Value>> {
    feed_address(auth, ctx, false).await
}

pub async fn renew_calendar(auth: Auth, State(ctx): State<Context>) -> ApiResult<Json<Value>> {
    feed_address(auth, ctx, true).await
}

async fn feed_address(auth: Auth, ctx: Context, renew: bool) -> ApiResult<Json<Value>> {
    let (user, _) = auth.member("read:statuses")?;
    let token = events::feed_token(&ctx, user.id, renew).await?;
    Ok(Json(json!({
        "url": ctx.url(&format!("/calendar/{token}/events.ics")),
    })))
}
