//! Boards against peers that speak exactly as Mastodon and Lemmy do (shapes from the captured
//! fixtures), served by a stub server on a loopback port.

use serde_json::{json, Value};
use tsunagu_tests::stub::StubPeer;
use tsunagu_tests::{eventually, fetch_ap, on_both_backends, Backend, TestInstance};

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

on_both_backends!(
    a_mastodon_user_follows_posts_to_and_replies_in_a_board,
    mastodon_peer
);
async fn mastodon_peer(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let staff = uni.staff("office").await;
    staff
        .post(
            "/api/v1/tsunagu/boards",
            json!({ "name": "careers", "title": "Careers" }),
        )
        .await;
    let alice = uni.member("alice").await;
    let board = format!("{}/boards/careers", uni.base);
    let inbox = format!("{}/inbox", uni.base);
    let masto = StubPeer::start("mastodon").await;
    let felix = masto.add_person("felix");

    // Mastodon's Follow, and the board's Accept.
    let follow_id = masto.url("/0b8d1f6e-7c54-4ad3-9a4b-8f1a6c1c0e01");
    let follow = json!({ "@context": "https://www.w3.org/ns/activitystreams", "id": follow_id, "type": "Follow", "actor": felix, "object": board });
    assert_eq!(masto.send(&format!("{board}/inbox"), &follow).await, 202);
    masto
        .wait_for("the board accepts", |a| {
            a["type"] == "Accept" && a["object"]["id"] == json!(follow_id)
        })
        .await;

    // A thread in the board reaches Mastodon as a plain boost by the board, never as
    // Announce(Create), which Mastodon drops; the object shows the title in its content.
    let ctx = uni.ctx().clone();
    let domain = masto.domain.clone();
    eventually("the board learns the follower runs Mastodon", || {
        let ctx = ctx.clone();
        let domain = domain.clone();
        async move {
            (tsunagu_service::boards::instance_software(&ctx, &domain)
                .await
                .ok()??
                == "mastodon")
                .then_some(())
        }
    })
    .await;
    let thread = alice.post("/api/v1/tsunagu/threads", json!({ "title": "Working in Kobe", "body": "What are the ports like?", "boards": ["careers"] })).await;
    let uri = thread["uri"].as_str().expect("uri").to_string();
    let boost = masto
        .wait_for("the board boosts the thread", |a| {
            a["type"] == "Announce" && a["object"] == json!(uri)
        })
        .await;
    assert_eq!(boost["actor"], json!(board));
    assert!(!masto
        .received()
        .iter()
        .any(|a| a["type"] == "Announce" && a["object"].is_object()));
    let (_, page) = fetch_ap(&uri).await;
    assert!(page["content"]
        .as_str()
        .expect("content")
        .contains("Working in Kobe"));
    assert!(page["content"]
        .as_str()
        .expect("content")
        .contains("What are the ports like?"));

    // A Mastodon user starts a thread by a public post that mentions the board.
    let note_id = masto.url("/users/felix/statuses/107224289116410645");
    let create = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", { "ostatus": "http://ostatus.org#", "atomUri": "ostatus:atomUri" }],
        "id": format!("{note_id}/activity"),
        "type": "Create",
        "actor": felix,
        "published": "2026-11-05T11:46:50Z",
        "to": [PUBLIC],
        "cc": [format!("{felix}/followers"), board],
        "object": {
            "id": note_id,
            "type": "Note",
            "summary": null,
            "inReplyTo": null,
            "published": "2026-11-05T11:46:50Z",
            "url": masto.url("/@felix/107224289116410645"),
            "attributedTo": felix,
            "to": [PUBLIC],
            "cc": [format!("{felix}/followers"), board],
            "sensitive": false,
            "conversation": "tag:mastodon.example,2026-11-05:objectId=64635960:objectType=Conversation",
            "content": format!("<p><span class=\"h-card\"><a href=\"{board}\" class=\"u-url mention\">@<span>careers</span></a></span> Visa questions for Japan<br />Has anyone gone through the highly skilled visa?</p>"),
            "attachment": [],
            "tag": [{ "type": "Mention", "href": board, "name": format!("@careers@{}", uni.domain) }],
            "replies": { "id": format!("{note_id}/replies"), "type": "Collection", "first": { "type": "CollectionPage", "items": [] } },
        },
    });
    assert_eq!(masto.send(&inbox, &create).await, 202);
    let threads = staff
        .get("/api/v1/tsunagu/boards/careers/threads?order=new")
        .await;
    assert_eq!(threads[0]["uri"], json!(note_id));
    assert_eq!(
        threads[0]["tsunagu"]["title"],
        json!("Visa questions for Japan"),
        "title from the first line, mention stripped"
    );
    // The text is never cut: the first line stays, and as it is the title, it is not
    // repeated above the text.
    let content = threads[0]["content"].as_str().expect("content");
    assert!(
        content.contains("Visa questions for Japan") && content.contains("highly skilled visa"),
        "{content}"
    );
    assert_eq!(content.matches("Visa questions for Japan").count(), 1);
    assert_eq!(threads[0]["edited_at"], json!(null), "a title is no edit");

    // With a content warning, the warning is the title and the whole text the body; no
    // warning is shown on the thread.
    let cw_id = masto.url("/users/felix/statuses/107224289116410700");
    let mut with_cw = create.clone();
    with_cw["id"] = json!(format!("{cw_id}/activity"));
    with_cw["object"]["id"] = json!(cw_id);
    with_cw["object"]["summary"] = json!("Salary negotiation tips");
    with_cw["object"]["sensitive"] = json!(true);
    assert_eq!(masto.send(&inbox, &with_cw).await, 202);
    let threads = staff
        .get("/api/v1/tsunagu/boards/careers/threads?order=new")
        .await;
    assert_eq!(threads[0]["uri"], json!(cw_id));
    assert_eq!(
        threads[0]["tsunagu"]["title"],
        json!("Salary negotiation tips")
    );
    assert_eq!(threads[0]["spoiler_text"], json!(""));
    assert!(threads[0]["content"]
        .as_str()
        .expect("content")
        .contains("highly skilled visa"));

    // A Mastodon reply to a reply in a thread, addressed the way Mastodon addresses it (the
    // parent's author and the accounts it mentions, the board among them), reaches the thread.
    let answer = alice
        .post(
            "/api/v1/statuses",
            json!({ "status": "Kobe port is lovely.", "in_reply_to_id": thread["id"] }),
        )
        .await;
    let (_, answer_json) = fetch_ap(answer["uri"].as_str().expect("uri")).await;
    let mentions: Vec<&Value> = answer_json["tag"]
        .as_array()
        .expect("tag")
        .iter()
        .filter(|t| t["type"] == "Mention")
        .collect();
    assert!(
        mentions.iter().any(|m| m["href"] == json!(board)),
        "replies carry the board's mention for Mastodon to copy"
    );
    let reply_id = masto.url("/users/felix/statuses/107224289116410646");
    let reply = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{reply_id}/activity"),
        "type": "Create",
        "actor": felix,
        "to": [PUBLIC],
        "cc": [format!("{felix}/followers"), alice.actor_url, board],
        "object": {
            "id": reply_id,
            "type": "Note",
            "inReplyTo": answer["uri"],
            "attributedTo": felix,
            "to": [PUBLIC],
            "cc": [format!("{felix}/followers"), alice.actor_url, board],
            "content": format!("<p><span class=\"h-card\"><a href=\"{}\" class=\"u-url mention\">@<span>alice</span></a></span> agreed!</p>", alice.actor_url),
            "tag": [
                { "type": "Mention", "href": alice.actor_url, "name": format!("@alice@{}", uni.domain) },
                { "type": "Mention", "href": board, "name": format!("@careers@{}", uni.domain) },
            ],
        },
    });
    assert_eq!(masto.send(&inbox, &reply).await, 202);
    let context = alice
        .get(&format!(
            "/api/v1/statuses/{}/context",
            thread["id"].as_str().expect("id")
        ))
        .await;
    let descendants: Vec<Value> = context["descendants"].as_array().expect("list").clone();
    assert_eq!(descendants.len(), 2);
    assert_eq!(descendants[1]["uri"], json!(reply_id));
    assert_eq!(descendants[1]["in_reply_to_id"], answer["id"]);
    // The board forwards the Mastodon reply to its followers as a boost of the reply... to
    // Mastodon followers, as the thread's other posts.
    masto
        .wait_for("the board boosts the reply", |a| {
            a["type"] == "Announce" && a["object"] == json!(reply_id)
        })
        .await;
}

