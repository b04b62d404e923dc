//! `/oauth/authorize`: where an app sends a member to be let in. A signed-in member sees what
//! the app asks for and allows or denies it; anyone else signs in on the same page (which also
//! signs them in to the site). The answer goes back to the app's redirect URI, or shows the
//! code to copy for out-of-band apps.

use super::member::{refused, token_field, with_session, Form};
use crate::i18n::{t, t_args};
use crate::layout::{self, Head};
use crate::session::Visit;
use crate::Web;
use axum::extract::{RawForm, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use tsunagu_db::User;
use tsunagu_service::oauth::{self, AuthorizationQuery, AuthorizationRequest, OOB_REDIRECT};
use tsunagu_service::ServiceError;

fn query_from(pairs: &Form) -> AuthorizationQuery {
    let field = |k: &str| Some(pairs.get(k).to_string()).filter(|v| !v.is_empty());
    AuthorizationQuery {
        response_type: field("response_type"),
        client_id: field("client_id"),
        redirect_uri: field("redirect_uri"),
        scope: field("scope"),
        state: field("state"),
        code_challenge: field("code_challenge"),
        code_challenge_method: field("code_challenge_method"),
    }
}

/// A request no member can answer (unknown app, unregistered redirect URI): said here, never
/// sent on to an address the app did not register.
fn unusable(web: &Web, visit: &Visit, e: &ServiceError) -> Response {
    layout::message(
        web,
        visit,
        StatusCode::BAD_REQUEST,
        &t(visit.lang, "authorize-unusable"),
        &e.to_string(),
    )
}

pub async fn page(State(web): State<Web>, visit: Visit, RawQuery(query): RawQuery) -> Response {
    let form = Form::parse(&RawForm(query.unwrap_or_default().into()));
    match oauth::authorization_request(&web.ctx, &query_from(&form)).await {
        Ok(req) => consent(&web, &visit, &req, None, StatusCode::OK),
        Err(e) => unusable(&web, &visit, &e),
    }
}

/// The sources a form may lead to after consent: the redirect URI's origin (or scheme, for
/// an app's own `myapp:` URIs).
fn redirect_source(redirect_uri: &str) -> Option<String> {
    let u = url::Url::parse(redirect_uri).ok()?;
    match u.scheme() {
        "http" | "https" => Some(u.origin().ascii_serialization()),
        // A CSP scheme source; the URN of out-of-band apps is never followed.
        _ if redirect_uri != OOB_REDIRECT => Some(format!("{}:", u.scheme())),
        _ => None,
    }
}

/// What each top-level scope lets an app do, for the consent page.
fn scope_label_key(scope: &str) -> &'static str {
    match scope.split(':').next().unwrap_or_default() {
        "read" => "scope-read",
        "write" => "scope-write",
        "follow" => "scope-follow",
        "push" => "scope-push",
        "profile" => "scope-profile",
        _ if scope.starts_with("admin:read") => "scope-admin-read",
        _ => "scope-admin-write",
    }
}

fn consent(
    web: &Web,
    visit: &Visit,
    req: &AuthorizationRequest,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let lang = visit.lang;
    let app = req.app.name.as_str();
    let hidden = html! {
        input type="hidden" name="response_type" value="code";
        input type="hidden" name="client_id" value=(req.app.client_id);
        input type="hidden" name="redirect_uri" value=(req.redirect_uri);
        input type="hidden" name="scope" value=(req.scopes);
        @if let Some(s) = &req.state { input type="hidden" name="state" value=(s); }
        @if let Some(c) = &req.code_challenge {
            input type="hidden" name="code_challenge" value=(c);
            input type="hidden" name="code_challenge_method" value="S256";
        }
        (token_field(visit))
    };
    let body = html! {
        h1 { (t_args(lang, "authorize-heading", &[("app", app.into())])) }
        p { (t_args(lang, "authorize-asks", &[("app", app.into())])) }
        ul.scopes {
            @for scope in req.scopes.split_whitespace() {
                li { code { (scope) } " " (t(lang, scope_label_key(scope))) }
            }
        }
        @if let Some(e) = &error {
            p.error-text role="alert" { (e) }
        }
        form method="post" action="/oauth/authorize" {
            (hidden)
            @if let Some(m) = &visit.member {
                p { (t_args(lang, "authorize-signed-in-as", &[("name", format!("@{}", m.actor.username).into())])) }
                p.actions {
                    button type="submit" name="decision" value="allow" { (t(lang, "authorize-allow")) }
                    " "
                    button.secondary type="submit" name="decision" value="deny" { (t(lang, "authorize-deny")) }
                }
            } @else {
                p { (t(lang, "authorize-sign-in")) }
                (login_fields(visit))
                p { button type="submit" { (t(lang, "authorize-allow")) } }
            }
        }
    };
    let head = Head {
        title: t_args(lang, "authorize-heading", &[("app", app.into())]),
        form_target: redirect_source(&req.redirect_uri),
        ..Head::default()
    };
    let mut response = layout::page(web, visit, head, body);
    *response.status_mut() = status;
    response
}

