//! What real Lemmy 0.19.20, NodeBB 4.10.3 and Takahē 0.11 servers sent and served in the lab
//! (`tests/fixtures/real/`), replayed by a stub server on a loopback port against an
//! instance, and what the instance sends back in the shapes those servers accept.

use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;
use tsunagu_tests::stub::StubPeer;
use tsunagu_tests::{eventually, http, on_both_backends, Backend, Member, TestInstance};

/// An instance with a board `careers`, a staff member and `alice`, beside a stub playing
/// `software` with the actors of the captures served under its own key.
struct Lab {
    uni: TestInstance,
    staff: Member,
    alice: Member,
    peer: StubPeer,
    folder: &'static str,
}

impl Lab {
    async fn start(backend: &Backend, software: &str, folder: &'static str) -> Lab {
        let uni = TestInstance::start(backend).await;
        let staff = uni.staff("office").await;
        staff
            .post(
                "/api/v1/tsunagu/boards",
                json!({ "name": "careers", "title": "Careers" }),
            )
            .await;
        let alice = uni.member("alice").await;
        let peer = StubPeer::start(software).await;
        Lab {
            uni,
            staff,
            alice,
            peer,
            folder,
        }
    }

    /// A capture of this lab's peer, moved to the stub and the instance.
    fn real(&self, file: &str, replace: &[(&str, &str)]) -> Value {
        self.peer
            .real(&format!("{}/{file}", self.folder), &self.uni.base, replace)
    }

    /// Serves a captured actor (optionally under another name) and returns its id.
    fn actor(&self, file: &str, replace: &[(&str, &str)]) -> String {
        self.peer.serve_actor(self.real(file, replace))
    }

    async fn send(&self, activity: &Value) -> u16 {
        self.peer
            .send(&format!("{}/inbox", self.uni.base), activity)
            .await
            .as_u16()
    }

    fn board(&self) -> String {
        format!("{}/boards/careers", self.uni.base)
    }

    /// The stub's server following the board, as its software.
    async fn follow_board(&self, follower: &str) {
        let follow = json!({ "@context": "https://www.w3.org/ns/activitystreams", "id": self.peer.url(&format!("/follows/{}", tsunagu_tests::random_suffix())), "type": "Follow", "actor": follower, "object": self.board() });
        assert_eq!(
            self.peer
                .send(&format!("{}/inbox", self.board()), &follow)
                .await,
            202
        );
        let ctx = self.uni.ctx().clone();
        let domain = self.peer.domain.clone();
        eventually("the board knows the follower's software", || {
            let ctx = ctx.clone();
            let domain = domain.clone();
            async move {
                tsunagu_service::boards::instance_software(&ctx, &domain)
                    .await
                    .ok()?
                    .map(|_| ())
            }
        })
        .await;
    }

