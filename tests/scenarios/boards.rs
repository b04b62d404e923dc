//! Boards as Group actors, threads across instances, Q&A, and moderation reaching every
//! instance that received the thread.

use reqwest::Method;
use serde_json::{json, Value};
use tsunagu_tests::{eventually, fetch_ap, on_both_backends, Backend, Member, TestInstance};

async fn create_board(staff: &Member, name: &str, mode: &str) -> Value {
    staff
        .post("/api/v1/tsunagu/boards", json!({ "name": name, "title": format!("Board {name}"), "description": "Ask **anything**", "posting_mode": mode }))
        .await
}

async fn in_home(member: &Member, uri: &str) -> Value {
    let m = member.clone();
    let uri = uri.to_string();
    eventually(&format!("{uri} reaches {}", member.handle), || {
        let m = m.clone();
        let uri = uri.clone();
        async move {
            m.home()
                .await
                .into_iter()
                .find(|s| s["uri"] == json!(uri) || s["reblog"]["uri"] == json!(uri))
        }
    })
    .await
}

async fn thread_on(member: &Member, id: &str) -> Value {
    member.get(&format!("/api/v1/tsunagu/threads/{id}")).await
}

on_both_backends!(
    boards_are_groups_that_federate_threads_and_answers,
    board_threads
);
async fn board_threads(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let staff = uni.staff("office").await;
    let alice = uni.member("alice").await;
    let bob = corp.member("bob").await;

    // Only staff create boards.
    let (status, _) = alice
        .request(
            Method::POST,
            "/api/v1/tsunagu/boards",
            Some(json!({ "name": "x", "title": "X" })),
        )
        .await;
    assert_eq!(status, 403);
    let board = create_board(&staff, "careers", "open").await;
    assert_eq!(board["posting_mode"], json!("open"));
    assert_eq!(board["account"]["group"], json!(true));

    // The board is a Group with WebFinger, moderators and featured collections.
    let (status, wf) = fetch_ap(&format!(
        "{}/.well-known/webfinger?resource=acct:careers@{}",
        uni.base, uni.domain
    ))
    .await;
    assert_eq!(status, 200);
    let group_url = wf["links"][0]["href"].as_str().expect("href").to_string();
    let (_, group) = fetch_ap(&group_url).await;
    assert_eq!(group["type"], json!("Group"));
    assert_eq!(
        group["attributedTo"],
        json!(format!("{group_url}/moderators"))
    );
    let (_, mods) = fetch_ap(&format!("{group_url}/moderators")).await;
    assert_eq!(mods["orderedItems"][0], json!(staff.actor_url));
    assert_eq!(group["postingRestrictedToMods"], json!(false));

    // Bob on another instance follows the board.
    let board_account = bob.follow(&format!("careers@{}", uni.domain)).await;
    assert_eq!(board_account["group"], json!(true));

    // Alice asks a question in the board; Bob sees it through the board.
    let thread = alice
        .post("/api/v1/tsunagu/threads", json!({ "title": "Logistics in Osaka?", "body": "What is it *really* like?", "question": true, "boards": ["careers"], "tags": ["careers"] }))
        .await;
    assert_eq!(thread["tsunagu"]["question"], json!(true));
    let uri = thread["uri"].as_str().expect("uri").to_string();
    let seen = in_home(&bob, &uri).await;
    assert!(
        seen["content"]
            .as_str()
            .expect("content")
            .contains("Logistics in Osaka?"),
        "{seen}"
    );

    // The starter federates as a Page with the title, Markdown source, context and audience,
    // the board addressed and mentioned.
    let (_, page) = fetch_ap(&uri).await;
    assert_eq!(page["type"], json!("Page"));
    assert_eq!(page["name"], json!("Logistics in Osaka?"));
    assert!(page["content"].as_str().expect("content").starts_with(
        "<p><strong>Logistics in Osaka?</strong></p><p>What is it <em>really</em> like?</p>"
    ));
    assert_eq!(page["source"]["mediaType"], json!("text/markdown"));
    assert_eq!(page["audience"], json!(group_url));
    assert!(page["cc"]
        .as_array()
        .expect("cc")
        .contains(&json!(group_url)));
    assert!(page["tag"]
        .as_array()
        .expect("tag")
        .iter()
        .any(|t| t["type"] == "Mention" && t["href"] == json!(group_url)));
    assert!(
        page.get("summary").is_none(),
        "no content warning on Mastodon"
    );

    // Bob answers from his instance; the answer reaches the thread at its origin.
    let copy_id = seen["id"].as_str().expect("id");
    let answer = bob
        .post(
            "/api/v1/statuses",
            json!({ "status": "It is busy but rewarding.", "in_reply_to_id": copy_id }),
        )
        .await;
    let thread_id = thread["id"].as_str().expect("id").to_string();
    let a = alice.clone();
    let answer_uri = answer["uri"].clone();
    let answer_on_uni = eventually("the answer reaches the thread on uni", || {
        let a = a.clone();
        let tid = thread_id.clone();
        let uri = answer_uri.clone();
        async move {
            let c = a.get(&format!("/api/v1/statuses/{tid}/context")).await;
            c["descendants"]
                .as_array()?
                .iter()
                .find(|d| d["uri"] == uri)
                .cloned()
        }
    })
    .await;
    let unanswered = alice
        .get("/api/v1/tsunagu/boards/careers/threads?filter=unanswered")
        .await;
    assert_eq!(unanswered[0]["id"], json!(thread_id));

    // Only the author or a moderator accepts an answer; the mark federates.
    let answer_id = answer_on_uni["id"].as_str().expect("id");
    let (status, _) = bob
        .request(
            Method::POST,
            &format!("/api/v1/tsunagu/threads/{copy_id}/accept"),
            Some(json!({ "answer_id": answer["id"] })),
        )
        .await;
    assert_eq!(status, 403, "a thread copy is not bob's to decide");
    let accepted = alice
        .post(
            &format!("/api/v1/tsunagu/threads/{thread_id}/accept"),
            json!({ "answer_id": answer_id }),
        )
        .await;
    assert_eq!(accepted["tsunagu"]["accepted_answer_id"], json!(answer_id));
    assert_eq!(
        alice
            .get("/api/v1/tsunagu/boards/careers/threads?filter=unanswered")
            .await,
        json!([])
    );
    assert_eq!(
        alice
            .get("/api/v1/tsunagu/boards/careers/threads?filter=answered")
            .await[0]["id"],
        json!(thread_id)
    );
    let (_, page) = fetch_ap(&uri).await;
    assert_eq!(page["acceptedAnswer"], answer["uri"]);
    let b = bob.clone();
    let cid = copy_id.to_string();
    eventually("the accepted answer reaches corp", || {
        let b = b.clone();
        let cid = cid.clone();
        async move { (thread_on(&b, &cid).await["tsunagu"]["answered"] == json!(true)).then_some(()) }
    })
    .await;

    // Moderation: lock, pin, remove, each reaching corp.
    let locked = staff
        .post(
            &format!("/api/v1/tsunagu/threads/{thread_id}/lock"),
            json!({}),
        )
        .await;
    assert_eq!(locked["tsunagu"]["locked"], json!(true));
    let (status, _) = alice
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(json!({ "status": "late", "in_reply_to_id": thread_id })),
        )
        .await;
    assert_eq!(status, 403, "a locked thread takes no replies");
    let b = bob.clone();
    let cid = copy_id.to_string();
    eventually("the lock reaches corp", || {
        let b = b.clone();
        let cid = cid.clone();
        async move { (thread_on(&b, &cid).await["tsunagu"]["locked"] == json!(true)).then_some(()) }
    })
    .await;
    staff
        .post(
            "/api/v1/tsunagu/boards/careers/pin",
            json!({ "thread_id": thread_id }),
        )
        .await;
    let (_, featured) = fetch_ap(&format!("{group_url}/featured")).await;
    assert_eq!(featured["orderedItems"][0]["id"], json!(uri));
    let b = bob.clone();
    let pinned_path = format!("/api/v1/tsunagu/boards/careers@{}/pinned", uni.domain);
    let pinned_uri = json!(uri);
    eventually("the pin reaches corp", || {
        let b = b.clone();
        let path = pinned_path.clone();
        let uri = pinned_uri.clone();
        async move { (b.get(&path).await[0]["uri"] == uri).then_some(()) }
    })
    .await;

    let (status, _) = alice
        .request(
            Method::POST,
            &format!("/api/v1/tsunagu/statuses/{answer_id}/remove"),
            Some(json!({ "reason": "off topic" })),
        )
        .await;
    assert_eq!(status, 403, "members are not moderators");
    staff
        .post(
            &format!("/api/v1/tsunagu/statuses/{answer_id}/remove"),
            json!({ "reason": "off topic" }),
        )
        .await;
    let (status, _) = alice
        .request(Method::GET, &format!("/api/v1/statuses/{answer_id}"), None)
        .await;
    assert_eq!(status, 404);
    // On bob's server the removal hides his answer from everyone else; it never destroys
    // what he wrote.
    let answer_on_corp = answer["id"].as_str().expect("id").to_string();
    let url = format!("{}/api/v1/statuses/{answer_on_corp}", corp.base);
    eventually("the removal reaches corp", || {
        let url = url.clone();
        async move {
            let status = tsunagu_tests::http().get(&url).send().await.ok()?.status();
            (status == 404).then_some(())
        }
    })
    .await;
    let own = bob.get(&format!("/api/v1/statuses/{answer_on_corp}")).await;
    assert!(own["content"]
        .as_str()
        .expect("content")
        .contains("busy but rewarding"));
    // The moderator undoes the removal, here and on corp.
    staff
        .post(
            &format!("/api/v1/tsunagu/statuses/{answer_id}/restore"),
            json!({}),
        )
        .await;
    alice.get(&format!("/api/v1/statuses/{answer_id}")).await;
    eventually("the restore reaches corp", || {
        let url = url.clone();
        async move {
            let status = tsunagu_tests::http().get(&url).send().await.ok()?.status();
            (status == 200).then_some(())
        }
    })
    .await;
}

