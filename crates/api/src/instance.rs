//! What the instance tells clients about itself.

use crate::error::ApiResult;
use crate::InstanceInfo;
use axum::extract::State;
use axum::{Extension, Json};
use serde_json::{json, Value};
use tsunagu_db::queries::{actors, posts};
use tsunagu_service::joining::Registrations;
use tsunagu_service::posts::MAX_STATUS_CHARS;
use tsunagu_service::{media, polls, Context};

/// Mastodon API version we follow, then ours: clients parse the leading `X.Y.Z`.
pub fn version() -> String {
    format!("4.3.0 (compatible; Tsunagu {})", env!("CARGO_PKG_VERSION"))
}

fn configuration(ctx: &Context) -> Value {
    json!({
        "urls": { "streaming": ctx.url("").replacen("http", "ws", 1) },
        "accounts": { "max_featured_tags": 0, "max_pinned_statuses": 0 },
        "statuses": {
            "max_characters": MAX_STATUS_CHARS,
            "max_media_attachments": media::MAX_ATTACHMENTS,
            "characters_reserved_per_url": 23,
        },
        "media_attachments": {
            "supported_mime_types": ["image/png", "image/jpeg", "image/gif", "image/webp"],
            "description_limit": media::MAX_DESCRIPTION_CHARS,
            "image_size_limit": media::MAX_IMAGE_BYTES,
            "image_matrix_limit": media::MAX_IMAGE_PIXELS,
            "video_size_limit": 0,
            "video_frame_rate_limit": 0,
            "video_matrix_limit": 0,
        },
        "polls": {
            "max_options": polls::MAX_OPTIONS,
            "max_characters_per_option": polls::MAX_OPTION_CHARS,
            "min_expiration": polls::MIN_EXPIRY_SECS,
            "max_expiration": polls::MAX_EXPIRY_SECS,
        },
        "translation": { "enabled": false },
    })
}

pub async fn v1(
    State(ctx): State<Context>,
    Extension(info): Extension<InstanceInfo>,
) -> ApiResult<Json<Value>> {
    let (users, statuses) = ctx
        .db
        .read(|c| Ok((actors::count_local(c, "Person")?, posts::count_local(c)?)))
        .await?;
    let mut config = configuration(&ctx);
    if let Value::Object(map) = &mut config {
        map.remove("urls");
    }
    Ok(Json(json!({
        "uri": ctx.domain,
        "title": info.title,
        "short_description": info.description,
        "description": info.description,
        "email": info.contact_email,
        "version": version(),
        "urls": { "streaming_api": ctx.url("").replacen("http", "ws", 1) },
        "stats": { "user_count": users, "status_count": statuses, "domain_count": 0 },
        "thumbnail": null,
        "languages": ["en", "ja"],
        "registrations": tsunagu_service::joining::sign_up_open(&ctx),
        "approval_required": ctx.registrations == Registrations::Approval,
        "invites_enabled": true,
        "configuration": config,
        "contact_account": null,
        "rules": [],
    })))
}

pub async fn v2(
    State(ctx): State<Context>,
    Extension(info): Extension<InstanceInfo>,
) -> ApiResult<Json<Value>> {
    let users = ctx.db.read(|c| actors::count_local(c, "Person")).await?;
    Ok(Json(json!({
        "domain": ctx.domain,
        "title": info.title,
        "version": version(),
        "source_url": ctx.url("/"),
        "description": info.description,
        "usage": { "users": { "active_month": users } },
        "thumbnail": { "url": ctx.url("/headers/original/missing.png") },
        "icon": [],
        "languages": ["en", "ja"],
        "configuration": configuration(&ctx),
        "registrations": {
            "enabled": tsunagu_service::joining::sign_up_open(&ctx),
            "approval_required": ctx.registrations == Registrations::Approval,
            "message": null,
            "url": null,
        },
        "api_versions": { "mastodon": 2 },
        "contact": { "email": info.contact_email, "account": null },
        "rules": [],
    })))
}

pub async fn peers() -> Json<Value> {
    Json(json!([]))
}
