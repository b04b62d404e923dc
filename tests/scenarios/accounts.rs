//! Profiles edited through the client API (fields, avatar, locked), locked accounts across
//! servers, and following with notifications or without boosts.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tsunagu_tests::{eventually, http, on_both_backends, tiny_png, Backend, Member, TestInstance};

async fn relationship(member: &Member, id: &str) -> Value {
    member
        .get(&format!("/api/v1/accounts/relationships?id[]={id}"))
        .await[0]
        .clone()
}

on_both_backends!(
    profile_fields_avatar_and_locked_accounts,
    profile_and_locked
);
async fn profile_and_locked(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let bob = corp.member("bob").await;
    let carol = corp.member("carol").await;
    let dave = uni.member("dave").await;

    // Fields in the form encoding, an avatar in multipart, and a locked account.
    let avatar = reqwest::multipart::Part::bytes(tiny_png())
        .file_name("me.png")
        .mime_str("image/png")
        .expect("mime");
    let form = reqwest::multipart::Form::new()
        .text("display_name", "Alice A.")
        .text("locked", "true")
        .text("fields_attributes[0][name]", "Class of")
        .text("fields_attributes[0][value]", "2019")
        .text("fields_attributes[1][name]", "Lab")
        .text("fields_attributes[1][value]", "Robotics <3")
        .part("avatar", avatar);
    let res = http()
        .patch(format!("{}/api/v1/accounts/update_credentials", uni.base))
        .bearer_auth(&alice.token)
        .multipart(form)
        .send()
        .await
        .expect("update");
    assert_eq!(res.status(), StatusCode::OK);
    let me: Value = res.json().await.expect("json");
    assert_eq!(me["locked"], true);
    assert_eq!(me["display_name"], "Alice A.");
    assert_eq!(me["source"]["fields"][0]["name"], "Class of");
    assert_eq!(
        me["source"]["fields"][1]["value"], "Robotics <3",
        "as written"
    );
    let fields = me["fields"].as_array().expect("fields");
    assert!(
        fields
            .iter()
            .any(|f| f["name"] == "Lab" && f["value"] == "Robotics &lt;3"),
        "shown escaped: {fields:?}"
    );
    // Saving the fields as read back from `source` changes nothing.
    let again = alice
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(json!({ "fields_attributes": me["source"]["fields"] })),
        )
        .await;
    assert_eq!(again.1["source"]["fields"], me["source"]["fields"]);
    let avatar_url = me["avatar"].as_str().expect("avatar").to_string();
    assert!(
        avatar_url.starts_with(&format!("{}/media/", uni.base)),
        "{avatar_url}"
    );
    let served = http().get(&avatar_url).send().await.expect("avatar");
    assert_eq!(served.status(), StatusCode::OK);

    // Too many fields, and an avatar that is no image, are refused.
    let (status, _) = alice
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(json!({ "fields_attributes": [
                {"name": "a", "value": "1"}, {"name": "b", "value": "2"},
                {"name": "c", "value": "3"}, {"name": "d", "value": "4"},
                {"name": "e", "value": "5"}] })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad = reqwest::multipart::Part::bytes(b"GIF? no".to_vec())
        .file_name("x.gif")
        .mime_str("image/gif")
        .expect("mime");
    let res = http()
        .patch(format!("{}/api/v1/accounts/update_credentials", uni.base))
        .bearer_auth(&alice.token)
        .multipart(reqwest::multipart::Form::new().part("avatar", bad))
        .send()
        .await
        .expect("update");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Posting defaults: what new statuses get when the client does not say.
    let (status, me) = alice
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(json!({
                "source": { "privacy": "unlisted", "sensitive": true, "language": "ja" },
                "bot": false,
                "discoverable": true,
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["source"]["privacy"], "unlisted");
    assert_eq!(me["source"]["language"], "ja");
    let prefs = alice.get("/api/v1/preferences").await;
    assert_eq!(prefs["posting:default:visibility"], "unlisted");
    assert_eq!(prefs["posting:default:sensitive"], true);
    assert_eq!(prefs["posting:default:language"], "ja");
    let quiet = alice.status("Posted with my defaults").await;
    assert_eq!(quiet["visibility"], "unlisted");
    assert_eq!(quiet["sensitive"], true);
    for (body, why) in [
        (json!({ "bot": true }), "bot accounts"),
        (
            json!({ "source": { "privacy": "everyone" } }),
            "unknown visibility",
        ),
        (
            json!({ "source": { "language": "english" } }),
            "not a language code",
        ),
    ] {
        let (status, err) = alice
            .request(
                Method::PATCH,
                "/api/v1/accounts/update_credentials",
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{why}: {err}");
    }
    alice
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(json!({ "source": { "privacy": "public", "sensitive": false } })),
        )
        .await;

    // The other server sees the profile as it is now.
    let seen = bob.resolve(&alice.handle).await;
    assert_eq!(seen["locked"], true, "{seen}");
    assert_eq!(seen["avatar"], json!(avatar_url));
    assert!(seen["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .any(|f| f["name"] == "Class of" && f["value"] == "2019"));
    let alice_there = seen["id"].as_str().expect("id").to_string();

    // Following a locked account is a request until it is answered.
    let r = bob
        .post(&format!("/api/v1/accounts/{alice_there}/follow"), json!({}))
        .await;
    assert_eq!(r["following"], false);
    let carol_sees = carol.resolve(&alice.handle).await;
    let alice_for_carol = carol_sees["id"].as_str().expect("id").to_string();
    carol
        .post(
            &format!("/api/v1/accounts/{alice_for_carol}/follow"),
            json!({}),
        )
        .await;
    let d = dave.resolve(&alice.handle).await;
    let local_request = dave
        .post(
            &format!("/api/v1/accounts/{}/follow", d["id"].as_str().expect("id")),
            json!({}),
        )
        .await;
    assert_eq!(local_request["requested"], true);
    let a = alice.clone();
    let requests = eventually("three follow requests arrive", || {
        let a = a.clone();
        async move {
            let list = a.get("/api/v1/follow_requests").await;
            (list.as_array().map(Vec::len) == Some(3)).then_some(list)
        }
    })
    .await;
    let id_of = |name: &str| {
        requests
            .as_array()
            .expect("list")
            .iter()
            .find(|a| a["username"] == name)
            .and_then(|a| a["id"].as_str())
            .expect("requester")
            .to_string()
    };
    let notes = alice.notifications().await;
    assert!(
        notes.iter().any(|n| n["type"] == "follow_request"),
        "{notes:?}"
    );

    alice
        .post(
            &format!("/api/v1/follow_requests/{}/authorize", id_of("bob")),
            json!({}),
        )
        .await;
    alice
        .post(
            &format!("/api/v1/follow_requests/{}/reject", id_of("carol")),
            json!({}),
        )
        .await;
    alice
        .post(
            &format!("/api/v1/follow_requests/{}/authorize", id_of("dave")),
            json!({}),
        )
        .await;
    let b = bob.clone();
    let id = alice_there.clone();
    eventually("bob's request is accepted", || {
        let b = b.clone();
        let id = id.clone();
        async move { (relationship(&b, &id).await["following"] == true).then_some(()) }
    })
    .await;
    let c = carol.clone();
    eventually("carol's request is rejected", || {
        let c = c.clone();
        let id = alice_for_carol.clone();
        async move {
            let r = relationship(&c, &id).await;
            (r["following"] == false && r["requested"] == false).then_some(())
        }
    })
    .await;
    assert_eq!(
        relationship(&dave, d["id"].as_str().expect("id")).await["following"],
        true
    );

    // Followers-only posts reach the accepted follower.
    let private = alice
        .post(
            "/api/v1/statuses",
            json!({ "status": "For my followers", "visibility": "private" }),
        )
        .await;
    let b = bob.clone();
    let uri = private["uri"].clone();
    eventually("the private post reaches bob", || {
        let b = b.clone();
        let uri = uri.clone();
        async move { b.home().await.iter().any(|s| s["uri"] == uri).then_some(()) }
    })
    .await;
}

on_both_backends!(
    following_with_notifications_and_without_boosts,
    follow_options
);
async fn follow_options(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let carol = uni.member("carol").await;
    let dave = uni.member("dave").await;
    let bob = corp.member("bob").await;

    let account = carol.resolve(&alice.handle).await;
    let alice_id = account["id"].as_str().expect("id").to_string();
    let r = carol
        .post(
            &format!("/api/v1/accounts/{alice_id}/follow"),
            json!({ "notify": true, "reblogs": false }),
        )
        .await;
    assert_eq!(r["following"], true);
    assert_eq!(r["notifying"], true);
    assert_eq!(r["showing_reblogs"], false);

    // A remote account followed with notifications: its posts notify too.
    let bob_here = carol.follow(&bob.handle).await;
    let bob_id = bob_here["id"].as_str().expect("id").to_string();
    let r = carol
        .post(
            &format!("/api/v1/accounts/{bob_id}/follow"),
            json!({ "notify": "true" }),
        )
        .await;
    assert_eq!(r["notifying"], true, "following again changes the options");
    assert_eq!(r["showing_reblogs"], true);

    let post = alice.status("New job at the lab!").await;
    let remote = bob.status("Hello from the company side").await;
    let dave_post = dave.status("Dave's news").await;
    alice
        .post(
            &format!(
                "/api/v1/statuses/{}/reblog",
                dave_post["id"].as_str().expect("id")
            ),
            json!({}),
        )
        .await;
    let c = carol.clone();
    let notes = eventually("status notifications arrive", || {
        let c = c.clone();
        async move {
            let list = c.notifications().await;
            let statuses: Vec<Value> = list.into_iter().filter(|n| n["type"] == "status").collect();
            (statuses.len() == 2).then_some(statuses)
        }
    })
    .await;
    assert!(notes.iter().any(|n| n["status"]["id"] == post["id"]));
    assert!(notes.iter().any(|n| n["status"]["uri"] == remote["uri"]));

    // Alice's own post is in carol's home; the boost she made is not.
    let home = carol.home().await;
    assert!(home.iter().any(|s| s["id"] == post["id"]));
    assert!(
        !home.iter().any(|s| s["reblog"]["id"] == dave_post["id"]),
        "boosts are hidden: {home:?}"
    );
    // Turning boosts back on shows them.
    carol
        .post(
            &format!("/api/v1/accounts/{alice_id}/follow"),
            json!({ "reblogs": true }),
        )
        .await;
    let home = carol.home().await;
    assert!(home.iter().any(|s| s["reblog"]["id"] == dave_post["id"]));
}
