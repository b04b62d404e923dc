//! A member's own data on the site: downloads of everything (JSON) and of each part (CSV),
//! and deleting the account, confirmed with the password.

use super::member::{member_form, sign_in_first, token_field};
use crate::i18n::t;
use crate::layout::{self, Head};
use crate::session::Visit;
use crate::Web;
use axum::extract::{Path, RawForm, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use tsunagu_service::own_data;

/// The section of the settings page.
pub fn section(visit: &Visit) -> Markup {
    let lang = visit.lang;
    html! {
        h2 #data { (t(lang, "data-heading")) }
        p { (t(lang, "data-text")) }
        ul {
            li { a href="/settings/export.json" download { (t(lang, "data-everything")) } }
            @for part in own_data::CSV_PARTS {
                li { a href=(format!("/settings/export/{part}.csv")) download { (t(lang, &format!("data-{part}"))) } }
            }
        }
        h2 { (t(lang, "delete-heading")) }
        p { (t(lang, "delete-text")) }
        form method="post" action="/settings/delete" {
            (token_field(visit))
            label for="delete-password" { (t(lang, "delete-password")) }
            input #delete-password type="password" name="password" autocomplete="current-password" required;
            p { button.danger type="submit" data-confirm=(t(lang, "own-data-delete-confirm")) { (t(lang, "own-data-delete-button")) } }
        }
    }
}

pub(crate) fn download(body: String, content_type: &str, name: String) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

/// `GET /settings/export.json`
pub async fn everything(State(web): State<Web>, visit: Visit) -> Response {
    let Some(me) = visit.member.clone() else {
        return sign_in_first(&visit);
    };
    match own_data::export(&web.ctx, &me.user, me.user.id).await {
        Ok(export) => download(
            own_data::to_json(&web.ctx, &export).to_string(),
            "application/json",
            format!("{}-export.json", me.actor.username),
        ),
        Err(e) => layout::error(&web, &visit, &e),
    }
}

/// `GET /settings/export/{part}.csv`
pub async fn part(State(web): State<Web>, visit: Visit, Path(file): Path<String>) -> Response {
    let Some(me) = visit.member.clone() else {
        return sign_in_first(&visit);
    };
    let result = async {
        let part = file
            .strip_suffix(".csv")
            .ok_or(tsunagu_service::ServiceError::NotFound("export part"))?;
        let export = own_data::export(&web.ctx, &me.user, me.user.id).await?;
        let csv = own_data::csv(&export, part)?;
        Ok(download(
            csv,
            "text/csv; charset=utf-8",
            format!("{}-{part}.csv", me.actor.username),
        ))
    }
    .await;
    super::answer(&web, &visit, result)
}

/// `POST /settings/delete`
pub async fn delete(State(web): State<Web>, visit: Visit, raw: RawForm) -> Response {
    let (me, form) = match member_form(&web, &visit, &raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let lang = visit.lang;
    match own_data::delete_account(&web.ctx, &me.user, me.user.id, Some(form.get("password"))).await
    {
        Ok(_) => {
            let body = html! {
                h1 { (t(lang, "delete-done-heading")) }
                p { (t(lang, "delete-done")) }
            };
            let head = Head {
                title: t(lang, "delete-done-heading"),
                ..Head::default()
            };
            let mut response = layout::page(&web, &visit, head, body);
            *response.status_mut() = StatusCode::OK;
            response
        }
        Err(e) => layout::error(&web, &visit, &e),
    }
}
