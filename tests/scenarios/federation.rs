//! Two and three instances following, posting, replying, deleting and undoing.

use serde_json::{json, Value};
use tsunagu_tests::{eventually, fetch_ap, find_by_uri, on_both_backends, Backend, TestInstance};

on_both_backends!(
    follow_through_search_then_receive_posts,
    follow_then_receive
);
async fn follow_then_receive(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let bob = corp.member("bob").await;

    let account = bob.follow(&alice.handle).await;
    assert_eq!(account["acct"], json!(alice.handle));
    // Alice's side knows Bob as a follower.
    let followers = alice
        .get(&format!("/api/v1/accounts/{}/followers", alice.id))
        .await;
    assert_eq!(followers[0]["acct"], json!(bob.handle));
    let notes = alice.notifications().await;
    assert_eq!(notes[0]["type"], json!("follow"));
    assert!(
        notes[0].get("status").is_none(),
        "follow notifications carry no status key"
    );

    let post = alice.status("Anyone in logistics in Osaka? #careers").await;
    let seen = bob.wait_in_home(post["uri"].as_str().expect("uri")).await;
    assert!(seen["content"]
        .as_str()
        .expect("content")
        .contains("logistics in Osaka"));
    assert_eq!(seen["account"]["acct"], json!(alice.handle));
    assert_eq!(seen["tags"][0]["name"], json!("careers"));

    // Followers-only posts reach followers too, but are not public.
    let private = alice
        .post(
            "/api/v1/statuses",
            json!({ "status": "for followers", "visibility": "private" }),
        )
        .await;
    let seen = bob
        .wait_in_home(private["uri"].as_str().expect("uri"))
        .await;
    assert_eq!(seen["visibility"], json!("private"));
    let (status, _) = fetch_ap(private["uri"].as_str().expect("uri")).await;
    assert_eq!(
        status, 404,
        "private posts are not served to anonymous fetches"
    );
    let url = private["uri"]
        .as_str()
        .expect("uri")
        .replace(':', "%3A")
        .replace('/', "%2F");
    let (status, found) = fetch_ap(&format!("{}/api/v2/search?q={url}", uni.base)).await;
    assert_eq!(status, 200);
    assert_eq!(
        found["statuses"],
        json!([]),
        "search by URL does not reveal private posts"
    );
    let found = bob
        .get(&format!(
            "/api/v2/search?q={}",
            seen["uri"]
                .as_str()
                .expect("uri")
                .replace(':', "%3A")
                .replace('/', "%2F")
        ))
        .await;
    assert_eq!(
        found["statuses"][0]["visibility"],
        json!("private"),
        "a follower finds it"
    );
}

on_both_backends!(reply_threads_across_instances, reply_threads);
async fn reply_threads(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let bob = corp.member("bob").await;
    bob.follow(&alice.handle).await;

    let question = alice
        .status("What is it like to work at a trading company?")
        .await;
    let on_corp = bob
        .wait_in_home(question["uri"].as_str().expect("uri"))
        .await;
    let reply = bob
        .post(
            "/api/v1/statuses",
            json!({ "status": format!("@{} Long hours, great people.", alice.handle), "in_reply_to_id": on_corp["id"] }),
        )
        .await;
    assert_eq!(reply["in_reply_to_id"], on_corp["id"]);

    // The reply reaches Alice's instance and joins the thread there.
    let qid = question["id"].as_str().expect("id").to_string();
    let a = alice.clone();
    let context = eventually("the reply joins the thread on uni", || {
        let a = a.clone();
        let qid = qid.clone();
        async move {
            let c = a.get(&format!("/api/v1/statuses/{qid}/context")).await;
            (c["descendants"].as_array().map_or(0, Vec::len) == 1).then_some(c)
        }
    })
    .await;
    let descendant = &context["descendants"][0];
    assert_eq!(descendant["uri"], reply["uri"]);
    assert_eq!(descendant["in_reply_to_id"], json!(qid));
    assert_eq!(descendant["account"]["acct"], json!(bob.handle));
    let notes = alice.notifications().await;
    assert!(notes
        .iter()
        .any(|n| n["type"] == json!("mention") && n["status"]["uri"] == reply["uri"]));

    // A second-level reply from Alice reaches Bob (he is mentioned) and nests under his.
    let reply_on_uni = descendant["id"].as_str().expect("id");
    let answer = alice
        .post(
            "/api/v1/statuses",
            json!({ "status": format!("@{} thanks!", bob.handle), "in_reply_to_id": reply_on_uni }),
        )
        .await;
    let b = bob.clone();
    let root_on_corp = on_corp["id"].as_str().expect("id").to_string();
    let answer_uri = answer["uri"].clone();
    eventually("the nested reply reaches corp", || {
        let b = b.clone();
        let root = root_on_corp.clone();
        let uri = answer_uri.clone();
        async move {
            let c = b.get(&format!("/api/v1/statuses/{root}/context")).await;
            let d = c["descendants"].as_array()?.clone();
            (d.len() == 2 && d[1]["uri"] == uri && d[1]["in_reply_to_id"] == d[0]["id"])
                .then_some(())
        }
    })
    .await;

    // The thread's context collection lists the posts in order (FEP-f228).
    let (status, collection) = fetch_ap(&format!("{}/contexts/{qid}", uni.base)).await;
    assert_eq!(status, 200);
    assert_eq!(collection["type"], json!("OrderedCollection"));
    assert_eq!(collection["orderedItems"][0], question["uri"]);
    assert_eq!(collection["totalItems"], json!(3));
}

