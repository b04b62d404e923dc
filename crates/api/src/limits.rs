//! Rate limits with Mastodon's headers, and `Idempotency-Key` for posting. Both are kept in the
//! process's memory: with several processes behind a load balancer each counts on its own.

use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The window requests are counted in, as Mastodon counts them.
const WINDOW: Duration = Duration::from_secs(300);

/// Counts requests per access token, and per address for requests without one (behind a
/// reverse proxy, anonymous clients share the proxy's address).
#[derive(Clone)]
pub struct RateLimiter {
    limit: u32,
    windows: Arc<Mutex<HashMap<String, (Instant, u32)>>>,
}

impl RateLimiter {
    /// `limit` requests per five minutes for each token or address.
    pub fn new(limit: u32) -> RateLimiter {
        RateLimiter {
            limit,
            windows: Arc::default(),
        }
    }
}

fn client_key(req: &Request) -> Option<String> {
    let auth = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    Some(
        Sha256::digest(auth.as_bytes())
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect(),
    )
}

/// Counts each request against its token's window and answers 429 past the limit; every
/// answer carries `X-RateLimit-Limit`, `-Remaining` and `-Reset`.
pub async fn rate_limit(State(limiter): State<RateLimiter>, req: Request, next: Next) -> Response {
    let limit = limiter.limit;
    let key = match client_key(&req) {
        Some(k) => k,
        None => {
            let peer = req
                .extensions()
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_default();
            format!("ip:{peer}")
        }
    };
    let now = Instant::now();
    let (used, started) = {
        let mut windows = limiter.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() > 100_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = windows.entry(key).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 += 1;
        (entry.1, entry.0)
    };
    let reset = chrono::Utc::now()
        + chrono::Duration::from_std(WINDOW.saturating_sub(now.duration_since(started)))
            .unwrap_or_default();
    let mut response = if used > limit {
        ApiError::new(StatusCode::TOO_MANY_REQUESTS, "Too many requests").into_response()
    } else {
        next.run(req).await
    };
    let headers = response.headers_mut();
    let remaining = limit.saturating_sub(used);
    for (name, value) in [
        ("x-ratelimit-limit", limit.to_string()),
        ("x-ratelimit-remaining", remaining.to_string()),
        (
            "x-ratelimit-reset",
            reset.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        ),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    }
    response
}

/// (token id, key) to (status id, when it was made).
type SeenKeys = HashMap<(i64, String), (i64, Instant)>;

/// Statuses already created for an `Idempotency-Key`, per token, for an hour.
#[derive(Clone, Default)]
pub struct IdempotencyKeys {
    seen: Arc<Mutex<SeenKeys>>,
}

impl IdempotencyKeys {
    const TTL: Duration = Duration::from_secs(3600);

    pub fn get(&self, token_id: i64, key: &str) -> Option<i64> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.get(&(token_id, key.to_string()))
            .filter(|(_, at)| at.elapsed() < Self::TTL)
            .map(|(id, _)| *id)
    }

    pub fn put(&self, token_id: i64, key: &str, post_id: i64) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() > 100_000 {
            seen.retain(|_, (_, at)| at.elapsed() < Self::TTL);
        }
        seen.insert((token_id, key.to_string()), (post_id, Instant::now()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;

    #[tokio::test]
    async fn past_the_limit_answers_429_with_the_headers() {
        let app = Router::new().route("/", get(|| async { "ok" })).layer(
            axum::middleware::from_fn_with_state(RateLimiter::new(2), rate_limit),
        );
        let call = |token: &'static str| {
            let app = app.clone();
            async move {
                let req = Request::get("/")
                    .header("authorization", format!("Bearer {token}"))
                    .body(Body::empty())
                    .expect("request");
                app.oneshot(req).await.expect("response")
            }
        };
        let first = call("a").await;
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(first.headers()["x-ratelimit-remaining"], "1");
        assert_eq!(call("a").await.status(), StatusCode::OK);
        let refused = call("a").await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refused.headers()["x-ratelimit-remaining"], "0");
        assert_eq!(
            call("b").await.status(),
            StatusCode::OK,
            "another token has its own window"
        );
    }
}
