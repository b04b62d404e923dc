//! The web site people open in a browser: server-rendered pages for visitors, members and
//! staff, complete without JavaScript (one small script improves forms where it runs), in
//! Japanese and English. Its pages live at the same addresses other servers use for our
//! boards, members and posts: a browser asking for HTML gets the page, ActivityPub clients the
//! JSON (see [`wants_html`]).
//!
//! Pages call the same use cases as the client API (`tsunagu_service`) and render its read
//! models as HTML. This crate knows nothing of ActivityPub or of the Mastodon client API.

// Page guards stop early with the page to answer instead: a `Response` is their error.
#![allow(clippy::result_large_err)]

mod calendar;
mod feeds;
mod i18n;
mod layout;
mod pages;
mod render;
mod session;

use axum::extract::Request;
use axum::http::header::{self, ACCEPT};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;
use tsunagu_service::Context;

/// What the site says about the instance.
#[derive(Debug, Clone)]
pub struct WebSettings {
    pub title: String,
    pub description: String,
}

/// The state every page handler gets.
#[derive(Clone)]
pub struct Web {
    pub ctx: Context,
    pub settings: Arc<WebSettings>,
}

/// Whether a request asks for a web page: a browser's `Accept` names HTML, and not the
/// ActivityPub types (other servers ask for those at the same addresses).
pub fn wants_html(req: &Request) -> bool {
    let accept = req
        .headers()
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    accept.contains("text/html")
        && !accept.contains("application/activity+json")
        && !accept.contains("application/ld+json")
}

/// Whether a request is for the site: a browser asking for a page, or any request to an
/// address the site alone answers. The addresses of boards, members and posts are shared
/// with ActivityPub: there only browsers get pages.
pub fn is_page(req: &Request) -> bool {
    let shared = {
        let segments: Vec<&str> = req.uri().path().trim_matches('/').split('/').collect();
        matches!(segments.as_slice(), ["boards" | "users" | "posts", _])
    };
    !shared || wants_html(req)
}

/// Whether a request submits one of the site's password forms (sign-in, the sign-in of an
/// app's authorization, sign-up and password links, which also send e-mail): the server counts
/// these against the sign-in limit.
pub fn checks_password(req: &Request) -> bool {
    req.method() == axum::http::Method::POST
        && matches!(
            req.uri().path(),
            "/login"
                | "/oauth/authorize"
                | "/signup"
                | "/auth/forgot"
                | "/auth/reset"
                | "/settings/delete"
        )
}

