//! Mastodon's admin API, the parts staff need here: federation policy (domain blocks and,
//! for allow-list mode, domain allows). The public list of blocked servers is
//! `GET /api/v1/instance/domain_blocks`.

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::views;
use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tsunagu_db::{DomainAllow, DomainBlock};
use tsunagu_service::policy::{self, NewBlock, Severity};
use tsunagu_service::{boards, Context};

/// The member behind `auth`, who must be staff, with the token granting `scope`.
fn staff(auth: &Auth, scope: &str) -> ApiResult<()> {
    let (user, _) = auth.member(scope)?;
    boards::require_staff(user)?;
    Ok(())
}

fn digest(domain: &str) -> String {
    Sha256::digest(domain.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn block_json(b: &DomainBlock) -> Value {
    json!({
        "id": b.id.to_string(),
        "domain": b.domain,
        "digest": digest(&b.domain),
        "created_at": views::time(b.created_at),
        "severity": b.severity,
        "reject_media": b.severity == "suspend",
        "reject_reports": b.severity == "suspend",
        "private_comment": b.private_comment,
        "public_comment": b.public_comment,
        "obfuscate": false,
    })
}

fn allow_json(a: &DomainAllow) -> Value {
    json!({
        "id": a.id.to_string(),
        "domain": a.domain,
        "created_at": views::time(a.created_at),
    })
}

fn parse_id(id: &str) -> ApiResult<i64> {
    id.parse().map_err(|_| ApiError::not_found())
}

fn severity(p: &Params) -> ApiResult<Option<Severity>> {
    Ok(match p.str("severity").filter(|s| !s.is_empty()) {
        Some(s) => Some(Severity::parse(&s)?),
        None => None,
    })
}

/// `GET /api/v1/admin/domain_blocks`
pub async fn list_blocks(auth: Auth, State(ctx): State<Context>) -> ApiResult<Json<Value>> {
    staff(&auth, "admin:read:domain_blocks")?;
    let blocks = policy::list_blocks(&ctx).await?;
    Ok(Json(json!(blocks
        .iter()
        .map(block_json)
        .collect::<Vec<_>>())))
}

/// `GET /api/v1/admin/domain_blocks/:id`
pub async fn show_block(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    staff(&auth, "admin:read:domain_blocks")?;
    Ok(Json(block_json(
        &policy::get_block(&ctx, parse_id(&id)?).await?,
    )))
}

/// `POST /api/v1/admin/domain_blocks`: `domain`, `severity` (`silence` or `suspend`,
/// `silence` when left out), `public_comment`, `private_comment`.
pub async fn create_block(
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    staff(&auth, "admin:write:domain_blocks")?;
    let block = policy::block_domain(
        &ctx,
        NewBlock {
            domain: p.require("domain")?,
            severity: severity(&p)?.unwrap_or(Severity::Silence),
            public_comment: p.str("public_comment").unwrap_or_default(),
            private_comment: p.str("private_comment").unwrap_or_default(),
        },
    )
    .await?;
    Ok(Json(block_json(&block)))
}

/// `PUT /api/v1/admin/domain_blocks/:id`
pub async fn update_block(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    staff(&auth, "admin:write:domain_blocks")?;
    let block = policy::update_block(
        &ctx,
        parse_id(&id)?,
        severity(&p)?,
        p.str("public_comment"),
        p.str("private_comment"),
    )
    .await?;
    Ok(Json(block_json(&block)))
}

/// `DELETE /api/v1/admin/domain_blocks/:id`
pub async fn delete_block(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    staff(&auth, "admin:write:domain_blocks")?;
    policy::unblock_domain(&ctx, parse_id(&id)?).await?;
    Ok(Json(json!({})))
}

/// `GET /api/v1/admin/domain_allows`
pub async fn list_allows(auth: Auth, State(ctx): State<Context>) -> ApiResult<Json<Value>> {
    staff(&auth, "admin:read:domain_allows")?;
    let allows = policy::list_allows(&ctx).await?;
    Ok(Json(json!(allows
        .iter()
        .map(allow_json)
        .collect::<Vec<_>>())))
}

/// `GET /api/v1/admin/domain_allows/:id`
pub async fn show_allow(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    staff(&auth, "admin:read:domain_allows")?;
    Ok(Json(allow_json(
        &policy::get_allow(&ctx, parse_id(&id)?).await?,
    )))
}

/// `POST /api/v1/admin/domain_allows`: `domain`.
pub async fn create_allow(
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    staff(&auth, "admin:write:domain_allows")?;
    let allow = policy::allow_domain(&ctx, &p.require("domain")?).await?;
    Ok(Json(allow_json(&allow)))
}

/// `DELETE /api/v1/admin/domain_allows/:id`
pub async fn delete_allow(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    staff(&auth, "admin:write:domain_allows")?;
    policy::disallow_domain(&ctx, parse_id(&id)?).await?;
    Ok(Json(json!({})))
}

/// `GET /api/v1/instance/domain_blocks`: the servers this instance blocks, for anyone.
pub async fn public_blocks(State(ctx): State<Context>) -> ApiResult<Json<Value>> {
    let blocks = policy::list_blocks(&ctx).await?;
    Ok(Json(json!(blocks
        .iter()
        .map(|b| json!({
            "domain": b.domain,
            "digest": digest(&b.domain),
            "severity": b.severity,
            "comment": b.public_comment,
        }))
        .collect::<Vec<_>>())))
}
