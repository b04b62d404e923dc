//! Media uploads (`/api/v1/media`, `/api/v2/media`) and the files themselves (`/media/NAME`).

use crate::auth::Auth;
use crate::error::{parse_id, ApiError, ApiResult};
use crate::params::Params;
use crate::views;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;
use tsunagu_service::media;
use tsunagu_service::Context;

fn focus_of(p: &Params) -> ApiResult<Option<(f64, f64)>> {
    match p.str("focus").filter(|f| !f.is_empty()) {
        Some(raw) => Ok(Some(media::parse_focus(&raw)?)),
        None => Ok(None),
    }
}

/// `POST /api/v1/media` and `/api/v2/media`: a multipart `file`, with `description` and
/// `focus`. Images are ready at once, so both answer 200 with the attachment.
pub async fn upload(auth: Auth, State(ctx): State<Context>, p: Params) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:media")?;
    let file = p
        .file("file")
        .ok_or_else(|| ApiError::unprocessable("Validation failed: file can't be blank"))?;
    let description = p.str("description").unwrap_or_default();
    let uploaded = media::upload(&ctx, me, &file.bytes, &description, focus_of(&p)?).await?;
    Ok(Json(views::attachment(&ctx, &uploaded)))
}

/// `GET /api/v1/media/:id`: one's own upload.
pub async fn show(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:media")?;
    let id = parse_id(&id)?;
    let found = media::own(&ctx, me, id).await?;
    Ok(Json(views::attachment(&ctx, &found)))
}

/// `PUT /api/v1/media/:id`: change `description` or `focus`.
pub async fn update(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:media")?;
    let id = parse_id(&id)?;
    let description = p.str("description");
    let updated = media::update(&ctx, me, id, description.as_deref(), focus_of(&p)?).await?;
    Ok(Json(views::attachment(&ctx, &updated)))
}

/// `GET /media/NAME`: an uploaded file. Names are random and never reused, so the file may be
/// cached for good.
pub async fn file(Path(name): Path<String>, State(ctx): State<Context>) -> ApiResult<Response> {
    let (content_type, bytes) = media::stored_file(&ctx, &name).await?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        bytes,
    )
        .into_response())
}
