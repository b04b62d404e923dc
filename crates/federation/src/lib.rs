//! ActivityPub for Tsunagu: the JSON we send and accept, the inbox, the routes that serve
//! actors and objects, discovery (WebFinger, NodeInfo, host-meta), and the durable delivery
//! worker.
//!
//! Incoming activities become the same use-case calls (`tsunagu_service`) that the client API
//! makes. Outgoing ones start as [`tsunagu_service::Event`]s, which [`ApFederator`] turns into
//! activities and stores for the worker in [`delivery`]. This crate knows nothing of the
//! Mastodon client API.

mod activities;
mod boards;
pub mod delivery;
mod discovery;
mod error;
mod inbox;
pub mod net;
pub mod objects;
mod publish;
mod routes;
pub mod signatures;
pub mod signed_fetch;

pub use discovery::SOFTWARE_VERSION;
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

/// Builds the federation configuration: our domain, the instance actor that signs fetches,
/// and the guarded HTTP client every outgoing request goes through.
pub async fn configure(
    ctx: &Context,
    settings: &FederationSettings,
) -> Result<FederationConfig<Context>, FedError> {
    let instance = objects::DbActor::new(accounts::instance_actor(ctx).await?)?;
    let client = net::install(&ctx.domain, settings.dev);
    let config = FederationConfig::builder()
        .domain(ctx.domain.clone())
        .app_data(ctx.clone())
        .debug(settings.dev)
        .http_fetch_limit(50)
        .client(reqwest_middleware::ClientWithMiddleware::from(client))
        .url_verifier(Box::new(PolicyVerifier(ctx.clone())))
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

/// Refuses, for every fetch the federation library makes, URLs that name an IP address and
/// servers the federation policy refuses.
#[derive(Clone)]
struct PolicyVerifier(Context);

#[async_trait::async_trait]
impl activitypub_federation::config::UrlVerifier for PolicyVerifier {
    async fn verify(&self, url: &url::Url) -> Result<(), activitypub_federation::error::Error> {
        use activitypub_federation::error::Error;
        if let Some(reason) = net::refusal(url) {
            return Err(Error::UrlVerificationError(reason));
        }
        let domain = objects::authority(url);
        match tsunagu_service::policy::verdict(&self.0, &domain).await {
            Ok(tsunagu_service::policy::Verdict::Refused) => Err(Error::UrlVerificationError(
                "this instance does not federate with that server",
            )),
            Ok(_) => Ok(()),
            Err(e) => Err(Error::Other(e.to_string())),
        }
    }
}
