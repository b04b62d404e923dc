//! Hostile and broken input at the inbox: forged, stale and missing signatures, bad digests,
//! replays, objects claimed by the wrong actor. Each is refused with a 4xx and changes nothing.

use serde_json::{json, Value};
use std::time::{Duration, SystemTime};
use tsunagu_tests::stub::signed_post;
use tsunagu_tests::{http, on_both_backends, Backend, TestInstance};

async fn private_key(instance: &TestInstance, actor_url: &str) -> String {
    let url = actor_url.to_string();
    instance
        .ctx()
        .db
        .read(move |c| tsunagu_db::queries::actors::by_ap_id(c, &url))
        .await
        .expect("query")
        .expect("actor")
        .private_key_pem
        .expect("local actor has a key")
}

async fn follower_count(instance: &TestInstance, name: &str) -> i64 {
    let (_, actor) = tsunagu_service::accounts::find_member(instance.ctx(), name)
        .await
        .expect("member");
    tsunagu_service::relations::counts(instance.ctx(), actor.id)
        .await
        .expect("counts")
        .followers
}

on_both_backends!(inbox_refuses_forged_stale_and_replayed_input, hostile_inbox);
async fn hostile_inbox(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let bob = corp.member("bob").await;
    let inbox = format!("{}/users/alice/inbox", uni.base);
    let key_id = format!("{}#main-key", bob.actor_url);
    let bob_key = private_key(&corp, &bob.actor_url).await;
    let follow = |id: &str| {
        serde_json::to_vec(&json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/activities/follow/{id}", corp.base),
            "type": "Follow",
            "actor": bob.actor_url,
            "object": alice.actor_url,
        }))
        .expect("json")
    };
    let now = SystemTime::now();

    // Unsigned.
    let body = follow("unsigned");
    let status = http()
        .post(&inbox)
        .header("Content-Type", "application/activity+json")
        .body(body)
        .send()
        .await
        .expect("post")
        .status();
    assert!(status == 400 || status == 401, "unsigned: {status}");

    // Signed with another key than the actor's.
    let forged = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("key");
    let forged_pem =
        rsa::pkcs8::EncodePrivateKey::to_pkcs8_pem(&forged, rsa::pkcs8::LineEnding::LF)
            .expect("pem");
    let body = follow("forged");
    assert_eq!(
        signed_post(&inbox, &body, &body, &key_id, &forged_pem, now).await,
        401
    );

    // A body that is not the one whose digest was signed.
    let body = follow("tampered");
    assert_eq!(
        signed_post(&inbox, &body, &follow("original"), &key_id, &bob_key, now).await,
        400
    );

    // A signature from two hours ago.
    let body = follow("stale");
    assert_eq!(
        signed_post(
            &inbox,
            &body,
            &body,
            &key_id,
            &bob_key,
            now - Duration::from_secs(7200)
        )
        .await,
        401
    );

    // An oversized body.
    let body = vec![b' '; 2 * 1024 * 1024];
    assert_eq!(
        signed_post(&inbox, &body, &body, &key_id, &bob_key, now).await,
        413
    );

    // Malformed JSON, correctly signed.
    let body = b"{\"type\": \"Follow\", ".to_vec();
    assert_eq!(
        signed_post(&inbox, &body, &body, &key_id, &bob_key, now).await,
        400
    );

    // An activity whose id is on another server than its actor.
    let body = serde_json::to_vec(&json!({
        "id": format!("{}/activities/follow/elsewhere", uni.base),
        "type": "Follow",
        "actor": bob.actor_url,
        "object": alice.actor_url,
    }))
    .expect("json");
    assert_eq!(
        signed_post(&inbox, &body, &body, &key_id, &bob_key, now).await,
        400
    );
    assert_eq!(
        follower_count(&uni, "alice").await,
        0,
        "nothing refused changed anything"
    );

    // The genuine request works, and sending it again changes nothing more.
    let body = follow("genuine");
    assert_eq!(
        signed_post(&inbox, &body, &body, &key_id, &bob_key, now).await,
        202
    );
    assert_eq!(follower_count(&uni, "alice").await, 1);
    assert_eq!(
        signed_post(&inbox, &body, &body, &key_id, &bob_key, now).await,
        202
    );
    assert_eq!(follower_count(&uni, "alice").await, 1);
    assert_eq!(
        alice.notification_count("follow").await,
        1,
        "a replay does not notify twice"
    );

    // A Create whose object claims another author is refused and stores nothing.
    let note_id = format!("{}/posts/999", corp.base);
    let body = serde_json::to_vec(&json!({
        "id": format!("{}/activity", note_id),
        "type": "Create",
        "actor": bob.actor_url,
        "object": {
            "id": note_id,
            "type": "Note",
            "attributedTo": format!("{}/users/someone_else", corp.base),
            "content": "<p>not mine</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        },
    }))
    .expect("json");
    let status = signed_post(
        &format!("{}/inbox", uni.base),
        &body,
        &body,
        &key_id,
        &bob_key,
        now,
    )
    .await;
    assert_eq!(status, 400);
    let public: Value = alice.get("/api/v1/timelines/public").await;
    assert_eq!(public.as_array().map(Vec::len), Some(0));

    // A genuine Create mentioning alice, sent again, then again under another activity id
    // (a peer delivering it twice): one post, one mention.
    let note_id = format!("{}/posts/1000", corp.base);
    let create = |activity: &str| {
        serde_json::to_vec(&json!({
            "id": format!("{note_id}/{activity}"),
            "type": "Create",
            "actor": bob.actor_url,
            "object": {
                "id": note_id,
                "type": "Note",
                "attributedTo": bob.actor_url,
                "content": "<p>@alice once only</p>",
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
                "tag": [{"type": "Mention", "href": alice.actor_url}],
            },
        }))
        .expect("json")
    };
    let shared_inbox = format!("{}/inbox", uni.base);
    for body in [create("activity"), create("activity"), create("again")] {
        let status = signed_post(&shared_inbox, &body, &body, &key_id, &bob_key, now).await;
        assert_eq!(status, 202);
    }
    let public: Value = alice.get("/api/v1/timelines/public").await;
    assert_eq!(public.as_array().map(Vec::len), Some(1), "{public}");
    assert_eq!(
        alice.notification_count("mention").await,
        1,
        "a replayed Create does not notify twice"
    );
}

