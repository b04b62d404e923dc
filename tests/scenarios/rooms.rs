//! Talk rooms: a member opens one and invites people here, on another instance and on
//! Mastodon; only members read it; people elsewhere join and talk by direct message.

use reqwest::Method;
use serde_json::{json, Value};
use tsunagu_tests::stub::StubPeer;
use tsunagu_tests::{eventually, on_both_backends, Backend, Browser, Member, TestInstance};

async fn room_messages(member: &Member, room: &str) -> Vec<Value> {
    member
        .get(&format!("/api/v1/tsunagu/rooms/{room}/messages"))
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn wait_message(member: &Member, room: &str, text: &str) -> Value {
    eventually(
        &format!("{} reads {text:?} in the room", member.handle),
        || {
            let member = member.clone();
            let (room, text) = (room.to_string(), text.to_string());
            async move {
                room_messages(&member, &room)
                    .await
                    .into_iter()
                    .find(|s| s["content"].as_str().unwrap_or_default().contains(&text))
            }
        },
    )
    .await
}

/// The status of the first mention notification whose text contains `text`.
async fn mentioned_in(member: &Member, text: &str) -> Value {
    eventually(&format!("{} is sent {text:?}", member.handle), || {
        let member = member.clone();
        let text = text.to_string();
        async move {
            member
                .notifications()
                .await
                .into_iter()
                .filter(|n| n["type"] == "mention")
                .map(|n| n["status"].clone())
                .find(|s| s["content"].as_str().unwrap_or_default().contains(&text))
        }
    })
    .await
}

async fn state_of(owner: &Member, room: &str, acct: &str) -> Option<String> {
    let r = owner.get(&format!("/api/v1/tsunagu/rooms/{room}")).await;
    r["members"]
        .as_array()?
        .iter()
        .find(|m| m["account"]["acct"] == json!(acct))
        .and_then(|m| m["state"].as_str().map(str::to_string))
}

on_both_backends!(
    talk_rooms_are_private_and_span_instances_and_mastodon,
    rooms
);
async fn rooms(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let carol = uni.member("carol").await;
    let dave = uni.member("dave").await;
    let bob = corp.member("bob").await;

    let (status, _) = alice
        .request(
            Method::POST,
            "/api/v1/tsunagu/rooms",
            Some(json!({ "title": "" })),
        )
        .await;
    assert_eq!(status, 422);
    let room = alice
        .post(
            "/api/v1/tsunagu/rooms",
            json!({ "title": "Seminar 2027", "description": "Maritime law reading group" }),
        )
        .await;
    let id = room["id"].as_str().expect("id").to_string();
    assert_eq!(room["state"], "member");
    assert_eq!(room["members_count"], 1);

    // Carol, here, is invited and joins; until then she cannot read it. Dave never can.
    let invite = |who: String| {
        let (alice, id) = (alice.clone(), id.clone());
        async move {
            alice
                .post(
                    &format!("/api/v1/tsunagu/rooms/{id}/invitations"),
                    json!({ "account_id": who }),
                )
                .await
        }
    };
    invite(carol.id.clone()).await;
    let (status, _) = alice
        .request(
            Method::POST,
            &format!("/api/v1/tsunagu/rooms/{id}/invitations"),
            Some(json!({ "account_id": carol.id })),
        )
        .await;
    assert_eq!(status, 422, "invited twice");
    assert!(carol
        .notifications()
        .await
        .iter()
        .any(|n| n["type"] == "room_invitation"));
    let seen = carol.get(&format!("/api/v1/tsunagu/rooms/{id}")).await;
    assert_eq!(seen["state"], "invited");
    assert_eq!(seen["members"], json!([]), "the invited do not see members");
    let (status, _) = carol
        .request(
            Method::GET,
            &format!("/api/v1/tsunagu/rooms/{id}/messages"),
            None,
        )
        .await;
    assert_eq!(status, 403);
    carol
        .post(&format!("/api/v1/tsunagu/rooms/{id}/join"), json!({}))
        .await;
    for path in ["", "/messages"] {
        let (status, _) = dave
            .request(
                Method::GET,
                &format!("/api/v1/tsunagu/rooms/{id}{path}"),
                None,
            )
            .await;
        assert_eq!(status, 404, "{path}");
    }
    let (status, _) = dave
        .request(
            Method::POST,
            &format!("/api/v1/tsunagu/rooms/{id}/messages"),
            Some(json!({ "text": "Let me in" })),
        )
        .await;
    assert_eq!(status, 404);

    // Bob, on another instance, is invited by direct message and joins by replying.
    let bob_here = alice.resolve(&bob.handle).await;
    invite(bob_here["id"].as_str().expect("id").to_string()).await;
    assert_eq!(
        state_of(&alice, &id, &bob.handle).await.as_deref(),
        Some("invited")
    );
    let letter = mentioned_in(&bob, "Seminar 2027").await;
    bob.post(
        "/api/v1/statuses",
        json!({ "status": format!("@{} Count me in", alice.handle),
                "in_reply_to_id": letter["id"], "visibility": "direct" }),
    )
    .await;
    eventually("Bob joins the room", || {
        let (alice, id, handle) = (alice.clone(), id.clone(), bob.handle.clone());
        async move { (state_of(&alice, &id, &handle).await.as_deref() == Some("member")).then_some(()) }
    })
    .await;

    // Alice speaks: a direct message to each member; Bob answers from his instance.
    alice
        .post(
            &format!("/api/v1/tsunagu/rooms/{id}/messages"),
            json!({ "text": "Welcome! First reading: the Hague Rules." }),
        )
        .await;
    wait_message(&carol, &id, "the Hague Rules").await;
    let welcome = mentioned_in(&bob, "the Hague Rules").await;
    assert_eq!(welcome["visibility"], "direct");
    bob.post(
        "/api/v1/statuses",
        json!({ "status": format!("@{} Read it twice already", alice.handle),
                "in_reply_to_id": welcome["id"], "visibility": "direct" }),
    )
    .await;
    wait_message(&carol, &id, "Read it twice already").await;
    // Carol answers from a Mastodon app (a plain reply): it is said in the room.
    let in_room = wait_message(&carol, &id, "the Hague Rules").await;
    carol
        .post(
            "/api/v1/statuses",
            json!({ "status": "@alice Same here", "in_reply_to_id": in_room["id"],
                    "visibility": "direct" }),
        )
        .await;
    wait_message(&alice, &id, "Same here").await;

    // A Mastodon user is invited by direct message, joins by replying, and is written to.
    let peer = StubPeer::start("mastodon").await;
    let kenji = peer.add_person("kenji");
    let kenji_here = alice.resolve(&format!("kenji@{}", peer.domain)).await;
    invite(kenji_here["id"].as_str().expect("id").to_string()).await;
    let letter = peer
        .wait_for("the invitation", |a| {
            a["type"] == "Create"
                && a["object"]["content"]
                    .as_str()
                    .is_some_and(|c| c.contains("Seminar 2027"))
        })
        .await;
    assert_eq!(letter["object"]["to"], json!([kenji]));
    // Someone else answering the invitation joins nothing.
    let stranger = StubPeer::start("mastodon").await;
    stranger.add_person("mallory");
    let intruder = stranger.direct_reply(
        "mallory",
        1,
        &alice,
        &letter["object"]["id"],
        "<p>Me too</p>",
    );
    assert_eq!(
        stranger
            .send(&format!("{}/inbox", uni.base), &intruder)
            .await,
        202
    );
    let reply = peer.direct_reply(
        "kenji",
        7,
        &alice,
        &letter["object"]["id"],
        "<p>Yes please</p>",
    );
    assert_eq!(peer.send(&format!("{}/inbox", uni.base), &reply).await, 202);
    let kenji_acct = format!("kenji@{}", peer.domain);
    eventually("Kenji joins", || {
        let (alice, id, acct) = (alice.clone(), id.clone(), kenji_acct.clone());
        async move { (state_of(&alice, &id, &acct).await.as_deref() == Some("member")).then_some(()) }
    })
    .await;
    assert_eq!(
        state_of(&alice, &id, &format!("mallory@{}", stranger.domain)).await,
        None,
        "only the invited join by replying"
    );
    carol
        .post(
            &format!("/api/v1/tsunagu/rooms/{id}/messages"),
            json!({ "text": "Hello Kenji" }),
        )
        .await;
    let dm = peer
        .wait_for("a room message", |a| {
            a["type"] == "Create"
                && a["object"]["content"]
                    .as_str()
                    .is_some_and(|c| c.contains("Hello Kenji"))
        })
        .await;
    assert!(dm["object"]["to"]
        .as_array()
        .is_some_and(|to| to.contains(&json!(kenji))));
    assert!(
        !dm["object"]["to"].as_array().is_some_and(|to| to
            .iter()
            .any(|a| a.as_str().is_some_and(|a| a.contains("#Public")))),
        "room messages are never public"
    );

    // Leaving and removing.
    let (status, _) = alice
        .request(
            Method::POST,
            &format!("/api/v1/tsunagu/rooms/{id}/leave"),
            None,
        )
        .await;
    assert_eq!(status, 422, "the owner stays");
    alice
        .request(
            Method::DELETE,
            &format!(
                "/api/v1/tsunagu/rooms/{id}/members/{}",
                bob_here["id"].as_str().expect("id")
            ),
            None,
        )
        .await;
    assert_eq!(state_of(&alice, &id, &bob.handle).await, None);

    // The site.
    let site = Browser::new(&uni.base, "en");
    site.sign_in("carol").await;
    let page = site.get(&format!("/rooms/{id}")).await;
    assert!(page.body.contains("Read it twice already"), "{}", page.body);
    let said = site
        .post(
            &format!("/rooms/{id}/say"),
            &[
                ("form_token", &page.form_token()),
                ("text", "See you Friday"),
            ],
        )
        .await;
    assert_eq!(said.status, 303, "{}", said.body);
    wait_message(&alice, &id, "See you Friday").await;
    let left = site
        .post(
            &format!("/rooms/{id}/leave"),
            &[("form_token", &page.form_token())],
        )
        .await;
    assert_eq!(left.status, 303);
    let (status, _) = carol
        .request(
            Method::GET,
            &format!("/api/v1/tsunagu/rooms/{id}/messages"),
            None,
        )
        .await;
    assert_eq!(status, 404, "gone once left");
    let list = site.get("/rooms").await;
    assert!(!list.body.contains("Seminar 2027"));
}
