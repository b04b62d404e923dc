//! Mentoring: mentors offer it here and on another instance, students find and ask them,
//! the mentor's instance decides (accept, decline, capacity, expiry), and an accepted request
//! opens a private conversation both instances list; a Mastodon user asked gets a readable
//! direct message and accepts by replying.

use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;
use tsunagu_tests::stub::StubPeer;
use tsunagu_tests::{eventually, on_both_backends, Backend, Browser, Member, TestInstance};

const REQUESTS: &str = "/api/v1/tsunagu/mentoring/requests";

async fn offer(member: &Member, topics: &[&str], capacity: i64) {
    let (status, body) = member
        .request(
            Method::PUT,
            "/api/v1/tsunagu/mentoring/profile",
            Some(
                json!({ "available": true, "topics": topics, "capacity": capacity,
                         "note": "Evenings, Japan time." }),
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

async fn ask(member: &Member, mentor_id: &str, message: &str) -> (reqwest::StatusCode, Value) {
    member
        .request(
            Method::POST,
            REQUESTS,
            Some(json!({ "mentor_id": mentor_id, "message": message })),
        )
        .await
}

/// The request `member` sees with the given mentee's (or mentor's) message, once its state is
/// `state`.
async fn wait_request(member: &Member, message: &str, state: &str) -> Value {
    eventually(
        &format!("{} sees the request {message:?} {state}", member.handle),
        || {
            let member = member.clone();
            let (message, state) = (message.to_string(), state.to_string());
            async move {
                member
                    .get(REQUESTS)
                    .await
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .find(|r| r["message"] == json!(message) && r["state"] == json!(state))
            }
        },
    )
    .await
}

async fn conversation_with(member: &Member, acct: &str) -> Value {
    eventually(
        &format!("{} has a conversation with {acct}", member.handle),
        || {
            let member = member.clone();
            let acct = acct.to_string();
            async move {
                member
                    .get("/api/v1/conversations")
                    .await
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .find(|c| {
                        c["accounts"]
                            .as_array()
                            .is_some_and(|a| a.iter().any(|a| a["acct"] == json!(acct)))
                    })
            }
        },
    )
    .await
}

fn id_of(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id: {v}"))
        .to_string()
}

on_both_backends!(
    students_ask_mentors_here_and_elsewhere_and_talk_once_accepted,
    mentoring
);
async fn mentoring(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let carol = uni.member("carol").await;
    let dave = uni.member("dave").await;
    let erin = uni.member("erin").await;
    let bob = corp.member("bob").await;

    for bad in [
        json!({ "available": true, "topics": [] }),
        json!({ "available": true, "topics": ["law"], "capacity": 50 }),
        json!({ "available": true, "topics": ["x".repeat(60)] }),
    ] {
        let (status, _) = alice
            .request(
                Method::PUT,
                "/api/v1/tsunagu/mentoring/profile",
                Some(bad.clone()),
            )
            .await;
        assert_eq!(status, 422, "{bad}");
    }
    offer(&alice, &["Law", "careers"], 1).await;
    let mine = alice.get("/api/v1/tsunagu/mentoring/profile").await;
    assert_eq!(mine["topics"], json!(["law", "careers"]));
    offer(&bob, &["shipping"], 2).await;

    // Finding mentors: here, and on the other instance once it is known here.
    let bob_here = carol.resolve(&bob.handle).await;
    let bob_id = id_of(&bob_here);
    let law = carol.get("/api/v1/tsunagu/mentors?topic=law").await;
    assert_eq!(law[0]["account"]["username"], "alice");
    assert_eq!(law[0]["free_places"], 1);
    let shipping = carol.get("/api/v1/tsunagu/mentors?topic=shipping").await;
    assert_eq!(shipping[0]["account"]["id"], json!(bob_id), "{shipping}");
    assert_eq!(shipping[0]["local"], false);
    let local = carol.get("/api/v1/tsunagu/mentors?local=true").await;
    assert_eq!(local.as_array().map(Vec::len), Some(1));
    let by_text = carol.get("/api/v1/tsunagu/mentors?q=ship").await;
    assert_eq!(by_text.as_array().map(Vec::len), Some(1));

    // Asking here: refused to oneself, to people who offer nothing, twice.
    let alice_id = alice.id.clone();
    assert_eq!(ask(&alice, &alice_id, "Me?").await.0, 422);
    assert_eq!(ask(&carol, &dave.id, "Teach me").await.0, 422);
    assert_eq!(ask(&carol, &alice_id, "").await.0, 422);
    let (status, asked) = ask(&carol, &alice_id, "I want to work in law.").await;
    assert_eq!(status, 200, "{asked}");
    assert_eq!(asked["state"], "pending");
    assert_eq!(asked["mentor"]["username"], "alice");
    assert_eq!(asked["mentee"]["username"], "carol");
    assert_eq!(ask(&carol, &alice_id, "Again").await.0, 422);
    let (_, daves) = ask(&dave, &alice_id, "Careers in law, please.").await;
    let notes = alice.notifications().await;
    assert!(
        notes.iter().any(|n| n["type"] == "mentoring_request"),
        "{notes:?}"
    );
    let received = alice
        .get(&format!("{REQUESTS}?role=mentor&state=pending"))
        .await;
    assert_eq!(received.as_array().map(Vec::len), Some(2));
    let (status, _) = carol
        .request(
            Method::POST,
            &format!("{REQUESTS}/{}/accept", id_of(&asked)),
            None,
        )
        .await;
    assert_eq!(status, 403, "only the mentor answers");

    // Alice accepts Carol: both are told, and they share a conversation.
    let accepted = alice
        .post(&format!("{REQUESTS}/{}/accept", id_of(&asked)), json!({}))
        .await;
    assert_eq!(accepted["state"], "accepted");
    assert!(carol
        .notifications()
        .await
        .iter()
        .any(|n| n["type"] == "mentoring_accepted"));
    let conv = conversation_with(&carol, "alice").await;
    assert!(conv["last_status"]["content"]
        .as_str()
        .unwrap_or_default()
        .contains("I want to work in law."));
    conversation_with(&alice, "carol").await;
    // One place: Dave cannot be taken now, and a new request is declined with the reason.
    let (status, _) = alice
        .request(
            Method::POST,
            &format!("{REQUESTS}/{}/accept", id_of(&daves)),
            None,
        )
        .await;
    assert_eq!(status, 422);
    let (_, full) = ask(&erin, &alice_id, "Any room?").await;
    assert_eq!(full["state"], "declined");
    assert!(full["reason"]
        .as_str()
        .unwrap_or_default()
        .contains("no free place"));
    let declined = alice
        .post(
            &format!("{REQUESTS}/{}/decline", id_of(&daves)),
            json!({ "reason": "Try next term." }),
        )
        .await;
    assert_eq!(declined["reason"], "Try next term.");

    // Across instances: Bob's instance decides.
    let (status, to_bob) = ask(&carol, &bob_id, "How do I get into shipping?").await;
    assert_eq!(status, 200, "{to_bob}");
    let at_corp = wait_request(&bob, "How do I get into shipping?", "pending").await;
    assert_eq!(at_corp["mentee"]["acct"], json!(carol.handle));
    bob.post(&format!("{REQUESTS}/{}/accept", id_of(&at_corp)), json!({}))
        .await;
    wait_request(&carol, "How do I get into shipping?", "accepted").await;
    conversation_with(&carol, &bob.handle).await;
    conversation_with(&bob, &carol.handle).await;

    // Declined with a reason, and withdrawn, across instances.
    ask(&dave, &bob_id, "Shipping law?").await;
    let at_corp = wait_request(&bob, "Shipping law?", "pending").await;
    bob.post(
        &format!("{REQUESTS}/{}/decline", id_of(&at_corp)),
        json!({ "reason": "Not my field." }),
    )
    .await;
    let answered = wait_request(&dave, "Shipping law?", "declined").await;
    assert_eq!(answered["reason"], "Not my field.");
    let (_, erins) = ask(&erin, &bob_id, "Internships?").await;
    wait_request(&bob, "Internships?", "pending").await;
    erin.post(&format!("{REQUESTS}/{}/cancel", id_of(&erins)), json!({}))
        .await;
    wait_request(&bob, "Internships?", "cancelled").await;
    let (status, _) = ask(&carol, &alice_id, &"x".repeat(3000)).await;
    assert_eq!(status, 422);

    // The site: Alice makes room, Frank finds and asks her, she accepts.
    uni.member("frank").await;
    let alices = Browser::new(&uni.base, "en");
    alices.sign_in("alice").await;
    let form = alices.get("/mentoring/profile").await;
    let saved = alices
        .post(
            "/mentoring/profile",
            &[
                ("form_token", &form.form_token()),
                ("available", "true"),
                ("topics", "law, careers"),
                ("capacity", "3"),
                ("note", "Evenings."),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let franks = Browser::new(&uni.base, "ja");
    franks.sign_in("frank").await;
    let page = franks.get("/mentoring?topic=law").await;
    assert!(page.body.contains("Evenings."), "{}", page.body);
    let asked = franks
        .post(
            "/mentoring/ask",
            &[
                ("form_token", &page.form_token()),
                ("mentor_id", &alice_id),
                ("message", "法律の仕事について"),
            ],
        )
        .await;
    assert_eq!(asked.status, 303, "{}", asked.body);
    let mine = wait_request(&alice, "法律の仕事について", "pending").await;
    let page = alices.get("/mentoring/requests").await;
    assert!(page.body.contains("法律の仕事について"));
    let done = alices
        .post(
            &format!("/mentoring/requests/{}/accept", id_of(&mine)),
            &[("form_token", &page.form_token())],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let page = franks.get("/mentoring/requests").await;
    assert!(page.body.contains("承諾"), "{}", page.body);
}

on_both_backends!(
    unanswered_requests_expire_and_mastodon_mentors_answer_by_reply,
    expiry_and_mastodon
);
async fn expiry_and_mastodon(backend: Backend) {
    let uni = TestInstance::start_with(&backend, |s| {
        s.mentoring_lifetime = Duration::from_secs(2);
    })
    .await;
    let alice = uni.member("alice").await;
    let carol = uni.member("carol").await;
    offer(&alice, &["law"], 3).await;
    let (_, asked) = ask(&carol, &alice.id, "Still there?").await;
    assert_eq!(asked["state"], "pending");
    wait_request(&carol, "Still there?", "expired").await;
    let (status, _) = alice
        .request(
            Method::POST,
            &format!("{REQUESTS}/{}/accept", id_of(&asked)),
            None,
        )
        .await;
    assert_eq!(status, 422, "an expired request cannot be accepted");
    // A student elsewhere hears that it expired: the mentor's instance decides.
    let corp = TestInstance::start(&backend).await;
    let dan = corp.member("dan").await;
    let alice_there = dan.resolve(&alice.handle).await;
    let (status, _) = ask(&dan, &id_of(&alice_there), "Are you there?").await;
    assert_eq!(status, 200);
    let told = wait_request(&dan, "Are you there?", "declined").await;
    assert!(
        told["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("expired"),
        "{told}"
    );

    // A Mastodon user: the request arrives as a readable direct message.
    let uni = TestInstance::start(&backend).await;
    let carol = uni.member("carol").await;
    let peer = StubPeer::start("mastodon").await;
    let mentor = peer.add_person("kenji");
    let kenji = carol.resolve(&format!("kenji@{}", peer.domain)).await;
    let (status, asked) = ask(&carol, &id_of(&kenji), "Could we talk about ports?").await;
    assert_eq!(status, 200, "{asked}");
    let create = peer
        .wait_for("the request", |a| {
            a["type"] == "Create" && a["object"]["mentoringRequest"] == json!(true)
        })
        .await;
    let note = &create["object"];
    assert_eq!(note["type"], "Note");
    assert_eq!(note["to"], json!([mentor]));
    assert_eq!(note["cc"], json!([]));
    assert_eq!(note["tag"][0]["type"], "Mention");
    assert!(note["content"]
        .as_str()
        .unwrap_or_default()
        .contains("Could we talk about ports?"));
    // Nobody but Kenji answers for him: a stranger's `Accept` is refused and changes nothing.
    let stranger = StubPeer::start("mastodon").await;
    let mallory = stranger.add_person("mallory");
    let forged = json!({
        "id": stranger.url("/accept/1"), "type": "Accept", "actor": mallory, "object": note["id"],
    });
    assert_eq!(
        stranger.send(&format!("{}/inbox", uni.base), &forged).await,
        403
    );
    wait_request(&carol, "Could we talk about ports?", "pending").await;
    // Kenji replies: that is a yes, and the reply is the conversation.
    let reply = peer.direct_reply("kenji", 1, &carol, &note["id"], "<p>Happy to. Friday?</p>");
    assert_eq!(peer.send(&format!("{}/inbox", uni.base), &reply).await, 202);
    wait_request(&carol, "Could we talk about ports?", "accepted").await;
    let conv = conversation_with(&carol, &format!("kenji@{}", peer.domain)).await;
    assert!(conv["last_status"]["content"]
        .as_str()
        .unwrap_or_default()
        .contains("Friday"));
}
