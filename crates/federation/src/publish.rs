//! From local events to stored activities ([`crate::activities`] builds them), and finding
//! accounts and posts on other servers for the use cases.

use crate::activities::Outgoing;
use crate::objects::{first_id, with_context, DbActor, DbPost};
use crate::{Data, FedError};
use activitypub_federation::config::FederationConfig;
use activitypub_federation::fetch::fetch_object_http;
use activitypub_federation::fetch::object_id::ObjectId;
use activitypub_federation::fetch::webfinger::webfinger_resolve_actor;
use activitypub_federation::traits::Object;
use async_trait::async_trait;
use serde_json::Value;
use tsunagu_db::queries::{actors, deliveries, posts};
use tsunagu_db::{now, Actor, NewOutgoingActivity};
use tsunagu_service::{Context, Event, Federator, Resolved, ServiceError, ServiceResult};
use url::Url;

/// The federation layer as the use cases see it.
#[derive(Clone)]
pub struct ApFederator {
    config: FederationConfig<Context>,
}

impl ApFederator {
    pub fn new(config: FederationConfig<Context>) -> ApFederator {
        ApFederator { config }
    }
}

/// Stores an activity and its deliveries, and wakes the delivery workers (this process's and
/// those of the others sharing the database). Inboxes on servers the policy refuses are left
/// out.
pub(crate) async fn enqueue(data: &Data, out: Outgoing) -> Result<(), FedError> {
    let mut inboxes = Vec::with_capacity(out.inboxes.len());
    for inbox in out.inboxes {
        let domain = url::Url::parse(&inbox)
            .map(|u| crate::objects::authority(&u))
            .unwrap_or_default();
        if tsunagu_service::policy::require_federates(data.app_data(), &domain)
            .await
            .is_ok()
        {
            inboxes.push(inbox);
        }
    }
    if inboxes.is_empty() {
        return Ok(());
    }
    let row = NewOutgoingActivity {
        ap_id: out.activity["id"].as_str().unwrap_or_default().to_string(),
        actor_id: out.actor_id,
        body: with_context(out.activity).to_string(),
        created_at: now(),
    };
    data.db
        .write(move |c| deliveries::enqueue(c, &row, &inboxes))
        .await?;
    data.db.deliveries_queued();
    Ok(())
}

#[async_trait]
impl Federator for ApFederator {
    async fn publish(&self, event: Event) -> ServiceResult<()> {
        let data = self.config.to_request_data();
        let outgoing = crate::activities::build(&event, &data)
            .await
            .map_err(FedError::into_service)?;
        for out in outgoing {
            enqueue(&data, out).await.map_err(FedError::into_service)?;
        }
        Ok(())
    }

    async fn resolve_handle(&self, name: &str, host: &str) -> ServiceResult<Actor> {
        let data = self.config.to_request_data();
        let actor: DbActor = webfinger_resolve_actor(&format!("{name}@{host}"), &data)
            .await
            .map_err(|e| {
                tracing::info!("resolving {name}@{host}: {e}");
                ServiceError::NotFound("remote account")
            })?;
        Ok(actor.0)
    }

    async fn resolve_url(&self, url: &str) -> ServiceResult<Resolved> {
        let data = self.config.to_request_data();
        let url = Url::parse(url).map_err(|_| ServiceError::Invalid("not a URL".into()))?;
        resolve_url(&url, &data).await.map_err(|e| {
            tracing::info!("resolving {url}: {e}");
            e.into_service()
        })
    }
}

async fn resolve_url(url: &Url, data: &Data) -> Result<Resolved, FedError> {
    let u = url.to_string();
    let (actor, post) = data
        .db
        .read(move |c| Ok((actors::by_ap_id(c, &u)?, posts::by_ap_id(c, &u)?)))
        .await?;
    if let Some(a) = actor {
        return Ok(Resolved::Actor(a));
    }
    if let Some(p) = post {
        return Ok(Resolved::Post(p));
    }
    let fetched = fetch_object_http::<_, Value>(url, data).await?;
    let kind = fetched
        .object
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("");
    let id = Url::parse(&first_id(&fetched.object).unwrap_or_default())?;
    if crate::objects::is_actor_kind(kind) {
        let actor = ObjectId::<DbActor>::from(id).dereference(data).await?;
        Ok(Resolved::Actor(actor.0))
    } else {
        // The post must be on the server it was fetched from, whatever id it claims.
        let json = serde_json::from_value(fetched.object)?;
        DbPost::verify(&json, &fetched.url, data).await?;
        Ok(Resolved::Post(DbPost::from_json(json, data).await?.0))
    }
}

pub(crate) fn strip_context(mut value: Value) -> Value {
    if let Value::Object(map) = &mut value {
        map.remove("@context");
    }
    value
}
