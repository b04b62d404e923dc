//! The page shell every page shares: head (title, description, OpenGraph, the ActivityPub
//! alternate, feeds), navigation, footer, and the security headers of HTML answers.

use crate::i18n::{t, Lang};
use crate::session::Visit;
use crate::Web;
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};
use tsunagu_service::ServiceError;

/// What a page says of itself in its head.
#[derive(Default)]
pub struct Head {
    pub title: String,
    pub description: Option<String>,
    /// The page's own address (canonical, `og:url`).
    pub url: Option<String>,
    /// The ActivityPub document of what the page shows.
    pub activity_json: Option<String>,
    /// `(title, href, type)` of feeds.
    pub feeds: Vec<(String, String, &'static str)>,
    pub image: Option<String>,
    /// `website`, `article` or `profile`.
    pub og_type: &'static str,
    /// Where this page's forms may also lead (an app's redirect URI after consent); by
    /// default only here.
    pub form_target: Option<String>,
}

/// A whole HTML page, with the cookies the visit sets and the security headers.
pub fn page(web: &Web, visit: &Visit, head: Head, main: Markup) -> Response {
    let lang = visit.lang;
    let site = &web.settings.title;
    let title = if head.title.is_empty() || head.title == *site {
        site.clone()
    } else {
        format!("{} – {site}", head.title)
    };
    let head_form_target = head.form_target.clone();
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                link rel="stylesheet" href="/static/site.css";
                script src="/static/site.js" defer {}
                @if let Some(d) = &head.description {
                    meta name="description" content=(d);
                    meta property="og:description" content=(d);
                }
                meta property="og:title" content=(if head.title.is_empty() { site.as_str() } else { head.title.as_str() });
                meta property="og:site_name" content=(site);
                meta property="og:type" content=(if head.og_type.is_empty() { "website" } else { head.og_type });
                meta property="og:locale" content=(if lang == Lang::Ja { "ja_JP" } else { "en_US" });
                @if let Some(u) = &head.url {
                    link rel="canonical" href=(u);
                    meta property="og:url" content=(u);
                }
                @if let Some(i) = &head.image {
                    meta property="og:image" content=(i);
                }
                @if let Some(a) = &head.activity_json {
                    link rel="alternate" type="application/activity+json" href=(a);
                }
                @for (feed_title, href, kind) in &head.feeds {
                    link rel="alternate" type=(kind) title=(feed_title) href=(href);
                }
            }
            body {
                a.skip href="#main" { (t(lang, "skip-to-content")) }
                (navigation(web, visit))
                main #main { (main) }
                footer.site-footer {
                    p { (t(lang, "footer-powered")) }
                    p { (t(lang, "footer-apps")) }
                }
            }
        }
    };
    let mut response = markup.into_response();
    let headers = response.headers_mut();
    for cookie in &visit.set_cookies {
        if let Ok(v) = HeaderValue::from_str(cookie) {
            headers.append(header::SET_COOKIE, v);
        }
    }
    security_headers(web, headers, head_form_target.as_deref());
    // A signed-in member's page is theirs alone (and may show a new password).
    if visit.member.is_some() {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    response
}

/// Strict headers on every HTML answer: no script but our own files, no framing, no
/// guessing of types.
pub fn security_headers(web: &Web, headers: &mut axum::http::HeaderMap, form_target: Option<&str>) {
    // Remote images (avatars, attachments) load over https; a development setup's over http.
    let images = if web.ctx.scheme == "http" {
        "'self' https: http: data:"
    } else {
        "'self' https: data:"
    };
    // Browsers hold a form's redirects to `form-action` too.
    let forms = match form_target {
        Some(t) => format!("'self' {t}"),
        None => "'self'".to_string(),
    };
    let policy = format!(
        "default-src 'self'; img-src {images}; media-src {images}; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action {forms}"
    );
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, policy.as_str()),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
    ] {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    }
}

/// This page in another language.
fn switch_language(here: &str, lang: Lang) -> String {
    let (path, query) = here.split_once('?').unwrap_or((here, ""));
    let kept: Vec<String> = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k != "lang")
        .map(|(k, v)| format!("{}={}", enc(&k), enc(&v)))
        .collect();
    let mut q = kept.join("&");
    if !q.is_empty() {
        q.push('&');
    }
    format!("{path}?{q}lang={}", lang.code())
}

