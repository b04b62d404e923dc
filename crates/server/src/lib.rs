//! The `tsunagu` server: reads configuration, opens the database, wires the client API and
//! federation together, runs the delivery worker, and shuts down gracefully. The only crate
//! that knows about all the others.

use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tsunagu_api::InstanceInfo;
use tsunagu_db::Db;
use tsunagu_federation::delivery::{self, DeliverySettings};
use tsunagu_federation::{ApFederator, FederationSettings};
use tsunagu_service::joining::Registrations;
use tsunagu_service::Context;

pub mod smtp;
pub use smtp::SmtpSettings;

/// Everything `tsunagu serve` needs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub domain: String,
    pub database_url: String,
    pub dev: bool,
    /// Where uploaded media files are kept.
    pub media_dir: std::path::PathBuf,
    /// How often periodic chores run (announcing ended polls, event reminders, expiring mentoring requests).
    pub housekeeping_interval: Duration,
    /// Serve posts and collections only to signed requests (Mastodon's secure mode).
    pub authorized_fetch: bool,
    pub instance: InstanceInfo,
    pub delivery: DeliverySettings,
    /// A connection must send a request's headers within this long of opening, or of the
    /// last answer when kept alive; then it is closed (slow or idle clients hold nothing).
    pub header_timeout: Duration,
    /// Who may sign up.
    pub registrations: Registrations,
    /// Where e-mail goes; without it, nothing that needs mail (sign-up, password links) works.
    pub smtp: Option<SmtpSettings>,
    /// How long a mentoring request waits for its answer.
    pub mentoring_lifetime: Duration,
}

