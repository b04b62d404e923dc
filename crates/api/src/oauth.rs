//! Apps and OAuth 2: registration, tokens, revocation. The sign-in and consent page at
//! `/oauth/authorize` is the web site's.

use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use base64::Engine;
use serde_json::{json, Value};
use tsunagu_db::OauthApp;
use tsunagu_service::oauth::{self, IssuedToken};
use tsunagu_service::{Context, ServiceError};

fn app_json(app: &OauthApp, with_secret: bool) -> Value {
    let uris: Vec<&str> = app.redirect_uris.lines().collect();
    let mut value = json!({
        "id": app.id.to_string(),
        "name": app.name,
        "website": app.website,
        "redirect_uri": uris.join("\n"),
        "redirect_uris": uris,
        "scopes": app.scopes.split(' ').collect::<Vec<_>>(),
        "vapid_key": "",
    });
    if with_secret {
        value["client_id"] = json!(app.client_id);
        value["client_secret"] = json!(app.client_secret);
        value["client_secret_expires_at"] = json!(0);
    }
    value
}

pub async fn create_app(State(ctx): State<Context>, p: Params) -> ApiResult<Json<Value>> {
    let name = p.require("client_name")?;
    let redirect_uris = match p.value("redirect_uris") {
        Some(Value::Array(_)) => p.list("redirect_uris").join(" "),
        _ => p.str("redirect_uris").unwrap_or_default(),
    };
    let app = oauth::create_app(
        &ctx,
        &name,
        &redirect_uris,
        p.str("scopes").as_deref(),
        p.str("website").as_deref(),
    )
    .await?;
    Ok(Json(app_json(&app, true)))
}

pub async fn verify_app(
    auth: crate::auth::Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let app_id = auth.token.app_id.ok_or_else(ApiError::unauthorized)?;
    let app = ctx
        .db
        .read(move |c| tsunagu_db::queries::oauth::app_by_id(c, app_id))
        .await
        .map_err(ServiceError::from)?;
    Ok(Json(app_json(&app, false)))
}

fn token_json(t: IssuedToken) -> Json<Value> {
    Json(json!({
        "access_token": t.access_token,
        "token_type": "Bearer",
        "scope": t.scopes,
        "created_at": t.created_at,
    }))
}

fn grant_error(e: ServiceError) -> ApiError {
    match e {
        ServiceError::Unauthorized(m) => {
            ApiError::oauth(StatusCode::BAD_REQUEST, "invalid_grant", m)
        }
        ServiceError::Forbidden(m) => ApiError::oauth(StatusCode::FORBIDDEN, "invalid_grant", m),
        ServiceError::Invalid(m) => {
            let m = m.text;
            let (code, text) = m
                .split_once(": ")
                .unwrap_or(("invalid_request", m.as_str()));
            let code = if code.contains(' ') {
                "invalid_request"
            } else {
                code
            };
            ApiError::oauth(StatusCode::BAD_REQUEST, code, text)
        }
        other => other.into(),
    }
}

/// Client credentials from HTTP Basic authentication or the body (`client_secret_post`).
fn client_credentials(headers: &HeaderMap, p: &Params) -> Option<(String, String)> {
    let basic = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| {
            let (id, secret) = pair.split_once(':')?;
            let decode = |s: &str| {
                url::form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
            };
            Some((decode(id)?, decode(secret)?))
        });
    basic.or_else(|| Some((p.str("client_id")?, p.str("client_secret")?)))
}

async fn authenticated_app(ctx: &Context, headers: &HeaderMap, p: &Params) -> ApiResult<OauthApp> {
    let invalid = || {
        ApiError::oauth(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed: unknown client or no client authentication included",
        )
    };
    let (id, secret) = client_credentials(headers, p).ok_or_else(invalid)?;
    oauth::find_app(ctx, &id, Some(&secret))
        .await
        .map_err(|_| invalid())
}

pub async fn token(
    State(ctx): State<Context>,
    headers: HeaderMap,
    p: Params,
) -> ApiResult<Json<Value>> {
    let grant = p.require("grant_type")?;
    let app = authenticated_app(&ctx, &headers, &p).await?;
    let scope = p.str("scope");
    let issued = match grant.as_str() {
        "password" => {
            let login = p.require("username")?;
            let password = p.require("password")?;
            oauth::password_grant(&ctx, &app, &login, &password, scope.as_deref()).await
        }
        "authorization_code" => {
            let code = p.require("code")?;
            oauth::code_grant(
                &ctx,
                &app,
                &code,
                p.str("redirect_uri").as_deref(),
                p.str("code_verifier").as_deref(),
            )
            .await
        }
        "client_credentials" => oauth::client_grant(&ctx, &app, scope.as_deref()).await,
        other => {
            return Err(ApiError::oauth(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                format!("grant type {other:?} is not supported"),
            ))
        }
    };
    Ok(token_json(issued.map_err(grant_error)?))
}

pub async fn revoke(
    State(ctx): State<Context>,
    headers: HeaderMap,
    p: Params,
) -> ApiResult<Json<Value>> {
    let token = p.require("token")?;
    let app = authenticated_app(&ctx, &headers, &p).await.map_err(|_| {
        ApiError::oauth(
            StatusCode::FORBIDDEN,
            "unauthorized_client",
            "You are not authorized to revoke this token",
        )
    })?;
    oauth::revoke(&ctx, &app, &token).await?;
    Ok(Json(json!({})))
}

pub async fn metadata(State(ctx): State<Context>) -> Json<Value> {
    Json(json!({
        "issuer": ctx.url("/"),
        "service_documentation": ctx.url("/docs/api"),
        "authorization_endpoint": ctx.url("/oauth/authorize"),
        "token_endpoint": ctx.url("/oauth/token"),
        "revocation_endpoint": ctx.url("/oauth/revoke"),
        "app_registration_endpoint": ctx.url("/api/v1/apps"),
        "scopes_supported": oauth::TOP_SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "grant_types_supported": ["authorization_code", "password", "client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
    }))
}