/// Percent-encodes a query component.
pub fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn navigation(web: &Web, visit: &Visit) -> Markup {
    let lang = visit.lang;
    html! {
        header.site-header {
            a.site-title href="/" { (web.settings.title) }
            nav aria-label=(t(lang, "nav-home")) {
                ul {
                    li { a href="/" { (t(lang, "nav-home")) } }
                    li { a href="/search" { (t(lang, "nav-search")) } }
                    li { a href="/directory" { (t(lang, "nav-directory")) } }
                    li { a href="/articles" { (t(lang, "nav-articles")) } }
                    li { a href="/events" { (t(lang, "nav-events")) } }
                    li { a href="/mentoring" { (t(lang, "nav-mentoring")) } }
                    li { a href="/careers" { (t(lang, "nav-careers")) } }
                    @if let Some(m) = &visit.member {
                        li { a href="/new" { (t(lang, "nav-new-thread")) } }
                        li { a href="/notifications" { (t(lang, "nav-notifications")) } }
                        li { a href="/surveys" { (t(lang, "nav-surveys")) } }
                        li { a href="/rooms" { (t(lang, "nav-rooms")) } }
                        li { a href=(format!("/users/{}", m.actor.username)) { (t(lang, "nav-profile")) } }
                        li { a href="/settings/profile" { (t(lang, "nav-settings")) } }
                        @if m.is_staff() {
                            li { a href="/admin" { (t(lang, "nav-staff")) } }
                        }
                        li {
                            form.inline method="post" action="/logout" {
                                input type="hidden" name="form_token" value=(visit.form_token);
                                button.link type="submit" { (t(lang, "nav-sign-out")) }
                            }
                        }
                    } @else {
                        li { a href=(format!("/login?back={}", enc(&visit.here))) { (t(lang, "nav-sign-in")) } }
                    }
                }
            }
            nav.languages aria-label=(t(lang, "nav-language")) {
                ul {
                    @for l in Lang::ALL {
                        li {
                            @if l == lang {
                                span aria-current="true" lang=(l.code()) { (l.name()) }
                            } @else {
                                a href=(switch_language(&visit.here, l)) lang=(l.code()) hreflang=(l.code()) { (l.name()) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// An error as a page, its title translated from the kind of error.
pub fn error(web: &Web, visit: &Visit, e: &ServiceError) -> Response {
    let lang = visit.lang;
    let (status, key) = match e {
        ServiceError::NotFound(_) => (StatusCode::NOT_FOUND, "error-not-found"),
        ServiceError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "error-invalid"),
        ServiceError::Forbidden(_) => (StatusCode::FORBIDDEN, "error-forbidden"),
        ServiceError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "error-unauthorized"),
        ServiceError::Conflict(_) => (StatusCode::CONFLICT, "error-conflict"),
        ServiceError::Remote(_) => (StatusCode::BAD_GATEWAY, "error-remote"),
        ServiceError::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, "error-rate-limited"),
        ServiceError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "error-internal"),
    };
    // Internal causes never show.
    let detail = match e {
        ServiceError::NotFound(_) => t(lang, "error-not-found-text"),
        ServiceError::Internal(_) => String::new(),
        other => problem(lang, other),
    };
    message(web, visit, status, &t(lang, key), &detail)
}

/// What a person is told of a problem: its translation when it has a code, else the use
/// case's own (English) words.
pub fn problem(lang: Lang, e: &ServiceError) -> String {
    match e.code() {
        Some(code) => t(lang, &format!("problem-{code}")),
        None => e.to_string(),
    }
}

/// A page with a heading and a message, answered with `status`.
pub fn message(web: &Web, visit: &Visit, status: StatusCode, title: &str, text: &str) -> Response {
    let lang = visit.lang;
    let body = html! {
        h1 { (title) }
        @if !text.is_empty() { p { (text) } }
        p { a href="/" { (t(lang, "error-back")) } }
    };
    let head = Head {
        title: title.to_string(),
        ..Head::default()
    };
    let mut response = page(web, visit, head, body);
    *response.status_mut() = status;
    response
}