on_both_backends!(
    a_question_for_several_boards_is_seen_once_and_answers_gather,
    several_boards
);
async fn several_boards(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let third = TestInstance::start(&backend).await;
    let uni_staff = uni.staff("office").await;
    let corp_staff = corp.staff("hr").await;
    create_board(&uni_staff, "careers", "open").await;
    create_board(&corp_staff, "jobs", "open").await;
    let student = uni.member("student").await;
    let carol = third.member("carol").await;
    let bob = corp.member("bob").await;
    carol.follow(&format!("careers@{}", uni.domain)).await;
    carol.follow(&format!("jobs@{}", corp.domain)).await;
    bob.follow(&format!("jobs@{}", corp.domain)).await;

    let thread = student
        .post("/api/v1/tsunagu/threads", json!({ "title": "Internships in robotics?", "body": "Any leads?", "boards": ["careers", format!("jobs@{}", corp.domain)] }))
        .await;
    let uri = thread["uri"].as_str().expect("uri").to_string();
    assert_eq!(
        thread["tsunagu"]["boards"].as_array().map(Vec::len),
        Some(2)
    );

    // Bob follows only corp's board and gets the thread from it.
    let on_corp = in_home(&bob, &uri).await;
    in_home(&carol, &uri).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let copies = carol
        .home()
        .await
        .iter()
        .filter(|s| s["uri"] == json!(uri))
        .count();
    assert_eq!(
        copies, 1,
        "a member following both boards sees the thread once"
    );

    // Bob replies through corp; the reply gathers in the thread at its origin.
    let reply = bob
        .post(
            "/api/v1/statuses",
            json!({ "status": "Try the port authority.", "in_reply_to_id": on_corp["id"] }),
        )
        .await;
    let s = student.clone();
    let tid = thread["id"].as_str().expect("id").to_string();
    let reply_uri = reply["uri"].clone();
    eventually("bob's reply gathers at the origin", || {
        let s = s.clone();
        let tid = tid.clone();
        let uri = reply_uri.clone();
        async move {
            let c = s.get(&format!("/api/v1/statuses/{tid}/context")).await;
            c["descendants"]
                .as_array()?
                .iter()
                .any(|d| d["uri"] == uri)
                .then_some(())
        }
    })
    .await;
    let corp_threads = bob.get("/api/v1/tsunagu/boards/jobs/threads").await;
    assert_eq!(corp_threads[0]["uri"], json!(uri));

    // A thread from another instance's member, deleted by its author: the board passes the
    // deletion on to everyone it showed the thread to.
    let post = bob
        .status(&format!(
            "@careers@{} Short-lived question\nnever mind",
            uni.domain
        ))
        .await;
    let on_third = in_home(&carol, post["uri"].as_str().expect("uri")).await;
    let (status, _) = bob
        .request(
            Method::DELETE,
            &format!("/api/v1/statuses/{}", post["id"].as_str().expect("id")),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let c = carol.clone();
    let id = on_third["id"].as_str().expect("id").to_string();
    eventually("the deletion reaches a follower of the board", || {
        let c = c.clone();
        let id = id.clone();
        async move {
            let (status, _) = c
                .request(Method::GET, &format!("/api/v1/statuses/{id}"), None)
                .await;
            (status == 404).then_some(())
        }
    })
    .await;

    // More than five boards is refused.
    let (status, _) = student
        .request(
            Method::POST,
            "/api/v1/tsunagu/threads",
            Some(json!({ "title": "t", "boards": ["careers", "a", "b", "c", "d", "e"] })),
        )
        .await;
    assert_eq!(status, 422);
}

on_both_backends!(posting_modes_and_bans, posting_modes);
async fn posting_modes(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let staff = uni.staff("office").await;
    let alice = uni.member("alice").await;
    let bob = corp.member("bob").await;
    create_board(&staff, "news", "moderators").await;
    create_board(&staff, "campus", "members").await;
    create_board(&staff, "open", "open").await;

    // Announcement boards: only moderators start threads.
    let (status, _) = alice
        .request(
            Method::POST,
            "/api/v1/tsunagu/threads",
            Some(json!({ "title": "hi", "boards": ["news"] })),
        )
        .await;
    assert_eq!(status, 403);
    let (_, group) = fetch_ap(&format!("{}/boards/news", uni.base)).await;
    assert_eq!(group["postingRestrictedToMods"], json!(true));
    staff
        .post(
            "/api/v1/tsunagu/threads",
            json!({ "title": "Homecoming on 3 October", "boards": ["news"] }),
        )
        .await;

    // Members-only boards refuse threads from other instances, and keep nothing of them.
    let post = bob
        .status(&format!(
            "@campus@{} Can outsiders join?\nJust asking",
            uni.domain
        ))
        .await;
    assert!(post["mentions"]
        .as_array()
        .expect("mentions")
        .iter()
        .any(|m| m["acct"] == json!(format!("campus@{}", uni.domain))));
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(
        staff.get("/api/v1/tsunagu/boards/campus/threads").await,
        json!([])
    );
    let found = staff
        .get(&format!(
            "/api/v2/search?q={}",
            post["uri"]
                .as_str()
                .expect("uri")
                .replace(':', "%3A")
                .replace('/', "%2F")
        ))
        .await;
    assert_eq!(found["statuses"], json!([]));

    // A mention of an open board from another instance starts a thread, titled by its first line.
    let post = bob
        .status(&format!(
            "@open@{} Hiring in Kobe\nWe look for interns, apply by May.",
            uni.domain
        ))
        .await;
    let threads = eventually("bob's post becomes a thread", || {
        let s = staff.clone();
        async move {
            let t = s.get("/api/v1/tsunagu/boards/open/threads").await;
            (t.as_array().map_or(0, Vec::len) == 1).then_some(t)
        }
    })
    .await;
    assert_eq!(threads[0]["uri"], post["uri"]);
    assert_eq!(threads[0]["tsunagu"]["title"], json!("Hiring in Kobe"));
    assert!(threads[0]["content"]
        .as_str()
        .expect("content")
        .contains("apply by May"));

    // An archived board takes nothing new.
    let (status, _) = staff
        .request(
            Method::PATCH,
            "/api/v1/tsunagu/boards/news",
            Some(json!({ "archived": true })),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = staff
        .request(
            Method::POST,
            "/api/v1/tsunagu/threads",
            Some(json!({ "title": "after archiving", "boards": ["news"] })),
        )
        .await;
    assert_eq!(status, 403);

    // Banned accounts cannot post.
    let bob_here = staff.resolve(&bob.handle).await;
    staff
        .post(
            "/api/v1/tsunagu/boards/open/bans",
            json!({ "account_id": bob_here["id"], "reason": "spam" }),
        )
        .await;
    bob.status(&format!("@open@{} Second try\nspam", uni.domain))
        .await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(
        staff
            .get("/api/v1/tsunagu/boards/open/threads")
            .await
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    // Local members start threads by mentioning a board in a plain status too.
    let status = alice
        .status("@open Where do alumni meet in Osaka?\nLooking for a regular meetup.")
        .await;
    let t = alice
        .get(&format!(
            "/api/v1/tsunagu/threads/{}",
            status["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(
        t["tsunagu"]["title"],
        json!("Where do alumni meet in Osaka?")
    );
}

on_both_backends!(
    a_board_announcing_its_thread_plainly_shows_the_thread_once,
    plain_announce_of_a_thread
);
async fn plain_announce_of_a_thread(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let staff = uni.staff("office").await;
    create_board(&staff, "careers", "open").await;
    // Uni takes the follower's server for a microblog, so it sends the board's plain
    // Announce(object) beside nothing else, as it would to Mastodon.
    tsunagu_service::boards::record_instance_software(uni.ctx(), &corp.domain, "mastodon")
        .await
        .expect("record");
    let dana = corp.member("dana").await;
    dana.follow(&format!("careers@{}", uni.domain)).await;
    let alice = uni.member("alice").await;
    let thread = alice.post("/api/v1/tsunagu/threads", json!({ "title": "Mentors in design?", "body": "Looking for a UX mentor.", "boards": ["careers"] })).await;
    // A group's plain announce of a post addressed to it is its thread (as Lemmy and NodeBB
    // send beside Announce(Create)): shown once, by its author, with its title.
    let uri = thread["uri"].as_str().expect("uri");
    let seen = in_home(&dana, uri).await;
    assert_eq!(seen["uri"], json!(uri), "the thread itself, not a boost");
    assert_eq!(seen["account"]["acct"], json!(alice.handle));
    let content = seen["content"].as_str().expect("content");
    assert!(
        content.contains("Mentors in design?") && content.contains("UX mentor"),
        "{content}"
    );
    assert_eq!(seen["spoiler_text"], json!(""));
    let home = dana.home().await;
    assert_eq!(
        home.iter()
            .filter(|s| s["uri"] == json!(uri) || s["reblog"]["uri"] == json!(uri))
            .count(),
        1
    );
    let threads = dana
        .get(&format!(
            "/api/v1/tsunagu/boards/careers@{}/threads",
            uni.domain
        ))
        .await;
    assert_eq!(threads[0]["uri"], json!(uri));
}

on_both_backends!(
    edits_held_first_posts_and_reports_cross_instances,
    edits_holds_reports
);
async fn edits_holds_reports(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let staff = uni.staff("office").await;
    let corp_staff = corp.staff("hr").await;
    create_board(&staff, "careers", "open").await;
    let alice = uni.member("alice").await;
    let bob = corp.member("bob").await;
    bob.follow(&format!("careers@{}", uni.domain)).await;

    // Editing a thread reaches every instance that received it; the history keeps the first version.
    let thread = alice
        .post(
            "/api/v1/tsunagu/threads",
            json!({ "title": "Draft title", "body": "first body", "boards": ["careers"] }),
        )
        .await;
    let uri = thread["uri"].as_str().expect("uri").to_string();
    let copy = in_home(&bob, &uri).await;
    let tid = thread["id"].as_str().expect("id").to_string();
    let (status, _) = bob
        .request(
            Method::PATCH,
            &format!(
                "/api/v1/tsunagu/threads/{}",
                copy["id"].as_str().expect("id")
            ),
            Some(json!({ "title": "mine now" })),
        )
        .await;
    assert_eq!(status, 403);
    let edited = alice
        .request(
            Method::PATCH,
            &format!("/api/v1/tsunagu/threads/{tid}"),
            Some(json!({ "title": "Final title", "body": "second body" })),
        )
        .await
        .1;
    assert_eq!(edited["tsunagu"]["title"], json!("Final title"));
    let history = alice.get(&format!("/api/v1/statuses/{tid}/history")).await;
    assert_eq!(history.as_array().map(Vec::len), Some(2));
    assert!(history[0]["content"]
        .as_str()
        .expect("content")
        .contains("first body"));
    let copy_id = copy["id"].as_str().expect("id").to_string();
    let b = bob.clone();
    eventually("the edit reaches corp", || {
        let b = b.clone();
        let id = copy_id.clone();
        async move {
            let t = thread_on(&b, &id).await;
            (t["tsunagu"]["title"] == json!("Final title")
                && t["content"].as_str()?.contains("second body"))
            .then_some(())
        }
    })
    .await;
    // Mastodon's status edit, on a plain status.
    let note = alice.status("typo hree").await;
    let (status, fixed) = alice
        .request(
            Method::PUT,
            &format!("/api/v1/statuses/{}", note["id"].as_str().expect("id")),
            Some(json!({ "status": "typo here" })),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(fixed["content"], json!("<p>typo here</p>"));
    assert!(fixed["edited_at"].is_string());
    let source = alice
        .get(&format!(
            "/api/v1/statuses/{}/source",
            note["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(source["text"], json!("typo here"));

    // A board that holds first posts from other instances.
    staff
        .request(
            Method::PATCH,
            "/api/v1/tsunagu/boards/careers",
            Some(json!({ "hold_remote_first_posts": true })),
        )
        .await;
    let first = bob
        .status(&format!(
            "@careers@{} Hello from corp\nFirst time here.",
            uni.domain
        ))
        .await;
    let held = eventually("bob's first post waits for a moderator", || {
        let s = staff.clone();
        async move {
            let h = s.get("/api/v1/tsunagu/boards/careers/held").await;
            (h.as_array()?.len() == 1).then_some(h)
        }
    })
    .await;
    assert_eq!(held[0]["uri"], first["uri"]);
    let threads = staff.get("/api/v1/tsunagu/boards/careers/threads").await;
    assert!(
        !threads
            .as_array()
            .expect("list")
            .iter()
            .any(|t| t["uri"] == first["uri"]),
        "held posts do not show"
    );
    let (status, _) = alice
        .request(Method::GET, "/api/v1/tsunagu/boards/careers/held", None)
        .await;
    assert_eq!(status, 403);
    staff
        .post(
            "/api/v1/tsunagu/boards/careers/approve",
            json!({ "status_id": held[0]["id"] }),
        )
        .await;
    let threads = staff.get("/api/v1/tsunagu/boards/careers/threads").await;
    assert!(threads
        .as_array()
        .expect("list")
        .iter()
        .any(|t| t["uri"] == first["uri"]));
    let second = bob
        .status(&format!(
            "@careers@{} Second post\nno longer held",
            uni.domain
        ))
        .await;
    let s = staff.clone();
    let second_uri = second["uri"].clone();
    eventually("bob's next post shows at once", || {
        let s = s.clone();
        let uri = second_uri.clone();
        async move {
            s.get("/api/v1/tsunagu/boards/careers/threads")
                .await
                .as_array()?
                .iter()
                .any(|t| t["uri"] == uri)
                .then_some(())
        }
    })
    .await;

    // A report from here about bob reaches corp's staff, sent by this instance.
    let bob_here = alice.resolve(&bob.handle).await;
    let first_here = alice
        .get(&format!(
            "/api/v2/search?q={}&resolve=true",
            first["uri"]
                .as_str()
                .expect("uri")
                .replace(':', "%3A")
                .replace('/', "%2F")
        ))
        .await;
    let report = alice
        .post("/api/v1/reports", json!({ "account_id": bob_here["id"], "status_ids": [first_here["statuses"][0]["id"]], "comment": "spam in careers", "forward": true }))
        .await;
    assert_eq!(report["forwarded"], json!(true));
    let reports = eventually("the report reaches corp", || {
        let s = corp_staff.clone();
        async move {
            let r = s.get("/api/v1/tsunagu/reports").await;
            (r.as_array()?.len() == 1).then_some(r)
        }
    })
    .await;
    assert_eq!(reports[0]["comment"], json!("spam in careers"));
    assert_eq!(reports[0]["target_account"]["username"], json!("bob"));
    assert_eq!(reports[0]["status_ids"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        reports[0]["account"]["acct"],
        json!(format!("instance.actor@{}", uni.domain))
    );
    // The local copy goes to the board's moderators.
    let local = staff.get("/api/v1/tsunagu/reports?board=careers").await;
    assert_eq!(local[0]["comment"], json!("spam in careers"));
    let (status, _) = alice
        .request(Method::GET, "/api/v1/tsunagu/reports", None)
        .await;
    assert_eq!(status, 403);
    staff
        .post(
            &format!(
                "/api/v1/tsunagu/reports/{}/resolve",
                local[0]["id"].as_str().expect("id")
            ),
            json!({}),
        )
        .await;
    assert_eq!(
        staff.get("/api/v1/tsunagu/reports?board=careers").await,
        json!([])
    );
}
