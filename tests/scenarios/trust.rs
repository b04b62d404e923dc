//! An instance against a hostile server and a hostile client: boosts that would widen who
//! sees a post, accepted answers and group moderation a server may not claim, links that
//! run code, oversized posts, floods of reports and requests, requests steered at our own
//! network, sign-in probing, OAuth tricks, slow connections, and the federation policy.

use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, SystemTime};
use tsunagu_tests::stub::{signed_post, StubPeer};
use tsunagu_tests::{fetch_ap, http, on_both_backends, Backend, Member, TestInstance};

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
const AS: &str = "https://www.w3.org/ns/activitystreams";

/// GET without a token: what anyone on the web sees.
async fn anonymous(url: &str) -> (u16, Value) {
    let res = http().get(url).send().await.expect("get");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The account id `handle` has on `member`'s instance.
async fn account_id(member: &Member, handle: &str) -> String {
    member
        .get(&format!("/api/v1/accounts/lookup?acct={handle}"))
        .await["id"]
        .as_str()
        .expect("id")
        .to_string()
}

fn texts(statuses: &Value) -> String {
    statuses
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| format!("{} {}", s["content"], s["reblog"]["content"]))
        .collect()
}

on_both_backends!(a_boost_never_widens_who_sees_a_post, boosts);
async fn boosts(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    uni.member("bob").await;
    let dm = alice
        .post(
            "/api/v1/statuses",
            json!({ "status": "@bob the secret plan", "visibility": "direct" }),
        )
        .await;
    let private = alice
        .post(
            "/api/v1/statuses",
            json!({ "status": "for followers only", "visibility": "private" }),
        )
        .await;
    let public = alice.status("hello everyone").await;
    let evil = StubPeer::start("mastodon").await;
    let mallory = evil.add_person("mallory");
    let inbox = format!("{}/inbox", uni.base);
    let announce = |n: usize, object: &Value| {
        json!({
            "@context": AS,
            "id": evil.url(&format!("/users/mallory/statuses/{n}/activity")),
            "type": "Announce",
            "actor": mallory,
            "published": "2026-12-01T10:00:00Z",
            "to": [PUBLIC],
            "cc": [format!("{mallory}/followers")],
            "object": object["uri"],
        })
    };
    assert_eq!(evil.send(&inbox, &announce(1, &dm)).await, 403);
    assert_eq!(evil.send(&inbox, &announce(2, &private)).await, 403);
    assert_eq!(evil.send(&inbox, &announce(3, &public)).await, 202);
    // Nothing of the private posts shows through mallory's boosts, to anyone.
    let id = account_id(&alice, &format!("mallory@{}", evil.domain)).await;
    let (status, shown) = anonymous(&format!("{}/api/v1/accounts/{id}/statuses", uni.base)).await;
    assert_eq!(status, 200);
    let text = texts(&shown);
    assert!(text.contains("hello everyone"), "{text}");
    assert!(
        !text.contains("secret plan") && !text.contains("followers only"),
        "{text}"
    );

    // An author may boost their own followers-only post, to their followers only.
    let carol = evil.add_person("carol");
    let note_id = evil.url("/users/carol/statuses/7");
    let note = json!({
        "id": note_id, "type": "Note", "attributedTo": carol,
        "to": [format!("{carol}/followers")], "cc": [],
        "content": "<p>carol's followers-only news</p>", "published": "2026-12-01T10:00:00Z",
    });
    evil.serve(note.clone());
    let create = json!({ "@context": AS, "id": format!("{note_id}/activity"), "type": "Create", "actor": carol, "to": note["to"], "object": note });
    assert_eq!(evil.send(&inbox, &create).await, 202);
    let self_boost = json!({ "@context": AS, "id": evil.url("/users/carol/statuses/7/boost"), "type": "Announce", "actor": carol, "to": [format!("{carol}/followers")], "object": note_id });
    assert_eq!(evil.send(&inbox, &self_boost).await, 202);
    let carol_id = account_id(&alice, &format!("carol@{}", evil.domain)).await;
    let (_, shown) = anonymous(&format!("{}/api/v1/accounts/{carol_id}/statuses", uni.base)).await;
    assert!(!texts(&shown).contains("followers-only news"));
    let seen = alice
        .get(&format!("/api/v1/accounts/{carol_id}/statuses"))
        .await;
    assert!(
        !texts(&seen).contains("followers-only news"),
        "alice does not follow carol"
    );
}

/// A Lemmy-like stub community `main` that `alice` follows, with an author and a moderator.
struct Community {
    lemmy: StubPeer,
    group: String,
    author: String,
    moderator: String,
}

