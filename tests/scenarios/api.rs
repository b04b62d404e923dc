//! The client API on one instance, as Mastodon apps call it.

use reqwest::Method;
use serde_json::{json, Value};
use tsunagu_tests::{fetch_ap, http, on_both_backends, Backend, TestInstance};

async fn get_json(url: &str) -> (reqwest::StatusCode, Value) {
    let res = http().get(url).send().await.expect("get");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn register_app(base: &str, redirect_uris: Value, scopes: &str) -> Value {
    let res = http()
        .post(format!("{base}/api/v1/apps"))
        .json(&json!({ "client_name": "test app", "redirect_uris": redirect_uris, "scopes": scopes, "website": "https://app.example" }))
        .send()
        .await
        .expect("apps");
    assert_eq!(res.status(), 200);
    res.json().await.expect("json")
}

async fn token_request(base: &str, form: &[(&str, &str)]) -> (reqwest::StatusCode, Value) {
    let res = http()
        .post(format!("{base}/oauth/token"))
        .form(form)
        .send()
        .await
        .expect("token");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

on_both_backends!(instance_and_app_registration, instance_and_apps);
async fn instance_and_apps(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    for path in ["/api/v1/instance", "/api/v1/instance/"] {
        let (status, v1) = get_json(&format!("{}{path}", uni.base)).await;
        assert_eq!(status, 200);
        assert_eq!(v1["uri"], json!(uni.domain));
        let version = v1["version"].as_str().expect("version");
        assert!(
            version.starts_with("4.3.0 (compatible; Tsunagu "),
            "{version}"
        );
        for key in [
            "title",
            "short_description",
            "description",
            "email",
            "urls",
            "stats",
            "languages",
            "registrations",
            "configuration",
            "rules",
        ] {
            assert!(v1.get(key).is_some(), "v1 instance lacks {key}");
        }
    }
    let (status, v2) = get_json(&format!("{}/api/v2/instance", uni.base)).await;
    assert_eq!(status, 200);
    assert_eq!(v2["domain"], json!(uni.domain));
    assert!(v2["configuration"]["statuses"]["max_characters"]
        .as_i64()
        .is_some());

    // JSON and form bodies; several redirect URIs.
    let app = register_app(
        &uni.base,
        json!(["urn:ietf:wg:oauth:2.0:oob", "https://app.example/cb"]),
        "read write",
    )
    .await;
    assert_eq!(app["redirect_uris"].as_array().map(Vec::len), Some(2));
    assert!(app["client_id"].as_str().is_some() && app["client_secret"].as_str().is_some());
    let res = http()
        .post(format!("{}/api/v1/apps", uni.base))
        .form(&[
            ("client_name", "form app"),
            ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"),
            ("scopes", "read"),
        ])
        .send()
        .await
        .expect("apps");
    assert_eq!(res.status(), 200);
    let res = http()
        .post(format!("{}/api/v1/apps", uni.base))
        .json(&json!({ "redirect_uris": "urn:ietf:wg:oauth:2.0:oob" }))
        .send()
        .await
        .expect("apps");
    assert_eq!(res.status(), 422);
    let res = http()
        .post(format!("{}/api/v1/apps", uni.base))
        .json(&json!({ "client_name": "x", "redirect_uris": "oob", "scopes": "read teleport" }))
        .send()
        .await
        .expect("apps");
    assert_eq!(res.status(), 422);

    // Discovery answers.
    let (status, nodeinfo) = get_json(&format!("{}/nodeinfo/2.1", uni.base)).await;
    assert_eq!(status, 200);
    assert_eq!(nodeinfo["software"]["name"], json!("tsunagu"));
    let (status, links) = get_json(&format!("{}/.well-known/nodeinfo", uni.base)).await;
    assert_eq!(status, 200);
    assert_eq!(links["links"].as_array().map(Vec::len), Some(2));
    let res = http()
        .get(format!("{}/.well-known/host-meta", uni.base))
        .send()
        .await
        .expect("host-meta");
    assert!(res
        .text()
        .await
        .expect("text")
        .contains("/.well-known/webfinger?resource={uri}"));
    let (status, _) = fetch_ap(&format!("{}/actor", uni.base)).await;
    assert_eq!(status, 200);
}

on_both_backends!(oauth_grants_and_revocation, oauth_flows);
async fn oauth_flows(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let base = &uni.base;
    let app = register_app(
        base,
        json!("urn:ietf:wg:oauth:2.0:oob\nhttps://app.example/cb"),
        "read write follow",
    )
    .await;
    let (id, secret) = (
        app["client_id"].as_str().expect("id"),
        app["client_secret"].as_str().expect("secret"),
    );

    // Password grant with the username, a wrong password, an unknown grant.
    let (status, token) = token_request(
        base,
        &[
            ("grant_type", "password"),
            ("client_id", id),
            ("client_secret", secret),
            ("username", "alice"),
            ("password", "correct horse battery"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{token}");
    assert_eq!(token["token_type"], json!("Bearer"));
    let password_token = token["access_token"].as_str().expect("token").to_string();
    let (status, err) = token_request(
        base,
        &[
            ("grant_type", "password"),
            ("client_id", id),
            ("client_secret", secret),
            ("username", "alice"),
            ("password", "wrong"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["error"], json!("invalid_grant"));
    let (status, err) = token_request(
        base,
        &[
            ("grant_type", "magic"),
            ("client_id", id),
            ("client_secret", secret),
        ],
    )
    .await;
    assert_eq!(
        (status.as_u16(), err["error"].clone()),
        (400, json!("unsupported_grant_type"))
    );
    let (status, _) = token_request(
        base,
        &[
            ("grant_type", "password"),
            ("client_id", id),
            ("client_secret", "nope"),
            ("username", "alice"),
            ("password", "correct horse battery"),
        ],
    )
    .await;
    assert_eq!(status, 401);

    // Authorization code through the consent page, out of band.
    let page = http()
        .get(format!("{base}/oauth/authorize?response_type=code&client_id={id}&redirect_uri=urn:ietf:wg:oauth:2.0:oob&scope=read"))
        .send()
        .await
        .expect("authorize");
    assert_eq!(page.status(), 200);
    assert!(page
        .text()
        .await
        .expect("html")
        .contains("<form method=\"post\""));
    let submit = |extra: Vec<(&'static str, String)>| {
        let mut form = vec![
            ("response_type", "code".to_string()),
            ("client_id", id.to_string()),
            ("scope", "read".to_string()),
            ("username", "alice@example.org".to_string()),
            ("password", "correct horse battery".to_string()),
        ];
        form.extend(extra);
        async move {
            http()
                .post(format!("{base}/oauth/authorize"))
                .form(&form)
                .send()
                .await
                .expect("submit")
        }
    };
    let res = submit(vec![("redirect_uri", "urn:ietf:wg:oauth:2.0:oob".into())]).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.expect("html");
    let code = html
        .split("<code id=\"code\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("code shown")
        .to_string();
    let exchange = |code: String, verifier: Option<&'static str>, redirect: &'static str| async move {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("client_id", id),
            ("client_secret", secret),
            ("code", code.as_str()),
            ("redirect_uri", redirect),
        ];
        if let Some(v) = verifier {
            form.push(("code_verifier", v));
        }
        token_request(base, &form).await
    };
    let (status, token) = exchange(code.clone(), None, "urn:ietf:wg:oauth:2.0:oob").await;
    assert_eq!(status, 200, "{token}");
    assert_eq!(token["scope"], json!("read"));
    let read_token = token["access_token"].as_str().expect("token").to_string();
    let (status, _) = exchange(code, None, "urn:ietf:wg:oauth:2.0:oob").await;
    assert_eq!(status, 400, "a code works once");

    // Scopes are enforced: a read token cannot post.
    let res = http()
        .post(format!("{base}/api/v1/statuses"))
        .bearer_auth(&read_token)
        .json(&json!({"status": "hi"}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 403);
    let res = http()
        .get(format!("{base}/api/v1/accounts/verify_credentials"))
        .bearer_auth(&read_token)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);

    // PKCE (S256) with a redirect back to the app, carrying the state.
    let verifier = "a-very-long-code-verifier-with-enough-entropy-1234567890";
    use base64::Engine;
    use sha2::Digest;
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let res = submit(vec![
        ("redirect_uri", "https://app.example/cb".into()),
        ("state", "xyz".into()),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256".into()),
    ])
    .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let location =
        url::Url::parse(res.headers()["location"].to_str().expect("location")).expect("url");
    let pairs: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(pairs["state"], "xyz");
    let (status, _) = exchange(
        pairs["code"].clone(),
        Some("wrong-verifier"),
        "https://app.example/cb",
    )
    .await;
    assert_eq!(status, 400);
    // The failed attempt used the code up; a new code with the right verifier works.
    let res = submit(vec![
        ("redirect_uri", "https://app.example/cb".into()),
        (
            "code_challenge",
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(sha2::Sha256::digest(verifier.as_bytes())),
        ),
        ("code_challenge_method", "S256".into()),
    ])
    .await;
    let location =
        url::Url::parse(res.headers()["location"].to_str().expect("location")).expect("url");
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .expect("code")
        .1
        .into_owned();
    let (status, _) = exchange(code, Some(verifier), "https://app.example/cb").await;
    assert_eq!(status, 200);

    // Wrong login on the consent page shows the form again with an error.
    let res = http()
        .post(format!("{base}/oauth/authorize"))
        .form(&[
            ("client_id", id),
            ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
            ("username", "alice"),
            ("password", "nope"),
        ])
        .send()
        .await
        .expect("submit");
    assert_eq!(res.status(), 401);

    // Without the client secret there is no token.
    let (status, err) = token_request(
        base,
        &[
            ("grant_type", "password"),
            ("client_id", id),
            ("username", "alice"),
            ("password", "correct horse battery"),
        ],
    )
    .await;
    assert_eq!(
        (status.as_u16(), err["error"].clone()),
        (401, json!("invalid_client"))
    );
    // HTTP Basic client authentication.
    let res = http()
        .post(format!("{base}/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials"), ("scope", "read")])
        .send()
        .await
        .expect("token");
    assert_eq!(res.status(), 200);

    // Client credentials: an app token, which is no member.
    let (status, token) = token_request(
        base,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
            ("scope", "read"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let app_token = token["access_token"].as_str().expect("token");
    let res = http()
        .get(format!("{base}/api/v1/apps/verify_credentials"))
        .bearer_auth(app_token)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    let res = http()
        .get(format!("{base}/api/v1/accounts/verify_credentials"))
        .bearer_auth(app_token)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 422);

    // Revocation: another app cannot revoke this app's token; the app itself can.
    let other = register_app(base, json!("urn:ietf:wg:oauth:2.0:oob"), "read").await;
    let revoke = |client: (String, String), token: String| async move {
        http()
            .post(format!("{base}/oauth/revoke"))
            .form(&[
                ("client_id", client.0),
                ("client_secret", client.1),
                ("token", token),
            ])
            .send()
            .await
            .expect("revoke")
            .status()
    };
    let ours = (id.to_string(), secret.to_string());
    let theirs = (
        other["client_id"].as_str().expect("id").to_string(),
        other["client_secret"].as_str().expect("secret").to_string(),
    );
    let check = |token: String| async move {
        http()
            .get(format!("{base}/api/v1/accounts/verify_credentials"))
            .bearer_auth(token)
            .send()
            .await
            .expect("get")
            .status()
    };
    assert_eq!(revoke(theirs, password_token.clone()).await, 200);
    assert_eq!(
        check(password_token.clone()).await,
        200,
        "another app's revocation changed nothing"
    );
    assert_eq!(revoke(ours, password_token.clone()).await, 200);
    let res = http()
        .get(format!("{base}/api/v1/accounts/verify_credentials"))
        .bearer_auth(&password_token)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"], json!("The access token is invalid"));
    assert_eq!(
        check(alice.token.clone()).await,
        200,
        "other tokens stay valid"
    );

    let (status, meta) = get_json(&format!("{base}/.well-known/oauth-authorization-server")).await;
    assert_eq!(status, 200);
    assert_eq!(meta["code_challenge_methods_supported"], json!(["S256"]));
}

on_both_backends!(
    a_database_failure_checking_a_token_is_no_401,
    token_check_failure
);
/// A token that could not be checked (the database failed) is a server error: Mastodon apps
/// treat 401 as a revoked token and sign the member out.
async fn token_check_failure(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    alice.get("/api/v1/accounts/verify_credentials").await;
    let rename = |from: &str, to: &str| {
        let sql = format!("ALTER TABLE {from} RENAME TO {to}");
        let mut conn = uni.ctx().db.get().expect("connection");
        tsunagu_db::testing::execute(&mut conn, &sql).expect("rename");
    };
    rename("oauth_tokens", "oauth_tokens_away");
    let (status, body) = alice
        .request(Method::GET, "/api/v1/accounts/verify_credentials", None)
        .await;
    rename("oauth_tokens_away", "oauth_tokens");
    assert_eq!(status, 500, "{body}");
    alice.get("/api/v1/accounts/verify_credentials").await;
}

on_both_backends!(statuses_timelines_and_notifications, statuses_and_timelines);
async fn statuses_and_timelines(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let bob = uni.member("bob").await;

    let me = alice.get("/api/v1/accounts/verify_credentials").await;
    assert_eq!(me["username"], json!("alice"));
    assert_eq!(me["acct"], json!("alice"));
    assert!(me["source"]["privacy"].is_string());

    // Validation.
    for (body, expected) in [
        (json!({ "status": "" }), 422),
        (json!({ "status": "x".repeat(5001) }), 422),
        (json!({ "status": "hi", "visibility": "everyone" }), 422),
        (json!({ "status": "hi", "in_reply_to_id": "999999" }), 404),
    ] {
        let (status, err) = alice
            .request(Method::POST, "/api/v1/statuses", Some(body))
            .await;
        assert_eq!(status.as_u16(), expected, "{err}");
        assert!(err["error"].is_string());
    }
    let (status, _) = http()
        .post(format!("{}/api/v1/statuses", uni.base))
        .json(&json!({"status": "anon"}))
        .send()
        .await
        .map(|r| (r.status(), ()))
        .expect("post");
    assert_eq!(status, 401);

    // Form bodies work too.
    let res = http()
        .post(format!("{}/api/v1/statuses", uni.base))
        .bearer_auth(&alice.token)
        .form(&[
            ("status", "posted as a form, hello @bob"),
            ("spoiler_text", "careers"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 200);
    let first: Value = res.json().await.expect("json");
    assert_eq!(first["spoiler_text"], json!("careers"));
    assert_eq!(first["sensitive"], json!(true));
    assert_eq!(first["mentions"][0]["acct"], json!("bob"));

    let mut ids = vec![first["id"].as_str().expect("id").to_string()];
    for i in 0..4 {
        ids.push(
            alice.status(&format!("post number {i}")).await["id"]
                .as_str()
                .expect("id")
                .to_string(),
        );
    }
    let shown = alice.get(&format!("/api/v1/statuses/{}", ids[1])).await;
    assert_eq!(shown["content"], json!("<p>post number 0</p>"));

    // Paging through the public timeline with limit, max_id, since_id and min_id.
    let res = http()
        .get(format!(
            "{}/api/v1/timelines/public?local=true&limit=2",
            uni.base
        ))
        .send()
        .await
        .expect("get");
    let link = res.headers()["link"].to_str().expect("link").to_string();
    let page: Vec<Value> = res.json().await.expect("json");
    assert_eq!(
        page.iter().map(|s| s["id"].clone()).collect::<Vec<_>>(),
        vec![json!(ids[4]), json!(ids[3])]
    );
    assert!(
        link.contains(&format!("max_id={}>; rel=\"next\"", ids[3])),
        "{link}"
    );
    let older = alice
        .get(&format!(
            "/api/v1/timelines/public?local=true&limit=2&max_id={}",
            ids[3]
        ))
        .await;
    assert_eq!(older[0]["id"], json!(ids[2]));
    let oldest_above = alice
        .get(&format!(
            "/api/v1/timelines/public?limit=2&min_id={}",
            ids[0]
        ))
        .await;
    assert_eq!(
        oldest_above
            .as_array()
            .map(|a| a.iter().map(|s| s["id"].clone()).collect::<Vec<_>>()),
        Some(vec![json!(ids[2]), json!(ids[1])])
    );
    let newer = alice
        .get(&format!("/api/v1/timelines/public?since_id={}", ids[3]))
        .await;
    assert_eq!(newer.as_array().map(Vec::len), Some(1));
    assert_eq!(
        alice.get("/api/v1/timelines/public?remote=true").await,
        json!([])
    );

    // Following, home timeline, notifications.
    let r = bob
        .post(&format!("/api/v1/accounts/{}/follow", alice.id), json!({}))
        .await;
    assert_eq!(r["following"], json!(true));
    let home = bob.home().await;
    assert_eq!(home.len(), 5, "bob sees alice's posts after following");
    let rel = alice
        .get(&format!(
            "/api/v1/accounts/relationships?id[]={}&id[]=424242",
            bob.id
        ))
        .await;
    assert_eq!(rel.as_array().map(Vec::len), Some(1));
    assert_eq!(rel[0]["followed_by"], json!(true));
    let looked_up = bob.get("/api/v1/accounts/lookup?acct=alice").await;
    assert_eq!(looked_up["id"], json!(alice.id));
    assert_eq!(looked_up["followers_count"], json!(1));
    let statuses = bob
        .get(&format!("/api/v1/accounts/{}/statuses?limit=3", alice.id))
        .await;
    assert_eq!(statuses.as_array().map(Vec::len), Some(3));

    bob.post(&format!("/api/v1/statuses/{}/favourite", ids[2]), json!({}))
        .await;
    // Bookmarks.
    let marked = bob
        .post(&format!("/api/v1/statuses/{}/bookmark", ids[1]), json!({}))
        .await;
    assert_eq!(marked["bookmarked"], json!(true));
    assert_eq!(bob.get("/api/v1/bookmarks").await[0]["id"], json!(ids[1]));
    bob.post(
        &format!("/api/v1/statuses/{}/unbookmark", ids[1]),
        json!({}),
    )
    .await;
    assert_eq!(bob.get("/api/v1/bookmarks").await, json!([]));
    let favourites = bob.get("/api/v1/favourites").await;
    assert_eq!(favourites[0]["id"], json!(ids[2]));
    assert_eq!(favourites[0]["favourited"], json!(true));
    let boosted = bob
        .post(&format!("/api/v1/statuses/{}/reblog", ids[2]), json!({}))
        .await;
    assert_eq!(boosted["reblog"]["id"], json!(ids[2]));
    assert_eq!(boosted["reblog"]["reblogs_count"], json!(1));
    let notes = bob.notifications().await;
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["type"], json!("mention"));
    let notes = alice.notifications().await;
    let kinds: Vec<Value> = notes.iter().map(|n| n["type"].clone()).collect();
    assert_eq!(
        kinds,
        vec![json!("reblog"), json!("favourite"), json!("follow")]
    );
    let only_follows = alice
        .get("/api/v1/notifications?exclude_types[]=reblog&exclude_types[]=favourite")
        .await;
    assert_eq!(only_follows.as_array().map(Vec::len), Some(1));
    let nid = notes[0]["id"].as_str().expect("id");
    alice
        .post(&format!("/api/v1/notifications/{nid}/dismiss"), json!({}))
        .await;
    assert_eq!(alice.notifications().await.len(), 2);
    alice.post("/api/v1/notifications/clear", json!({})).await;
    assert!(alice.notifications().await.is_empty());

    // Replies and context.
    let reply = bob
        .post(
            "/api/v1/statuses",
            json!({ "status": "@alice nice", "in_reply_to_id": ids[4] }),
        )
        .await;
    assert_eq!(reply["in_reply_to_account_id"], json!(alice.id));
    let context = alice
        .get(&format!(
            "/api/v1/statuses/{}/context",
            reply["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(context["ancestors"][0]["id"], json!(ids[4]));

    // Deleting.
    let (status, _) = bob
        .request(
            Method::DELETE,
            &format!("/api/v1/statuses/{}", ids[4]),
            None,
        )
        .await;
    assert_eq!(status, 403, "only the author deletes");
    let (status, _) = alice
        .request(
            Method::DELETE,
            &format!("/api/v1/statuses/{}", ids[4]),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = alice
        .request(Method::GET, &format!("/api/v1/statuses/{}", ids[4]), None)
        .await;
    assert_eq!(status, 404);

    // Unfollow.
    let r = bob
        .post(
            &format!("/api/v1/accounts/{}/unfollow", alice.id),
            json!({}),
        )
        .await;
    assert_eq!(r["following"], json!(false));

    // Search finds local accounts and hashtags.
    let found = bob.get("/api/v2/search?q=ali").await;
    assert_eq!(found["accounts"][0]["acct"], json!("alice"));
    let found = bob.get("/api/v2/search?q=%23careers&type=hashtags").await;
    assert_eq!(found["hashtags"][0]["name"], json!("careers"));
    // A beginning finds the tags in use.
    alice.status("Hiring in logistics #careerfair").await;
    let found = bob.get("/api/v2/search?q=career&type=hashtags").await;
    let names: Vec<&Value> = found["hashtags"]
        .as_array()
        .expect("list")
        .iter()
        .map(|t| &t["name"])
        .collect();
    assert_eq!(names[0], &json!("career"), "the tag asked for first");
    assert!(names.contains(&&json!("careerfair")), "{found}");

    // Clients' start-up calls get valid empty answers.
    for path in [
        "/api/v1/custom_emojis",
        "/api/v1/filters",
        "/api/v2/filters",
        "/api/v1/lists",
        "/api/v1/announcements",
        "/api/v1/followed_tags",
        "/api/v1/trends",
        "/api/v1/conversations",
    ] {
        assert_eq!(alice.get(path).await, json!([]), "{path}");
    }
    assert!(alice.get("/api/v1/preferences").await.is_object());
    assert!(alice.get("/api/v1/markers").await.is_object());
}

on_both_backends!(alumni_profile_fields_and_visibility, profile_visibility);
async fn profile_visibility(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let bob = uni.member("bob").await;
    let fields = json!({ "fields": [
        { "field": "graduation_year", "value": "2019", "visibility": "public" },
        { "field": "employer", "value": "Kansai Logistics", "visibility": "federated" },
        { "field": "department", "value": "Economics", "visibility": "local" },
        { "field": "mentoring", "value": "Open to two mentees", "visibility": "hidden" },
    ]});
    let (status, _) = alice
        .request(Method::PUT, "/api/v1/tsunagu/profile", Some(fields))
        .await;
    assert_eq!(status, 200);
    let (status, err) = alice
        .request(Method::PUT, "/api/v1/tsunagu/profile", Some(json!({ "fields": [{ "field": "graduation_year", "value": "nineteen", "visibility": "public" }] })))
        .await;
    assert_eq!(status, 422, "{err}");
    let (status, _) = alice
        .request(Method::PUT, "/api/v1/tsunagu/profile", Some(json!({ "fields": [{ "field": "shoe_size", "value": "27", "visibility": "public" }] })))
        .await;
    assert_eq!(status, 422);

    let own = alice.get("/api/v1/tsunagu/profile").await;
    assert_eq!(own.as_array().map(Vec::len), Some(4));
    let seen_by_member = bob
        .get(&format!("/api/v1/tsunagu/accounts/{}/profile", alice.id))
        .await;
    let labels: Vec<&str> = seen_by_member
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert_eq!(labels, vec!["graduation_year", "department", "employer"]);
    let (_, anonymous) = get_json(&format!(
        "{}/api/v1/tsunagu/accounts/{}/profile",
        uni.base, alice.id
    ))
    .await;
    assert_eq!(anonymous.as_array().map(Vec::len), Some(1));

    // Only public fields federate, as PropertyValue attachments (and show in the account).
    let (_, actor) = fetch_ap(&alice.actor_url).await;
    assert_eq!(
        actor["attachment"],
        json!([{ "type": "PropertyValue", "name": "Graduation year", "value": "2019" }])
    );
    let account = bob.get(&format!("/api/v1/accounts/{}", alice.id)).await;
    assert_eq!(account["fields"][0]["name"], json!("Graduation year"));
    assert_eq!(account["fields"].as_array().map(Vec::len), Some(1));
}

on_both_backends!(
    markers_idempotency_and_rate_limit_headers,
    markers_and_limits
);
async fn markers_and_limits(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;

    // Markers remember where the member stopped reading.
    assert_eq!(alice.get("/api/v1/markers").await, json!({}));
    let saved = alice
        .post(
            "/api/v1/markers",
            json!({ "home": { "last_read_id": "42" } }),
        )
        .await;
    assert_eq!(saved["home"]["last_read_id"], json!("42"));
    assert_eq!(saved["home"]["version"], json!(1));
    alice
        .post(
            "/api/v1/markers",
            json!({ "home": { "last_read_id": "43" }, "notifications": { "last_read_id": "7" } }),
        )
        .await;
    let markers = alice.get("/api/v1/markers?timeline[]=home").await;
    assert_eq!(markers["home"]["last_read_id"], json!("43"));
    assert_eq!(markers["home"]["version"], json!(2));
    assert!(markers.get("notifications").is_none());
    let (status, _) = alice
        .request(Method::POST, "/api/v1/markers", Some(json!({})))
        .await;
    assert_eq!(status, 422);

    // A retried post with the same Idempotency-Key makes one status.
    let post = |key: &'static str| {
        let a = alice.clone();
        async move {
            let res = http()
                .post(format!("{}/api/v1/statuses", a.base))
                .bearer_auth(&a.token)
                .header("Idempotency-Key", key)
                .json(&json!({ "status": "posted once" }))
                .send()
                .await
                .expect("post");
            assert_eq!(res.status(), 200);
            res
        }
    };
    let first = post("abc").await;
    assert!(first.headers().contains_key("x-ratelimit-limit"));
    let remaining: u32 = first.headers()["x-ratelimit-remaining"]
        .to_str()
        .expect("header")
        .parse()
        .expect("number");
    let first: Value = first.json().await.expect("json");
    let second = post("abc").await;
    let remaining_after: u32 = second.headers()["x-ratelimit-remaining"]
        .to_str()
        .expect("header")
        .parse()
        .expect("number");
    assert_eq!(
        remaining_after,
        remaining - 1,
        "each request counts against the token's limit"
    );
    let second: Value = second.json().await.expect("json");
    assert_eq!(first["id"], second["id"]);
    let third: Value = post("def").await.json().await.expect("json");
    assert_ne!(first["id"], third["id"]);
    let mine = alice
        .get(&format!("/api/v1/accounts/{}/statuses", alice.id))
        .await;
    assert_eq!(mine.as_array().map(Vec::len), Some(2));
}

on_both_backends!(
    pinned_statuses_show_on_the_profile_and_federate,
    pinned_statuses
);
async fn pinned_statuses(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let bob = uni.member("bob").await;
    let mut ids = Vec::new();
    for i in 0..6 {
        ids.push(
            alice.status(&format!("pin me {i}")).await["id"]
                .as_str()
                .expect("id")
                .to_string(),
        );
    }
    let pinned = alice
        .post(&format!("/api/v1/statuses/{}/pin", ids[0]), json!({}))
        .await;
    assert_eq!(pinned["pinned"], json!(true));
    let listed = bob
        .get(&format!(
            "/api/v1/accounts/{}/statuses?pinned=true",
            alice.id
        ))
        .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["id"], json!(ids[0]));
    let (_, actor) = fetch_ap(&alice.actor_url).await;
    let (status, featured) = fetch_ap(actor["featured"].as_str().expect("featured")).await;
    assert_eq!(status, 200);
    assert_eq!(
        featured["orderedItems"][0]["content"],
        json!("<p>pin me 0</p>")
    );

    // Only one's own statuses, and at most five.
    let own = bob.status("not alice's").await;
    let (status, _) = alice
        .request(
            Method::POST,
            &format!("/api/v1/statuses/{}/pin", own["id"].as_str().expect("id")),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 422);
    for id in &ids[1..5] {
        alice
            .post(&format!("/api/v1/statuses/{id}/pin"), json!({}))
            .await;
    }
    let (status, _) = alice
        .request(
            Method::POST,
            &format!("/api/v1/statuses/{}/pin", ids[5]),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 422);
    alice
        .post(&format!("/api/v1/statuses/{}/unpin", ids[0]), json!({}))
        .await;
    let listed = alice
        .get(&format!(
            "/api/v1/accounts/{}/statuses?pinned=true",
            alice.id
        ))
        .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(4));
}

on_both_backends!(
    grouped_notifications_and_unread_counts,
    grouped_notifications
);
async fn grouped_notifications(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let bob = uni.member("bob").await;
    let carol = uni.member("carol").await;
    let dave = uni.member("dave").await;

    let post = alice.status("Grouping test").await;
    let id = post["id"].as_str().expect("id").to_string();
    bob.post(&format!("/api/v1/statuses/{id}/favourite"), json!({}))
        .await;
    carol
        .post(&format!("/api/v1/statuses/{id}/favourite"), json!({}))
        .await;
    dave.post(&format!("/api/v1/accounts/{}/follow", alice.id), json!({}))
        .await;
    carol.status("@alice see you at the reunion").await;

    let grouped = alice.get("/api/v2/notifications").await;
    let groups = grouped["notification_groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 3, "{grouped}");
    let favourites = groups
        .iter()
        .find(|g| g["type"] == "favourite")
        .expect("favourite group");
    assert_eq!(favourites["notifications_count"], 2);
    assert_eq!(favourites["status_id"], json!(id));
    assert_eq!(
        favourites["sample_account_ids"],
        json!([carol.id, bob.id]),
        "most recent first"
    );
    let mention = groups.iter().find(|g| g["type"] == "mention").expect("m");
    assert!(mention["group_key"]
        .as_str()
        .expect("key")
        .starts_with("ungrouped-"));
    assert_eq!(groups[0]["type"], "mention", "newest group first");
    let accounts = grouped["accounts"].as_array().expect("accounts");
    assert_eq!(accounts.len(), 3, "bob, carol and dave once each");
    assert!(grouped["statuses"]
        .as_array()
        .expect("statuses")
        .iter()
        .any(|s| s["id"] == json!(id)));

    // Only the types a client can show grouped are grouped.
    let follows_only = alice
        .get("/api/v2/notifications?grouped_types[]=follow")
        .await;
    assert_eq!(
        follows_only["notification_groups"]
            .as_array()
            .expect("groups")
            .len(),
        4
    );

    let key = favourites["group_key"].as_str().expect("key").to_string();
    let one = alice.get(&format!("/api/v2/notifications/{key}")).await;
    assert_eq!(one["notification_groups"][0]["notifications_count"], 2);
    let who = alice
        .get(&format!("/api/v2/notifications/{key}/accounts"))
        .await;
    assert_eq!(who.as_array().expect("accounts").len(), 2);
    let (status, _) = alice
        .request(Method::GET, "/api/v2/notifications/favourite-x-y", None)
        .await;
    assert_eq!(status, reqwest::StatusCode::NOT_FOUND);

    // Unread counts follow the notifications marker.
    let v1 = alice.get("/api/v1/notifications/unread_count").await;
    assert_eq!(v1["count"], 4);
    let v2 = alice.get("/api/v2/notifications/unread_count").await;
    assert_eq!(v2["count"], 3);
    let newest = grouped["notification_groups"][0]["page_max_id"].clone();
    alice
        .post(
            "/api/v1/markers",
            json!({ "notifications": { "last_read_id": newest } }),
        )
        .await;
    let v1 = alice.get("/api/v1/notifications/unread_count").await;
    assert_eq!(v1["count"], 0);

    // Dismissing a group dismisses all of it.
    alice
        .post(&format!("/api/v2/notifications/{key}/dismiss"), json!({}))
        .await;
    let left = alice.notifications().await;
    assert!(left.iter().all(|n| n["type"] != "favourite"), "{left:?}");
    assert_eq!(left.len(), 2);
}

on_both_backends!(
    a_thread_context_is_kept_for_each_reader_only_until_the_next_write,
    kept_context
);
async fn kept_context(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let bob = uni.member("bob").await;
    let root = alice.status("Which seminar should I take?").await;
    let root_id = root["id"].as_str().expect("id").to_string();
    let reply = |text: &'static str| json!({ "status": text, "in_reply_to_id": root_id });
    let answer = bob
        .post("/api/v1/statuses", reply("Take the data one"))
        .await;
    let answer_id = answer["id"].as_str().expect("id").to_string();
    let path = format!("/api/v1/statuses/{root_id}/context");
    let url = format!("{}{path}", uni.base);
    let (status, first) = get_json(&url).await;
    assert_eq!(status, 200);
    assert_eq!(first["descendants"].as_array().map(Vec::len), Some(1));
    assert_eq!(get_json(&url).await.1, first);

    // A favourite changes the count for everyone and `favourited` for its giver alone.
    alice
        .post(
            &format!("/api/v1/statuses/{answer_id}/favourite"),
            json!({}),
        )
        .await;
    // Signed-in readers see it at once; anonymous ones may get the answer from before the
    // write while the new one renders.
    assert_eq!(
        alice.get(&path).await["descendants"][0]["favourites_count"],
        1
    );
    let u = url.clone();
    tsunagu_tests::eventually("anonymous readers see the favourite", || {
        let u = u.clone();
        async move {
            let seen = get_json(&u).await.1;
            (seen["descendants"][0]["favourites_count"] == 1).then_some(())
        }
    })
    .await;
    assert_eq!(alice.get(&path).await["descendants"][0]["favourited"], true);
    assert_eq!(bob.get(&path).await["descendants"][0]["favourited"], false);
    assert_eq!(alice.get(&path).await["descendants"][0]["favourited"], true);

    // A reply written through another process of the same database shows here too.
    let other = uni.second_process().await;
    let res = http()
        .post(format!("http://{}/api/v1/statuses", other.local_addr))
        .bearer_auth(&bob.token)
        .json(&reply("Or the writing one"))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 200);
    let alice_ = alice.clone();
    let p = path.clone();
    tsunagu_tests::eventually("the other process's reply shows", || {
        let (alice, p) = (alice_.clone(), p.clone());
        async move {
            let seen = alice.get(&p).await;
            (seen["descendants"].as_array().map(Vec::len) == Some(2)).then_some(())
        }
    })
    .await;
    other.stop().await;

    // A deleted reply goes at once.
    bob.request(
        Method::DELETE,
        &format!("/api/v1/statuses/{answer_id}"),
        None,
    )
    .await;
    let after = alice.get(&path).await;
    let left: Vec<&Value> = after["descendants"]
        .as_array()
        .expect("list")
        .iter()
        .collect();
    assert_eq!(left.len(), 1, "{after}");
    assert_ne!(left[0]["id"], json!(answer_id));
}