on_both_backends!(
    authorized_fetch_serves_signed_requests_only,
    authorized_fetch
);
async fn authorized_fetch(backend: Backend) {
    use tsunagu_tests::stub::StubPeer;
    let uni = TestInstance::start_with(&backend, |s| s.authorized_fetch = true).await;
    let corp = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let bob = corp.member("bob").await;
    let post = alice.status("Only for servers that say who they are").await;
    let uri = post["uri"].as_str().expect("uri").to_string();

    // Unsigned: objects and collections are refused; actors and discovery stay open.
    let (status, body) = tsunagu_tests::fetch_ap(&uri).await;
    assert_eq!(status.as_u16(), 401, "{body}");
    assert!(
        body["error"].as_str().unwrap_or("").contains("signed"),
        "{body}"
    );
    let (status, _) = tsunagu_tests::fetch_ap(&format!("{}/outbox", alice.actor_url)).await;
    assert_eq!(status.as_u16(), 401);
    let (status, actor) = tsunagu_tests::fetch_ap(&alice.actor_url).await;
    assert_eq!(status.as_u16(), 200);
    assert!(actor["publicKey"]["publicKeyPem"].is_string());

    // Another server fetches with its instance actor's signature: the post resolves there.
    let q: String = url::form_urlencoded::byte_serialize(uri.as_bytes()).collect();
    let found = bob
        .get(&format!("/api/v2/search?resolve=true&type=statuses&q={q}"))
        .await;
    assert_eq!(found["statuses"][0]["uri"], json!(uri), "{found}");
    // Following and delivery are unaffected.
    bob.follow(&alice.handle).await;
    let later = alice.status("Hello, followers").await;
    bob.wait_in_home(later["uri"].as_str().expect("uri")).await;

    // A signed fetch by an actor alice blocks gets nothing; others get the post.
    let peer = StubPeer::start("mastodon").await;
    let mallory = peer.add_person("mallory");
    let carol = peer.add_person("carol");
    let (status, seen) = peer.signed_get(&uri, &carol).await;
    assert_eq!(status.as_u16(), 200, "{seen}");
    assert_eq!(seen["id"], json!(uri));
    let account = alice.resolve(&format!("mallory@{}", peer.domain)).await;
    let id = account["id"].as_str().expect("id");
    alice
        .post(&format!("/api/v1/accounts/{id}/block"), json!({}))
        .await;
    let (status, _) = peer.signed_get(&uri, &mallory).await;
    assert_eq!(status.as_u16(), 404);
    // A signature claiming another actor's key does not pass, nor one by an actor that
    // cannot be fetched.
    let (status, _) = peer.signed_get(&uri, &alice.actor_url).await;
    assert_eq!(status.as_u16(), 401);
    let nobody = format!("{}/users/nobody", peer.base);
    let (status, _) = peer.signed_get(&uri, &nobody).await;
    assert_eq!(status.as_u16(), 401);
}