impl Community {
    async fn followed_by(alice: &Member) -> Community {
        let lemmy = StubPeer::start("lemmy").await;
        let group = lemmy.add_group("main");
        let author = lemmy.add_person("author");
        let moderator = lemmy.add_person("moderator");
        alice.follow(&format!("main@{}", lemmy.domain)).await;
        Community {
            lemmy,
            group,
            author,
            moderator,
        }
    }

    /// A page by `author`, addressed to the community or not, served by the stub.
    fn page(&self, n: u32, to_group: bool, extra: Value) -> Value {
        let mut to = vec![json!(PUBLIC)];
        if to_group {
            to.push(json!(self.group));
        }
        let mut page = json!({
            "id": self.lemmy.url(&format!("/post/{n}")),
            "type": "Page",
            "attributedTo": self.author,
            "to": to,
            "cc": [],
            "name": format!("Post {n}"),
            "content": format!("<p>Body of post {n}</p>"),
            "published": "2026-12-01T10:00:00Z",
        });
        if to_group {
            page["audience"] = json!(self.group);
        }
        if let (Value::Object(p), Value::Object(e)) = (&mut page, extra) {
            p.extend(e);
        }
        self.lemmy.serve(page.clone());
        page
    }

    /// The community announcing `activity` (a Create, Delete, Lock...) to `inbox`.
    async fn announce(&self, inbox: &str, n: &str, activity: Value) -> u16 {
        let announce = json!({
            "@context": AS,
            "id": self.lemmy.url(&format!("/activities/announce/{n}")),
            "type": "Announce",
            "actor": self.group,
            "to": [PUBLIC],
            "cc": [format!("{}/followers", self.group)],
            "object": activity,
        });
        self.lemmy.send(inbox, &announce).await.as_u16()
    }

    fn create(&self, n: &str, object: &Value) -> Value {
        json!({ "id": self.lemmy.url(&format!("/activities/create/{n}")), "type": "Create", "actor": object["attributedTo"], "to": [PUBLIC], "cc": [self.group], "object": object })
    }

    fn by_moderator(&self, kind: &str, n: &str, object: Value) -> Value {
        json!({ "id": self.lemmy.url(&format!("/activities/{}/{n}", kind.to_lowercase())), "type": kind, "actor": self.moderator, "to": [PUBLIC], "cc": [self.group], "audience": self.group, "object": object })
    }
}

