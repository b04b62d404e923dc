//! Career offers: threads of the careers board with structured facts, listed until they
//! expire or are closed, followed from another instance.

use serde_json::json;
use tsunagu_tests::{on_both_backends, Backend, Browser, TestInstance};

on_both_backends!(
    career_offers_are_listed_until_they_expire_and_reach_followers,
    careers
);
async fn careers(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let carol = uni.member("carol").await;
    let bob = corp.member("bob").await;
    let soon = (chrono::Utc::now().date_naive() + chrono::Duration::days(10)).to_string();

    for bad in [
        json!({ "kind": "gig", "title": "T", "company": "C" }),
        json!({ "kind": "job", "title": "T", "company": "" }),
        json!({ "kind": "job", "title": "T", "company": "C", "deadline": "2001-01-01" }),
        json!({ "kind": "job", "title": "T", "company": "C", "deadline": "next week" }),
    ] {
        let (status, _) = alice
            .request(
                reqwest::Method::POST,
                "/api/v1/tsunagu/careers",
                Some(bad.clone()),
            )
            .await;
        assert_eq!(status, 422, "{bad}");
    }
    let job = alice
        .post(
            "/api/v1/tsunagu/careers",
            json!({ "kind": "job", "title": "Port operations engineer", "company": "Kobe Port",
                    "place": "Kobe", "deadline": soon, "body": "Graduates of any year welcome." }),
        )
        .await;
    assert_eq!(job["company"], "Kobe Port");
    assert_eq!(job["deadline"], soon.as_str());
    let content = job["status"]["content"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        content.contains("Kobe Port") && content.contains(&soon),
        "{content}"
    );

    // Bob (on corp) follows the careers board and gets the next offer with its facts.
    bob.follow(&format!("careers@{}", uni.domain)).await;
    let visit = alice
        .post(
            "/api/v1/tsunagu/careers",
            json!({ "kind": "visit", "title": "Shipyard tour", "company": "Kawasaki Yard", "body": "Saturday morning." }),
        )
        .await;
    let seen = bob.wait_in_home(visit["uri"].as_str().expect("uri")).await;
    assert!(
        seen["content"]
            .as_str()
            .unwrap_or_default()
            .contains("Kawasaki Yard"),
        "{seen}"
    );

    let all = alice.get("/api/v1/tsunagu/careers").await;
    assert_eq!(all.as_array().map(Vec::len), Some(2));
    let visits = alice.get("/api/v1/tsunagu/careers?kind=visit").await;
    assert_eq!(visits[0]["title"], "Shipyard tour");
    let (status, _) = alice
        .request(
            reqwest::Method::GET,
            "/api/v1/tsunagu/careers?kind=gig",
            None,
        )
        .await;
    assert_eq!(status, 422);

    // Closed (by its author; nobody else) it leaves the listing, not the history.
    let id = job["id"].as_str().expect("id");
    let (status, _) = carol
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/tsunagu/careers/{id}/close"),
            None,
        )
        .await;
    assert_eq!(status, 403);
    alice
        .post(&format!("/api/v1/tsunagu/careers/{id}/close"), json!({}))
        .await;
    let listed = alice.get("/api/v1/tsunagu/careers").await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    let history = alice.get("/api/v1/tsunagu/careers?expired=true").await;
    assert_eq!(history.as_array().map(Vec::len), Some(2));

    // The site lists and takes offers.
    let site = Browser::new(&uni.base, "ja");
    let page = site.get("/careers").await;
    assert!(page.body.contains("Shipyard tour") && !page.body.contains("Port operations engineer"));
    site.sign_in("carol").await;
    let form = site.get("/careers/new").await;
    let done = site
        .post(
            "/careers/new",
            &[
                ("form_token", &form.form_token()),
                ("kind", "internship"),
                ("title", "夏のインターン"),
                ("company", "神戸港湾"),
                ("place", ""),
                ("deadline", ""),
                ("body", "学生歓迎"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let page = site.get("/careers?kind=internship").await;
    assert!(page.body.contains("夏のインターン"), "{}", page.body);
}
