//! Polls: `GET /api/v1/polls/:id` and voting.

use crate::auth::{Auth, MaybeAuth};
use crate::error::{parse_id, ApiError, ApiResult};
use crate::params::Params;
use crate::views;
use axum::extract::{Path, State};
use axum::Json;
use serde_json::Value;
use tsunagu_service::{polls, Context};

pub async fn show(
    Path(id): Path<String>,
    viewer: MaybeAuth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let viewer = viewer.viewer("read:statuses")?;
    let state = polls::get(&ctx, viewer, parse_id(&id)?).await?;
    Ok(Json(views::poll(&ctx, viewer, state).await?))
}

/// `POST /api/v1/polls/:id/votes` with `choices[]`.
pub async fn vote(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:statuses")?;
    let choices = p
        .list("choices")
        .iter()
        .map(|c| {
            c.parse::<i64>().map_err(|_| {
                ApiError::unprocessable("Validation failed: choices must be option numbers")
            })
        })
        .collect::<ApiResult<Vec<i64>>>()?;
    let state = polls::vote(&ctx, me, parse_id(&id)?, &choices).await?;
    Ok(Json(views::poll(&ctx, Some(me.id), state).await?))
}

/// The `poll` parameters of a new status, if any.
pub fn new_poll(p: &Params) -> ApiResult<Option<polls::NewPoll>> {
    let Some(poll) = p.object("poll") else {
        return Ok(None);
    };
    let options = poll.list("options");
    if options.is_empty() {
        return Ok(None);
    }
    Ok(Some(polls::NewPoll {
        options,
        expires_in: poll.i64("expires_in")?.unwrap_or(86_400),
        multiple: poll.bool("multiple")?.unwrap_or(false),
        hide_totals: poll.bool("hide_totals")?.unwrap_or(false),
    }))
}