on_both_backends!(
    an_accepted_answer_from_elsewhere_must_be_a_public_reply_in_the_thread,
    accepted_answers
);
async fn accepted_answers(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    uni.member("bob").await;
    let dm = alice
        .post(
            "/api/v1/statuses",
            json!({ "status": "@bob my password is hunter2", "visibility": "direct" }),
        )
        .await;
    let c = Community::followed_by(&alice).await;
    let inbox = format!("{}/inbox", uni.base);
    let page = c.page(1, true, json!({ "acceptedAnswer": dm["uri"] }));
    assert_eq!(c.announce(&inbox, "1", c.create("1", &page)).await, 202);
    let threads = alice
        .get(&format!(
            "/api/v1/tsunagu/boards/main@{}/threads",
            c.lemmy.domain
        ))
        .await;
    assert_eq!(threads[0]["uri"], page["id"]);
    assert_eq!(threads[0]["tsunagu"]["accepted_answer_id"], json!(null));
    assert_eq!(threads[0]["tsunagu"]["accepted_answer"], json!(null));
    let (_, shown) = anonymous(&format!(
        "{}/api/v1/tsunagu/threads/{}",
        uni.base,
        threads[0]["id"].as_str().expect("id")
    ))
    .await;
    assert!(!shown.to_string().contains("hunter2"));

    // A real answer in the thread is taken.
    let reply_id = c.lemmy.url("/comment/1");
    let reply = json!({ "id": reply_id, "type": "Note", "attributedTo": c.author, "inReplyTo": page["id"], "to": [PUBLIC, c.group], "cc": [], "audience": c.group, "content": "<p>the answer</p>", "published": "2026-12-01T11:00:00Z" });
    c.lemmy.serve(reply.clone());
    assert_eq!(c.announce(&inbox, "2", c.create("2", &reply)).await, 202);
    let answered = c.page(1, true, json!({ "acceptedAnswer": reply_id }));
    let update = json!({ "id": c.lemmy.url("/activities/update/1"), "type": "Update", "actor": c.author, "to": [PUBLIC], "cc": [c.group], "object": answered });
    assert_eq!(c.announce(&inbox, "3", update).await, 202);
    let thread = alice
        .get(&format!(
            "/api/v1/tsunagu/threads/{}",
            threads[0]["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(thread["tsunagu"]["accepted_answer"]["uri"], json!(reply_id));
}

on_both_backends!(
    a_group_moderates_only_threads_addressed_to_it_and_never_destroys_our_posts,
    group_authority
);
async fn group_authority(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let c = Community::followed_by(&alice).await;
    let inbox = format!("{}/inbox", uni.base);
    let threads_path = format!("/api/v1/tsunagu/boards/main@{}/threads", c.lemmy.domain);

    // A post not addressed to the group is not its thread, however announced.
    let stray = c.page(1, false, json!({}));
    assert_eq!(c.announce(&inbox, "1", c.create("1", &stray)).await, 202);
    assert_eq!(c.announce(&inbox, "2", stray.clone()).await, 202);
    assert_eq!(alice.get(&threads_path).await, json!([]));

    // A third party's post that reached us otherwise (it mentions alice) is not the group's
    // to delete or lock.
    let mention_id = c.lemmy.url("/comment/9");
    let mention = json!({ "id": mention_id, "type": "Note", "attributedTo": c.author, "to": [PUBLIC, alice.actor_url], "cc": [], "content": "<p>hi alice</p>", "tag": [{ "type": "Mention", "href": alice.actor_url }], "published": "2026-12-01T10:00:00Z" });
    c.lemmy.serve(mention.clone());
    let create = json!({ "@context": AS, "id": c.lemmy.url("/activities/create/9"), "type": "Create", "actor": c.author, "to": mention["to"], "object": mention });
    assert_eq!(c.lemmy.send(&inbox, &create).await, 202);
    let removal = c.by_moderator("Delete", "9", json!(mention_id));
    assert_eq!(c.announce(&inbox, "3", removal).await, 202);
    let notes = alice.notifications().await;
    assert!(
        notes
            .iter()
            .any(|n| n["status"]["uri"] == json!(mention_id)),
        "the mention is still there"
    );

    // The group's own thread, and alice's reply in it.
    let page = c.page(2, true, json!({}));
    assert_eq!(c.announce(&inbox, "4", c.create("4", &page)).await, 202);
    let thread_id = alice.get(&threads_path).await[0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let reply = alice
        .post(
            "/api/v1/statuses",
            json!({ "status": "my answer", "in_reply_to_id": thread_id }),
        )
        .await;
    let reply_url = format!(
        "{}/api/v1/statuses/{}",
        uni.base,
        reply["id"].as_str().expect("id")
    );
    // Its moderator removes alice's reply: hidden here from everyone but alice, never
    // destroyed (the post still answers at its id), and restored by Undo(Delete).
    let delete = c.by_moderator("Delete", "10", reply["uri"].clone());
    assert_eq!(c.announce(&inbox, "5", delete.clone()).await, 202);
    assert_eq!(anonymous(&reply_url).await.0, 404);
    let own = alice
        .get(&format!(
            "/api/v1/statuses/{}",
            reply["id"].as_str().expect("id")
        ))
        .await;
    assert!(own["content"]
        .as_str()
        .expect("content")
        .contains("my answer"));
    let (status, object) = fetch_ap(reply["uri"].as_str().expect("uri")).await;
    assert_eq!(status, 200, "{object}");
    let restore = c.by_moderator("Undo", "11", delete);
    assert_eq!(c.announce(&inbox, "6", restore).await, 202);
    assert_eq!(anonymous(&reply_url).await.0, 200);

    // A lock of a thread the group does not hold changes nothing.
    let other = c.page(3, false, json!({}));
    let lock = c.by_moderator("Lock", "12", other["id"].clone());
    assert_eq!(c.announce(&inbox, "7", lock).await, 202);
    let (status, _) = alice
        .request(Method::GET, &format!("/api/v1/statuses/{thread_id}"), None)
        .await;
    assert_eq!(status, 200);
    let thread = alice
        .get(&format!("/api/v1/tsunagu/threads/{thread_id}"))
        .await;
    assert_eq!(thread["tsunagu"]["locked"], json!(false));
}

on_both_backends!(
    made_up_tokens_buy_no_requests_and_sign_in_is_throttled_per_account,
    rate_limits
);
async fn rate_limits(backend: Backend) {
    let uni = TestInstance::start_with(&backend, |s| {
        s.instance.rate_limit = 8;
        s.instance.sign_in_limit = 8;
    })
    .await;
    // Signing in costs two requests of the address (the app, the token).
    let alice = uni.member("alice").await;
    let url = format!("{}/api/v1/instance", uni.base);
    let mut last = 0;
    for i in 0..10 {
        last = http()
            .get(&url)
            .bearer_auth(format!("made-up-{i}"))
            .send()
            .await
            .expect("get")
            .status()
            .as_u16();
    }
    assert_eq!(
        last, 429,
        "a new made-up token for each request buys nothing"
    );
    // A real token has its own window.
    let (status, _) = alice.request(Method::GET, "/api/v1/instance", None).await;
    assert_eq!(status, 200);
    // The site's sign-in form shares the address's sign-in count with the token grants
    // (two used above), and says which limit applies.
    let browser = tsunagu_tests::Browser::new(&uni.base, "en");
    let token = browser.get("/login").await.form_token();
    let mut statuses = Vec::new();
    for i in 0..7 {
        let login = format!("nobody-{i}");
        let page = browser
            .post(
                "/login",
                &[
                    ("form_token", token.as_str()),
                    ("login", login.as_str()),
                    ("password", "guess"),
                ],
            )
            .await;
        assert_eq!(page.headers["x-ratelimit-limit"], "8");
        statuses.push(page.status);
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 401, 429]);

    // Passwords: after five failures, even the right one is refused for a while; and every
    // refusal reads the same, whether the account exists or not.
    let other = TestInstance::start(&backend).await;
    let bob = other.member("bob").await;
    let app: Value = http()
        .post(format!("{}/api/v1/apps", other.base))
        .json(&json!({ "client_name": "probe", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob" }))
        .send()
        .await
        .expect("app")
        .json()
        .await
        .expect("json");
    let sign_in = |login: &'static str, password: &'static str| {
        let (base, app) = (other.base.clone(), app.clone());
        async move {
            let res = http()
                .post(format!("{base}/oauth/token"))
                .form(&[
                    ("grant_type", "password"),
                    ("client_id", app["client_id"].as_str().expect("id")),
                    (
                        "client_secret",
                        app["client_secret"].as_str().expect("secret"),
                    ),
                    ("username", login),
                    ("password", password),
                ])
                .send()
                .await
                .expect("token");
            (res.status().as_u16(), res.text().await.expect("body"))
        }
    };
    let (s1, unknown) = sign_in("nobody@example.org", "wrong password").await;
    let (s2, wrong) = sign_in("bob@example.org", "wrong password").await;
    assert_eq!((s1, &unknown), (s2, &wrong), "no account is told apart");
    tsunagu_service::accounts::set_disabled(
        other.ctx(),
        tsunagu_service::accounts::find_member(other.ctx(), "bob")
            .await
            .expect("bob")
            .0
            .id,
        true,
    )
    .await
    .expect("disable");
    let (s3, disabled) = sign_in("bob@example.org", "correct horse battery").await;
    assert_eq!(
        (s3, &disabled),
        (s2, &wrong),
        "a disabled account reads as any refusal"
    );
    for _ in 0..3 {
        sign_in("bob@example.org", "wrong password").await;
    }
    let (status, _) = sign_in("bob@example.org", "correct horse battery").await;
    assert_eq!(status, 429);
    drop(bob);
}

on_both_backends!(
    no_request_is_steered_at_our_own_network,
    server_side_requests
);
async fn server_side_requests(backend: Backend) {
    // A canary on the loopback address counts every request that reaches it.
    let canary = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let canary_port = canary.local_addr().expect("addr").port();
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let h = hits.clone();
    let app = axum::Router::new().fallback(move || {
        let h = h.clone();
        async move {
            h.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            "{}"
        }
    });
    tokio::spawn(async move { axum::serve(canary, app).await });
    let canary_url = format!("http://127.0.0.1:{canary_port}/secret");

    let uni = TestInstance::start(&backend).await;
    let staff = uni.staff("office").await;
    staff
        .post(
            "/api/v1/tsunagu/boards",
            json!({ "name": "careers", "title": "Careers" }),
        )
        .await;
    let evil = StubPeer::start("mastodon").await;
    let mallory = evil.add_person("mallory");
    // Software detection follows NodeInfo; the evil server redirects it to the canary.
    evil.redirect("/.well-known/nodeinfo", &canary_url);
    evil.redirect("/to-canary", &canary_url);
    let follow = json!({ "@context": AS, "id": evil.url("/follows/1"), "type": "Follow", "actor": mallory, "object": format!("{}/boards/careers", uni.base) });
    assert_eq!(
        evil.send(&format!("{}/boards/careers/inbox", uni.base), &follow)
            .await,
        202
    );
    // Search resolving a URL that redirects there, or names the address itself.
    for q in [evil.url("/to-canary"), canary_url.clone()] {
        let (status, _) = staff
            .request(
                Method::GET,
                &format!(
                    "/api/v2/search?resolve=true&q={}",
                    url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
                ),
                None,
            )
            .await;
        assert_eq!(status, 200);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        hits.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "nothing reached the loopback address"
    );
}

on_both_backends!(links_that_run_code_never_reach_clients, unsafe_links);
async fn unsafe_links(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let evil = StubPeer::start("mastodon").await;
    let id = evil.url("/users/mallory");
    evil.serve(json!({
        "@context": [AS, "https://w3id.org/security/v1"],
        "id": id, "type": "Person", "preferredUsername": "mallory", "name": "Mallory",
        "inbox": format!("{id}/inbox"), "outbox": format!("{id}/outbox"),
        "url": "javascript:alert(1)",
        "icon": { "type": "Image", "url": "data:image/svg+xml;base64,PHN2Zz4=" },
        "image": { "type": "Image", "url": "javascript:alert(2)" },
        "publicKey": { "id": format!("{id}#main-key"), "owner": id, "publicKeyPem": evil.public_key() },
    }));
    let note_id = evil.url("/users/mallory/statuses/1");
    let create = json!({
        "@context": AS, "id": format!("{note_id}/activity"), "type": "Create", "actor": id, "to": [PUBLIC, alice.actor_url],
        "object": { "id": note_id, "type": "Note", "attributedTo": id, "to": [PUBLIC, alice.actor_url], "url": "javascript:alert(3)",
            "content": "<p>click <a href=\"javascript:alert(4)\">me</a></p>", "tag": [{ "type": "Mention", "href": alice.actor_url }] },
    });
    assert_eq!(
        evil.send(&format!("{}/inbox", uni.base), &create).await,
        202
    );
    let notes = alice.notifications().await;
    let text = serde_json::to_string(&notes).expect("json");
    assert!(text.contains("click"), "{text}");
    for bad in ["javascript:", "data:image"] {
        assert!(!text.contains(bad), "{bad} reached the client: {text}");
    }
}

on_both_backends!(
    a_post_is_created_and_changed_only_by_its_author,
    post_ownership
);
/// Another actor of the same server sending a `Create` (or `Update`) of a post that is not its
/// own, under the post's id: refused, and the post stays its author's as it was.
async fn post_ownership(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let peer = StubPeer::start("mastodon").await;
    let ann = peer.add_person("ann");
    let mallory = peer.add_person("mallory");
    let inbox = format!("{}/inbox", uni.base);
    let id = peer.url("/users/ann/statuses/1");
    let activity = |kind: &str, n: u32, actor: &str, content: &str| {
        json!({
            "@context": AS, "id": peer.url(&format!("/activities/{n}")), "type": kind, "actor": actor,
            "to": [PUBLIC, alice.actor_url],
            "object": {
                "id": id, "type": "Note", "attributedTo": actor, "to": [PUBLIC, alice.actor_url],
                "content": content, "tag": [{ "type": "Mention", "href": alice.actor_url }],
            },
        })
    };
    assert_eq!(
        peer.send(&inbox, &activity("Create", 1, &ann, "<p>by ann</p>"))
            .await,
        202
    );
    let status = alice.notifications().await[0]["status"].clone();
    let path = format!("/api/v1/statuses/{}", status["id"].as_str().expect("id"));
    for (n, kind) in [(2, "Create"), (3, "Update")] {
        let sent = peer
            .send(&inbox, &activity(kind, n, &mallory, "<p>taken over</p>"))
            .await;
        assert!(sent.is_client_error(), "{kind} by another actor: {sent}");
    }
    let kept = alice.get(&path).await;
    assert_eq!(kept["content"], status["content"]);
    assert_eq!(kept["account"]["id"], status["account"]["id"]);
    assert_eq!(
        alice.notifications().await.len(),
        1,
        "no mention from mallory"
    );
}

on_both_backends!(
    remote_posts_are_bounded_and_their_names_checked,
    bounded_posts
);
async fn bounded_posts(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let evil = StubPeer::start("mastodon").await;
    let mallory = evil.add_person("mallory");
    let inbox = format!("{}/inbox", uni.base);
    let note = |n: u32, content: String, tags: Vec<Value>| {
        let id = evil.url(&format!("/users/mallory/statuses/{n}"));
        let mut tag = vec![json!({ "type": "Mention", "href": alice.actor_url })];
        tag.extend(tags);
        json!({
            "@context": AS, "id": format!("{id}/activity"), "type": "Create", "actor": mallory, "to": [PUBLIC, alice.actor_url],
            "object": { "id": id, "type": "Note", "attributedTo": mallory, "to": [PUBLIC, alice.actor_url], "content": content, "tag": tag },
        })
    };
    // Ten thousand hashtags: the post is kept with a bounded number of them; tags with
    // markup are dropped, and tag links are percent-encoded.
    let mut tags: Vec<Value> = (0..10_000)
        .map(|i| json!({ "type": "Hashtag", "name": format!("#t{i}") }))
        .collect();
    tags.push(json!({ "type": "Hashtag", "name": "#<b>bold</b>" }));
    tags.insert(0, json!({ "type": "Hashtag", "name": "#日本" }));
    assert_eq!(
        evil.send(&inbox, &note(1, "<p>many tags</p>".into(), tags))
            .await,
        202
    );
    let status = &alice.notifications().await[0]["status"];
    let names: Vec<&str> = status["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(names.len() <= 50, "{} tags", names.len());
    assert!(names.contains(&"日本") && !names.iter().any(|n| n.contains('<')));
    let url = status["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .find(|t| t["name"] == "日本")
        .expect("tag")["url"]
        .as_str()
        .expect("url")
        .to_string();
    assert!(url.ends_with("/tags/%E6%97%A5%E6%9C%AC"), "{url}");
    // Far too much text is refused.
    let long = format!("<p>{}</p>", "x".repeat(150_000));
    assert_eq!(evil.send(&inbox, &note(2, long, Vec::new())).await, 400);

    // A name that would read as one of our own accounts is refused.
    let fake = evil.url("/users/fake");
    evil.serve(json!({
        "@context": [AS, "https://w3id.org/security/v1"],
        "id": fake, "type": "Person", "preferredUsername": format!("alice@{}", uni.domain),
        "inbox": format!("{fake}/inbox"),
        "publicKey": { "id": format!("{fake}#main-key"), "owner": fake, "publicKeyPem": evil.public_key() },
    }));
    let follow = json!({ "@context": AS, "id": evil.url("/follows/fake"), "type": "Follow", "actor": fake, "object": alice.actor_url });
    assert_ne!(evil.send(&inbox, &follow).await, 202);
    let followers = alice
        .get(&format!("/api/v1/accounts/{}/followers", alice.id))
        .await;
    assert_eq!(followers, json!([]));
}

on_both_backends!(
    reports_and_signatures_from_elsewhere_are_bounded,
    reports_and_signatures
);
async fn reports_and_signatures(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let evil = StubPeer::start("mastodon").await;
    let mallory = evil.add_person("mallory");
    let inbox = format!("{}/inbox", uni.base);
    let flag = |n: u32| json!({ "@context": AS, "id": evil.url(&format!("/flags/{n}")), "type": "Flag", "actor": mallory, "object": [alice.actor_url], "content": "spam" });
    for n in 0..10 {
        assert_eq!(evil.send(&inbox, &flag(n)).await, 202);
    }
    assert_eq!(evil.send(&inbox, &flag(10)).await, 429);

    // Signatures dated in the future, or covering no date, are refused.
    let like = |n: u32| {
        serde_json::to_vec(&json!({ "@context": AS, "id": evil.url(&format!("/likes/{n}")), "type": "Follow", "actor": mallory, "object": alice.actor_url }))
            .expect("json")
    };
    let body = like(1);
    let future = SystemTime::now() + Duration::from_secs(3 * 3600);
    assert_eq!(
        signed_post(
            &inbox,
            &body,
            &body,
            &format!("{mallory}#main-key"),
            &evil.private_key(),
            future
        )
        .await,
        401
    );
    let body = like(2);
    assert_eq!(evil.send_without_date(&inbox, &body).await, 401);
}

on_both_backends!(
    oauth_and_the_sign_in_page_resist_redirect_and_framing_tricks,
    oauth_tricks
);
async fn oauth_tricks(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    uni.member("alice").await;
    let register = |uris: &'static str| {
        let base = uni.base.clone();
        async move {
            http()
                .post(format!("{base}/api/v1/apps"))
                .json(&json!({ "client_name": "app", "redirect_uris": uris, "scopes": "read" }))
                .send()
                .await
                .expect("apps")
        }
    };
    for bad in [
        "javascript:alert(1)",
        "data:text/html,hi",
        "https://app.example/cb#frag",
    ] {
        assert_eq!(register(bad).await.status().as_u16(), 422, "{bad}");
    }
    let app: Value = register("https://app.example/cb")
        .await
        .json()
        .await
        .expect("app");
    let client_id = app["client_id"].as_str().expect("id").to_string();
    let authorize = format!(
        "{}/oauth/authorize?response_type=code&client_id={client_id}&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&scope=read",
        uni.base
    );
    let page = http().get(&authorize).send().await.expect("page");
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    assert!(page.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .contains("frame-ancestors 'none'"));
    let redirect = http()
        .post(format!("{}/oauth/authorize", uni.base))
        .form(&[
            ("client_id", client_id.as_str()),
            ("redirect_uri", "https://app.example/cb"),
            ("scope", "read"),
            ("response_type", "code"),
            ("username", "alice@example.org"),
            ("password", "correct horse battery"),
        ])
        .send()
        .await
        .expect("authorize");
    let location = redirect.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    let code = url::Url::parse(&location)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "code")
        .expect("code")
        .1
        .to_string();
    let exchange = |with_uri: bool| {
        let mut form = vec![
            ("grant_type", "authorization_code".to_string()),
            ("client_id", client_id.clone()),
            (
                "client_secret",
                app["client_secret"].as_str().expect("s").to_string(),
            ),
            ("code", code.clone()),
        ];
        if with_uri {
            form.push(("redirect_uri", "https://app.example/cb".into()));
        }
        let base = uni.base.clone();
        async move {
            http()
                .post(format!("{base}/oauth/token"))
                .form(&form)
                .send()
                .await
                .expect("token")
                .status()
                .as_u16()
        }
    };
    assert_eq!(exchange(false).await, 400, "redirect_uri is required");

    // Browser apps on other origins may call the API (no cookies involved).
    let preflight = http()
        .request(Method::OPTIONS, format!("{}/api/v1/statuses", uni.base))
        .header("Origin", "https://elk.example")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type",
        )
        .send()
        .await
        .expect("preflight");
    assert!(preflight.status().is_success());
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
}

on_both_backends!(slow_and_idle_connections_are_closed, connection_timeouts);
async fn connection_timeouts(backend: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let uni =
        TestInstance::start_with(&backend, |s| s.header_timeout = Duration::from_millis(500)).await;
    // Headers that never end.
    let mut slow = tokio::net::TcpStream::connect(("127.0.0.1", uni.port))
        .await
        .expect("connect");
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the server closed the slow connection");
    // A kept-alive connection that stays idle.
    let mut idle = tokio::net::TcpStream::connect(("127.0.0.1", uni.port))
        .await
        .expect("connect");
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), idle.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the server closed the idle connection");
    assert!(String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 200"));
}

on_both_backends!(staff_block_and_allow_servers, federation_policy);
async fn federation_policy(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let staff = uni.staff("office").await;
    let alice = uni.member("alice").await;
    let spam = StubPeer::start("mastodon").await;
    let spammer = spam.add_person("spammer");
    let inbox = format!("{}/inbox", uni.base);
    let mention = |n: u32, from: &StubPeer, actor: &str| {
        let id = from.url(&format!("/statuses/{n}"));
        json!({
            "@context": AS, "id": format!("{id}/activity"), "type": "Create", "actor": actor, "to": [PUBLIC, alice.actor_url],
            "object": { "id": id, "type": "Note", "attributedTo": actor, "to": [PUBLIC, alice.actor_url], "content": format!("<p>message {n}</p>"), "tag": [{ "type": "Mention", "href": alice.actor_url }] },
        })
    };
    assert_eq!(spam.send(&inbox, &mention(1, &spam, &spammer)).await, 202);
    assert_eq!(alice.notifications().await.len(), 1);

    // Members may not manage the policy.
    let (status, _) = alice
        .request(
            Method::POST,
            "/api/v1/admin/domain_blocks",
            Some(json!({ "domain": spam.domain })),
        )
        .await;
    assert_eq!(status, 403);
    let block = staff
        .post(
            "/api/v1/admin/domain_blocks",
            json!({ "domain": spam.domain, "severity": "suspend", "public_comment": "spam", "private_comment": "seen 2026-12-01" }),
        )
        .await;
    assert_eq!(block["severity"], json!("suspend"));
    let (_, public) = anonymous(&format!("{}/api/v1/instance/domain_blocks", uni.base)).await;
    assert_eq!(public[0]["domain"], json!(spam.domain));
    assert_eq!(public[0]["comment"], json!("spam"));
    assert!(public[0].get("private_comment").is_none());
    // Its activities are refused, what it sent before is hidden, nothing goes to it.
    assert_eq!(spam.send(&inbox, &mention(2, &spam, &spammer)).await, 403);
    assert!(alice.notifications().await.is_empty());
    let (status, found) = alice
        .request(
            Method::GET,
            &format!(
                "/api/v2/search?resolve=true&type=accounts&q=%40someone%40{}",
                spam.domain
            ),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(found["accounts"], json!([]));
    // Lifted, it federates again.
    staff
        .request(
            Method::DELETE,
            &format!(
                "/api/v1/admin/domain_blocks/{}",
                block["id"].as_str().expect("id")
            ),
            None,
        )
        .await;
    assert_eq!(staff.get("/api/v1/admin/domain_blocks").await, json!([]));
    assert_eq!(spam.send(&inbox, &mention(3, &spam, &spammer)).await, 202);

    // Allow-list mode: only allowed servers federate.
    let partner = StubPeer::start("mastodon").await;
    let friend = partner.add_person("friend");
    staff
        .post(
            "/api/v1/admin/domain_allows",
            json!({ "domain": partner.domain }),
        )
        .await;
    tsunagu_service::policy::set_allow_list_mode(uni.ctx(), true)
        .await
        .expect("mode");
    assert_eq!(
        partner.send(&inbox, &mention(4, &partner, &friend)).await,
        202
    );
    assert_eq!(spam.send(&inbox, &mention(5, &spam, &spammer)).await, 403);
    let allows = staff.get("/api/v1/admin/domain_allows").await;
    assert_eq!(allows[0]["domain"], json!(partner.domain));
}

on_both_backends!(
    actors_change_only_themselves_and_groups_vouch_only_for_their_own,
    profile_and_vouching
);
async fn profile_and_vouching(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let inbox = format!("{}/inbox", uni.base);
    let peer = StubPeer::start("lemmy").await;
    let carol = peer.add_person("carol");
    let mallory = peer.add_person("mallory");
    let lookup = |name: &str| format!("/api/v1/accounts/lookup?acct={name}@{}", peer.domain);
    assert_eq!(
        alice.get(&lookup("carol")).await["display_name"],
        json!("carol")
    );
    assert_eq!(
        alice.get(&lookup("mallory")).await["display_name"],
        json!("mallory")
    );

    // An actor's Update of itself: the profile is fetched afresh from its server. An Update
    // of another actor, whatever it embeds, changes nothing.
    let mut renamed = fetch_ap(&carol).await.1;
    renamed["name"] = json!("Carol Renamed");
    peer.serve(renamed.clone());
    let update = json!({ "@context": AS, "id": peer.url("/updates/1"), "type": "Update", "actor": carol, "to": [PUBLIC], "object": renamed });
    assert_eq!(peer.send(&inbox, &update).await, 202);
    assert_eq!(
        alice.get(&lookup("carol")).await["display_name"],
        json!("Carol Renamed")
    );
    let mut forged = fetch_ap(&mallory).await.1;
    forged["name"] = json!("Mallory (forged by carol)");
    let update = json!({ "@context": AS, "id": peer.url("/updates/2"), "type": "Update", "actor": carol, "to": [PUBLIC], "object": forged });
    assert_eq!(peer.send(&inbox, &update).await, 202);
    assert_eq!(
        alice.get(&lookup("mallory")).await["display_name"],
        json!("mallory")
    );

    // A group's announced likes count for voters on the group's own server only.
    let post = alice.status("vote on me").await;
    let group = peer.add_group("main");
    let other = StubPeer::start("lemmy").await;
    let outsider = other.add_person("outsider");
    let announced = |n: u32, inner: Value| json!({ "@context": AS, "id": peer.url(&format!("/announces/{n}")), "type": "Announce", "actor": group, "to": [PUBLIC], "object": inner });
    let like = |actor: &str, n: u32| json!({ "id": peer.url(&format!("/likes/{n}")), "type": "Like", "actor": actor, "object": post["uri"] });
    let count = || async {
        alice
            .get(&format!(
                "/api/v1/statuses/{}",
                post["id"].as_str().expect("id")
            ))
            .await["favourites_count"]
            .clone()
    };
    assert_eq!(
        peer.send(&inbox, &announced(1, like(&outsider, 1))).await,
        202
    );
    assert_eq!(
        count().await,
        json!(0),
        "the group does not speak for others"
    );
    assert_eq!(
        peer.send(&inbox, &announced(2, like(&mallory, 2))).await,
        202
    );
    assert_eq!(count().await, json!(1));
    let undo = json!({ "id": peer.url("/undos/1"), "type": "Undo", "actor": mallory, "object": like(&mallory, 2) });
    assert_eq!(peer.send(&inbox, &announced(3, undo)).await, 202);
    assert_eq!(count().await, json!(0));

    // A person announcing an activity is no group: ignored.
    let fake_removal = json!({ "@context": AS, "id": peer.url("/announces/4"), "type": "Announce", "actor": carol, "to": [PUBLIC],
        "object": { "id": peer.url("/deletes/1"), "type": "Delete", "actor": carol, "object": post["uri"] } });
    assert_eq!(peer.send(&inbox, &fake_removal).await, 202);
    let (status, _) = anonymous(&format!(
        "{}/api/v1/statuses/{}",
        uni.base,
        post["id"].as_str().expect("id")
    ))
    .await;
    assert_eq!(status, 200);

    // An actor's Delete of itself: gone here (its server now answers with a tombstone).
    peer.serve(json!({ "id": carol, "type": "Tombstone", "formerType": "Person" }));
    let delete = json!({ "@context": AS, "id": peer.url("/deletes/self"), "type": "Delete", "actor": carol, "to": [PUBLIC], "object": carol });
    assert_eq!(peer.send(&inbox, &delete).await, 202);
    let (status, _) = alice.request(Method::GET, &lookup("carol"), None).await;
    assert_eq!(status, 404);
}