    async fn threads(&self, member: &Member, board: &str) -> Vec<Value> {
        member
            .get(&format!("/api/v1/tsunagu/boards/{board}/threads?order=new"))
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

async fn anonymous_status(base: &str, id: &str) -> u16 {
    http()
        .get(format!("{base}/api/v1/statuses/{id}"))
        .send()
        .await
        .expect("get")
        .status()
        .as_u16()
}

on_both_backends!(takahe_private_mentions_follows_deletes_and_boosts, takahe);
async fn takahe(backend: Backend) {
    let lab = Lab::start(&backend, "takahe", "takahe-0.11").await;
    let (uni, alice) = (&lab.uni, &lab.alice);
    let kenji = lab.actor("served/person_actor.json", &[]);
    let ftuser2 = lab.actor(
        "served/person_actor.json",
        &[("kenji", "ftuser2"), ("Kenji", "ftuser2")],
    );

    // A direct and a followers-only post that mention alice and the board: the board
    // declines to start a thread; alice still gets them.
    for file in [
        "rejected_by_tsunagu/create_note_direct_mentioning_board.json",
        "rejected_by_tsunagu/create_note_followers_only_mentioning_board.json",
    ] {
        assert_eq!(lab.send(&lab.real(file, &[])).await, 202, "{file}");
    }
    let mentions: Vec<Value> = alice
        .notifications()
        .await
        .into_iter()
        .filter(|n| n["type"] == "mention")
        .collect();
    assert_eq!(mentions.len(), 2);
    assert_eq!(lab.threads(alice, "careers").await, Vec::<Value>::new());

    // Follows; an unfollow, and a follow again with the same id as before (Takahē reuses
    // it): the repeat counts.
    assert_eq!(lab.send(&lab.real("follow.json", &[])).await, 202);
    let mut first = lab.real("undo_follow.json", &[])["object"].clone();
    first["@context"] = json!("https://www.w3.org/ns/activitystreams");
    assert_eq!(lab.send(&first).await, 202);
    assert_eq!(lab.send(&lab.real("undo_follow.json", &[])).await, 202);
    assert_eq!(
        lab.send(&lab.real("follow_reused_id_after_undo.json", &[]))
            .await,
        202
    );
    let followers = alice
        .get(&format!("/api/v1/accounts/{}/followers", alice.id))
        .await;
    let ids: Vec<&str> = followers
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|a| a["uri"].as_str())
        .collect();
    assert!(ids.contains(&kenji.as_str()), "{followers}");
    assert!(ids.contains(&ftuser2.as_str()), "{followers}");

    // A mention, then its deletion (Takahē embeds the whole note): the notification goes.
    assert_eq!(
        lab.send(&lab.real("create_note_mention.json", &[])).await,
        202
    );
    let note_id = lab.real("create_note_mention.json", &[])["object"]["id"].clone();
    assert!(alice
        .notifications()
        .await
        .iter()
        .any(|n| n["status"]["uri"] == note_id));
    assert_eq!(lab.send(&lab.real("delete_note.json", &[])).await, 202);
    assert!(!alice
        .notifications()
        .await
        .iter()
        .any(|n| n["status"]["uri"] == note_id));

    // kenji boosts a post of alice's; when she deletes it, the deletion reaches his server
    // even though nobody there follows her.
    let post = alice.status("a post kenji will boost #interop").await;
    let uri = post["uri"].as_str().expect("uri");
    let boost = lab.real(
        "announce.json",
        &[("https://tsunagu-a.example/posts/188", uri)],
    );
    assert_eq!(lab.send(&boost).await, 202);
    alice
        .request(
            Method::DELETE,
            &format!("/api/v1/statuses/{}", post["id"].as_str().expect("id")),
            None,
        )
        .await;
    lab.peer
        .wait_for("the deletion reaches the booster's server", |a| {
            a["type"] == "Delete" && a["object"]["id"] == json!(uri)
        })
        .await;

    // `#tag` search finds local posts with the tag; WebFinger answers 404 to other schemes.
    alice.status("local news #interop").await;
    let found = alice.get("/api/v2/search?q=%23interop&type=statuses").await;
    assert!(
        found["statuses"]
            .as_array()
            .expect("statuses")
            .iter()
            .any(|s| s["content"].as_str().unwrap_or("").contains("local news")),
        "{found}"
    );
    let status = http()
        .get(format!(
            "{}/.well-known/webfinger?resource=mailto:alice@example.org",
            uni.base
        ))
        .send()
        .await
        .expect("webfinger")
        .status();
    assert_eq!(status, 404);
}

on_both_backends!(
    lemmy_community_posts_show_once_with_titles_and_moderation_is_reversible,
    lemmy_community
);
async fn lemmy_community(backend: Backend) {
    let lab = Lab::start(&backend, "lemmy", "lemmy-0.19.20").await;
    let alice = &lab.alice;
    lab.actor("served/person_lemmyadmin_moderator.json", &[]);
    lab.actor("served/person_lemmyuser.json", &[]);
    lab.actor(
        "served/person_lemmyuser.json",
        &[("lemmyuser", "lemmyuser2")],
    );
    lab.actor("served/group_community.json", &[]);
    let community = format!("community@{}", lab.peer.domain);
    // Lemmy's handle form for a community is understood.
    alice.follow(&format!("!{community}")).await;

    // A new post arrives twice, as Announce(Create(Page)) and as a bare Announce(Page), at
    // the same moment: it is stored once, filed as the community's thread, shown once.
    let create = lab.real("announce_create_page.json", &[]);
    let bare = lab.real("announce_page.json", &[]);
    let (a, b) = tokio::join!(lab.send(&create), lab.send(&bare));
    assert_eq!((a, b), (202, 202));
    let page_id = create["object"]["object"]["id"].clone();
    let threads = lab.threads(alice, &community).await;
    assert_eq!(threads.len(), 1);
    assert_eq!(threads[0]["uri"], page_id);
    assert_eq!(
        threads[0]["tsunagu"]["title"],
        json!("Welcome to the Lemmy community")
    );
    let content = threads[0]["content"].as_str().expect("content");
    assert!(content.starts_with("<p><strong>Welcome to the Lemmy community</strong></p>"));
    let home = alice.home().await;
    let shown = home
        .iter()
        .filter(|s| s["uri"] == page_id || s["reblog"]["uri"] == page_id)
        .count();
    assert_eq!(shown, 1, "{home:?}");

    // alice replies; the community's moderator removes her comment, then restores it: hidden
    // meanwhile, never destroyed.
    let thread_id = threads[0]["id"].as_str().expect("id");
    let reply = alice
        .post(
            "/api/v1/statuses",
            json!({ "status": "Hello from Tsunagu", "in_reply_to_id": thread_id }),
        )
        .await;
    let reply_uri = reply["uri"].as_str().expect("uri");
    let reply_id = reply["id"].as_str().expect("id");
    let ours = [("http://tsunagu-a.test:8081/posts/12", reply_uri)];
    let removal = lab.real("announce_delete_mod_removal_of_tsunagu_comment.json", &ours);
    assert_eq!(lab.send(&removal).await, 202);
    assert_eq!(anonymous_status(&lab.uni.base, reply_id).await, 404);
    let own = alice.get(&format!("/api/v1/statuses/{reply_id}")).await;
    assert!(own["content"]
        .as_str()
        .expect("content")
        .contains("Hello from Tsunagu"));
    let restore = lab.real("announce_undo_delete_mod_restore.json", &ours);
    assert_eq!(lab.send(&restore).await, 202);
    assert_eq!(anonymous_status(&lab.uni.base, reply_id).await, 200);

    // The community bans alice: she may no longer reply there.
    let ban = lab.real("announce_block_user.json", &[]);
    assert_eq!(lab.send(&ban).await, 202);
    let (status, _) = alice
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(json!({ "status": "again", "in_reply_to_id": thread_id })),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        lab.send(&lab.real("announce_undo_block_user.json", &[]))
            .await,
        202
    );
    let (status, _) = alice
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(json!({ "status": "back again", "in_reply_to_id": thread_id })),
        )
        .await;
    assert_eq!(status, 200);

    // The community's own changes, announced as Lemmy sends them, are taken.
    let mut group = lab.real("served/group_community.json", &[]);
    group["name"] = json!("Renamed by its moderators");
    lab.peer.serve_actor(group);
    let update = lab.real("rejected_by_tsunagu/announce_update_group.json", &[]);
    assert_eq!(lab.send(&update).await, 202);
    let board = alice
        .get(&format!("/api/v1/accounts/lookup?acct={community}"))
        .await;
    assert_eq!(board["display_name"], json!("Renamed by its moderators"));

    // A report about a Lemmy post in the community reaches Lemmy in the shape it accepts:
    // about that post, addressed to the community, from a person.
    let lemmyadmin = lab.peer.url("/u/lemmyadmin");
    let author = alice
        .get(&format!(
            "/api/v1/accounts/lookup?acct=lemmyadmin@{}",
            lab.peer.domain
        ))
        .await;
    alice
        .post(
            "/api/v1/reports",
            json!({ "account_id": author["id"], "status_ids": [thread_id], "comment": "spam", "forward": true }),
        )
        .await;
    let flag = lab
        .peer
        .wait_for("the report reaches Lemmy", |a| a["type"] == "Flag")
        .await;
    assert_eq!(flag["object"], page_id);
    assert_eq!(flag["to"], json!([lab.peer.url("/c/community")]));
    assert_eq!(flag["actor"], json!(alice.actor_url));
    assert_eq!(flag["summary"], json!("spam"));
    drop(lemmyadmin);
}

