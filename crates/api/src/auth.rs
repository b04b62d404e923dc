//! Bearer tokens and scopes.

use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use tsunagu_db::{Actor, OauthToken, User};
use tsunagu_service::{oauth, Context};

/// A valid token, with its member unless it is an app-only token.
#[derive(Debug, Clone)]
pub struct Auth {
    pub token: OauthToken,
    pub user: Option<(User, Actor)>,
}

/// A token if one was sent (it must then be valid), or nothing.
#[derive(Debug, Clone)]
pub struct MaybeAuth(pub Option<Auth>);

fn bearer(parts: &Parts) -> Option<String> {
    if let Some(h) = parts.headers.get(axum::http::header::AUTHORIZATION) {
        let value = h.to_str().ok()?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))?;
        return Some(token.trim().to_string());
    }
    // WebSocket clients in browsers can only send it as the protocol.
    if let Some(token) = parts
        .headers
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
    {
        return Some(token.trim().to_string());
    }
    // Streaming clients send the token in the query string.
    let query = parts.uri.query()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.into_owned())
}

impl FromRequestParts<Context> for MaybeAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, ctx: &Context) -> Result<Self, ApiError> {
        let Some(token) = bearer(parts) else {
            return Ok(MaybeAuth(None));
        };
        let (token, user) = oauth::verify_token(ctx, &token)
            .await
            .map_err(|e| match e {
                tsunagu_service::ServiceError::Unauthorized(_) => ApiError::unauthorized(),
                // A database that cannot answer is not a bad token: apps drop a token on 401.
                e => ApiError::from(e),
            })?;
        Ok(MaybeAuth(Some(Auth { token, user })))
    }
}

impl FromRequestParts<Context> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, ctx: &Context) -> Result<Self, ApiError> {
        MaybeAuth::from_request_parts(parts, ctx)
            .await?
            .0
            .ok_or_else(ApiError::unauthorized)
    }
}

impl Auth {
    /// Fails unless the token grants `scope` (`read` grants `read:statuses`).
    pub fn require(&self, scope: &str) -> Result<(), ApiError> {
        if oauth::scope_allows(&self.token.scopes, scope) {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "This action is outside the authorized scopes",
            ))
        }
    }

    /// The member, once the token is checked for `scope`.
    pub fn member(&self, scope: &str) -> Result<(&User, &Actor), ApiError> {
        self.require(scope)?;
        self.user.as_ref().map(|(u, a)| (u, a)).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "This method requires an authenticated user",
            )
        })
    }
}

impl MaybeAuth {
    /// The viewer's actor id, when a member token with `scope` was sent.
    pub fn viewer(&self, scope: &str) -> Result<Option<i64>, ApiError> {
        match &self.0 {
            Some(auth) => {
                auth.require(scope)?;
                Ok(auth.user.as_ref().map(|(_, a)| a.id))
            }
            None => Ok(None),
        }
    }
}
