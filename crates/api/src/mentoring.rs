//! Mentoring: a member's mentor profile, finding mentors here and elsewhere, and requests.

use crate::auth::{Auth, MaybeAuth};
use crate::error::{parse_id, ApiResult};
use crate::params::Params;
use crate::views;
use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};
use tsunagu_db::queries::mentoring::MentorFilter;
use tsunagu_db::{MentorProfile, MentoringRequest};
use tsunagu_service::mentoring::{self, ProfileInput};
use tsunagu_service::Context;

fn profile_json(p: &MentorProfile) -> Value {
    json!({
        "available": p.available,
        "topics": p.topic_list(),
        "capacity": p.capacity,
        "note": p.note,
        "updated_at": views::time(p.updated_at),
    })
}

/// `GET /api/v1/tsunagu/mentoring/profile`: the member's own (not offering, until written).
pub async fn profile(auth: Auth, State(ctx): State<Context>) -> ApiResult<Json<Value>> {
    let (_, actor) = auth.member("read:accounts")?;
    Ok(Json(match mentoring::profile(&ctx, actor.id).await? {
        Some(p) => profile_json(&p),
        None => {
            json!({ "available": false, "topics": [], "capacity": 1, "note": "", "updated_at": null })
        }
    }))
}

/// `PUT /api/v1/tsunagu/mentoring/profile` (`available`, `topics` list or comma-separated,
/// `capacity` 1–20, `note`)
pub async fn set_profile(
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (_, actor) = auth.member("write:accounts")?;
    let saved = mentoring::set_profile(
        &ctx,
        actor,
        ProfileInput {
            available: p.bool("available")?.unwrap_or(false),
            topics: p.list("topics"),
            capacity: p.i64("capacity")?,
            note: p.str("note").unwrap_or_default(),
        },
    )
    .await?;
    Ok(Json(profile_json(&saved)))
}

/// `GET /api/v1/tsunagu/mentors` (`topic`, `q`, `local=true`, `offset`, `limit`)
pub async fn mentors(
    auth: MaybeAuth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let viewer = auth.viewer("read:accounts")?;
    let found = mentoring::mentors(
        &ctx,
        viewer,
        MentorFilter {
            topic: p.str("topic"),
            text: p.str("q"),
            local_only: p.bool("local")?.unwrap_or(false),
            offset: p.i64("offset")?.unwrap_or(0),
            limit: p.i64("limit")?.unwrap_or(40),
        },
    )
    .await?;
    let actor_rows: Vec<_> = found.iter().map(|(_, a, _)| a.clone()).collect();
    let accounts = views::accounts(&ctx, &actor_rows).await?;
    Ok(Json(json!(found
        .iter()
        .zip(accounts)
        .map(|((p, a, free), account)| {
            let mut v = profile_json(p);
            v["account"] = account;
            v["local"] = json!(a.local);
            v["free_places"] = json!(free);
            v
        })
        .collect::<Vec<_>>())))
}

async fn requests_json(ctx: &Context, list: &[MentoringRequest]) -> ApiResult<Vec<Value>> {
    let ids: Vec<i64> = list
        .iter()
        .flat_map(|r| [r.mentor_id, r.mentee_id])
        .collect();
    let accounts = views::accounts_by_id(ctx, ids).await?;
    let account = |id: i64| accounts.get(&id).cloned().unwrap_or(Value::Null);
    Ok(list
        .iter()
        .map(|r| {
            json!({
                "id": r.id.to_string(),
                "uri": r.ap_id,
                "state": r.state,
                "mentor": account(r.mentor_id),
                "mentee": account(r.mentee_id),
                "message": r.message,
                "reason": (!r.reason.is_empty()).then_some(&r.reason),
                "conversation_status_id": r.conversation_post_id.map(|id| id.to_string()),
                "created_at": views::time(r.created_at),
                "answered_at": r.answered_at.map(views::time),
                "expires_at": views::time(r.expires_at),
            })
        })
        .collect())
}

async fn one(ctx: &Context, r: MentoringRequest) -> ApiResult<Json<Value>> {
    Ok(Json(
        requests_json(ctx, &[r]).await?.pop().unwrap_or(Value::Null),
    ))
}

/// `POST /api/v1/tsunagu/mentoring/requests` (`mentor_id`, `message`)
pub async fn ask(auth: Auth, State(ctx): State<Context>, p: Params) -> ApiResult<Json<Value>> {
    let (_, actor) = auth.member("write:statuses")?;
    let mentor = parse_id(&p.require("mentor_id")?)?;
    let r = mentoring::ask(&ctx, actor, mentor, &p.str("message").unwrap_or_default()).await?;
    one(&ctx, r).await
}

/// `GET /api/v1/tsunagu/mentoring/requests` (`role` mentor or mentee, `state`, `limit`)
pub async fn list(auth: Auth, State(ctx): State<Context>, p: Params) -> ApiResult<Json<Value>> {
    let (_, actor) = auth.member("read:statuses")?;
    let found = mentoring::requests(
        &ctx,
        actor,
        p.str("role").as_deref(),
        p.str("state").as_deref(),
        p.i64("limit")?.unwrap_or(40),
    )
    .await?;
    Ok(Json(json!(requests_json(&ctx, &found).await?)))
}

/// `GET /api/v1/tsunagu/mentoring/requests/:id`
pub async fn show(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, actor) = auth.member("read:statuses")?;
    let r = mentoring::get(&ctx, actor, parse_id(&id)?).await?;
    one(&ctx, r).await
}

/// `POST /api/v1/tsunagu/mentoring/requests/:id/{accept,decline,cancel}` (`reason` for a
/// decline)
pub async fn answer(
    Path((id, action)): Path<(String, String)>,
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (_, actor) = auth.member("write:statuses")?;
    let id = parse_id(&id)?;
    let r = match action.as_str() {
        "accept" => mentoring::accept(&ctx, actor, id).await?,
        "decline" => {
            mentoring::decline(&ctx, actor, id, &p.str("reason").unwrap_or_default()).await?
        }
        "cancel" => mentoring::cancel(&ctx, actor, id).await?,
        _ => return Err(crate::error::ApiError::not_found()),
    };
    one(&ctx, r).await
}