on_both_backends!(delete_reaches_the_other_side, delete_reaches);
async fn delete_reaches(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let bob = corp.member("bob").await;
    bob.follow(&alice.handle).await;
    let post = alice.status("this will be gone").await;
    let uri = post["uri"].as_str().expect("uri").to_string();
    let copy = bob.wait_in_home(&uri).await;

    let (status, deleted) = alice
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/statuses/{}", post["id"].as_str().expect("id")),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(deleted["text"], json!("this will be gone"));

    let copy_id = copy["id"].as_str().expect("id").to_string();
    let b = bob.clone();
    eventually("the deletion reaches corp", || {
        let b = b.clone();
        let id = copy_id.clone();
        async move {
            let (status, _) = b
                .request(
                    reqwest::Method::GET,
                    &format!("/api/v1/statuses/{id}"),
                    None,
                )
                .await;
            (status == 404).then_some(())
        }
    })
    .await;
    assert!(find_by_uri(&bob.home().await, &uri).is_none());
    let (status, tombstone) = fetch_ap(&uri).await;
    assert_eq!(status, 410);
    assert_eq!(tombstone["type"], json!("Tombstone"));
    assert_eq!(tombstone["formerType"], json!("Note"));
}

on_both_backends!(undo_follow_like_and_boost, undo_everything);
async fn undo_everything(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let bob = corp.member("bob").await;
    let account = bob.follow(&alice.handle).await;
    let post = alice.status("like me").await;
    let copy = bob.wait_in_home(post["uri"].as_str().expect("uri")).await;
    let copy_id = copy["id"].as_str().expect("id");
    let pid = post["id"].as_str().expect("id").to_string();

    let fav = bob
        .post(&format!("/api/v1/statuses/{copy_id}/favourite"), json!({}))
        .await;
    assert_eq!(fav["favourited"], json!(true));
    let boost = bob
        .post(&format!("/api/v1/statuses/{copy_id}/reblog"), json!({}))
        .await;
    assert_eq!(boost["reblog"]["uri"], post["uri"]);

    let counts = |want_favs: i64, want_boosts: i64| {
        let a = alice.clone();
        let pid = pid.clone();
        async move {
            eventually(
                &format!("{want_favs} favourites and {want_boosts} boosts on uni"),
                || {
                    let a = a.clone();
                    let pid = pid.clone();
                    async move {
                        let s = a.get(&format!("/api/v1/statuses/{pid}")).await;
                        (s["favourites_count"] == json!(want_favs)
                            && s["reblogs_count"] == json!(want_boosts))
                        .then_some(())
                    }
                },
            )
            .await
        }
    };
    counts(1, 1).await;
    let kinds: Vec<Value> = alice
        .notifications()
        .await
        .iter()
        .map(|n| n["type"].clone())
        .collect();
    assert!(
        kinds.contains(&json!("favourite")) && kinds.contains(&json!("reblog")),
        "{kinds:?}"
    );
    let by = alice
        .get(&format!("/api/v1/statuses/{pid}/favourited_by"))
        .await;
    assert_eq!(by[0]["acct"], json!(bob.handle));

    bob.post(
        &format!("/api/v1/statuses/{copy_id}/unfavourite"),
        json!({}),
    )
    .await;
    bob.post(&format!("/api/v1/statuses/{copy_id}/unreblog"), json!({}))
        .await;
    counts(0, 0).await;

    let bob_id = account["id"].as_str().expect("id");
    let r = bob
        .post(&format!("/api/v1/accounts/{bob_id}/unfollow"), json!({}))
        .await;
    assert_eq!(r["following"], json!(false));
    let a = alice.clone();
    eventually("the unfollow reaches uni", || {
        let a = a.clone();
        async move {
            let me = a.get("/api/v1/accounts/verify_credentials").await;
            (me["followers_count"] == json!(0)).then_some(())
        }
    })
    .await;
}

