//! Talk rooms: opening one, invitations, joining and leaving, and the room's messages.

use crate::auth::Auth;
use crate::error::{parse_id, ApiResult};
use crate::params::Params;
use crate::views;
use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};
use tsunagu_db::{Room, RoomMember};
use tsunagu_service::{rooms, Context};

async fn room_json(
    ctx: &Context,
    room: &Room,
    me: &RoomMember,
    members: &[RoomMember],
) -> ApiResult<Value> {
    let mut ids: Vec<i64> = members.iter().map(|m| m.actor_id).collect();
    ids.push(room.owner_id);
    let accounts = views::accounts_by_id(ctx, ids).await?;
    let account = |id: i64| accounts.get(&id).cloned().unwrap_or(Value::Null);
    // Someone only invited sees who invited them, not the members.
    let shown: Vec<Value> = if me.state == rooms::MEMBER {
        members
            .iter()
            .map(|m| json!({ "account": account(m.actor_id), "state": m.state }))
            .collect()
    } else {
        Vec::new()
    };
    Ok(json!({
        "id": room.id.to_string(),
        "title": room.title,
        "description": room.description,
        "owner": account(room.owner_id),
        "state": me.state,
        "members": shown,
        "members_count": members.iter().filter(|m| m.state == rooms::MEMBER).count(),
        "created_at": views::time(room.created_at),
    }))
}

async fn one(ctx: &Context, actor: &tsunagu_db::Actor, id: i64) -> ApiResult<Json<Value>> {
    let (room, me, members) = rooms::get(ctx, actor, id).await?;
    Ok(Json(room_json(ctx, &room, &me, &members).await?))
}

/// `POST /api/v1/tsunagu/rooms` (`title`, `description`)
pub async fn create(auth: Auth, State(ctx): State<Context>, p: Params) -> ApiResult<Json<Value>> {
    let (_, actor) = auth.member("write:statuses")?;
    let room = rooms::create(
        &ctx,
        actor,
        &p.str("title").unwrap_or_default(),
        &p.str("description").unwrap_or_default(),
    )
    .await?;
    one(&ctx, actor, room.id).await
}

/// `GET /api/v1/tsunagu/rooms`: the rooms the member is in or invited to.
pub async fn list(auth: Auth, State(ctx): State<Context>) -> ApiResult<Json<Value>> {
    let (_, actor) = auth.member("read:statuses")?;
    let mut out = Vec::new();
    for (room, _) in rooms::mine(&ctx, actor).await? {
        let (room, me, members) = rooms::get(&ctx, actor, room.id).await?;
        out.push(room_json(&ctx, &room, &me, &members).await?);
    }
    Ok(Json(json!(out)))
}

/// `GET /api/v1/tsunagu/rooms/:id`
pub async fn show(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, actor) = auth.member("read:statuses")?;
    one(&ctx, actor, parse_id(&id)?).await
}

/// `POST /api/v1/tsunagu/rooms/:id/invitations` (`account_id`): the owner invites.
pub async fn invite(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (_, actor) = auth.member("write:statuses")?;
    let id = parse_id(&id)?;
    let invitee = parse_id(&p.require("account_id")?)?;
    rooms::invite(&ctx, actor, id, invitee).await?;
    one(&ctx, actor, id).await
}

/// `POST /api/v1/tsunagu/rooms/:id/join` and `/leave`.
pub async fn membership(
    Path((id, action)): Path<(String, String)>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, actor) = auth.member("write:statuses")?;
    let id = parse_id(&id)?;
    match action.as_str() {
        "join" => {
            rooms::join(&ctx, actor, id).await?;
            one(&ctx, actor, id).await
        }
        "leave" => {
            rooms::leave(&ctx, actor, id).await?;
            Ok(Json(json!({})))
        }
        _ => Err(crate::error::ApiError::not_found()),
    }
}

/// `DELETE /api/v1/tsunagu/rooms/:id/members/:account_id`: the owner removes someone.
pub async fn remove(
    Path((id, member)): Path<(String, String)>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, actor) = auth.member("write:statuses")?;
    let id = parse_id(&id)?;
    rooms::remove(&ctx, actor, id, parse_id(&member)?).await?;
    one(&ctx, actor, id).await
}

/// `GET /api/v1/tsunagu/rooms/:id/messages` (`max_id`, `limit`): newest first, as statuses.
pub async fn messages(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (_, actor) = auth.member("read:statuses")?;
    let found = rooms::messages(
        &ctx,
        actor,
        parse_id(&id)?,
        p.i64("max_id")?,
        p.i64("limit")?.unwrap_or(40),
    )
    .await?;
    Ok(Json(json!(
        views::statuses(&ctx, Some(actor.id), found).await?
    )))
}

/// `POST /api/v1/tsunagu/rooms/:id/messages` (`text`)
pub async fn say(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (_, actor) = auth.member("write:statuses")?;
    let post = rooms::say(
        &ctx,
        actor,
        parse_id(&id)?,
        &p.str("text").unwrap_or_default(),
    )
    .await?;
    Ok(Json(views::status(&ctx, Some(actor.id), post).await?))
}