impl Settings {
    pub fn new(domain: &str, database_url: &str, dev: bool) -> Settings {
        Settings {
            domain: domain.to_string(),
            database_url: database_url.to_string(),
            dev,
            media_dir: "data/media".into(),
            housekeeping_interval: Duration::from_secs(30),
            authorized_fetch: false,
            instance: InstanceInfo {
                title: "Tsunagu".into(),
                description: "An alumni network on the fediverse".into(),
                contact_email: String::new(),
                rate_limit: 300,
                sign_in_limit: 30,
            },
            delivery: DeliverySettings::default(),
            header_timeout: Duration::from_secs(30),
            registrations: Registrations::Approval,
            smtp: None,
            mentoring_lifetime: Duration::from_secs(14 * 86_400),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("database: {0}")]
    Db(#[from] tsunagu_db::DbError),
    #[error("federation: {0}")]
    Federation(#[from] tsunagu_federation::FedError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("e-mail: {0}")]
    Mail(String),
}

/// Opens and migrates the database named by `url`.
pub fn open_database(url: &str) -> Result<Db, StartError> {
    let db = Db::connect(url)?;
    let applied = db.migrate()?;
    if applied > 0 {
        tracing::info!("applied {applied} migration(s)");
    }
    Ok(db)
}

/// The use-case context for `settings`, for command-line tasks that need no server.
pub fn context(db: Db, settings: &Settings) -> Result<Context, StartError> {
    let scheme = if settings.dev { "http" } else { "https" };
    let mut ctx = Context::new(
        db,
        settings.domain.clone(),
        scheme.into(),
        settings.media_dir.clone(),
    );
    ctx.instance_name = settings.instance.title.clone();
    ctx.registrations = settings.registrations;
    ctx.mentoring_lifetime = tsunagu_service::mentoring::lifetime(settings.mentoring_lifetime);
    if let Some(smtp) = &settings.smtp {
        let mailer = smtp::SmtpMailer::new(smtp).map_err(StartError::Mail)?;
        ctx.mailer = Some(Arc::new(mailer));
    }
    Ok(ctx)
}

/// A running instance.
pub struct Instance {
    pub ctx: Context,
    pub local_addr: std::net::SocketAddr,
    shutdown: watch::Sender<bool>,
    server: JoinHandle<std::io::Result<()>>,
    worker: JoinHandle<()>,
    housekeeping: JoinHandle<()>,
    /// The federation layer; the context links to it weakly (see `Context::set_federator`).
    _federator: Arc<dyn tsunagu_service::Federator>,
}

impl Instance {
    /// Stops accepting requests, finishes the ones in flight and the deliveries under way.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.server.await;
        let _ = self.worker.await;
        let _ = self.housekeeping.await;
    }

    /// Resolves once a shutdown was requested and everything has stopped.
    pub async fn wait(self) -> std::io::Result<()> {
        let result = match self.server.await {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(e)),
        };
        let _ = self.shutdown.send(true);
        let _ = self.worker.await;
        let _ = self.housekeeping.await;
        result
    }

    pub fn shutdown_handle(&self) -> watch::Sender<bool> {
        self.shutdown.clone()
    }
}

/// Starts an instance on `listener`: the HTTP server and the delivery worker.
pub async fn start(settings: Settings, listener: TcpListener) -> Result<Instance, StartError> {
    let db = open_database(&settings.database_url)?;
    start_with_db(settings, db, listener).await
}

pub async fn start_with_db(
    settings: Settings,
    db: Db,
    listener: TcpListener,
) -> Result<Instance, StartError> {
    let ctx = context(db, &settings)?;
    if settings.smtp.is_none() {
        tracing::warn!(
            "no SMTP server configured (--smtp-url, --smtp-from): sign-up, address confirmation \
             and password links are refused until one is"
        );
    }
    tsunagu_service::accounts::adopt_base_url(&ctx)
        .await
        .map_err(|e| StartError::Io(std::io::Error::other(e.to_string())))?;
    tsunagu_service::accounts::store_title(&ctx)
        .await
        .map_err(|e| StartError::Io(std::io::Error::other(e.to_string())))?;
    let fed_settings = FederationSettings {
        dev: settings.dev,
        authorized_fetch: settings.authorized_fetch,
    };
    let config = tsunagu_federation::configure(&ctx, &fed_settings).await?;
    let federator: Arc<dyn tsunagu_service::Federator> = Arc::new(ApFederator::new(config.clone()));
    ctx.set_federator(&federator);

    let (shutdown, stop) = watch::channel(false);
    let sign_in = tsunagu_api::SignInLimiter::new(ctx.clone(), settings.instance.sign_in_limit);
    let app = Router::new()
        .route("/health", get(|| async { "ok" }))
        .merge(tsunagu_federation::router(config.clone(), &fed_settings))
        .merge(tsunagu_api::router(
            ctx.clone(),
            settings.instance.clone(),
            shutdown.subscribe(),
            &sign_in,
        ));

    let worker = tokio::spawn(delivery::run(
        config,
        settings.delivery.clone(),
        shutdown.subscribe(),
    ));
    let housekeeping = tokio::spawn(housekeeping(
        ctx.clone(),
        settings.housekeeping_interval,
        shutdown.subscribe(),
    ));
    let local_addr = listener.local_addr()?;
    // The web site answers browsers at the addresses other servers fetch as ActivityPub;
    // what it does not know, and every other request, goes on to the API and federation.
    let site = tsunagu_web::router(
        ctx.clone(),
        tsunagu_web::WebSettings {
            title: settings.instance.title.clone(),
            description: settings.instance.description.clone(),
        },
    )
    .fallback_service(app.clone());
    // The site's password forms count against the same limit as the API's token grants.
    let password_forms = sign_in.guard(site.clone());
    let app =
        Router::new().fallback_service(tower::service_fn(move |req: axum::extract::Request| {
            let target = if tsunagu_web::checks_password(&req) {
                password_forms.clone()
            } else if tsunagu_web::is_page(&req) {
                site.clone()
            } else {
                app.clone()
            };
            tower::ServiceExt::oneshot(target, req)
        }));
    // Clients add trailing slashes (`/api/v1/instance/`); route them as without. Browser
    // apps (Elk, Phanpy) call from their own origins: the API answers any origin, with
    // tokens, never cookies.
    let app = app.layer(cors());
    let app = tower::ServiceExt::map_request(app, strip_trailing_slash);
    let server = tokio::spawn(serve(listener, app, stop, settings.header_timeout));
    tracing::info!("tsunagu serving {} on {local_addr}", settings.domain);
    Ok(Instance {
        ctx,
        local_addr,
        shutdown,
        server,
        worker,
        housekeeping,
        _federator: federator,
    })
}

/// Periodic chores that belong to no request: announcing polls that have ended, sending new
/// poll counts, removing uploads nobody used, forgetting old delivery records.
async fn housekeeping(ctx: Context, every: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        if let Err(e) = tsunagu_service::polls::announce_ended(&ctx).await {
            tracing::warn!("announcing ended polls: {e}");
        }
        if let Err(e) = tsunagu_service::polls::send_changed_counts(&ctx).await {
            tracing::warn!("sending poll counts: {e}");
        }
        match tsunagu_service::mentoring::expire(&ctx).await {
            Ok(0) => {}
            Ok(n) => tracing::info!("{n} mentoring request(s) expired unanswered"),
            Err(e) => tracing::warn!("expiring mentoring requests: {e}"),
        }
        match tsunagu_service::events::send_reminders(&ctx).await {
            Ok(0) => {}
            Ok(n) => tracing::info!("reminded {n} participant(s) of events starting soon"),
            Err(e) => tracing::warn!("event reminders: {e}"),
        }
        match delivery::prune_records(&ctx).await {
            Ok((0, 0)) => {}
            Ok((ids, finished)) => tracing::info!(
                "forgot {ids} old received activity id(s) and {finished} finished delivery(ies)"
            ),
            Err(e) => tracing::warn!("pruning delivery records: {e}"),
        }
        let lifetime = tsunagu_service::media::UNATTACHED_LIFETIME;
        match tsunagu_service::media::prune_unattached(&ctx, lifetime).await {
            Ok(0) => {}
            Ok(n) => tracing::info!("removed {n} unused upload(s)"),
            Err(e) => tracing::warn!("removing unused uploads: {e}"),
        }
    }
}