on_both_backends!(
    lemmy_users_in_a_board_links_votes_reports_bans_and_board_changes,
    lemmy_in_board
);
async fn lemmy_in_board(backend: Backend) {
    let lab = Lab::start(&backend, "lemmy", "lemmy-0.19.20").await;
    let (uni, staff, alice) = (&lab.uni, &lab.staff, &lab.alice);
    let lemmyuser = lab.actor("served/person_lemmyuser.json", &[]);
    lab.follow_board(&lemmyuser).await;

    // A link post keeps its link; a title with markup stays text.
    assert_eq!(
        lab.send(&lab.real("create_page_link_post.json", &[])).await,
        202
    );
    let threads = lab.threads(alice, "careers").await;
    let link = &threads[0];
    assert_eq!(
        link["tsunagu"]["title"],
        json!("Lemmy Q&A: <b>tags</b> & \"quotes\" 🎌")
    );
    let content = link["content"].as_str().expect("content");
    assert!(
        content.contains("href=\"https://example.com/job-posting\""),
        "{content}"
    );
    assert!(content.contains("&lt;b&gt;tags&lt;/b&gt;"), "{content}");

    // alice's thread: an upvote of a reply, then Lemmy switching it to a downvote.
    let thread = alice
        .post(
            "/api/v1/tsunagu/threads",
            json!({ "title": "Logistics in Osaka?", "body": "What is it like?", "boards": ["careers"] }),
        )
        .await;
    let thread_id = thread["id"].as_str().expect("id");
    let answer = alice
        .post(
            "/api/v1/statuses",
            json!({ "status": "Busy but fun", "in_reply_to_id": thread_id }),
        )
        .await;
    let ours = [
        (
            "http://tsunagu-a.test:8081/posts/2",
            answer["uri"].as_str().expect("uri"),
        ),
        (
            "http://tsunagu-a.test:8081/posts/4",
            thread["uri"].as_str().expect("uri"),
        ),
    ];
    assert_eq!(lab.send(&lab.real("like_comment.json", &ours)).await, 202);
    let count = |id: String| {
        let alice = alice.clone();
        async move { alice.get(&format!("/api/v1/statuses/{id}")).await["favourites_count"].clone() }
    };
    let answer_id = answer["id"].as_str().expect("id").to_string();
    assert_eq!(count(answer_id.clone()).await, json!(1));
    assert_eq!(
        lab.send(&lab.real("dislike_after_like.json", &ours)).await,
        202
    );
    assert_eq!(count(answer_id.clone()).await, json!(0));

    // A report from Lemmy keeps its reason (in `summary`).
    assert_eq!(lab.send(&lab.real("flag_report.json", &ours)).await, 202);
    let reports = staff.get("/api/v1/tsunagu/reports").await;
    assert_eq!(reports[0]["comment"], json!("report from lemmy: off-topic"));

    // alice's reply to the Lemmy user's post reaches Lemmy once: inside the board's
    // announce, not a second time to the author's server.
    let reply = alice
        .post(
            "/api/v1/statuses",
            json!({ "status": "One more thing", "in_reply_to_id": link["id"] }),
        )
        .await;
    let reply_uri = reply["uri"].clone();
    lab.peer
        .wait_for("the board announces the reply", |a| {
            a["type"] == "Announce" && a["object"]["object"]["id"] == reply_uri
        })
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let direct = lab
        .peer
        .received()
        .iter()
        .filter(|a| a["type"] == "Create" && a["object"]["id"] == reply_uri)
        .count();
    assert_eq!(direct, 0, "delivered twice");

    // A thread started from a status sends forums its body without the title line.
    let status = alice
        .status(&format!(
            "@careers@{} Visa questions\nHas anyone done this?",
            uni.domain
        ))
        .await;
    let status_uri = status["uri"].clone();
    let announce = lab
        .peer
        .wait_for("the board announces the new thread", |a| {
            a["type"] == "Announce" && a["object"]["object"]["id"] == status_uri
        })
        .await;
    let page = &announce["object"]["object"];
    assert_eq!(page["name"], json!("Visa questions"));
    assert_eq!(page["source"]["content"], json!("Has anyone done this?"));

    // Board changes reach Lemmy as its communities send them: the board announcing a
    // moderator's Update of the Group.
    staff
        .request(
            Method::PATCH,
            "/api/v1/tsunagu/boards/careers",
            Some(json!({ "title": "Careers & Jobs", "posting_mode": "moderators" })),
        )
        .await;
    let update = lab
        .peer
        .wait_for("the board's change reaches Lemmy", |a| {
            a["type"] == "Announce" && a["object"]["type"] == "Update"
        })
        .await;
    assert_eq!(update["actor"], json!(lab.board()));
    assert_eq!(update["object"]["actor"], json!(staff.actor_url));
    assert_eq!(update["object"]["object"]["type"], json!("Group"));
    assert_eq!(update["object"]["object"]["name"], json!("Careers & Jobs"));
    assert_eq!(
        update["object"]["object"]["postingRestrictedToMods"],
        json!(true)
    );

    // A ban of a Lemmy user hides their replies and reaches Lemmy as Lemmy's ban.
    let their_reply = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": lab.peer.url("/activities/create/reply-1"), "type": "Create", "actor": lemmyuser,
        "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [lab.board()], "audience": lab.board(),
        "object": { "id": lab.peer.url("/comment/1"), "type": "Note", "attributedTo": lemmyuser, "inReplyTo": thread["uri"],
            "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [lab.board()], "audience": lab.board(),
            "content": "<p>spammy reply</p>", "published": "2026-12-02T08:00:00Z" },
    });
    assert_eq!(lab.send(&their_reply).await, 202);
    let context = |alice: Member| async move {
        alice
            .get(&format!("/api/v1/statuses/{thread_id}/context"))
            .await["descendants"]
            .to_string()
    };
    assert!(context(alice.clone()).await.contains("spammy reply"));
    let lemmy_account = staff
        .get(&format!(
            "/api/v1/accounts/lookup?acct=lemmyuser@{}",
            lab.peer.domain
        ))
        .await;
    staff
        .post(
            "/api/v1/tsunagu/boards/careers/bans",
            json!({ "account_id": lemmy_account["id"], "reason": "spam" }),
        )
        .await;
    assert!(!context(alice.clone()).await.contains("spammy reply"));
    let ban = lab
        .peer
        .wait_for("the ban reaches Lemmy", |a| {
            a["type"] == "Announce" && a["object"]["type"] == "Block"
        })
        .await;
    assert_eq!(ban["object"]["object"], json!(lemmyuser));
    assert_eq!(ban["object"]["target"], json!(lab.board()));
    assert_eq!(ban["object"]["summary"], json!("spam"));

    // A post into a board open to members only is refused (Lemmy's own capture).
    staff
        .request(
            Method::PATCH,
            "/api/v1/tsunagu/boards/careers",
            Some(json!({ "posting_mode": "members" })),
        )
        .await;
    let members_only = lab.real(
        "rejected_by_tsunagu/create_page_members_only_board.json",
        &[],
    );
    assert_eq!(lab.send(&members_only).await, 403);
}