on_both_backends!(
    a_lemmy_community_followed_from_here_shows_threads_and_takes_replies,
    lemmy_peer
);
async fn lemmy_peer(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let lemmy = StubPeer::start("lemmy").await;
    let community = lemmy.add_group("main");
    let author = lemmy.add_person("lemmy_alpha");

    let account = alice.follow(&format!("main@{}", lemmy.domain)).await;
    assert_eq!(account["group"], json!(true));
    let follow = lemmy
        .wait_for("lemmy receives the follow", |a| a["type"] == "Follow")
        .await;
    assert_eq!(follow["object"], json!(community));

    // Lemmy announces a new post in its community (shape of announce_create_page.json).
    let page_id = lemmy.url("/post/7");
    let page = json!({
        "type": "Page",
        "id": page_id,
        "attributedTo": author,
        "to": [community, PUBLIC],
        "name": "post 4",
        "content": "<p>Looking for alumni in marine engineering.</p>",
        "mediaType": "text/html",
        "source": { "content": "Looking for alumni in marine engineering.", "mediaType": "text/markdown" },
        "commentsEnabled": true,
        "sensitive": false,
        "stickied": false,
        "published": "2026-11-01T12:11:22.871846Z",
        "audience": community,
    });
    lemmy.serve(page.clone());
    let announce = json!({
        "actor": community,
        "to": [PUBLIC],
        "object": {
            "actor": author,
            "to": [PUBLIC],
            "object": page,
            "cc": [community],
            "type": "Create",
            "id": lemmy.url("/activities/create/2807c9ec-3ad8-4859-a9e0-28b59b6e499f"),
        },
        "cc": [format!("{community}/followers")],
        "type": "Announce",
        "id": lemmy.url("/activities/announce/8030b171-803a-4108-94b1-342688f375cf"),
    });
    assert_eq!(
        lemmy.send(&format!("{}/inbox", uni.base), &announce).await,
        202
    );

    let threads = alice
        .get(&format!(
            "/api/v1/tsunagu/boards/main@{}/threads",
            lemmy.domain
        ))
        .await;
    assert_eq!(threads[0]["uri"], json!(page_id));
    assert_eq!(threads[0]["tsunagu"]["title"], json!("post 4"));
    let home = alice.home().await;
    assert!(
        home.iter().any(|s| s["uri"] == json!(page_id)),
        "a followed community's threads show at home"
    );

    // A reply from here reaches the community in the form Lemmy accepts: the community in
    // the addressing and audience, and Mention-tagged.
    let reply = alice
        .post(
            "/api/v1/statuses",
            json!({ "status": "I studied that at Kobe!", "in_reply_to_id": threads[0]["id"] }),
        )
        .await;
    let create = lemmy
        .wait_for("the reply reaches Lemmy", |a| {
            a["type"] == "Create" && a["object"]["id"] == reply["uri"]
        })
        .await;
    let note = &create["object"];
    assert_eq!(note["type"], json!("Note"));
    assert_eq!(note["inReplyTo"], json!(page_id));
    assert_eq!(note["audience"], json!(community));
    assert!(note["cc"]
        .as_array()
        .expect("cc")
        .contains(&json!(community)));
    assert!(note["tag"]
        .as_array()
        .expect("tag")
        .iter()
        .any(|t| t["type"] == "Mention" && t["href"] == json!(community)));

    // Lemmy's moderator locks the post and then removes it; both arrive through the community.
    let moderator = lemmy.add_person("lemmy_mod");
    let lock = json!({
        "id": lemmy.url("/activities/announce/lock-1"),
        "type": "Announce",
        "actor": community,
        "to": [PUBLIC],
        "object": { "id": lemmy.url("/activities/lock/1"), "actor": moderator, "to": [PUBLIC], "object": page_id, "cc": [community], "type": "Lock", "summary": "A reason for the lock", "audience": community },
    });
    assert_eq!(lemmy.send(&format!("{}/inbox", uni.base), &lock).await, 202);
    let thread_id = threads[0]["id"].as_str().expect("id");
    assert_eq!(
        alice
            .get(&format!("/api/v1/tsunagu/threads/{thread_id}"))
            .await["tsunagu"]["locked"],
        json!(true)
    );
    let remove = json!({
        "id": lemmy.url("/activities/announce/remove-1"),
        "type": "Announce",
        "actor": community,
        "to": [PUBLIC],
        "object": { "id": lemmy.url("/activities/delete/1"), "actor": moderator, "to": [PUBLIC], "object": page_id, "cc": [community], "audience": community, "type": "Delete", "summary": "bad post" },
    });
    assert_eq!(
        lemmy.send(&format!("{}/inbox", uni.base), &remove).await,
        202
    );
    let (status, _) = alice
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/statuses/{thread_id}"),
            None,
        )
        .await;
    assert_eq!(status, 404, "the removal propagated");

    // A group cannot delete what is not in its threads, whoever it names as the actor.
    let own = alice.status("my own post, in no board").await;
    let forged = json!({
        "id": lemmy.url("/activities/announce/forged-1"),
        "type": "Announce",
        "actor": community,
        "to": [PUBLIC],
        "object": { "id": lemmy.url("/activities/delete/forged"), "actor": alice.actor_url, "object": own["uri"], "type": "Delete" },
    });
    assert_eq!(
        lemmy.send(&format!("{}/inbox", uni.base), &forged).await,
        202
    );
    let (status, _) = alice
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/statuses/{}", own["id"].as_str().expect("id")),
            None,
        )
        .await;
    assert_eq!(status, 200, "a forged deletion changes nothing");
}
