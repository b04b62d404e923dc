//! The web site: what visitors, members and staff see and do in a browser, in Japanese and
//! English, at the same addresses other servers fetch as ActivityPub.

use serde_json::{json, Value};
use tsunagu_service::accounts::{ProfileKey, Visibility};
use tsunagu_tests::{fetch_ap, on_both_backends, Backend, Browser, TestInstance};

on_both_backends!(
    visitors_read_boards_threads_profiles_and_feeds_in_their_language,
    visitors
);
async fn visitors(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let staff = uni.staff("office").await;
    staff
        .post(
            "/api/v1/tsunagu/boards",
            json!({ "name": "careers", "title": "Careers & Jobs", "description": "Work *after* graduation" }),
        )
        .await;
    let alice = uni.member("alice").await;
    let bob = uni.member("bob").await;
    let thread = alice
        .post(
            "/api/v1/tsunagu/threads",
            json!({ "title": "Logistics in Osaka?", "body": "What is it like? #osaka", "boards": ["careers"], "question": true }),
        )
        .await;
    let thread_id = thread["id"].as_str().expect("id");
    let answer = bob
        .post(
            "/api/v1/statuses",
            json!({ "status": "Busy but rewarding.", "in_reply_to_id": thread_id }),
        )
        .await;
    let answer_id = answer["id"].as_str().expect("id");
    alice
        .post(
            &format!("/api/v1/tsunagu/threads/{thread_id}/accept"),
            json!({ "answer_id": answer_id }),
        )
        .await;

    // The home page, in Japanese for a Japanese browser.
    let ja = Browser::new(&uni.base, "ja,en;q=0.5");
    let home = ja.get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("<html lang=\"ja\">"), "{}", home.body);
    assert!(home.body.contains("掲示板") && home.body.contains("Careers &amp; Jobs"));
    assert!(home.body.contains("Logistics in Osaka?"));
    let csp = home.headers["content-security-policy"]
        .to_str()
        .expect("csp");
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    // The language can be switched and stays.
    let en = ja.get("/?lang=en").await;
    assert!(en.body.contains("<html lang=\"en\">") && en.body.contains("Boards"));
    assert!(ja.get("/").await.body.contains("<html lang=\"en\">"));

    // A board: HTML for browsers, the Group for other servers, at the same address.
    let web = Browser::new(&uni.base, "en");
    let board = web.get("/boards/careers").await;
    assert_eq!(board.status, 200);
    assert!(board.body.contains("Logistics in Osaka?"));
    assert!(board.body.contains("Answered"));
    assert!(board.body.contains(&format!(
        "<link rel=\"alternate\" type=\"application/activity+json\" href=\"{}/boards/careers\">",
        uni.base
    )));
    assert!(board.body.contains("application/atom+xml"));
    let (status, group) = fetch_ap(&format!("{}/boards/careers", uni.base)).await;
    assert_eq!(
        (status.as_u16(), group["type"].clone()),
        (200, json!("Group"))
    );
    let unanswered = web.get("/boards/careers?order=unanswered").await;
    assert!(!unanswered.body.contains("Logistics in Osaka?"));

    // The thread, at its post's address, with the accepted answer marked; a reply's address
    // leads to its place in the thread.
    let page = web.get(&format!("/posts/{thread_id}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("<h1>Logistics in Osaka?</h1>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Busy but rewarding."));
    assert!(page.body.contains("class=\"status accepted\""));
    assert!(page
        .body
        .contains("property=\"og:title\" content=\"Logistics in Osaka?\""));
    let reply_page = web.get(&format!("/posts/{answer_id}")).await;
    assert_eq!(reply_page.status, 303);
    assert_eq!(
        reply_page.location(),
        format!("/posts/{thread_id}#p{answer_id}")
    );
    let (status, note) = fetch_ap(thread["uri"].as_str().expect("uri")).await;
    assert_eq!(
        (status.as_u16(), note["type"].clone()),
        (200, json!("Page"))
    );

    // Feeds.
    let atom = web.get("/boards/careers/feed.atom").await;
    assert!(atom.headers["content-type"]
        .to_str()
        .expect("type")
        .starts_with("application/atom+xml"));
    assert!(atom.body.contains("<title>Logistics in Osaka?</title>"));
    let rss = web.get("/boards/careers/feed.rss").await;
    assert!(rss.body.contains("<rss version=\"2.0\">") && rss.body.contains("Logistics in Osaka?"));

    // A profile shows visitors only its public fields, members also those for members.
    let (user, _) = tsunagu_service::accounts::find_member(uni.ctx(), "alice")
        .await
        .expect("alice");
    tsunagu_service::accounts::set_profile_fields(
        uni.ctx(),
        &user,
        &[
            (
                ProfileKey::GraduationYear,
                "2019".into(),
                Visibility::Public,
            ),
            (
                ProfileKey::Employer,
                "Kobe Shipping".into(),
                Visibility::Local,
            ),
            (
                ProfileKey::Skills,
                "secret skills".into(),
                Visibility::Hidden,
            ),
        ],
    )
    .await
    .expect("fields");
    let profile = web.get("/users/alice").await;
    assert!(profile.body.contains("2019"));
    assert!(!profile.body.contains("Kobe Shipping") && !profile.body.contains("secret skills"));
    // The account's `url` in the client API is this page.
    let account = bob.get(&format!("/api/v1/accounts/{}", alice.id)).await;
    let url = account["url"].as_str().expect("url");
    let path = url.strip_prefix(&uni.base).expect("our page");
    assert_eq!(web.get(path).await.status, 200);
    let member = Browser::new(&uni.base, "en");
    member.sign_in("bob@example.org").await;
    let seen = member.get("/users/alice").await;
    assert!(seen.body.contains("Kobe Shipping") && !seen.body.contains("secret skills"));
    let own = Browser::new(&uni.base, "en");
    own.sign_in("alice").await;
    assert!(own.get("/users/alice").await.body.contains("secret skills"));

    // Search.
    let found = web.get("/search?q=careers").await;
    assert!(found.body.contains("Careers &amp; Jobs"));
    let tagged = web.get("/search?q=%23osaka").await;
    assert!(tagged.body.contains("What is it like?"), "{}", tagged.body);

    // Unknown pages are pages too.
    assert_eq!(web.get("/posts/999999").await.status, 404);
}

on_both_backends!(
    members_sign_in_post_reply_favourite_accept_follow_and_edit_their_profile,
    members
);
async fn members(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let staff = uni.staff("office").await;
    staff
        .post(
            "/api/v1/tsunagu/boards",
            json!({ "name": "careers", "title": "Careers" }),
        )
        .await;
    uni.member("alice").await;
    let bob = uni.member("bob").await;
    let carol = corp.member("carol").await;

    let alice = Browser::new(&uni.base, "en");
    // A wrong password, then the right one.
    let form = alice.get("/login").await;
    let token = form.form_token();
    let wrong = alice
        .post(
            "/login",
            &[
                ("form_token", token.as_str()),
                ("login", "alice"),
                ("password", "nope"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("do not match"));
    alice.sign_in("alice@example.org").await;

    // A form without its token changes nothing.
    let forged = alice
        .post(
            "/new",
            &[("title", "Forged"), ("body", "x"), ("boards", "careers")],
        )
        .await;
    assert_eq!(forged.status, 403);

    // A refused thread says why, in the visitor's language, and keeps the form.
    let token = alice.get("/new").await.form_token();
    let refused = alice
        .post(
            "/new?lang=ja",
            &[
                ("form_token", token.as_str()),
                ("title", &"長".repeat(201)),
                ("body", "x"),
                ("boards", "careers"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains("タイトルは1〜200文字にしてください。"),
        "{}",
        refused.body
    );
    alice.get("/?lang=en").await;

    // A question in a board, mentioning bob and someone on another server.
    let token = alice.get("/new").await.form_token();
    let body = format!("Ask @bob or @carol@{} about #logistics", corp.domain);
    let posted = alice
        .post(
            "/new",
            &[
                ("form_token", token.as_str()),
                ("title", "Working at a port?"),
                ("body", &body),
                ("boards", "careers"),
                ("question", "1"),
            ],
        )
        .await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    let thread_path = posted.location();
    let thread_id = thread_path.trim_start_matches("/posts/").to_string();
    let page = alice.get(&thread_path).await;
    assert!(page.body.contains("<h1>Working at a port?</h1>"));
    assert!(
        page.body.contains("class=\"u-url mention\""),
        "{}",
        page.body
    );
    let notes = bob.notifications().await;
    assert!(notes.iter().any(|n| n["type"] == "mention"));
    tsunagu_tests::eventually("carol's server gets the thread", || {
        let carol = carol.clone();
        async move {
            carol
                .notifications()
                .await
                .iter()
                .any(|n| n["type"] == "mention")
                .then_some(())
        }
    })
    .await;

    // bob replies on the site; alice favourites and accepts it.
    let bob_web = Browser::new(&uni.base, "en");
    bob_web.sign_in("bob").await;
    let token = bob_web.get(&thread_path).await.form_token();
    let replied = bob_web
        .post(
            &format!("{thread_path}/reply"),
            &[("form_token", token.as_str()), ("text", "At Kobe, yes!")],
        )
        .await;
    assert_eq!(replied.status, 303);
    let reply_id = replied.location().trim_start_matches("/posts/").to_string();
    let token = alice.get(&thread_path).await.form_token();
    alice
        .post(
            &format!("/posts/{reply_id}/favourite"),
            &[("form_token", token.as_str())],
        )
        .await;
    let accepted = alice
        .post(
            &format!("{thread_path}/accept"),
            &[
                ("form_token", token.as_str()),
                ("answer", reply_id.as_str()),
            ],
        )
        .await;
    assert_eq!(accepted.status, 303);
    let thread: Value = bob
        .get(&format!("/api/v1/tsunagu/threads/{thread_id}"))
        .await;
    assert_eq!(thread["tsunagu"]["accepted_answer_id"], json!(reply_id));
    let reply = bob.get(&format!("/api/v1/statuses/{reply_id}")).await;
    assert_eq!(reply["favourites_count"], json!(1));

    // Editing and deleting one's own posts.
    let token = bob_web
        .get(&format!("/posts/{reply_id}/edit"))
        .await
        .form_token();
    let edited = bob_web
        .post(
            &format!("/posts/{reply_id}/edit"),
            &[
                ("form_token", token.as_str()),
                ("text", "At Kobe, yes! (edited)"),
            ],
        )
        .await;
    assert_eq!(edited.status, 303);
    assert!(alice.get(&thread_path).await.body.contains("(edited)"));
    let not_hers = alice
        .post(
            &format!("/posts/{reply_id}/delete"),
            &[("form_token", token.as_str())],
        )
        .await;
    assert_eq!(not_hers.status, 403);

    // Following a member elsewhere by handle.
    let token = alice.get("/follow").await.form_token();
    let followed = alice
        .post(
            "/follow",
            &[
                ("form_token", token.as_str()),
                ("handle", &format!("@carol@{}", corp.domain)),
            ],
        )
        .await;
    assert_eq!(followed.status, 303, "{}", followed.body);
    tsunagu_tests::eventually("carol has a follower", || {
        let carol = carol.clone();
        async move {
            let me = carol.get(&format!("/api/v1/accounts/{}", carol.id)).await;
            (me["followers_count"] == json!(1)).then_some(())
        }
    })
    .await;

    // The alumni profile with a visibility per field.
    let form = alice.get("/settings/profile").await;
    let token = form.form_token();
    let mut fields: Vec<(String, String)> = vec![
        ("form_token".into(), token.clone()),
        ("display_name".into(), "Alice A.".into()),
        ("note".into(), "Port logistics".into()),
    ];
    for key in ProfileKey::ALL {
        let (value, visibility) = match key {
            ProfileKey::GraduationYear => ("2018", "public"),
            ProfileKey::Industry => ("Logistics", "local"),
            _ => ("", "hidden"),
        };
        fields.push((format!("field.{}", key.as_str()), value.into()));
        fields.push((format!("visibility.{}", key.as_str()), visibility.into()));
    }
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let saved = alice.post("/settings/profile", &pairs).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.contains("Saved."));
    let visitor = Browser::new(&uni.base, "en").get("/users/alice").await;
    assert!(visitor.body.contains("Alice A.") && visitor.body.contains("2018"));
    assert!(!visitor.body.contains("Logistics</dd>"));

    // The site's language is the member's setting, on every browser they sign in with.
    let token = bob_web.get("/settings/profile").await.form_token();
    let chose = bob_web
        .post(
            "/settings/language",
            &[("form_token", token.as_str()), ("language", "ja")],
        )
        .await;
    assert_eq!(chose.status, 303);
    assert!(bob_web.get("/").await.body.contains("<html lang=\"ja\">"));
    let elsewhere = Browser::new(&uni.base, "en-US");
    elsewhere.sign_in("bob").await;
    assert!(elsewhere.get("/").await.body.contains("<html lang=\"ja\">"));
    let token = elsewhere.get("/settings/profile").await.form_token();
    elsewhere
        .post(
            "/settings/language",
            &[("form_token", token.as_str()), ("language", "")],
        )
        .await;
    assert!(elsewhere.get("/").await.body.contains("<html lang=\"en\">"));
    let bad = elsewhere
        .post(
            "/settings/language",
            &[("form_token", token.as_str()), ("language", "klingon")],
        )
        .await;
    assert_eq!(bad.status, 422);

    // Notifications, then signing out.
    // (This browser keeps the Japanese bob chose on it.)
    let notes = bob_web.get("/notifications?lang=en").await;
    assert!(
        notes.body.contains("favourited your post"),
        "{}",
        notes.body
    );
    let token = bob_web.get("/").await.form_token();
    let out = bob_web
        .post("/logout", &[("form_token", token.as_str())])
        .await;
    assert_eq!(out.status, 303);
    let after = bob_web.get("/notifications").await;
    assert_eq!(after.status, 303, "signed out: back to the sign-in page");
    assert!(after.location().starts_with("/login"));
}

on_both_backends!(
    apps_are_authorized_on_the_site_with_its_session_or_a_password,
    app_authorization
);
async fn app_authorization(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    uni.member("alice").await;
    let app: Value = tsunagu_tests::http()
        .post(format!("{}/api/v1/apps", uni.base))
        .form(&[
            ("client_name", "Campus app"),
            ("redirect_uris", "https://app.example/cb"),
            ("scopes", "read write"),
        ])
        .send()
        .await
        .expect("register")
        .json()
        .await
        .expect("app");
    let client_id = app["client_id"].as_str().expect("id");
    let query = format!(
        "/oauth/authorize?response_type=code&client_id={client_id}&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&scope=read&state=s1"
    );

    // A signed-in member is asked to allow or deny, without a password; the page may lead
    // the browser on to the app's address only.
    let alice = Browser::new(&uni.base, "ja");
    alice.sign_in("alice").await;
    let page = alice.get(&query).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Campus app") && page.body.contains("@alice"));
    assert!(!page.body.contains("id=\"password\""));
    let csp = page.headers["content-security-policy"]
        .to_str()
        .expect("csp");
    assert!(
        csp.contains("form-action 'self' https://app.example"),
        "{csp}"
    );
    let token = page.form_token();
    let fields = |decision: &'static str, token: String| {
        vec![
            ("response_type", "code".to_string()),
            ("client_id", client_id.to_string()),
            ("redirect_uri", "https://app.example/cb".to_string()),
            ("scope", "read".to_string()),
            ("state", "s1".to_string()),
            ("decision", decision.to_string()),
            ("form_token", token),
        ]
    };
    let post = |form: Vec<(&'static str, String)>| {
        let alice = alice.clone();
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            alice.post("/oauth/authorize", &pairs).await
        }
    };
    // Without the page's token (a form on another site), nothing is granted.
    let forged = post(fields("allow", String::new())).await;
    assert_eq!(forged.status, 403);
    let denied = post(fields("deny", token.clone())).await;
    assert_eq!(denied.status, 303);
    assert_eq!(
        denied.location(),
        "https://app.example/cb?error=access_denied&state=s1"
    );
    let allowed = post(fields("allow", token)).await;
    assert_eq!(allowed.status, 303);
    let target = url::Url::parse(&allowed.location()).expect("redirect");
    assert_eq!(target.host_str(), Some("app.example"));
    let code = target
        .query_pairs()
        .find(|(k, _)| k == "code")
        .expect("code")
        .1
        .into_owned();
    let token: Value = tsunagu_tests::http()
        .post(format!("{}/oauth/token", uni.base))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", client_id),
            (
                "client_secret",
                app["client_secret"].as_str().expect("secret"),
            ),
            ("code", code.as_str()),
            ("redirect_uri", "https://app.example/cb"),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token json");
    let me: Value = tsunagu_tests::http()
        .get(format!("{}/api/v1/accounts/verify_credentials", uni.base))
        .bearer_auth(token["access_token"].as_str().expect("access token"))
        .send()
        .await
        .expect("me")
        .json()
        .await
        .expect("me json");
    assert_eq!(me["username"], "alice");

    // Anyone else signs in on the page, which also signs them in to the site.
    let visitor = Browser::new(&uni.base, "en");
    let page = visitor.get(&query).await;
    assert!(page.body.contains("id=\"password\"") && page.body.contains("Sign in to allow it."));
    let signed = visitor
        .post(
            "/oauth/authorize",
            &[
                ("client_id", client_id),
                ("redirect_uri", "https://app.example/cb"),
                ("scope", "read"),
                ("username", "alice"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    assert!(signed
        .location()
        .starts_with("https://app.example/cb?code="));
    assert!(visitor.get("/notifications").await.status == 200);

    // A request naming an address the app did not register is refused on the page itself.
    let bad = visitor
        .get(&format!(
            "/oauth/authorize?client_id={client_id}&redirect_uri=https%3A%2F%2Fevil.example%2F"
        ))
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("not registered"));
}

on_both_backends!(
    staff_run_boards_reports_members_and_federation_from_the_browser,
    staff_pages
);
async fn staff_pages(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    uni.staff("office").await;
    let alice_api = uni.member("alice").await;
    uni.member("carol").await;
    let bob = corp.member("bob").await;

    // Only staff open the staff pages.
    let visitor = Browser::new(&uni.base, "en");
    assert_eq!(visitor.get("/admin").await.status, 303);
    let alice = Browser::new(&uni.base, "en");
    alice.sign_in("alice").await;
    assert_eq!(alice.get("/admin/members").await.status, 403);
    let office = Browser::new(&uni.base, "en");
    office.sign_in("office").await;
    let overview = office.get("/admin").await;
    assert_eq!(overview.status, 200, "{}", overview.body);
    assert!(overview.body.contains("0 boards") && overview.body.contains("0 open reports"));
    assert_eq!(overview.headers["cache-control"], "private, no-store");

    // A board made from its form, then edited; a form without the page's token does nothing.
    let token = office.get("/admin/boards").await.form_token();
    let made = office
        .post(
            "/admin/boards",
            &[
                ("form_token", token.as_str()),
                ("name", "careers"),
                ("title", "Careers"),
                ("description", "Jobs and advice"),
                ("posting_mode", "open"),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    assert_eq!(made.location(), "/admin/boards/careers");
    let forged = office
        .post(
            "/admin/boards",
            &[
                ("name", "forged"),
                ("title", "Forged"),
                ("posting_mode", "open"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!(
        Browser::new(&uni.base, "en")
            .get("/boards/forged")
            .await
            .status,
        404
    );
    let edit = |fields: Vec<(&'static str, &'static str)>| {
        let office = office.clone();
        async move {
            let token = office.get("/admin/boards/careers").await.form_token();
            let mut form = vec![("form_token", token.as_str())];
            form.extend(fields);
            office.post("/admin/boards/careers", &form).await
        }
    };
    let saved = edit(vec![
        ("title", "Careers & Jobs"),
        ("description", "Jobs and advice"),
        ("rules", "Be kind."),
        ("posting_mode", "open"),
        ("hold_remote_first_posts", "1"),
    ])
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let public = Browser::new(&uni.base, "en").get("/boards/careers").await;
    assert!(public.body.contains("Careers &amp; Jobs") && public.body.contains("Be kind."));
    let bad = edit(vec![("title", ""), ("posting_mode", "open")]).await;
    assert_eq!(bad.status, 422, "an empty title is refused");
    assert!(bad
        .body
        .contains("The title must have 1 to 100 characters."));

    // Moderators: alice moderates the board (and only the board).
    let form = |page: &tsunagu_tests::WebPage, extra: &[(&'static str, &'static str)]| {
        let mut v = vec![("form_token", page.form_token())];
        v.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        v
    };
    let send = |b: &Browser, path: String, pairs: Vec<(&'static str, String)>| {
        let b = b.clone();
        async move {
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            b.post(&path, &pairs).await
        }
    };
    let page = office.get("/admin/boards/careers").await;
    let added = send(
        &office,
        "/admin/boards/careers/moderators".into(),
        form(&page, &[("account", "alice")]),
    )
    .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let as_moderator = alice.get("/admin/boards/careers").await;
    assert_eq!(as_moderator.status, 200, "{}", as_moderator.body);
    assert!(alice
        .get("/boards/careers")
        .await
        .body
        .contains("Moderate this board"));
    assert_eq!(alice.get("/admin/federation").await.status, 403);

    // Bans, by handle, with the reason shown; then lifted.
    let page = alice.get("/admin/boards/careers").await;
    let banned = send(
        &alice,
        "/admin/boards/careers/bans".into(),
        form(&page, &[("account", "carol"), ("reason", "spam links")]),
    )
    .await;
    assert_eq!(banned.status, 303, "{}", banned.body);
    let page = alice.get("/admin/boards/careers").await;
    assert!(page.body.contains("spam links") && page.body.contains("Lift the ban"));
    let lifted = send(
        &alice,
        "/admin/boards/careers/bans".into(),
        form(&page, &[("account", "carol"), ("lift", "1")]),
    )
    .await;
    assert_eq!(lifted.status, 303);
    assert!(alice
        .get("/admin/boards/careers")
        .await
        .body
        .contains("Nobody is banned."));

    // A first post from another server waits; the moderator approves it on the page.
    bob.follow(&format!("careers@{}", uni.domain)).await;
    let first = bob
        .status(&format!(
            "@careers@{} Hello from corp\nFirst time here.",
            uni.domain
        ))
        .await;
    let a = alice.clone();
    let page = tsunagu_tests::eventually("bob's first post waits", || {
        let a = a.clone();
        async move {
            let p = a.get("/admin/boards/careers").await;
            p.body.contains("Hello from corp").then_some(p)
        }
    })
    .await;
    let held: Vec<Value> = alice_api
        .get("/api/v1/tsunagu/boards/careers/held")
        .await
        .as_array()
        .expect("held")
        .clone();
    assert_eq!(held[0]["uri"], first["uri"]);
    let id = held[0]["id"].as_str().expect("id").to_string();
    let approved = send(
        &alice,
        "/admin/boards/careers/held".into(),
        form(&page, &[("decision", "approve")])
            .into_iter()
            .chain([("post", id.clone())])
            .collect(),
    )
    .await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    assert!(alice
        .get("/admin/boards/careers")
        .await
        .body
        .contains("No post is waiting."));
    assert!(Browser::new(&uni.base, "en")
        .get("/boards/careers?order=new")
        .await
        .body
        .contains("Hello from corp"));

    // Reports: listed for staff with the reporter and the post, then resolved.
    let bob_here = alice_api.resolve(&bob.handle).await;
    alice_api
        .post(
            "/api/v1/reports",
            json!({ "account_id": bob_here["id"], "status_ids": [id], "comment": "off topic" }),
        )
        .await;
    let reports = office.get("/admin/reports").await;
    assert!(reports.body.contains("off topic") && reports.body.contains(&format!("/posts/{id}")));
    let report_id = report_id_in(&reports.body);
    let resolved = send(
        &office,
        format!("/admin/reports/{report_id}/resolve"),
        form(&reports, &[]),
    )
    .await;
    assert_eq!(resolved.status, 303);
    assert!(office
        .get("/admin/reports")
        .await
        .body
        .contains("No open report."));

    // Members: a role changed, an account disabled and enabled, a password reset.
    let members = office.get("/admin/members").await;
    let carol_id = tsunagu_service::accounts::find_member(uni.ctx(), "carol")
        .await
        .expect("carol")
        .0
        .id;
    let carol_path = format!("/admin/members/{carol_id}");
    let r = send(
        &office,
        carol_path.clone(),
        form(&members, &[("action", "role"), ("role", "staff")]),
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let carol = Browser::new(&uni.base, "en");
    carol.sign_in("carol").await;
    assert_eq!(carol.get("/admin").await.status, 200, "carol is staff now");
    let r = send(
        &office,
        carol_path.clone(),
        form(&members, &[("action", "disable")]),
    )
    .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        carol.get("/admin").await.status,
        303,
        "disabled: signed out"
    );
    let r = send(
        &office,
        carol_path.clone(),
        form(&members, &[("action", "enable")]),
    )
    .await;
    assert_eq!(r.status, 303);
    let reset = send(
        &office,
        carol_path.clone(),
        form(&members, &[("action", "reset")]),
    )
    .await;
    assert_eq!(reset.status, 200, "{}", reset.body);
    let password = reset
        .body
        .split("<code id=\"new-password\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("new password shown")
        .to_string();
    let again = Browser::new(&uni.base, "en");
    let token = again.get("/login").await.form_token();
    let signed = again
        .post(
            "/login",
            &[
                ("form_token", token.as_str()),
                ("login", "carol"),
                ("password", password.as_str()),
            ],
        )
        .await;
    assert_eq!(signed.status, 303, "the new password works");
    // Staff may not make admins or change their own account.
    let office_id = tsunagu_service::accounts::find_member(uni.ctx(), "office")
        .await
        .expect("office")
        .0
        .id;
    let own = format!("/admin/members/{office_id}");
    assert_eq!(
        send(&office, own, form(&members, &[("action", "disable")]))
            .await
            .status,
        403
    );
    assert_eq!(
        send(
            &office,
            carol_path.clone(),
            form(&members, &[("action", "role"), ("role", "admin")])
        )
        .await
        .status,
        403
    );

    // Federation health: corp appears with its deliveries and a chart; then it is blocked.
    let health = office.get("/admin/federation").await;
    assert_eq!(health.status, 200);
    assert!(health.body.contains(&corp.domain), "{}", health.body);
    assert!(health.body.contains("<svg class=\"chart\""));
    let blocked = send(
        &office,
        "/admin/federation/blocks".into(),
        form(
            &health,
            &[
                ("domain", "spam.example"),
                ("severity", "suspend"),
                ("public_comment", "spam"),
            ],
        ),
    )
    .await;
    assert_eq!(blocked.status, 303, "{}", blocked.body);
    let health = office.get("/admin/federation").await;
    assert!(health.body.contains("spam.example"));
    let block = tsunagu_service::policy::list_blocks(uni.ctx())
        .await
        .expect("blocks");
    assert_eq!(block.len(), 1);
    let unblock = format!("/admin/federation/blocks/{}/delete", block[0].id);
    assert_eq!(send(&office, unblock, form(&health, &[])).await.status, 303);
    assert!(office
        .get("/admin/federation")
        .await
        .body
        .contains("No server is blocked."));
}

/// The id in the first report's resolve form.
fn report_id_in(body: &str) -> String {
    body.split("/admin/reports/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .expect("a report form")
        .to_string()
}