on_both_backends!(
    nodebb_topics_show_their_titles_and_mentions_in_threads_reach_nodebb,
    nodebb
);
async fn nodebb(backend: Backend) {
    let lab = Lab::start(&backend, "nodebb", "nodebb-4.10.3").await;
    let (uni, alice) = (&lab.uni, &lab.alice);
    let nbuser = lab.actor("served/person_user.json", &[]);
    lab.actor(
        "served/person_user.json",
        &[("/uid/2", "/uid/3"), ("\"nbuser\"", "\"nbuser2\"")],
    );
    lab.actor("served/group_category.json", &[]);
    let category = format!("general-discussion@{}", lab.peer.domain);
    alice.follow(&category).await;

    // A new topic, announced as a Note with a title and as Announce(Create): one thread,
    // whose title Mastodon apps show, never marked edited.
    let bare = lab.real("announce_note_new_topic.json", &[]);
    let create = lab.real("announce_create_note_new_topic.json", &[]);
    let (a, b) = tokio::join!(lab.send(&bare), lab.send(&create));
    assert_eq!((a, b), (202, 202));
    let threads = lab.threads(alice, &category).await;
    assert_eq!(threads.len(), 1);
    let content = threads[0]["content"].as_str().expect("content");
    assert!(
        content.starts_with("<p><strong>Fixture topic: Kyoto data jobs</strong></p>"),
        "{content}"
    );
    assert!(content.contains("data analysts"));
    assert_eq!(threads[0]["edited_at"], json!(null));
    assert_eq!(alice.home().await.len(), 1);

    // In a thread's body, `@user@host` is a mention (linked, tagged, delivered, notified
    // when local), and hashtags and URLs are links.
    uni.member("bob").await;
    let thread = alice
        .post(
            "/api/v1/tsunagu/threads",
            json!({
                "title": "Data jobs in Kyoto",
                "body": format!("Ask **@nbuser@{}** or @bob about #kyoto, see https://example.com/jobs", lab.peer.domain),
                "boards": ["careers"],
            }),
        )
        .await;
    let body = thread["content"].as_str().expect("content");
    assert!(
        body.contains(&format!("href=\"{nbuser}\"")) || body.contains("class=\"u-url mention\""),
        "{body}"
    );
    assert!(body.contains("/tags/kyoto\""), "{body}");
    assert!(body.contains("href=\"https://example.com/jobs\""), "{body}");
    let uri = thread["uri"].clone();
    let create = lab
        .peer
        .wait_for("the mentioned NodeBB user's server gets the thread", |a| {
            a["type"] == "Create" && a["object"]["id"] == uri
        })
        .await;
    assert!(create["object"]["tag"]
        .as_array()
        .expect("tags")
        .iter()
        .any(|t| t["type"] == "Mention" && t["href"] == json!(nbuser)));
    let bob_token =
        tsunagu_tests::login(&uni.base, "bob@example.org", "correct horse battery").await;
    let notes: Value = http()
        .get(format!("{}/api/v1/notifications", uni.base))
        .bearer_auth(bob_token)
        .send()
        .await
        .expect("notifications")
        .json()
        .await
        .expect("json");
    assert_eq!(notes[0]["type"], json!("mention"));

    // NodeBB's downvote arrives as an empty activity: refused as malformed (NodeBB's fault).
    let empty = lab.real("rejected_by_tsunagu/dislike_empty_activity.json", &[]);
    assert_eq!(lab.send_raw(&empty).await, 400);
}

impl Lab {
    /// Posts a body that is not a whole activity (no id to sign for), signed as its actor.
    async fn send_raw(&self, body: &Value) -> u16 {
        let actor = body["actor"].as_str().expect("actor");
        let bytes = serde_json::to_vec(body).expect("json");
        tsunagu_tests::stub::signed_post(
            &format!("{}/inbox", self.uni.base),
            &bytes,
            &bytes,
            &format!("{actor}#main-key"),
            &self.peer.private_key(),
            std::time::SystemTime::now(),
        )
        .await
        .as_u16()
    }
}
