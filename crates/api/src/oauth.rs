//! Apps and OAuth 2: registration, the login-and-consent page, tokens, revocation.

use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use base64::Engine;
use serde_json::{json, Value};
use tsunagu_db::OauthApp;
use tsunagu_service::html::escape;
use tsunagu_service::oauth::{self, IssuedToken, OOB_REDIRECT};
use tsunagu_service::{accounts, Context, ServiceError};

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

/// The fields of an authorization request, carried through the login form.
struct AuthorizeRequest {
    app: OauthApp,
    redirect_uri: String,
    scopes: String,
    state: Option<String>,
    code_challenge: Option<String>,
}

async fn authorize_request(ctx: &Context, p: &Params) -> ApiResult<AuthorizeRequest> {
    if p.str("response_type").as_deref().unwrap_or("code") != "code" {
        return Err(ApiError::bad_request(
            "only response_type=code is supported",
        ));
    }
    let client_id = p.require("client_id")?;
    let app = oauth::find_app(ctx, &client_id, None)
        .await
        .map_err(|_| ApiError::bad_request("unknown client_id"))?;
    let redirect_uri = p.str("redirect_uri").unwrap_or_else(|| {
        app.redirect_uris
            .lines()
            .next()
            .unwrap_or(OOB_REDIRECT)
            .to_string()
    });
    if !app.redirect_uris.lines().any(|u| u == redirect_uri) {
        return Err(ApiError::bad_request(
            "redirect_uri is not registered for this app",
        ));
    }
    let scopes = oauth::grant_scopes(&app, p.str("scope").as_deref())?;
    let code_challenge = match (p.str("code_challenge"), p.str("code_challenge_method")) {
        (None, _) => None,
        (Some(c), Some(m)) if m == "S256" => Some(c),
        (Some(_), _) => {
            return Err(ApiError::bad_request(
                "only code_challenge_method=S256 is supported",
            ))
        }
    };
    Ok(AuthorizeRequest {
        app,
        redirect_uri,
        scopes,
        state: p.str("state"),
        code_challenge,
    })
}

/// The sign-in pages may not be framed (clickjacking) and load nothing from elsewhere.
const PAGE_HEADERS: [(header::HeaderName, &str); 2] = [
    (header::X_FRAME_OPTIONS, "DENY"),
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
    ),
];

fn page(title: &str, body: &str) -> impl IntoResponse {
    (PAGE_HEADERS, Html(format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>\
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;line-height:1.5}}label{{display:block;margin-top:1rem}}input{{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}}button{{margin-top:1.5rem;padding:.6rem 1.2rem;font-size:1rem}}.error{{color:#a00}}code{{font-size:1.2rem;word-break:break-all;background:#eee;padding:.3rem}}</style></head><body>{body}</body></html>",
        title = escape(title),
    )))
}

fn login_form(req: &AuthorizeRequest, error: Option<&str>) -> impl IntoResponse {
    let hidden = |name: &str, value: &str| {
        format!(
            "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
            escape(value)
        )
    };
    let mut fields = hidden("client_id", &req.app.client_id)
        + &hidden("redirect_uri", &req.redirect_uri)
        + &hidden("scope", &req.scopes)
        + &hidden("response_type", "code");
    if let Some(s) = &req.state {
        fields += &hidden("state", s);
    }
    if let Some(c) = &req.code_challenge {
        fields += &hidden("code_challenge", c);
        fields += &hidden("code_challenge_method", "S256");
    }
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e)))
        .unwrap_or_default();
    page(
        "Authorize",
        &format!(
            "<h1>Sign in to authorize</h1><p><strong>{app}</strong> asks for access to your account: <em>{scopes}</em>.</p>{error}\
<form method=\"post\" action=\"/oauth/authorize\">{fields}\
<label for=\"username\">E-mail address or username</label><input id=\"username\" name=\"username\" autocomplete=\"username\" required>\
<label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
<button type=\"submit\">Authorize</button></form>",
            app = escape(&req.app.name),
            scopes = escape(&req.scopes),
        ),
    )
}

pub async fn authorize_page(State(ctx): State<Context>, p: Params) -> Response {
    match authorize_request(&ctx, &p).await {
        Ok(req) => login_form(&req, None).into_response(),
        Err(e) => (
            e.status,
            page(
                "Authorization error",
                &format!(
                    "<h1>Authorization error</h1><p class=\"error\">{}</p>",
                    escape(&e.message)
                ),
            ),
        )
            .into_response(),
    }
}

pub async fn authorize_submit(State(ctx): State<Context>, p: Params) -> Response {
    let req = match authorize_request(&ctx, &p).await {
        Ok(req) => req,
        Err(e) => return e.into_response(),
    };
    let login = p.str("username").unwrap_or_default();
    let password = p.str("password").unwrap_or_default();
    let user = match accounts::authenticate(&ctx, &login, &password).await {
        Ok((user, _)) => user,
        Err(e) => {
            let status = match e {
                ServiceError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::UNAUTHORIZED,
            };
            return (status, login_form(&req, Some(&e.to_string()))).into_response();
        }
    };
    let code = match oauth::create_code(
        &ctx,
        &req.app,
        &user,
        &req.redirect_uri,
        &req.scopes,
        req.code_challenge.clone(),
    )
    .await
    {
        Ok(code) => code,
        Err(e) => return ApiError::from(e).into_response(),
    };
    if req.redirect_uri == OOB_REDIRECT {
        return page(
            "Authorization code",
            &format!("<h1>Authorization code</h1><p>Copy this code and paste it into the application:</p><p><code id=\"code\">{}</code></p>", escape(&code)),
        )
        .into_response();
    }
    let mut target = match url::Url::parse(&req.redirect_uri) {
        Ok(u) => u,
        Err(_) => return ApiError::bad_request("invalid redirect_uri").into_response(),
    };
    target.query_pairs_mut().append_pair("code", &code);
    if let Some(s) = &req.state {
        target.query_pairs_mut().append_pair("state", s);
    }
    Redirect::to(target.as_str()).into_response()
}
