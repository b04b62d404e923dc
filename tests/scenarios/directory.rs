//! The member directory: Mastodon's `GET /api/v1/directory` with the alumni filters, each
//! field filtering only for viewers allowed to see it, members elsewhere found by their public
//! alumni fields.

use reqwest::StatusCode;
use serde_json::{json, Value};
use tsunagu_tests::{http, on_both_backends, Backend, Browser, Member, TestInstance};

async fn profile(m: &Member, fields: Value) {
    let (status, body) = m
        .request(
            reqwest::Method::PUT,
            "/api/v1/tsunagu/profile",
            Some(json!({ "fields": fields })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

/// The usernames (`acct`) a directory search answers, in order.
async fn names(base: &str, token: Option<&str>, query: &str) -> Vec<String> {
    let mut req = http().get(format!("{base}/api/v1/directory?{query}"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.expect("directory");
    assert_eq!(res.status(), 200, "{query}");
    let body: Value = res.json().await.expect("json");
    body.as_array()
        .expect("list")
        .iter()
        .map(|a| a["acct"].as_str().unwrap_or_default().to_string())
        .collect()
}

on_both_backends!(
    the_directory_filters_by_alumni_fields_as_far_as_the_viewer_sees,
    directory
);
async fn directory(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let office = uni.staff("office").await;
    let alice = uni.member("alice").await;
    let bob = uni.member("bob").await;
    let dave = corp.member("dave").await;
    profile(
        &alice,
        json!([
            { "field": "graduation_year", "value": "2018", "visibility": "public" },
            { "field": "department", "value": "Marine Engineering", "visibility": "local" },
            { "field": "industry", "value": "Logistics", "visibility": "hidden" },
        ]),
    )
    .await;
    profile(
        &bob,
        json!([
            { "field": "graduation_year", "value": "2019", "visibility": "public" },
            { "field": "skills", "value": "Rust, Go", "visibility": "federated" },
            { "field": "mentoring", "value": "Happy to mentor first-years", "visibility": "public" },
        ]),
    )
    .await;
    profile(
        &dave,
        json!([
            { "field": "graduation_year", "value": "2018", "visibility": "public" },
            { "field": "employer", "value": "Kobe Port 100%", "visibility": "public" },
        ]),
    )
    .await;
    // Someone still waiting for approval is not listed.
    tsunagu_service::accounts::create_member(
        uni.ctx(),
        tsunagu_service::accounts::NewMember {
            username: "waiting".into(),
            email: "waiting@example.org".into(),
            password: "correct horse battery".into(),
            role: tsunagu_service::accounts::Role::Alumnus,
            display_name: None,
            admission: tsunagu_service::accounts::Admission {
                approved: false,
                ..Default::default()
            },
        },
    )
    .await
    .expect("pending member");
    // Dave's server states his public fields on his actor; Uni learns them.
    alice.resolve(&dave.handle).await;

    let base = &uni.base;
    let (member, staff) = (Some(alice.token.as_str()), Some(office.token.as_str()));
    let dave_acct = dave.handle.clone();

    let mut year = names(base, None, "graduation_year=2018").await;
    year.sort();
    assert_eq!(year, vec!["alice".to_string(), dave_acct.clone()]);
    assert_eq!(
        names(base, None, "graduation_year=2018&local=true").await,
        vec!["alice"]
    );
    assert_eq!(
        names(base, None, "employer=port%20100%25").await,
        vec![dave_acct.clone()]
    );
    assert!(
        names(base, None, "employer=port%20100_").await.is_empty(),
        "_ is not a wildcard"
    );

    // A members-only field filters for members, not for visitors.
    assert!(names(base, None, "department=marine").await.is_empty());
    assert_eq!(
        names(base, member, "department=marine").await,
        vec!["alice"]
    );
    // A hidden field filters for staff alone.
    assert!(names(base, member, "industry=logistics").await.is_empty());
    assert_eq!(
        names(base, staff, "industry=logistics").await,
        vec!["alice"]
    );
    // Federated fields are for signed-in members.
    assert!(names(base, None, "skills=rust").await.is_empty());
    assert_eq!(names(base, member, "skills=rust").await, vec!["bob"]);
    assert_eq!(names(base, None, "mentoring=true").await, vec!["bob"]);
    assert_eq!(names(base, None, "q=first-years").await, vec!["bob"]);
    assert_eq!(names(base, None, "q=ALI&local=true").await, vec!["alice"]);
    assert!(names(base, None, "q=logistics").await.is_empty());

    // Everyone active here, newest first, in pages; nobody waiting.
    let all = names(base, None, "local=true&order=new").await;
    assert_eq!(all, vec!["bob", "alice", "office"]);
    assert_eq!(
        names(base, None, "local=true&order=new&limit=1&offset=1").await,
        vec!["alice"]
    );
    // Active: the latest poster first.
    alice.status("Back from the reunion").await;
    assert_eq!(names(base, None, "local=true").await[0], "alice");

    // The site's directory page filters the same way.
    let visitor = Browser::new(base, "en");
    let page = visitor.get("/directory?department=marine").await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("/users/alice"), "{}", page.body);
    let signed_in = Browser::new(base, "ja");
    signed_in.sign_in("alice").await;
    let page = signed_in.get("/directory?department=marine").await;
    assert!(page.body.contains("/users/alice"), "{}", page.body);
    assert!(page.body.contains("Marine Engineering"));
    let page = visitor.get("/directory?mentoring=on").await;
    assert!(page.body.contains("/users/bob") && !page.body.contains("/users/alice"));

    // A server staff silence or suspend: its people leave the directory.
    office
        .post(
            "/api/v1/admin/domain_blocks",
            json!({ "domain": corp.domain, "severity": "silence" }),
        )
        .await;
    assert_eq!(
        names(base, None, "graduation_year=2018").await,
        vec!["alice"]
    );
    assert!(names(base, member, "employer=port").await.is_empty());

    for bad in ["order=random", "graduation_year=soon"] {
        let res = http()
            .get(format!("{base}/api/v1/directory?{bad}"))
            .send()
            .await
            .expect("directory");
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
}
