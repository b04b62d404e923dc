//! The client API: Mastodon-compatible endpoints so existing apps work, OAuth 2, and the
//! Tsunagu extensions under `/api/v1/tsunagu/`. Handlers parse, call one use case, and render a
//! view; the rules are in `tsunagu_service`. This crate knows nothing of ActivityPub.

mod accounts;
mod admin;
mod articles;
mod auth;
mod boards;
mod campaigns;
mod careers;
mod error;
mod events;
mod grouped_notifications;
mod instance;
mod joining;
mod limits;
mod media;
mod mentoring;
mod oauth;
mod paging;
mod params;
mod placeholders;
mod polls;
mod read_cache;
mod rooms;
mod statuses;
mod streaming;
mod surveys;
mod timelines;
pub mod views;

pub use error::{ApiError, ApiResult};

use axum::routing::{delete, get, patch, post, put};
use axum::Router;
use tsunagu_service::Context;

/// What the instance says about itself to clients.
#[derive(Debug, Clone)]
pub struct InstanceInfo {
    pub title: String,
    pub description: String,
    pub contact_email: String,
    /// Requests per five minutes for each access token or address.
    pub rate_limit: u32,
    /// Requests per five minutes for each address to sign-in, token and app registration.
    pub sign_in_limit: u32,
}

/// The tighter limit, per address, of requests that check passwords or register apps. One
/// count is shared by the client API and the web site's sign-in forms.
#[derive(Clone)]
pub struct SignInLimiter(limits::RateLimiter);

impl SignInLimiter {
    /// `limit` requests per five minutes for each address.
    pub fn new(ctx: Context, limit: u32) -> SignInLimiter {
        SignInLimiter(limits::RateLimiter::new(ctx, limit))
    }

    /// `router` with every request counted against this limit.
    pub fn guard(&self, router: Router) -> Router {
        router.layer(axum::middleware::from_fn_with_state(
            self.0.clone(),
            limits::sensitive_limit,
        ))
    }
}

/// The layer for routes that take files (larger multipart bodies).
fn uploads() -> axum::Extension<params::TakesUploads> {
    axum::Extension(params::TakesUploads)
}

