//! Authorized fetch: with `--authorized-fetch`, posts, collections and activities are served
//! only to requests signed by an actor whose key we can fetch, and never to an actor the
//! owner blocks. Actor documents, WebFinger and NodeInfo stay open, so that other servers can
//! find us and fetch the keys our own signatures are checked with.

use crate::objects::DbActor;
use crate::signatures::{self, ReadSignature, SignedRequest};
use crate::Data;
use activitypub_federation::fetch::object_id::ObjectId;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use tsunagu_db::Actor;

/// The verified actor that signed the request, for handlers that check blocks.
#[derive(Debug, Clone)]
pub struct Signer(pub Actor);

/// Middleware: lets a request through only with a valid signature.
pub async fn require_signature(data: Data, mut req: Request, next: Next) -> Response {
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let read = signatures::read(
        &SignedRequest {
            method: req.method().as_str(),
            scheme: &data.app_data().scheme,
            path_and_query: &path_and_query,
            headers: req.headers(),
            body: None,
        },
        true,
    );
    let result = match read {
        Ok(signature) => signer(&data, &signature).await,
        Err(e) => Err(e.to_string()),
    };
    match result {
        Ok(actor) => {
            req.extensions_mut().insert(Signer(actor));
            next.run(req).await
        }
        Err(reason) => {
            tracing::debug!(
                "refused unsigned or badly signed fetch of {}: {reason}",
                req.uri()
            );
            (
                StatusCode::UNAUTHORIZED,
                Json(json!({ "error": format!("signed request required: {reason}") })),
            )
                .into_response()
        }
    }
}

/// The actor the key id names (`…/users/name#main-key`, or a key path such as
/// `…/users/name/main-key`), whose key must have made the signature.
async fn signer(data: &Data, signature: &ReadSignature) -> Result<Actor, String> {
    let mut last_error = "keyId is not a URL".to_string();
    for url in signature.actor_candidates() {
        if let Some(reason) = crate::net::refusal(&url) {
            return Err(reason.to_string());
        }
        let domain = crate::objects::authority(&url);
        if tsunagu_service::policy::require_federates(data.app_data(), &domain)
            .await
            .is_err()
        {
            return Err("this instance does not federate with the signer's server".into());
        }
        match ObjectId::<DbActor>::from(url).dereference(data).await {
            Ok(actor) => {
                return signature
                    .verify(&actor.0.public_key_pem)
                    .map(|()| actor.0)
                    .map_err(|e| e.to_string())
            }
            Err(e) => last_error = format!("the signing actor could not be fetched: {e}"),
        }
    }
    Err(last_error)
}
