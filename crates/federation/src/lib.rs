//! ActivityPub for Tsunagu: the JSON we send and accept, the inbox, the routes that serve
//! actors and objects, discovery (WebFinger, NodeInfo, host-meta), and the durable delivery
//! worker.
//!
//! Incoming activities become the same use-case calls (`tsunagu_service`) that the client API
//! makes. Outgoing ones start as [`tsunagu_service::Event`]s, which [`ApFederator`] turns into
//! activities and stores for the worker in [`delivery`]. This crate knows nothing of the
//! Mastodon client API.

mod boards;
pub mod delivery;
mod discovery;
mod error;
mod inbox;
pub mod objects;
mod publish;
mod routes;
pub mod signed_fetch;

pub use error::FedError;
pub use publish::ApFederator;

use activitypub_federation::config::{FederationConfig, FederationMiddleware};
use axum::Router;
use tsunagu_service::{accounts, Context};

/// The request data every federation handler gets.
pub type Data = activitypub_federation::config::Data<Context>;

/// Settings the binary passes in.
#[derive(Debug, Clone)]
pub struct FederationSettings {
    /// Allow plain http, loopback hosts and explicit ports (local multi-instance setups).
    pub dev: bool,
    /// Serve posts, collections and activities only to signed requests.
    pub authorized_fetch: bool,
}

/// Builds the federation configuration: our domain, the instance actor that signs fetches.
pub async fn configure(
    ctx: &Context,
    settings: &FederationSettings,
) -> Result<FederationConfig<Context>, FedError> {
    let instance = objects::DbActor::new(accounts::instance_actor(ctx).await?)?;
    let config = FederationConfig::builder()
        .domain(ctx.domain.clone())
        .app_data(ctx.clone())
        .debug(settings.dev)
        .http_fetch_limit(50)
        .signed_fetch_actor(&instance)
        .build()
        .await
        .map_err(|e| FedError::Internal(e.to_string()))?;
    Ok(config)
}

/// The federation routes, ready to merge into the server's router.
pub fn router(config: FederationConfig<Context>, settings: &FederationSettings) -> Router {
    routes::router(settings.authorized_fetch).layer(FederationMiddleware::new(config))
}

/// A client for the few unsigned requests we make (NodeInfo, checking that an object is gone).
/// Built once, since building one loads the TLS roots; it keeps no idle connections, which
/// would be tied to the runtime that opened them.
pub(crate) fn plain_client() -> Option<reqwest::Client> {
    static CLIENT: std::sync::OnceLock<Option<reqwest::Client>> = std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::limited(3))
                .pool_max_idle_per_host(0)
                .build()
                .ok()
        })
        .clone()
}
