//! Authorized fetch: with `--authorized-fetch`, posts, collections and activities are served
//! only to requests signed by an actor whose key we can fetch, and never to an actor the
//! owner blocks. Actor documents, WebFinger and NodeInfo stay open, so that other servers can
//! find us and fetch the keys our own signatures are checked with.

use crate::objects::DbActor;
use crate::Data;
use activitypub_federation::fetch::object_id::ObjectId;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::time::Duration;
use tsunagu_db::Actor;
use url::Url;

/// The verified actor that signed the request, for handlers that check blocks.
#[derive(Debug, Clone)]
pub struct Signer(pub Actor);

/// Signatures older than this are refused, as for activities arriving in the inbox.
const SIGNATURE_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// Middleware: lets a request through only with a valid signature.
pub async fn require_signature(data: Data, mut req: Request, next: Next) -> Response {
    let headers: BTreeMap<String, String> = req
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let method = req.method().as_str().to_string();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    match signer(&data, &method, &path_and_query, headers).await {
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

async fn signer(
    data: &Data,
    method: &str,
    path_and_query: &str,
    headers: BTreeMap<String, String>,
) -> Result<Actor, String> {
    if !headers.contains_key("signature") {
        return Err("no Signature header".into());
    }
    let unverified = http_signature_normalization::Config::new()
        .set_expiration(SIGNATURE_LIFETIME)
        .begin_verify(method, path_and_query, headers)
        .map_err(|e| format!("unreadable signature: {e}"))?;
    // `https://host/users/name#main-key`: the actor is the key id without its fragment.
    let mut actor_url =
        Url::parse(unverified.key_id()).map_err(|_| "keyId is not a URL".to_string())?;
    actor_url.set_fragment(None);
    let actor = ObjectId::<DbActor>::from(actor_url)
        .dereference(data)
        .await
        .map_err(|e| format!("the signing actor could not be fetched: {e}"))?
        .0;
    let key = RsaPublicKey::from_public_key_pem(&actor.public_key_pem)
        .map_err(|_| "the signing actor's key is unreadable".to_string())?;
    let valid = unverified.verify(|signature, signing_string| {
        let Ok(signature) = base64::engine::general_purpose::STANDARD.decode(signature) else {
            return false;
        };
        key.verify(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(signing_string.as_bytes()),
            &signature,
        )
        .is_ok()
    });
    if valid {
        Ok(actor)
    } else {
        Err("the signature does not match".into())
    }
}