on_both_backends!(peer_that_was_down_receives_later, peer_down_then_back);
async fn peer_down_then_back(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let mut corp = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let bob = corp.member("bob").await;
    bob.follow(&alice.handle).await;

    corp.stop().await;
    let post = alice.status("posted while corp was down").await;
    // Give the worker time to fail at least once.
    let ctx = uni.ctx().clone();
    eventually("a failed attempt is recorded", || {
        let ctx = ctx.clone();
        async move {
            let rows = ctx
                .db
                .read(tsunagu_db::queries::deliveries::stats)
                .await
                .expect("stats");
            (rows.0 >= 1).then_some(())
        }
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    corp.restart().await;
    bob.wait_in_home(post["uri"].as_str().expect("uri")).await;
}

on_both_backends!(three_instances_fan_out_and_direct_messages, three_instances);
async fn three_instances(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let mastodonish = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let bob = corp.member("bob").await;
    let carol = mastodonish.member("carol").await;
    bob.follow(&alice.handle).await;
    carol.follow(&alice.handle).await;

    let post = alice.status("Homecoming day is on 3 October").await;
    let uri = post["uri"].as_str().expect("uri");
    bob.wait_in_home(uri).await;
    carol.wait_in_home(uri).await;

    let dm = alice
        .post(
            "/api/v1/statuses",
            json!({ "status": format!("@{} just between us", carol.handle), "visibility": "direct" }),
        )
        .await;
    let dm_uri = dm["uri"].as_str().expect("uri");
    let seen = carol.wait_in_home(dm_uri).await;
    assert_eq!(seen["visibility"], json!("direct"));
    // Give the other delivery a moment, then check Bob never got it.
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert!(find_by_uri(&bob.home().await, dm_uri).is_none());
    let (status, _) = fetch_ap(dm_uri).await;
    assert_eq!(status, 404);
}

on_both_backends!(
    blocks_end_follows_across_instances_and_mutes_hide,
    blocks_and_mutes
);
async fn blocks_and_mutes(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let carol = uni.member("carol").await;
    let bob = corp.member("bob").await;
    let alice_on_corp = bob.follow(&alice.handle).await;
    let bob_on_uni = alice.resolve(&bob.handle).await;
    let bob_id = bob_on_uni["id"].as_str().expect("id");

    // Alice blocks Bob: the follow ends on both sides and Bob cannot follow again.
    let r = alice
        .post(&format!("/api/v1/accounts/{bob_id}/block"), json!({}))
        .await;
    assert_eq!(r["blocking"], json!(true));
    assert_eq!(
        alice.get("/api/v1/blocks").await[0]["acct"],
        json!(bob.handle)
    );
    assert_eq!(
        alice.get("/api/v1/accounts/verify_credentials").await["followers_count"],
        json!(0)
    );
    let alice_id = alice_on_corp["id"].as_str().expect("id").to_string();
    let b = bob.clone();
    let aid = alice_id.clone();
    eventually("the block reaches corp", || {
        let b = b.clone();
        let aid = aid.clone();
        async move {
            let r = b
                .get(&format!("/api/v1/accounts/relationships?id[]={aid}"))
                .await;
            (r[0]["following"] == json!(false) && r[0]["blocked_by"] == json!(true)).then_some(())
        }
    })
    .await;
    let (status, _) = bob
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/accounts/{alice_id}/follow"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 403);

    // Unblocking is sent too; Bob may follow again.
    alice
        .post(&format!("/api/v1/accounts/{bob_id}/unblock"), json!({}))
        .await;
    let b = bob.clone();
    let aid = alice_id.clone();
    eventually("the unblock reaches corp", || {
        let b = b.clone();
        let aid = aid.clone();
        async move {
            let r = b
                .get(&format!("/api/v1/accounts/relationships?id[]={aid}"))
                .await;
            (r[0]["blocked_by"] == json!(false)).then_some(())
        }
    })
    .await;
    bob.follow(&alice.handle).await;

    // Mutes hide posts and notifications, and tell nobody.
    let r = alice
        .post(&format!("/api/v1/accounts/{}/mute", carol.id), json!({}))
        .await;
    assert_eq!(r["muting"], json!(true));
    carol.status("@alice hello from a muted account").await;
    let public = alice.get("/api/v1/timelines/public?local=true").await;
    assert!(!public
        .as_array()
        .expect("list")
        .iter()
        .any(|s| s["account"]["username"] == json!("carol")));
    assert!(!alice
        .notifications()
        .await
        .iter()
        .any(|n| n["account"]["username"] == json!("carol")));
    assert_eq!(
        alice.get("/api/v1/mutes").await[0]["username"],
        json!("carol")
    );
    alice
        .post(&format!("/api/v1/accounts/{}/unmute", carol.id), json!({}))
        .await;
    assert!(alice
        .notifications()
        .await
        .iter()
        .any(|n| n["account"]["username"] == json!("carol")));
}

/// An instance that stops closes its database connections: nothing it built (the federation
/// layer holds contexts, contexts reach the federation layer) keeps the pool alive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_instance_closes_its_postgres_connections() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let mut uni = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    alice.status("Reunion photos are up").await;
    let url = uni.db.url.clone();
    assert!(tsunagu_db::testing::connections(&url).expect("count") > 0);
    uni.stop().await;
    eventually("the pool to close its connections", || {
        let url = url.clone();
        async move { (tsunagu_db::testing::connections(&url).expect("count") == 0).then_some(()) }
    })
    .await;
}
