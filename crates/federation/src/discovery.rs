//! How other servers find us: WebFinger, NodeInfo and host-meta.

use crate::{Data, FedError};
use axum::extract::Query;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tsunagu_db::queries::{actors, posts};
use tsunagu_service::accounts::INSTANCE_ACTOR_USERNAME;

pub const SOFTWARE_VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Deserialize)]
pub struct WebfingerQuery {
    resource: String,
}

/// `acct:name@host`, or the URL of a local actor.
pub async fn webfinger(
    Query(q): Query<WebfingerQuery>,
    data: Data,
) -> Result<impl IntoResponse, FedError> {
    let resource = q.resource.trim();
    let ctx = data.app_data();
    let domain = ctx.domain.clone();
    let actor = if let Some(acct) = resource.strip_prefix("acct:") {
        let acct = acct.trim_start_matches('@');
        let (name, host) = acct
            .rsplit_once('@')
            .ok_or_else(|| FedError::BadRequest("resource must be acct:name@host".into()))?;
        if !host.eq_ignore_ascii_case(&domain) {
            return Err(FedError::NotFound);
        }
        let (name, host) = (name.to_string(), domain.clone());
        data.db
            .read(move |c| actors::by_handle(c, &name, &host))
            .await?
    } else if resource.starts_with("https://") || resource.starts_with("http://") {
        let url = resource.to_string();
        data.db
            .read(move |c| actors::by_ap_id(c, &url))
            .await?
            .filter(|a| a.local)
    } else {
        // Other URI schemes name nothing here.
        return Err(FedError::NotFound);
    };
    let actor = actor
        .filter(|a| a.local && !a.deleted)
        .ok_or(FedError::NotFound)?;
    let subject = format!("acct:{}@{}", actor.username, domain);
    let mut links = vec![json!({
        "rel": "self",
        "type": "application/activity+json",
        "href": actor.ap_id,
    })];
    if actor.username != INSTANCE_ACTOR_USERNAME {
        links.push(json!({
            "rel": "http://webfinger.net/rel/profile-page",
            "type": "text/html",
            "href": actor.url,
        }));
        links.push(json!({
            "rel": "http://ostatus.org/schema/1.0/subscribe",
            "template": ctx.url("/authorize_interaction?uri={uri}"),
        }));
    }
    let body = json!({
        "subject": subject,
        "aliases": [actor.ap_id, actor.url],
        "links": links,
    });
    Ok(([(header::CONTENT_TYPE, "application/jrd+json")], Json(body)))
}

pub async fn nodeinfo_links(data: Data) -> Json<Value> {
    let ctx = data.app_data();
    Json(json!({
        "links": [
            { "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": ctx.url("/nodeinfo/2.0") },
            { "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": ctx.url("/nodeinfo/2.1") },
        ]
    }))
}

async fn nodeinfo(data: &Data, version: &str) -> Result<impl IntoResponse, FedError> {
    let (users, local_posts) = data
        .db
        .read(|c| Ok((actors::count_local(c, "Person")?, posts::count_local(c)?)))
        .await?;
    let mut software = json!({ "name": "tsunagu", "version": SOFTWARE_VERSION });
    if version == "2.1" {
        software["homepage"] = json!(data.app_data().url("/"));
    }
    let body = json!({
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": { "inbound": [], "outbound": [] },
        "openRegistrations": data.app_data().registrations == tsunagu_service::joining::Registrations::Open
            && tsunagu_service::mail::configured(data.app_data()),
        "usage": {
            "users": { "total": users, "activeMonth": users, "activeHalfyear": users },
            "localPosts": local_posts,
        },
        "metadata": { "nodeName": data.app_data().domain },
    });
    let profile = format!(
        "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/{version}#\""
    );
    Ok(([(header::CONTENT_TYPE, profile)], Json(body)))
}

pub async fn nodeinfo_20(data: Data) -> Result<impl IntoResponse, FedError> {
    nodeinfo(&data, "2.0").await
}

pub async fn nodeinfo_21(data: Data) -> Result<impl IntoResponse, FedError> {
    nodeinfo(&data, "2.1").await
}

pub async fn host_meta(data: Data) -> impl IntoResponse {
    let template = data.app_data().url("/.well-known/webfinger?resource={uri}");
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  <Link rel=\"lrdd\" template=\"{}\"/>\n</XRD>\n",
        tsunagu_service::html::escape(&template)
    );
    (
        [(header::CONTENT_TYPE, "application/xrd+xml; charset=utf-8")],
        xml,
    )
}
