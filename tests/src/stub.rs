//! A stand-in for another fediverse server (Mastodon, Lemmy...): it serves the actors and
//! objects a test gives it, answers WebFinger and NodeInfo with the software it plays,
//! records what it receives, accepts follows of its groups, and sends activities signed the
//! way those servers sign them. Payload shapes come from the captured fixtures.

use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::signature::{SignatureEncoding, Signer};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Posts `body` to `inbox` signed as Mastodon signs (draft-cavage, rsa-sha256, digest).
/// `signed_body` is the body whose digest is signed (the same, unless testing tampering).
pub async fn signed_post(
    inbox: &str,
    body: &[u8],
    signed_body: &[u8],
    key_id: &str,
    pem: &str,
    date: SystemTime,
) -> StatusCode {
    sign(inbox, body, signed_body, key_id, pem, date)
        .send()
        .await
}

/// A signed request, ready to send.
pub struct SignedRequest {
    inbox: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl SignedRequest {
    pub async fn send(&self) -> StatusCode {
        self.send_with(&crate::http()).await
    }

    /// Sends it with `client` (the benchmark's keeps its connections open).
    pub async fn send_with(&self, client: &reqwest::Client) -> StatusCode {
        let mut req = client.post(&self.inbox);
        for (name, value) in &self.headers {
            req = req.header(*name, value);
        }
        let status = req
            .body(self.body.clone())
            .send()
            .await
            .expect("post")
            .status();
        StatusCode::from_u16(status.as_u16()).expect("status")
    }
}

/// Signs a POST of `body` to `inbox` (see [`signed_post`]).
pub fn sign(
    inbox: &str,
    body: &[u8],
    signed_body: &[u8],
    key_id: &str,
    pem: &str,
    date: SystemTime,
) -> SignedRequest {
    let url = url::Url::parse(inbox).expect("inbox url");
    let host = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().expect("host")),
        None => url.host_str().expect("host").to_string(),
    };
    let dt: chrono::DateTime<chrono::Utc> = date.into();
    let date = dt.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let digest = format!("SHA-256={}", B64.encode(Sha256::digest(signed_body)));
    let signing_string = format!(
        "(request-target): post {}\nhost: {host}\ndate: {date}\ndigest: {digest}",
        url.path()
    );
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(pem).expect("private key");
    let signature = SigningKey::<Sha256>::new(key).sign(signing_string.as_bytes());
    let header = format!(
        "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date digest\",signature=\"{}\"",
        B64.encode(signature.to_bytes())
    );
    SignedRequest {
        inbox: inbox.to_string(),
        headers: vec![
            ("Host", host),
            ("Date", date),
            ("Digest", digest),
            ("Signature", header),
            ("Content-Type", "application/activity+json".into()),
        ],
        body: body.to_vec(),
    }
}

#[derive(Default)]
struct Shared {
    documents: HashMap<String, Value>,
    received: Vec<Value>,
    redirects: HashMap<String, String>,
}

/// A fake server on a loopback port.
#[derive(Clone)]
pub struct StubPeer {
    pub domain: String,
    pub base: String,
    software: String,
    private_pem: String,
    public_pem: String,
    shared: Arc<Mutex<Shared>>,
}

