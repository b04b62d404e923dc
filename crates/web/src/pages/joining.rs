//! Joining on the site: signing up (with an invitation or without), confirming the e-mail
//! address from the mailed link, and choosing a new password with a mailed link.

use super::member::{refused, token_field, Form};
use crate::i18n::t;
use crate::layout::{self, Head};
use crate::session::Visit;
use crate::Web;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use serde::Deserialize;
use tsunagu_service::joining::{self, Registrations, SignUp};
use tsunagu_service::ServiceError;

/// What the sign-up form shows again after a refusal.
#[derive(Default)]
struct Entered {
    username: String,
    email: String,
    reason: String,
}

fn signup_form(
    web: &Web,
    visit: &Visit,
    invite: Option<&str>,
    entered: &Entered,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let lang = visit.lang;
    let mode = web.ctx.registrations;
    let body = html! {
        h1 { (t(lang, "signup-heading")) }
        @if invite.is_some() {
            p { (t(lang, "signup-invited")) }
        } @else if mode == Registrations::Approval {
            p { (t(lang, "signup-approval")) }
        }
        @if let Some(e) = &error {
            p.error-text role="alert" { (e) }
        }
        form method="post" action="/signup" {
            (token_field(visit))
            @if let Some(code) = invite {
                input type="hidden" name="invite_code" value=(code);
            }
            label for="username" { (t(lang, "signup-username")) }
            input #username type="text" name="username" autocomplete="username" required
                maxlength="30" pattern="[A-Za-z0-9_]+" value=(entered.username) aria-describedby="username-hint";
            p.hint #username-hint { (t(lang, "signup-username-hint")) }
            label for="email" { (t(lang, "signup-email")) }
            input #email type="email" name="email" autocomplete="email" required value=(entered.email);
            label for="password" { (t(lang, "signup-password")) }
            input #password type="password" name="password" autocomplete="new-password" required minlength="8";
            @if invite.is_none() && mode == Registrations::Approval {
                label for="reason" { (t(lang, "signup-reason")) }
                textarea #reason name="reason" rows="3" maxlength="1000" { (entered.reason) }
            }
            p {
                input #agreement type="checkbox" name="agreement" value="on" required;
                " "
                label.inline for="agreement" { (t(lang, "signup-agreement")) }
            }
            p { button type="submit" { (t(lang, "signup-button")) } }
        }
    };
    let head = Head {
        title: t(lang, "signup-heading"),
        ..Head::default()
    };
    let mut response = layout::page(web, visit, head, body);
    *response.status_mut() = status;
    response
}

/// `GET /signup`
pub async fn signup_page(State(web): State<Web>, visit: Visit) -> Response {
    if !joining::sign_up_open(&web.ctx) {
        return closed(&web, &visit);
    }
    signup_form(
        &web,
        &visit,
        None,
        &Entered::default(),
        None,
        StatusCode::OK,
    )
}

fn closed(web: &Web, visit: &Visit) -> Response {
    let lang = visit.lang;
    let key = if tsunagu_service::mail::configured(&web.ctx) {
        "problem-registrations-closed"
    } else {
        "problem-mail-not-configured"
    };
    layout::message(
        web,
        visit,
        StatusCode::FORBIDDEN,
        &t(lang, "signup-heading"),
        &t(lang, key),
    )
}

/// `GET /invite/CODE`: the sign-up form of an invitation.
pub async fn invite_page(
    State(web): State<Web>,
    visit: Visit,
    Path(code): Path<String>,
) -> Response {
    match joining::usable_invite(&web.ctx, &code).await {
        Ok(_) => signup_form(
            &web,
            &visit,
            Some(&code),
            &Entered::default(),
            None,
            StatusCode::OK,
        ),
        Err(e) => layout::error(&web, &visit, &e),
    }
}