fn login_fields(visit: &Visit) -> Markup {
    let lang = visit.lang;
    html! {
        label for="username" { (t(lang, "login-login")) }
        input #username type="text" name="username" autocomplete="username" required;
        label for="password" { (t(lang, "login-password")) }
        input #password type="password" name="password" autocomplete="current-password" required;
    }
}

pub async fn answer(State(web): State<Web>, visit: Visit, raw: RawForm) -> Response {
    let form = Form::parse(&raw);
    let req = match oauth::authorization_request(&web.ctx, &query_from(&form)).await {
        Ok(req) => req,
        Err(e) => return unusable(&web, &visit, &e),
    };
    let lang = visit.lang;
    // With a password the password is the proof (apps post this form from outside a
    // browser too); a signed-in member's consent needs the form token.
    let (user, session): (User, Option<String>) = if !form.get("password").is_empty() {
        match oauth::start_session(&web.ctx, form.get("username"), form.get("password")).await {
            Ok((token, user, _)) => (user, Some(token.access_token)),
            Err(e) => {
                let (key, status) = match e {
                    ServiceError::RateLimited(_) => {
                        ("login-throttled", StatusCode::TOO_MANY_REQUESTS)
                    }
                    _ => ("login-failed", StatusCode::UNAUTHORIZED),
                };
                return consent(&web, &visit, &req, Some(t(lang, key)), status);
            }
        }
    } else if let Some(m) = &visit.member {
        if let Some(refusal) = refused(&web, &visit, &form) {
            return refusal;
        }
        if form.get("decision") == "deny" {
            return match oauth::authorization_redirect(&req, Err("access_denied")) {
                Ok(Some(target)) => Redirect::to(&target).into_response(),
                Ok(None) => Redirect::to("/").into_response(),
                Err(e) => unusable(&web, &visit, &e),
            };
        }
        (m.user.clone(), None)
    } else {
        let error = Some(t(lang, "login-failed"));
        return consent(&web, &visit, &req, error, StatusCode::UNAUTHORIZED);
    };
    let code = match oauth::create_code(
        &web.ctx,
        &req.app,
        &user,
        &req.redirect_uri,
        &req.scopes,
        req.code_challenge.clone(),
    )
    .await
    {
        Ok(code) => code,
        Err(e) => return layout::error(&web, &visit, &e),
    };
    let response = match oauth::authorization_redirect(&req, Ok(&code)) {
        Ok(Some(target)) => Redirect::to(&target).into_response(),
        Ok(None) => code_page(&web, &visit, &code),
        Err(e) => unusable(&web, &visit, &e),
    };
    match session {
        Some(token) => with_session(response, &visit, &token),
        None => response,
    }
}

/// The code for apps without a redirect URI: the member copies it into the app.
fn code_page(web: &Web, visit: &Visit, code: &str) -> Response {
    let lang = visit.lang;
    let body = html! {
        h1 { (t(lang, "authorize-code-heading")) }
        p { (t(lang, "authorize-code-text")) }
        p { code #code { (code) } }
    };
    let head = Head {
        title: t(lang, "authorize-code-heading"),
        ..Head::default()
    };
    layout::page(web, visit, head, body)
}
