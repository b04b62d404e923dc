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
use tsunagu_service::Context;

/// The window requests are counted in, as Mastodon counts them.
const WINDOW: Duration = Duration::from_secs(300);
/// Keys counted at most in one window; requests of further keys share one count, so a
/// flood of made-up keys neither grows memory nor slows anyone down.
const MAX_KEYS: usize = 50_000;

/// Counts requests in fixed five-minute windows: per access token for requests with a token
/// this server issued, per address for all others (anonymous ones, and made-up tokens, so
/// that sending a random `Authorization` header buys nothing). Behind a reverse proxy,
/// anonymous clients share the proxy's address.
#[derive(Clone)]
pub struct RateLimiter {
    limit: u32,
    ctx: Context,
    windows: Arc<Mutex<Windows>>,
    tokens: Arc<Mutex<KnownTokens>>,
}

struct Windows {
    started: Instant,
    counts: HashMap<String, u32>,
}

/// Tokens recently checked: hash prefix to (token id or none, when checked).
#[derive(Default)]
struct KnownTokens(HashMap<String, (Option<i64>, Instant)>);

/// How long a token's check is trusted (a revoked token is counted by address after this).
const TOKEN_CHECK_TTL: Duration = Duration::from_secs(60);

impl RateLimiter {
    /// `limit` requests per five minutes for each token or address.
    pub fn new(ctx: Context, limit: u32) -> RateLimiter {
        RateLimiter {
            limit,
            ctx,
            windows: Arc::new(Mutex::new(Windows {
                started: Instant::now(),
                counts: HashMap::new(),
            })),
            tokens: Arc::default(),
        }
    }

    /// Counts one request of `key`; returns the count so far and when the window began.
    fn count(&self, key: String) -> (u32, Instant) {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.started.elapsed() >= WINDOW {
            // A new window: forget the old one at once rather than scanning it.
            windows.started = Instant::now();
            windows.counts = HashMap::new();
        }
        let key = if windows.counts.len() >= MAX_KEYS && !windows.counts.contains_key(&key) {
            "overflow".to_string()
        } else {
            key
        };
        let n = windows.counts.entry(key).or_insert(0);
        *n += 1;
        (*n, windows.started)
    }

    /// The id of the token a request carries, if this server issued it and it is valid.
    async fn token_id(&self, token: Option<String>) -> Option<i64> {
        let token = token?;
        let token = token.as_str();
        let digest: String = Sha256::digest(token.as_bytes())
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect();
        let known = self.tokens_lock().0.get(&digest).copied();
        if let Some((id, at)) = known {
            if at.elapsed() < TOKEN_CHECK_TTL {
                return id;
            }
        }
        let id = tsunagu_service::oauth::verify_token(&self.ctx, token)
            .await
            .ok()
            .map(|(t, _)| t.id);
        self.remember_token(digest, id);
        id
    }

    fn remember_token(&self, digest: String, id: Option<i64>) {
        let mut tokens = self.tokens_lock();
        if tokens.0.len() >= MAX_KEYS {
            tokens.0.clear();
        }
        tokens.0.insert(digest, (id, Instant::now()));
    }

    fn tokens_lock(&self) -> std::sync::MutexGuard<'_, KnownTokens> {
        self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn address(req: &Request) -> String {
    req.extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default()
}

/// Counts each request against its token's or address's window and answers 429 past the
/// limit; every answer carries `X-RateLimit-Limit`, `-Remaining` and `-Reset`.
pub async fn rate_limit(State(limiter): State<RateLimiter>, req: Request, next: Next) -> Response {
    let token = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    let key = match limiter.token_id(token).await {
        Some(id) => format!("token:{id}"),
        None => format!("ip:{}", address(&req)),
    };
    limited(&limiter, key, req, next).await
}

/// The tighter limit of the routes that check passwords or register apps, per address
/// whatever token the request carries.
pub async fn sensitive_limit(
    State(limiter): State<RateLimiter>,
    req: Request,
    next: Next,
) -> Response {
    let key = format!("ip:{}", address(&req));
    limited(&limiter, key, req, next).await
}

async fn limited(limiter: &RateLimiter, key: String, req: Request, next: Next) -> Response {
    let limit = limiter.limit;
    let (used, started) = limiter.count(key);
    let reset = chrono::Utc::now()
        + chrono::Duration::from_std(WINDOW.saturating_sub(started.elapsed())).unwrap_or_default();
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
        // A tighter limit inside this one (sign-in) already said what counts.
        if headers.contains_key(name) {
            continue;
        }
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

    fn limiter() -> RateLimiter {
        let dir = tempfile::tempdir().expect("dir");
        let db = tsunagu_db::Db::connect(&format!("sqlite://{}/t.db", dir.path().display()))
            .expect("db");
        db.migrate().expect("migrate");
        // The directory goes when the test ends; the connection keeps the file open.
        std::mem::forget(dir);
        let ctx = Context::new(db, "here.example".into(), "https".into(), "media".into());
        RateLimiter::new(ctx, 2)
    }

    #[test]
    fn a_flood_of_new_keys_stays_bounded() {
        let limiter = limiter();
        for i in 0..(MAX_KEYS + 5_000) {
            limiter.count(format!("ip:{i}"));
        }
        let windows = limiter.windows.lock().expect("lock");
        assert!(windows.counts.len() <= MAX_KEYS + 1);
        assert_eq!(windows.counts["overflow"], 5_000);
    }

    #[test]
    fn each_key_counts_on_its_own() {
        let limiter = limiter();
        assert_eq!(limiter.count("ip:a".into()).0, 1);
        assert_eq!(limiter.count("ip:a".into()).0, 2);
        assert_eq!(limiter.count("ip:b".into()).0, 1);
    }
}
