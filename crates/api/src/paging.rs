//! Mastodon-style pagination: `max_id`, `since_id`, `min_id`, `limit`, and a `Link` header.

use crate::error::ApiResult;
use crate::params::Params;
use axum::http::{HeaderMap, HeaderValue};
use tsunagu_db::queries::Page;
use tsunagu_service::Context;

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 40;

pub fn page(p: &Params) -> ApiResult<Page> {
    Ok(Page {
        max_id: p.i64("max_id")?,
        since_id: p.i64("since_id")?,
        min_id: p.i64("min_id")?,
        limit: p.i64("limit")?.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
    })
}

/// `Link: <...?max_id=OLDEST>; rel="next", <...?min_id=NEWEST>; rel="prev"` for a page whose
/// items (newest first) have ids `ids`.
pub fn link_header(ctx: &Context, path: &str, extra: &str, ids: &[i64]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let (Some(newest), Some(oldest)) = (ids.first(), ids.last()) else {
        return headers;
    };
    let sep = if extra.is_empty() {
        String::new()
    } else {
        format!("{extra}&")
    };
    let base = ctx.url(path);
    let value = format!(
        "<{base}?{sep}max_id={oldest}>; rel=\"next\", <{base}?{sep}min_id={newest}>; rel=\"prev\""
    );
    if let Ok(v) = HeaderValue::from_str(&value) {
        headers.insert(axum::http::header::LINK, v);
    }
    headers
}

/// `Link: <...?max_id=CURSOR>; rel="next"` for lists paged by a cursor of their own (follows,
/// favourites, bookmarks) rather than by status id.
pub fn next_link(ctx: &Context, path: &str, last_cursor: Option<i64>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(last) = last_cursor {
        let value = format!("<{}?max_id={last}>; rel=\"next\"", ctx.url(path));
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(axum::http::header::LINK, v);
        }
    }
    headers
}