/// Cross-origin requests as Mastodon answers them: any origin, no credentials.
fn cors() -> tower_http::cors::CorsLayer {
    use axum::http::{header, HeaderName, Method};
    tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            header::LINK,
            HeaderName::from_static("x-ratelimit-limit"),
            HeaderName::from_static("x-ratelimit-remaining"),
            HeaderName::from_static("x-ratelimit-reset"),
        ])
        .max_age(Duration::from_secs(3600))
}

/// Serves `app` on `listener` until `stop` turns true, then lets the requests in flight
/// finish. Each connection has `header_timeout` to send a request's headers (see
/// [`Settings::header_timeout`]); WebSocket upgrades work as usual.
async fn serve<S>(
    listener: TcpListener,
    app: S,
    mut stop: watch::Receiver<bool>,
    header_timeout: Duration,
) -> std::io::Result<()>
where
    S: tower::Service<
            axum::extract::Request,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    use hyper_util::rt::{TokioIo, TokioTimer};
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let (closing, closing_rx) = watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|s| *s) => break,
        };
        let (stream, addr) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: wait a moment, keep serving.
                tracing::warn!("accepting a connection: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let service = tower::ServiceExt::map_request(
            app.clone(),
            move |req: axum::http::Request<hyper::body::Incoming>| {
                let mut req = req.map(axum::body::Body::new);
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(addr));
                req
            },
        );
        let connection = builder
            .serve_connection(
                TokioIo::new(stream),
                hyper_util::service::TowerToHyperService::new(service),
            )
            .with_upgrades();
        let mut closing = closing_rx.clone();
        connections.spawn(async move {
            let mut connection = std::pin::pin!(connection);
            let closed = tokio::select! {
                _ = connection.as_mut() => true,
                _ = closing.wait_for(|c| *c) => false,
            };
            if !closed {
                connection.as_mut().graceful_shutdown();
                let _ = connection.await;
            }
        });
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = closing.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}

fn strip_trailing_slash(mut req: axum::extract::Request) -> axum::extract::Request {
    let path = req.uri().path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let new = match req.uri().query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed.to_string(),
        };
        if let Ok(uri) = new.parse() {
            *req.uri_mut() = uri;
        }
    }
    req
}

/// How long a graceful shutdown may take before the process exits anyway.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);