impl StubPeer {
    pub async fn start(software: &str) -> StubPeer {
        let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("key");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let peer = StubPeer {
            domain: format!("localhost:{port}"),
            base: format!("http://localhost:{port}"),
            software: software.into(),
            private_pem: key.to_pkcs8_pem(LineEnding::LF).expect("pem").to_string(),
            public_pem: key
                .to_public_key()
                .to_public_key_pem(LineEnding::LF)
                .expect("pem"),
            shared: Arc::default(),
        };
        let app = Router::new()
            .route("/.well-known/webfinger", get(webfinger))
            .route("/.well-known/nodeinfo", get(nodeinfo_links))
            .route("/nodeinfo/2.0", get(nodeinfo))
            .fallback(document_or_inbox)
            .with_state(peer.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        peer
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Serves `doc` at its own `id`.
    pub fn serve(&self, doc: Value) {
        let id = doc["id"].as_str().expect("id").to_string();
        let path = id
            .strip_prefix(&self.base)
            .expect("a document of this peer")
            .to_string();
        self.shared
            .lock()
            .expect("lock")
            .documents
            .insert(path, doc);
    }

    fn actor(&self, kind: &str, path: &str, name: &str) -> String {
        let id = self.url(path);
        let mut doc = json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": id,
            "type": kind,
            "preferredUsername": name,
            "name": name,
            "inbox": format!("{id}/inbox"),
            "outbox": format!("{id}/outbox"),
            "followers": format!("{id}/followers"),
            "endpoints": { "sharedInbox": self.url("/inbox") },
            "publicKey": { "id": format!("{id}#main-key"), "owner": id, "publicKeyPem": self.public_pem },
        });
        if kind == "Group" {
            doc["attributedTo"] = json!(format!("{id}/moderators"));
            doc["featured"] = json!(format!("{id}/featured"));
            doc["postingRestrictedToMods"] = json!(false);
        } else {
            doc["following"] = json!(format!("{id}/following"));
            doc["url"] = json!(self.url(&format!("/@{name}")));
        }
        self.serve(doc);
        id
    }

    /// A person at `/users/{name}` (Mastodon's layout); returns its id.
    pub fn add_person(&self, name: &str) -> String {
        self.actor("Person", &format!("/users/{name}"), name)
    }

    /// A group at `/c/{name}` (Lemmy's layout); returns its id.
    pub fn add_group(&self, name: &str) -> String {
        self.actor("Group", &format!("/c/{name}"), name)
    }

    /// A direct reply as Mastodon sends one: `Create(Note)` by the person `name` (see
    /// [`StubPeer::add_person`]), its `number`-th status, addressed to and mentioning `to` alone.
    pub fn direct_reply(
        &self,
        name: &str,
        number: u32,
        to: &crate::Member,
        in_reply_to: &Value,
        html: &str,
    ) -> Value {
        let actor = self.url(&format!("/users/{name}"));
        let id = format!("{actor}/statuses/{number}");
        json!({
            "@context": ["https://www.w3.org/ns/activitystreams"],
            "id": format!("{id}/activity"),
            "type": "Create",
            "actor": actor,
            "to": [to.actor_url],
            "object": {
                "id": id,
                "type": "Note",
                "attributedTo": actor,
                "to": [to.actor_url],
                "cc": [],
                "inReplyTo": in_reply_to,
                "content": html,
                "tag": [{ "type": "Mention", "href": to.actor_url, "name": format!("@{}", to.handle) }],
            },
        })
    }

    /// Sends an activity, signed by its actor, to `inbox`.
    pub async fn send(&self, inbox: &str, activity: &Value) -> StatusCode {
        self.sign(inbox, activity).send().await
    }

    /// Signs an activity for `inbox` without sending it yet.
    pub fn sign(&self, inbox: &str, activity: &Value) -> SignedRequest {
        let actor = activity["actor"].as_str().expect("actor");
        let body = serde_json::to_vec(activity).expect("json");
        sign(
            inbox,
            &body,
            &body,
            &format!("{actor}#main-key"),
            &self.private_pem,
            SystemTime::now(),
        )
    }

