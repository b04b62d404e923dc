//! Use cases: everything a member, a moderator, an operator or a remote server can do, as one
//! function each. Permission rules and validation live here, shared by the client API and the
//! federation inbox.
//!
//! This crate never speaks HTTP or JSON-LD. Outgoing federation is an [`Event`] handed to the
//! [`Federator`] that the binary plugs in; looking up remote accounts goes through the same trait.

pub mod accounts;
pub mod alumni;
pub mod articles;
pub mod boards;
pub mod campaigns;
pub mod careers;
pub mod directory;
mod error;
pub mod events;
mod federator;
pub mod health;
pub mod html;
pub mod inbound;
pub mod joining;
pub mod keys;
pub mod mail;
pub mod media;
pub mod mentoring;
pub mod notifications;
pub mod oauth;
pub mod own_data;
pub mod policy;
pub mod polls;
pub mod posts;
pub mod read;
pub mod relations;
pub mod reports;
pub mod rooms;
pub mod roster;
pub mod streaming;
pub mod surveys;
pub mod timelines;

pub use error::{Problem, ServiceError, ServiceResult, PROBLEM_CODES};
pub use federator::{Event, Federator, Resolved};

use std::path::PathBuf;
use std::sync::{Arc, OnceLock, Weak};
use tsunagu_db::Db;

/// Everything a use case needs: storage, who we are, and the way out to other servers.
#[derive(Clone)]
pub struct Context {
    pub db: Db,
    /// Host (and port, if not the default) this instance is reached at: `alumni.example.org`.
    pub domain: String,
    /// `https`, or `http` in development mode.
    pub scheme: String,
    /// Where uploaded files are kept (served at `/media/NAME`).
    pub media_dir: PathBuf,
    /// This process's copy of the federation policy.
    pub policy: Arc<policy::PolicyCache>,
    /// This process's count of failed sign-ins.
    pub sign_ins: Arc<accounts::SignInThrottle>,
    /// The instance's name, as members and other institutions see it.
    pub instance_name: String,
    /// Who may sign up.
    pub registrations: joining::Registrations,
    /// The way out for e-mail; none when no SMTP server is configured.
    pub mailer: Option<Arc<dyn mail::Mailer>>,
    /// How long a mentoring request waits for its answer.
    pub mentoring_lifetime: chrono::Duration,
    /// Reads shared by this process's streaming listeners.
    pub streams: Arc<streaming::SharedLooks>,
    /// Weak: the federation layer holds contexts itself, and a strong link back would keep
    /// both (and the database pool) alive after the instance stops.
    federator: Arc<OnceLock<Weak<dyn Federator>>>,
}

impl Context {
    pub fn new(db: Db, domain: String, scheme: String, media_dir: PathBuf) -> Context {
        Context {
            db,
            domain,
            scheme,
            media_dir,
            policy: Arc::default(),
            sign_ins: Arc::default(),
            instance_name: "Tsunagu".into(),
            registrations: joining::Registrations::Approval,
            mailer: None,
            mentoring_lifetime: mentoring::DEFAULT_LIFETIME,
            streams: Arc::default(),
            federator: Arc::new(OnceLock::new()),
        }
    }

    /// Plugs in the federation layer; done once at start-up. The caller keeps `federator`
    /// alive for as long as the instance runs.
    pub fn set_federator(&self, federator: &Arc<dyn Federator>) {
        let _ = self.federator.set(Arc::downgrade(federator));
    }

    pub fn federator(&self) -> ServiceResult<Arc<dyn Federator>> {
        self.federator
            .get()
            .and_then(Weak::upgrade)
            .ok_or_else(|| ServiceError::Internal("federation is not running".into()))
    }

    /// Hands an event to federation. Failing to queue it is logged, not returned: the local
    /// change has been made and the member should see it.
    pub async fn publish(&self, event: Event) {
        match self.federator() {
            Ok(f) => {
                if let Err(e) = f.publish(event.clone()).await {
                    tracing::error!(?event, "could not queue outgoing activity: {e}");
                }
            }
            Err(e) => tracing::error!(?event, "{e}"),
        }
    }

    /// `https://host/path`
    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{}", self.scheme, self.domain, path)
    }

    /// The page of a hashtag, `https://host/tags/NAME` (the name percent-encoded).
    pub fn tag_url(&self, tag: &str) -> String {
        let mut url = match url::Url::parse(&self.url("/tags")) {
            Ok(u) => u,
            Err(_) => return self.url("/tags"),
        };
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.push(tag);
        }
        url.to_string()
    }
}
