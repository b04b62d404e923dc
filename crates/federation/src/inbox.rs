//! The inbox: an activity is read, its signature checked against its actor's key, the
//! sending server checked against the federation policy, and its id remembered so it is
//! applied at most once; then [`crate::activities::receive`] applies it. Types we do not
//! handle are accepted and ignored.

use crate::activities::{self, Incoming};
use crate::objects::{authority, DbActor};
use crate::signatures::{self, SignedRequest};
use crate::{Data, FedError};
use activitypub_federation::fetch::object_id::ObjectId;
use axum::extract::Request;
use axum::http::header::CONTENT_LENGTH;
use axum::http::StatusCode;
use tsunagu_service::policy;

/// Activities larger than this are refused.
const MAX_ACTIVITY_BYTES: usize = 1024 * 1024;

pub async fn post_inbox(data: Data, request: Request) -> Result<StatusCode, FedError> {
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_ACTIVITY_BYTES) {
        return Err(FedError::TooLarge);
    }
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, MAX_ACTIVITY_BYTES)
        .await
        .map_err(|_| FedError::TooLarge)?;
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let signature = signatures::read(
        &SignedRequest {
            method: parts.method.as_str(),
            scheme: &data.app_data().scheme,
            path_and_query,
            headers: &parts.headers,
            body: Some(&body),
        },
        true,
    )
    .map_err(|e| match e {
        // A body that is not the one signed is a broken request, not a bad signature.
        signatures::SignatureError::DigestMismatch => FedError::BadRequest(e.to_string()),
        e => FedError::Unauthorized(e.to_string()),
    })?;
    let activity: Incoming = serde_json::from_slice(&body)
        .map_err(|e| FedError::BadRequest(format!("unreadable activity: {e}")))?;
    check_origin(&data, &activity).await?;
    let sender = signer(&data, &activity, &signature).await?;
    receive_once(activity, sender, &data).await?;
    Ok(StatusCode::ACCEPTED)
}

/// An activity must come from a server we federate with, under an id of its own server.
async fn check_origin(data: &Data, activity: &Incoming) -> Result<(), FedError> {
    for url in [&activity.id, &activity.actor] {
        if let Some(reason) = crate::net::refusal(url) {
            return Err(FedError::BadRequest(format!("{url}: {reason}")));
        }
    }
    crate::objects::verify_same_host(&activity.id, &activity.actor)?;
    let domain = authority(&activity.actor);
    if domain == data.app_data().domain {
        return Err(FedError::BadRequest(
            "activities of this instance are not taken from others".into(),
        ));
    }
    policy::require_federates(data.app_data(), &domain).await?;
    Ok(())
}

/// The activity's actor, whose key must have made the signature. A key that no longer
/// matches is fetched again once (the actor may have changed keys).
async fn signer(
    data: &Data,
    activity: &Incoming,
    signature: &signatures::ReadSignature,
) -> Result<DbActor, FedError> {
    let unreachable = |e: FedError| {
        FedError::Unauthorized(format!("the signing actor could not be fetched: {e}"))
    };
    let id = ObjectId::<DbActor>::from(activity.actor.clone());
    let actor = id.dereference(data).await.map_err(unreachable)?;
    if signature.verify(&actor.0.public_key_pem).is_ok() {
        return Ok(actor);
    }
    let actor = id.dereference_forced(data).await.map_err(unreachable)?;
    signature
        .verify(&actor.0.public_key_pem)
        .map_err(|e| FedError::Unauthorized(e.to_string()))?;
    Ok(actor)
}

/// Applies an activity the first time its id is seen; a failure lets the sender retry.
async fn receive_once(activity: Incoming, sender: DbActor, data: &Data) -> Result<(), FedError> {
    let id = activity.id.to_string();
    // A `Create` of a post has its id remembered by the write storing the post: one write
    // per activity, not two.
    let with_post = activities::remembered_with_post(&activity);
    if !with_post && !activities::first_time(data, &id).await? {
        tracing::debug!("activity {id} was already received");
        return Ok(());
    }
    let receipt = with_post.then_some(id.as_str());
    let result = activities::receive(activity, sender, data, receipt).await;
    if result.is_err() {
        // Let the sender retry: nothing of it was applied.
        activities::forget(data, &id).await;
    }
    result
}