    /// GETs `url` signed by `actor` (one of this peer's), as servers in secure mode fetch.
    pub async fn signed_get(&self, url: &str, actor: &str) -> (StatusCode, Value) {
        let parsed = url::Url::parse(url).expect("url");
        let host = match parsed.port() {
            Some(p) => format!("{}:{p}", parsed.host_str().expect("host")),
            None => parsed.host_str().expect("host").to_string(),
        };
        let now: chrono::DateTime<chrono::Utc> = SystemTime::now().into();
        let date = now.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let signing_string = format!(
            "(request-target): get {}\nhost: {host}\ndate: {date}",
            parsed.path()
        );
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(&self.private_pem).expect("private key");
        let signature = SigningKey::<Sha256>::new(key).sign(signing_string.as_bytes());
        let header = format!(
            "keyId=\"{actor}#main-key\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date\",signature=\"{}\"",
            B64.encode(signature.to_bytes())
        );
        let res = crate::http()
            .get(url)
            .header("Host", host)
            .header("Date", date)
            .header("Signature", header)
            .header("Accept", "application/activity+json")
            .send()
            .await
            .expect("get");
        let status = StatusCode::from_u16(res.status().as_u16()).expect("status");
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// Everything received so far, in order.
    pub fn received(&self) -> Vec<Value> {
        self.shared.lock().expect("lock").received.clone()
    }

    /// Waits until an activity matching `pred` arrives, and returns it.
    pub async fn wait_for(&self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let me = self.clone();
        let pred = Arc::new(pred);
        crate::eventually(what, || {
            let me = me.clone();
            let pred = pred.clone();
            async move { me.received().into_iter().find(|a| pred(a)) }
        })
        .await
    }

    fn is_own_group(&self, url: &str) -> bool {
        let shared = self.shared.lock().expect("lock");
        url.strip_prefix(&self.base)
            .and_then(|p| shared.documents.get(p))
            .is_some_and(|d| d["type"] == "Group")
    }

    /// Accepts a follow of one of our groups, as Lemmy does at once.
    async fn accept(&self, follow: Value) {
        let follower = follow["actor"].as_str().unwrap_or_default().to_string();
        let group = follow["object"].as_str().unwrap_or_default().to_string();
        let res = crate::http()
            .get(&follower)
            .header("Accept", "application/activity+json")
            .send()
            .await;
        let Ok(res) = res else { return };
        let Ok(actor) = res.json::<Value>().await else {
            return;
        };
        let inbox = actor["inbox"].as_str().unwrap_or_default().to_string();
        let accept = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": self.url(&format!("/activities/accept/{}", crate::random_suffix())),
            "type": "Accept",
            "actor": group,
            "object": follow,
        });
        self.send(&inbox, &accept).await;
    }
}

#[derive(serde::Deserialize)]
struct Resource {
    resource: String,
}