/// Every page of the site. Paths it does not know are for the caller to answer.
pub fn router(ctx: Context, settings: WebSettings) -> Router {
    let web = Web {
        ctx,
        settings: Arc::new(settings),
    };
    Router::new()
        .route("/", get(pages::home))
        .route("/search", get(pages::search))
        .route("/directory", get(pages::directory::page))
        .route("/articles", get(pages::articles::list))
        .route(
            "/articles/new",
            get(pages::articles::new_page).post(pages::articles::create),
        )
        .route("/articles/{id}", get(pages::articles::show))
        .route("/campaigns", get(pages::campaigns::list))
        .route("/campaigns/{id}", post(pages::campaigns::update))
        .route("/careers", get(pages::careers::list))
        .route(
            "/careers/new",
            get(pages::careers::new_page).post(pages::careers::create),
        )
        .route("/rooms", get(pages::rooms::list).post(pages::rooms::create))
        .route("/rooms/{id}", get(pages::rooms::show))
        .route("/rooms/{id}/{action}", post(pages::rooms::act))
        .route("/mentoring", get(pages::mentoring::mentors))
        .route("/mentoring/ask", post(pages::mentoring::ask))
        .route("/mentoring/requests", get(pages::mentoring::requests))
        .route(
            "/mentoring/requests/{id}/{action}",
            post(pages::mentoring::act),
        )
        .route(
            "/mentoring/profile",
            get(pages::mentoring::profile_page).post(pages::mentoring::save_profile),
        )
        .route("/events", get(pages::events::list))
        .route(
            "/events/new",
            get(pages::events::new_page).post(pages::events::create),
        )
        .route("/events/{id}", get(pages::events::show))
        .route("/events/{id}/event.ics", get(pages::events::ics))
        .route("/events/{id}/{action}", post(pages::events::act))
        .route("/calendar/{token}/events.ics", get(pages::events::feed))
        .route("/surveys", get(pages::surveys::list))
        .route(
            "/surveys/new",
            get(pages::surveys::new_page).post(pages::surveys::create),
        )
        .route(
            "/surveys/{id}",
            get(pages::surveys::show).post(pages::surveys::respond),
        )
        .route("/boards/{name}", get(pages::boards::board))
        .route("/boards/{name}/feed.atom", get(feeds::atom))
        .route("/boards/{name}/feed.rss", get(feeds::rss))
        .route("/users/{name}", get(pages::profiles::profile))
        .route("/@{name}", get(pages::profiles::profile))
        .route("/posts/{id}", get(pages::threads::post))
        .route(
            "/login",
            get(pages::member::login_page).post(pages::member::login),
        )
        .route("/logout", post(pages::member::logout))
        .route(
            "/signup",
            get(pages::joining::signup_page).post(pages::joining::signup),
        )
        .route("/invite/{code}", get(pages::joining::invite_page))
        .route("/auth/confirm", get(pages::joining::confirm))
        .route(
            "/auth/forgot",
            get(pages::joining::forgot_page).post(pages::joining::forgot),
        )
        .route(
            "/auth/reset",
            get(pages::joining::reset_page).post(pages::joining::reset),
        )
        .route(
            "/admin/joining",
            get(pages::staff::joining::page).post(pages::staff::joining::change),
        )
        .route(
            "/oauth/authorize",
            get(pages::authorize::page).post(pages::authorize::answer),
        )
        .route(
            "/new",
            get(pages::member::new_thread_page).post(pages::member::new_thread),
        )
        .route("/posts/{id}/reply", post(pages::member::reply))
        .route(
            "/posts/{id}/edit",
            get(pages::member::edit_page).post(pages::member::edit),
        )
        .route("/posts/{id}/delete", post(pages::member::delete))
        .route("/posts/{id}/favourite", post(pages::member::favourite))
        .route("/posts/{id}/accept", post(pages::member::accept))
        .route(
            "/follow",
            get(pages::member::follow_page).post(pages::member::follow),
        )
        .route(
            "/settings/profile",
            get(pages::member::settings_page).post(pages::member::settings),
        )
        .route("/settings/language", post(pages::member::language))
        .route("/settings/export.json", get(pages::own_data::everything))
        .route("/settings/export/{file}", get(pages::own_data::part))
        .route("/settings/delete", post(pages::own_data::delete))
        .route("/notifications", get(pages::member::notifications_page))
        .route("/admin", get(pages::staff::overview))
        .route(
            "/admin/boards",
            get(pages::staff::boards::list).post(pages::staff::boards::create),
        )
        .route(
            "/admin/boards/{name}",
            get(pages::staff::boards::board).post(pages::staff::boards::update),
        )
        .route(
            "/admin/boards/{name}/moderators",
            post(pages::staff::boards::moderators),
        )
        .route(
            "/admin/boards/{name}/bans",
            post(pages::staff::boards::bans),
        )
        .route(
            "/admin/boards/{name}/held",
            post(pages::staff::boards::held),
        )
        .route("/admin/reports", get(pages::staff::reports_page))
        .route(
            "/admin/reports/{id}/resolve",
            post(pages::staff::resolve_report),
        )
        .route("/admin/members", get(pages::staff::members::list))
        .route("/admin/members/{id}", post(pages::staff::members::change))
        .route(
            "/admin/members/{id}/export.json",
            get(pages::staff::members::export),
        )
        .route("/admin/federation", get(pages::staff::federation::page))
        .route(
            "/admin/federation/blocks",
            post(pages::staff::federation::block),
        )
        .route(
            "/admin/federation/blocks/{id}/delete",
            post(pages::staff::federation::unblock),
        )
        .route("/static/site.css", get(stylesheet))
        .route("/static/site.js", get(script))
        .with_state(web)
}

/// The site's one script: small improvements where scripts run (pages work without it).
async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/site.js"),
    )
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/site.css"),
    )
}
