//! Fundraising campaigns: staff post them and keep their progress; anyone lists them.

use crate::auth::{Auth, MaybeAuth};
use crate::error::{parse_id, ApiResult};
use crate::params::Params;
use crate::views;
use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};
use tsunagu_db::{Campaign, Post};
use tsunagu_service::campaigns::{self, NewCampaign};
use tsunagu_service::Context;

async fn campaign_json(
    ctx: &Context,
    viewer: Option<i64>,
    c: &Campaign,
    post: Post,
) -> ApiResult<Value> {
    let status = views::status(ctx, viewer, post.clone()).await?;
    Ok(json!({
        "id": post.id.to_string(),
        "title": post.name,
        "goal": c.goal,
        "raised": c.raised,
        "currency": c.currency,
        "progress": if c.goal > 0 { c.raised as f64 / c.goal as f64 } else { 0.0 },
        "deadline": c.deadline.map(|d| d.to_string()),
        "payment_url": c.payment_url,
        "uri": post.ap_id,
        "url": status["url"],
        "status": status,
    }))
}

/// `POST /api/v1/tsunagu/campaigns` (staff): `title`, `body`, `goal`, `currency`, `deadline`,
/// `payment_url`.
pub async fn create(auth: Auth, State(ctx): State<Context>, p: Params) -> ApiResult<Json<Value>> {
    let (user, actor) = auth.member("write:statuses")?;
    let (c, post) = campaigns::create(
        &ctx,
        user,
        actor,
        NewCampaign {
            title: p.str("title").unwrap_or_default(),
            body: p.str("body").unwrap_or_default(),
            goal: p.i64("goal")?.unwrap_or(0),
            currency: p.str("currency").unwrap_or_else(|| "JPY".into()),
            deadline: p.str("deadline").unwrap_or_default(),
            payment_url: p.str("payment_url").unwrap_or_default(),
        },
    )
    .await?;
    Ok(Json(campaign_json(&ctx, Some(actor.id), &c, post).await?))
}

/// `GET /api/v1/tsunagu/campaigns`
pub async fn list(auth: MaybeAuth, State(ctx): State<Context>) -> ApiResult<Json<Value>> {
    let viewer = auth.viewer("read:statuses")?;
    let mut out = Vec::new();
    for (c, post) in campaigns::list(&ctx).await? {
        out.push(campaign_json(&ctx, viewer, &c, post).await?);
    }
    Ok(Json(json!(out)))
}

/// `PUT /api/v1/tsunagu/campaigns/:id` (staff): `raised`, the amount given so far.
pub async fn update(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (user, actor) = auth.member("write:statuses")?;
    let raised = p.i64("raised")?.ok_or_else(|| {
        crate::error::ApiError::unprocessable("Validation failed: raised is required")
    })?;
    let (c, post) = campaigns::set_raised(&ctx, user, parse_id(&id)?, raised).await?;
    Ok(Json(campaign_json(&ctx, Some(actor.id), &c, post).await?))
}
