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
    let follows = alice
        .notifications()
        .await
        .iter()
        .filter(|n| n["type"] == json!("follow"))
        .count();
    assert_eq!(follows, 1, "a replay does not notify twice");

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
}