/// Every client API route in one place.
/// `stopping` turns true when the server shuts down; open streams then end.
pub fn router(
    ctx: Context,
    info: InstanceInfo,
    stopping: tokio::sync::watch::Receiver<bool>,
    sign_in: &SignInLimiter,
) -> Router {
    // Sign-in, tokens and app registration: a tighter limit per address.
    let sensitive =
        axum::middleware::from_fn_with_state(sign_in.0.clone(), limits::sensitive_limit);
    Router::new()
        .route("/api/v1/instance", get(instance::v1))
        .route("/api/v2/instance", get(instance::v2))
        .route("/api/v1/instance/peers", get(instance::peers))
        .route("/api/v1/instance/rules", get(placeholders::empty_list))
        .route("/api/v1/instance/domain_blocks", get(admin::public_blocks))
        .route(
            "/api/v1/admin/domain_blocks",
            get(admin::list_blocks).post(admin::create_block),
        )
        .route(
            "/api/v1/admin/domain_blocks/{id}",
            get(admin::show_block)
                .put(admin::update_block)
                .delete(admin::delete_block),
        )
        .route(
            "/api/v1/admin/domain_allows",
            get(admin::list_allows).post(admin::create_allow),
        )
        .route(
            "/api/v1/admin/domain_allows/{id}",
            get(admin::show_allow).delete(admin::delete_allow),
        )
        .route(
            "/api/v1/apps",
            post(oauth::create_app).layer(sensitive.clone()),
        )
        .route("/api/v1/apps/verify_credentials", get(oauth::verify_app))
        .route("/oauth/token", post(oauth::token).layer(sensitive.clone()))
        .route("/oauth/revoke", post(oauth::revoke))
        .route(
            "/.well-known/oauth-authorization-server",
            get(oauth::metadata),
        )
        .route(
            "/api/v1/accounts/verify_credentials",
            get(accounts::verify_credentials),
        )
        .route(
            "/api/v1/accounts/update_credentials",
            patch(accounts::update_credentials).layer(uploads()),
        )
        .route(
            "/api/v1/accounts",
            post(joining::sign_up).layer(sensitive.clone()),
        )
        .route("/api/v1/accounts/lookup", get(accounts::lookup))
        .route(
            "/api/v1/accounts/relationships",
            get(accounts::relationships),
        )
        .route("/api/v1/accounts/search", get(accounts::search))
        .route("/api/v1/accounts/{id}", get(accounts::show))
        .route("/api/v1/accounts/{id}/statuses", get(accounts::statuses))
        .route("/api/v1/accounts/{id}/followers", get(accounts::followers))
        .route("/api/v1/accounts/{id}/following", get(accounts::following))
        .route("/api/v1/accounts/{id}/follow", post(accounts::follow))
        .route("/api/v1/accounts/{id}/unfollow", post(accounts::unfollow))
        .route(
            "/api/v1/accounts/{id}/remove_from_followers",
            post(accounts::remove_from_followers),
        )
        .route("/api/v1/follow_requests", get(accounts::follow_requests))
        .route(
            "/api/v1/follow_requests/{id}/authorize",
            post(accounts::authorize_follow),
        )
        .route(
            "/api/v1/follow_requests/{id}/reject",
            post(accounts::reject_follow),
        )
        .route("/api/v1/streaming", get(streaming::root))
        .route("/api/v1/streaming/health", get(streaming::health))
        .route("/api/v1/streaming/{*stream}", get(streaming::sse_stream))
        .route("/api/v1/media", post(media::upload).layer(uploads()))
        .route("/api/v2/media", post(media::upload).layer(uploads()))
        .route("/api/v1/media/{id}", get(media::show).put(media::update))
        .route("/media/{name}", get(media::file))
        .route("/api/v1/polls/{id}", get(polls::show))
        .route("/api/v1/polls/{id}/votes", post(polls::vote))
        .route("/api/v1/statuses", post(statuses::create))
        .route(
            "/api/v1/statuses/{id}",
            get(statuses::show)
                .delete(statuses::remove)
                .put(statuses::edit),
        )
        .route("/api/v1/statuses/{id}/context", get(statuses::context))
        .route("/api/v1/statuses/{id}/favourite", post(statuses::favourite))
        .route(
            "/api/v1/statuses/{id}/unfavourite",
            post(statuses::unfavourite),
        )
        .route("/api/v1/statuses/{id}/reblog", post(statuses::reblog))
        .route("/api/v1/statuses/{id}/unreblog", post(statuses::unreblog))
        .route(
            "/api/v1/statuses/{id}/favourited_by",
            get(statuses::favourited_by),
        )
        .route(
            "/api/v1/statuses/{id}/reblogged_by",
            get(statuses::reblogged_by),
        )
        .route("/api/v1/timelines/home", get(timelines::home))
        .route("/api/v1/timelines/public", get(timelines::public))
        .route("/api/v1/timelines/tag/{tag}", get(timelines::tag))
        .route("/api/v1/notifications", get(timelines::notifications))
        .route(
            "/api/v1/notifications/clear",
            post(timelines::clear_notifications),
        )
        .route(
            "/api/v1/notifications/unread_count",
            get(grouped_notifications::unread_v1),
        )
        .route("/api/v2/notifications", get(grouped_notifications::list))
        .route(
            "/api/v2/notifications/unread_count",
            get(grouped_notifications::unread_v2),
        )
        .route(
            "/api/v2/notifications/{key}",
            get(grouped_notifications::show),
        )
        .route(
            "/api/v2/notifications/{key}/accounts",
            get(grouped_notifications::accounts),
        )
        .route(
            "/api/v2/notifications/{key}/dismiss",
            post(grouped_notifications::dismiss),
        )
        .route("/api/v1/notifications/{id}", get(timelines::notification))
        .route(
            "/api/v1/notifications/{id}/dismiss",
            post(timelines::dismiss_notification),
        )
        .route("/api/v2/search", get(timelines::search))
        .route(
            "/api/v1/tsunagu/profile",
            get(accounts::own_profile).put(accounts::set_profile),
        )
        .route(
            "/api/v1/tsunagu/boards",
            get(boards::list).post(boards::create),
        )
        .route(
            "/api/v1/tsunagu/boards/{name}",
            get(boards::show).patch(boards::update),
        )
        .route(
            "/api/v1/tsunagu/boards/{name}/threads",
            get(boards::threads),
        )
        .route("/api/v1/tsunagu/boards/{name}/pinned", get(boards::pinned))
        .route("/api/v1/tsunagu/boards/{name}/pin", post(boards::pin))
        .route("/api/v1/tsunagu/boards/{name}/unpin", post(boards::unpin))
        .route("/api/v1/tsunagu/boards/{name}/bans", post(boards::ban))
        .route("/api/v1/tsunagu/boards/{name}/unban", post(boards::unban))
        .route(
            "/api/v1/tsunagu/boards/{name}/moderators",
            post(boards::add_moderator),
        )
        .route("/api/v1/tsunagu/threads", post(boards::start))
        .route("/api/v1/tsunagu/boards/{name}/held", get(boards::held))
        .route(
            "/api/v1/tsunagu/boards/{name}/approve",
            post(boards::approve),
        )
        .route("/api/v1/tsunagu/reports", get(boards::reports))
        .route(
            "/api/v1/tsunagu/reports/{id}/resolve",
            post(boards::resolve_report),
        )
        .route("/api/v1/reports", post(boards::report))
        .route("/api/v1/statuses/{id}/history", get(statuses::history))
        .route("/api/v1/statuses/{id}/source", get(statuses::source))
        .route(
            "/api/v1/tsunagu/threads/{id}",
            get(boards::show_thread).patch(boards::edit),
        )
        .route("/api/v1/tsunagu/threads/{id}/accept", post(boards::accept))
        .route("/api/v1/tsunagu/threads/{id}/lock", post(boards::lock))
        .route("/api/v1/tsunagu/threads/{id}/unlock", post(boards::unlock))
        .route("/api/v1/tsunagu/statuses/{id}/remove", post(boards::remove))
        .route(
            "/api/v1/tsunagu/statuses/{id}/restore",
            post(boards::restore),
        )
        .route(
            "/api/v1/tsunagu/accounts/{id}/profile",
            get(accounts::member_profile),
        )
        .route("/api/v1/custom_emojis", get(placeholders::empty_list))
        .route("/api/v1/filters", get(placeholders::empty_list))
        .route("/api/v2/filters", get(placeholders::empty_list))
        .route("/api/v1/lists", get(placeholders::empty_list))
        .route("/api/v1/announcements", get(placeholders::empty_list))
        .route("/api/v1/followed_tags", get(placeholders::empty_list))
        .route("/api/v1/trends", get(placeholders::empty_list))
        .route("/api/v1/trends/tags", get(placeholders::empty_list))
        .route("/api/v1/trends/statuses", get(placeholders::empty_list))
        .route("/api/v1/trends/links", get(placeholders::empty_list))
        .route("/api/v1/conversations", get(timelines::conversations))
        .route("/api/v1/bookmarks", get(statuses::bookmarks))
        .route("/api/v1/statuses/{id}/bookmark", post(statuses::bookmark))
        .route("/api/v1/statuses/{id}/pin", post(statuses::pin))
        .route("/api/v1/statuses/{id}/unpin", post(statuses::unpin))
        .route(
            "/api/v1/statuses/{id}/unbookmark",
            post(statuses::unbookmark),
        )
        .route("/api/v1/favourites", get(statuses::favourites))
        .route("/api/v1/blocks", get(accounts::blocks))
        .route("/api/v1/mutes", get(accounts::mutes))
        .route("/api/v1/accounts/{id}/block", post(accounts::block))
        .route("/api/v1/accounts/{id}/unblock", post(accounts::unblock))
        .route("/api/v1/accounts/{id}/mute", post(accounts::mute))
        .route("/api/v1/accounts/{id}/unmute", post(accounts::unmute))
        .route("/api/v1/domain_blocks", get(placeholders::empty_list))
        .route("/api/v1/endorsements", get(placeholders::empty_list))
        .route("/api/v1/featured_tags", get(placeholders::empty_list))
        .route("/api/v2/suggestions", get(placeholders::empty_list))
        .route(
            "/api/v1/markers",
            get(statuses::markers).post(statuses::save_markers),
        )
        .route("/api/v1/preferences", get(accounts::preferences))
        .route(
            "/avatars/original/missing.png",
            get(placeholders::missing_image),
        )
        .route(
            "/headers/original/missing.png",
            get(placeholders::missing_image),
        )
        .route(
            "/api/v1/push/subscription",
            delete(placeholders::not_supported).get(placeholders::not_supported),
        )
        .route(
            "/api/v1/tsunagu/invites",
            get(joining::invites).post(joining::create_invite),
        )
        .route(
            "/api/v1/tsunagu/invites/{id}",
            delete(joining::revoke_invite),
        )
        .route(
            "/api/v1/tsunagu/email_domains",
            get(joining::email_domains).post(joining::add_email_domain),
        )
        .route(
            "/api/v1/tsunagu/email_domains/{domain}",
            delete(joining::remove_email_domain),
        )
        .route(
            "/api/v1/tsunagu/accounts/{id}/verify",
            post(joining::verify),
        )
        .route(
            "/api/v1/tsunagu/accounts/{id}/role",
            post(joining::set_role),
        )
        .route("/api/v1/directory", get(joining::directory))
        // It sends mail: the tighter per-address limit.
        .route(
            "/api/v1/emails/confirmations",
            post(joining::resend_confirmation).layer(sensitive),
        )
        .route(
            "/api/v1/tsunagu/careers",
            get(careers::list).post(careers::create),
        )
        .route("/api/v1/tsunagu/careers/{id}/close", post(careers::close))
        .route(
            "/api/v1/tsunagu/rooms",
            get(rooms::list).post(rooms::create),
        )
        .route("/api/v1/tsunagu/rooms/{id}", get(rooms::show))
        .route(
            "/api/v1/tsunagu/rooms/{id}/invitations",
            post(rooms::invite),
        )
        .route(
            "/api/v1/tsunagu/rooms/{id}/messages",
            get(rooms::messages).post(rooms::say),
        )
        .route(
            "/api/v1/tsunagu/rooms/{id}/members/{account_id}",
            delete(rooms::remove),
        )
        .route(
            "/api/v1/tsunagu/rooms/{id}/{action}",
            post(rooms::membership),
        )
        .route(
            "/api/v1/tsunagu/mentoring/profile",
            get(mentoring::profile).put(mentoring::set_profile),
        )
        .route("/api/v1/tsunagu/mentors", get(mentoring::mentors))
        .route(
            "/api/v1/tsunagu/mentoring/requests",
            get(mentoring::list).post(mentoring::ask),
        )
        .route(
            "/api/v1/tsunagu/mentoring/requests/{id}",
            get(mentoring::show),
        )
        .route(
            "/api/v1/tsunagu/mentoring/requests/{id}/{action}",
            post(mentoring::answer),
        )
        .route(
            "/api/v1/tsunagu/events",
            get(events::list).post(events::create),
        )
        .route(
            "/api/v1/tsunagu/events/{id}",
            get(events::show).put(events::update),
        )
        .route("/api/v1/tsunagu/events/{id}/cancel", post(events::cancel))
        .route("/api/v1/tsunagu/events/{id}/join", post(events::join))
        .route("/api/v1/tsunagu/events/{id}/leave", post(events::leave))
        .route(
            "/api/v1/tsunagu/calendar",
            get(events::calendar).post(events::renew_calendar),
        )
        .route(
            "/api/v1/tsunagu/campaigns",
            get(campaigns::list).post(campaigns::create),
        )
        .route("/api/v1/tsunagu/campaigns/{id}", put(campaigns::update))
        .route(
            "/api/v1/tsunagu/surveys",
            get(surveys::list).post(surveys::create),
        )
        .route("/api/v1/tsunagu/surveys/{id}", get(surveys::show))
        .route(
            "/api/v1/tsunagu/surveys/{id}/responses",
            post(surveys::respond),
        )
        .route(
            "/api/v1/tsunagu/surveys/{id}/results",
            get(surveys::results),
        )
        .route(
            "/api/v1/tsunagu/surveys/{id}/results.csv",
            get(surveys::results_csv),
        )
        .route(
            "/api/v1/tsunagu/articles",
            get(articles::list).post(articles::create),
        )
        .route("/api/v1/tsunagu/articles/{id}", get(articles::show))
        .route(
            "/api/v1/tsunagu/accounts/{id}/articles",
            get(articles::of_account),
        )
        .route("/api/v2/admin/accounts", get(joining::list_v2))
        .route("/api/v1/admin/accounts", get(joining::list_v1))
        .route(
            "/api/v1/admin/accounts/{id}",
            get(joining::show).delete(joining::delete_member),
        )
        .route("/api/v1/tsunagu/export", get(joining::export_own))
        .route(
            "/api/v1/tsunagu/export/{part}",
            get(joining::export_own_part),
        )
        .route(
            "/api/v1/tsunagu/accounts/{id}/export",
            get(joining::export_member),
        )
        .route(
            "/api/v1/tsunagu/accounts/{id}/export/{part}",
            get(joining::export_member_part),
        )
        .route("/api/v1/tsunagu/account", delete(joining::delete_own))
        .route(
            "/api/v1/admin/accounts/{id}/approve",
            post(joining::approve),
        )
        .route("/api/v1/admin/accounts/{id}/reject", post(joining::reject))
        .route("/api/v1/admin/accounts/{id}/action", post(joining::action))
        .route("/api/v1/admin/accounts/{id}/enable", post(joining::enable))
        .route(
            "/api/v1/admin/accounts/{id}/unsuspend",
            post(joining::unsuspend),
        )
        .fallback(placeholders::not_found)
        .layer(axum::middleware::from_fn_with_state(
            limits::RateLimiter::new(ctx.clone(), info.rate_limit),
            limits::rate_limit,
        ))
        .layer(axum::Extension(info))
        .layer(axum::Extension(streaming::Stopping(stopping)))
        .layer(axum::Extension(streaming::Renders::default()))
        .layer(axum::Extension(read_cache::ReadCache::default()))
        .layer(axum::Extension(limits::IdempotencyKeys::default()))
        .with_state(ctx)
}