async fn webfinger(State(peer): State<StubPeer>, Query(q): Query<Resource>) -> Response {
    let name = q
        .resource
        .trim_start_matches("acct:")
        .split('@')
        .next()
        .unwrap_or_default()
        .to_string();
    let found = {
        let shared = peer.shared.lock().expect("lock");
        shared
            .documents
            .values()
            .find(|d| d["preferredUsername"] == json!(name))
            .map(|d| d["id"].clone())
    };
    match found {
        Some(id) => axum::Json(json!({
            "subject": q.resource,
            "links": [{ "rel": "self", "type": "application/activity+json", "href": id }],
        }))
        .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn nodeinfo_links(State(peer): State<StubPeer>) -> Response {
    if let Some(to) = peer.redirect_of("/.well-known/nodeinfo") {
        return redirect_to(&to);
    }
    axum::Json(
        json!({ "links": [{ "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": peer.url("/nodeinfo/2.0") }] }),
    )
    .into_response()
}

fn redirect_to(location: &str) -> Response {
    (
        StatusCode::FOUND,
        [(axum::http::header::LOCATION, location.to_string())],
    )
        .into_response()
}

impl StubPeer {
    fn redirect_of(&self, path: &str) -> Option<String> {
        self.shared
            .lock()
            .expect("lock")
            .redirects
            .get(path)
            .cloned()
    }
}

async fn nodeinfo(State(peer): State<StubPeer>) -> axum::Json<Value> {
    axum::Json(
        json!({ "version": "2.0", "software": { "name": peer.software, "version": "4.3.0" }, "protocols": ["activitypub"] }),
    )
}

async fn document_or_inbox(State(peer): State<StubPeer>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    if request.method() == axum::http::Method::POST {
        let body = axum::body::to_bytes(request.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        let activity: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        peer.shared
            .lock()
            .expect("lock")
            .received
            .push(activity.clone());
        if activity["type"] == "Follow"
            && peer.is_own_group(activity["object"].as_str().unwrap_or_default())
        {
            let p = peer.clone();
            tokio::spawn(async move { p.accept(activity).await });
        }
        return StatusCode::ACCEPTED.into_response();
    }
    if let Some(to) = peer.redirect_of(&path) {
        return redirect_to(&to);
    }
    let doc = peer
        .shared
        .lock()
        .expect("lock")
        .documents
        .get(&path)
        .cloned();
    match doc {
        Some(doc) => (
            [(
                axum::http::header::CONTENT_TYPE,
                "application/activity+json",
            )],
            axum::Json(doc),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Lab host names in the captured payloads of `tests/fixtures/real/`, by peer folder: the
/// peer's origin, then Tsunagu's.
pub const LAB_HOSTS: &[(&str, &str, &str)] = &[
    (
        "lemmy-0.19.20",
        "http://lemmy-alpha.test:8536",
        "http://tsunagu-a.test:8081",
    ),
    (
        "nodebb-4.10.3",
        "https://nodebb-a.example",
        "https://tsunagu-a.example",
    ),
    (
        "takahe-0.11",
        "https://takahe-a.example",
        "https://tsunagu-a.example",
    ),
];

impl StubPeer {
    /// A payload a real server sent or served (`tests/fixtures/real/{path}`), moved to this
    /// stub and the instance at `instance_base`: the lab's host names become theirs, then each
    /// `(from, to)` of `replace` is applied (ids of our objects in the lab, say).
    pub fn real(&self, path: &str, instance_base: &str, replace: &[(&str, &str)]) -> Value {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/real")
            .join(path);
        let mut text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let folder = path.split('/').next().unwrap_or_default();
        let (_, peer, ours) = LAB_HOSTS
            .iter()
            .find(|(f, _, _)| *f == folder)
            .expect("a lab folder");
        for (from, to) in replace {
            text = text.replace(from, to);
        }
        let host = |origin: &str| origin.split("://").nth(1).unwrap_or(origin).to_string();
        text = text
            .replace(peer, &self.base)
            .replace(ours, instance_base)
            .replace(&host(peer), &self.domain)
            .replace(&host(ours), &host(instance_base));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
    }

    /// Serves an actor document captured from a real server, with this stub's key in place
    /// of the real one (so the stub can sign as that actor); returns its id.
    pub fn serve_actor(&self, mut doc: Value) -> String {
        doc["publicKey"]["publicKeyPem"] = Value::String(self.public_pem.clone());
        let id = doc["id"].as_str().expect("id").to_string();
        doc["publicKey"]["owner"] = Value::String(id.clone());
        self.serve(doc);
        id
    }

    /// The PEM of the key this stub signs with.
    pub fn public_key(&self) -> String {
        self.public_pem.clone()
    }

    pub fn private_key(&self) -> String {
        self.private_pem.clone()
    }

    /// Posts an activity with a signature that covers no date (`(request-target) host
    /// digest`), as an attacker replaying it forever would.
    pub async fn send_without_date(&self, inbox: &str, body: &[u8]) -> StatusCode {
        let activity: Value = serde_json::from_slice(body).expect("json");
        let actor = activity["actor"].as_str().expect("actor");
        let url = url::Url::parse(inbox).expect("inbox url");
        let host = format!(
            "{}:{}",
            url.host_str().expect("host"),
            url.port().unwrap_or(80)
        );
        let digest = format!("SHA-256={}", B64.encode(Sha256::digest(body)));
        let signing_string = format!(
            "(request-target): post {}\nhost: {host}\ndigest: {digest}",
            url.path()
        );
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(&self.private_pem).expect("key");
        let signature = SigningKey::<Sha256>::new(key).sign(signing_string.as_bytes());
        let header = format!(
            "keyId=\"{actor}#main-key\",algorithm=\"rsa-sha256\",headers=\"(request-target) host digest\",signature=\"{}\"",
            B64.encode(signature.to_bytes())
        );
        let res = crate::http()
            .post(inbox)
            .header("Host", host)
            .header("Digest", digest)
            .header("Signature", header)
            .header("Content-Type", "application/activity+json")
            .body(body.to_vec())
            .send()
            .await
            .expect("post");
        StatusCode::from_u16(res.status().as_u16()).expect("status")
    }

    /// Answers GETs of `path` (and the NodeInfo discovery document, for
    /// `/.well-known/nodeinfo`) with a redirect to `location`.
    pub fn redirect(&self, path: &str, location: &str) {
        self.shared
            .lock()
            .expect("lock")
            .redirects
            .insert(path.to_string(), location.to_string());
    }
}