/// `POST /signup`
pub async fn signup(State(web): State<Web>, visit: Visit, raw: RawForm) -> Response {
    let form = Form::parse(&raw);
    if let Some(refusal) = refused(&web, &visit, &form) {
        return refusal;
    }
    let lang = visit.lang;
    let invite = Some(form.get("invite_code")).filter(|c| !c.is_empty());
    let entered = Entered {
        username: form.get("username").trim().to_string(),
        email: form.get("email").trim().to_string(),
        reason: form.get("reason").to_string(),
    };
    let new = SignUp {
        username: entered.username.clone(),
        email: entered.email.clone(),
        password: form.get("password").to_string(),
        agreement: form.checked("agreement"),
        locale: lang.code().to_string(),
        reason: entered.reason.clone(),
        invite_code: invite.map(str::to_string),
    };
    match joining::sign_up(&web.ctx, new).await {
        Ok(_) => layout::message(
            &web,
            &visit,
            StatusCode::OK,
            &t(lang, "signup-done-heading"),
            &t(lang, "signup-done-text"),
        ),
        Err(e) => {
            let status = match e {
                ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
                ServiceError::Conflict(_) => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let text = layout::problem(lang, &e);
            signup_form(&web, &visit, invite, &entered, Some(text), status)
        }
    }
}

#[derive(Deserialize, Default)]
pub struct TokenQuery {
    token: Option<String>,
}

/// `GET /auth/confirm?token=`: the link of the confirmation e-mail.
pub async fn confirm(
    State(web): State<Web>,
    visit: Visit,
    Query(q): Query<TokenQuery>,
) -> Response {
    let lang = visit.lang;
    match joining::confirm(&web.ctx, q.token.as_deref().unwrap_or_default()).await {
        Ok((user, _)) if user.approved => {
            let introduce = format!("/new?board={}", tsunagu_service::boards::INTRODUCTIONS);
            let body = html! {
                h1 { (t(lang, "confirm-done-heading")) }
                p { (t(lang, "confirm-done-active")) }
                p {
                    a href=(format!("/login?back={}", crate::layout::enc(&introduce))) { (t(lang, "confirm-introduce")) }
                }
            };
            let head = Head {
                title: t(lang, "confirm-done-heading"),
                ..Head::default()
            };
            layout::page(&web, &visit, head, body)
        }
        Ok(_) => layout::message(
            &web,
            &visit,
            StatusCode::OK,
            &t(lang, "confirm-done-heading"),
            &t(lang, "confirm-done-pending"),
        ),
        Err(e) => layout::error(&web, &visit, &e),
    }
}

/// `GET /auth/forgot`: asks for the address to send a password link to.
pub async fn forgot_page(State(web): State<Web>, visit: Visit) -> Response {
    let lang = visit.lang;
    let body = html! {
        h1 { (t(lang, "forgot-heading")) }
        p { (t(lang, "forgot-text")) }
        form method="post" action="/auth/forgot" {
            (token_field(&visit))
            label for="email" { (t(lang, "signup-email")) }
            input #email type="email" name="email" autocomplete="email" required;
            p { button type="submit" { (t(lang, "forgot-button")) } }
        }
    };
    let head = Head {
        title: t(lang, "forgot-heading"),
        ..Head::default()
    };
    layout::page(&web, &visit, head, body)
}

/// `POST /auth/forgot`: the same answer whether the address is a member's or not.
pub async fn forgot(State(web): State<Web>, visit: Visit, raw: RawForm) -> Response {
    let form = Form::parse(&raw);
    if let Some(refusal) = refused(&web, &visit, &form) {
        return refusal;
    }
    let lang = visit.lang;
    match joining::request_password_reset(&web.ctx, form.get("email")).await {
        Ok(()) => layout::message(
            &web,
            &visit,
            StatusCode::OK,
            &t(lang, "forgot-heading"),
            &t(lang, "forgot-sent"),
        ),
        Err(e) => layout::error(&web, &visit, &e),
    }
}

/// `GET /auth/reset?token=`: the form of a password link that still works.
pub async fn reset_page(
    State(web): State<Web>,
    visit: Visit,
    Query(q): Query<TokenQuery>,
) -> Response {
    let lang = visit.lang;
    let token = q.token.unwrap_or_default();
    match joining::reset_link_valid(&web.ctx, &token).await {
        Ok(true) => {}
        Ok(false) => {
            return layout::message(
                &web,
                &visit,
                StatusCode::GONE,
                &t(lang, "reset-heading"),
                &t(lang, "problem-link-invalid"),
            )
        }
        Err(e) => return layout::error(&web, &visit, &e),
    }
    let body = html! {
        h1 { (t(lang, "reset-heading")) }
        form method="post" action="/auth/reset" {
            (token_field(&visit))
            input type="hidden" name="token" value=(token);
            label for="password" { (t(lang, "reset-password")) }
            input #password type="password" name="password" autocomplete="new-password" required minlength="8";
            p { button type="submit" { (t(lang, "reset-button")) } }
        }
    };
    let head = Head {
        title: t(lang, "reset-heading"),
        ..Head::default()
    };
    layout::page(&web, &visit, head, body)
}

/// `POST /auth/reset`
pub async fn reset(State(web): State<Web>, visit: Visit, raw: RawForm) -> Response {
    let form = Form::parse(&raw);
    if let Some(refusal) = refused(&web, &visit, &form) {
        return refusal;
    }
    let lang = visit.lang;
    match joining::reset_password(&web.ctx, form.get("token"), form.get("password")).await {
        Ok(_) => layout::message(
            &web,
            &visit,
            StatusCode::OK,
            &t(lang, "reset-heading"),
            &t(lang, "reset-done"),
        ),
        Err(e) => layout::error(&web, &visit, &e),
    }
}
