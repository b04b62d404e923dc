//! Career offers: posting one (a thread of the careers board with its facts) and the listing.

use crate::auth::{Auth, MaybeAuth};
use crate::error::ApiResult;
use crate::params::Params;
use crate::views;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};
use tsunagu_db::{CareerOffer, Post};
use tsunagu_service::careers::{self, NewOffer};
use tsunagu_service::Context;

async fn offer_json(
    ctx: &Context,
    viewer: Option<i64>,
    offer: &CareerOffer,
    post: Post,
) -> ApiResult<Value> {
    let status = views::status(ctx, viewer, post.clone()).await?;
    Ok(json!({
        "id": post.id.to_string(),
        "kind": offer.kind,
        "title": post.name,
        "company": offer.company,
        "place": offer.place,
        "deadline": offer.deadline.map(|d| d.to_string()),
        "expires_at": views::time(offer.expires_at),
        "uri": post.ap_id,
        "url": status["url"],
        "status": status,
    }))
}

/// `POST /api/v1/tsunagu/careers` (`kind`: job, internship, referral, visit; `title`, `body`
/// Markdown, `company`, `place`, `deadline` YYYY-MM-DD)
pub async fn create(auth: Auth, State(ctx): State<Context>, p: Params) -> ApiResult<Json<Value>> {
    let (_, actor) = auth.member("write:statuses")?;
    let (offer, post) = careers::post(
        &ctx,
        actor,
        NewOffer {
            kind: p.str("kind").unwrap_or_else(|| "job".into()),
            title: p.str("title").unwrap_or_default(),
            body: p.str("body").unwrap_or_default(),
            company: p.str("company").unwrap_or_default(),
            place: p.str("place").unwrap_or_default(),
            deadline: p.str("deadline").unwrap_or_default(),
        },
    )
    .await?;
    Ok(Json(offer_json(&ctx, Some(actor.id), &offer, post).await?))
}

/// `GET /api/v1/tsunagu/careers` (`kind`, `expired=true` to include expired offers, `limit`)
pub async fn list(
    auth: MaybeAuth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let viewer = auth.viewer("read:statuses")?;
    let offers = careers::list(
        &ctx,
        p.str("kind").filter(|k| !k.is_empty()),
        p.bool("expired")?.unwrap_or(false),
        p.i64("limit")?.unwrap_or(40),
    )
    .await?;
    let mut out = Vec::with_capacity(offers.len());
    for (offer, post) in offers {
        out.push(offer_json(&ctx, viewer, &offer, post).await?);
    }
    Ok(Json(json!(out)))
}

/// `POST /api/v1/tsunagu/careers/:id/close`: the author or staff take an offer out of listings.
pub async fn close(
    axum::extract::Path(id): axum::extract::Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (user, actor) = auth.member("write:statuses")?;
    careers::close(&ctx, user, actor, crate::error::parse_id(&id)?).await?;
    Ok(Json(json!({})))
}
