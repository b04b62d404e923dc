//! Fundraising campaigns: staff post one with a goal and a payment link, keep its progress,
//! and followers of the giving board elsewhere see each new figure.

use serde_json::json;
use tsunagu_tests::{eventually, on_both_backends, Backend, Browser, TestInstance};

on_both_backends!(
    campaigns_show_progress_here_and_on_another_instance,
    campaigns
);
async fn campaigns(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let office = uni.staff("office").await;
    let alice = uni.member("alice").await;
    let bob = corp.member("bob").await;
    let new = json!({ "title": "New boathouse", "body": "Help the rowing club.", "goal": 5000000,
                      "currency": "jpy", "payment_url": "https://give.example.ac.jp/boathouse" });
    let (status, _) = alice
        .request(
            reqwest::Method::POST,
            "/api/v1/tsunagu/campaigns",
            Some(new.clone()),
        )
        .await;
    assert_eq!(status, 403);
    for (key, bad) in [
        ("payment_url", json!("http://give.example/x")),
        ("goal", json!(0)),
        ("currency", json!("yens")),
    ] {
        let mut body = new.clone();
        body[key] = bad;
        let (status, _) = office
            .request(
                reqwest::Method::POST,
                "/api/v1/tsunagu/campaigns",
                Some(body),
            )
            .await;
        assert_eq!(status, 422, "{key}");
    }
    let first = office.post("/api/v1/tsunagu/campaigns", new.clone()).await;
    assert_eq!(first["currency"], "JPY");
    assert_eq!(first["raised"], 0);

    // Bob follows the giving board from corp; the next campaign and its progress reach him.
    bob.follow(&format!("giving@{}", uni.domain)).await;
    let mut second_body = new.clone();
    second_body["title"] = json!("Scholarship fund");
    let second = office.post("/api/v1/tsunagu/campaigns", second_body).await;
    let uri = second["uri"].as_str().expect("uri").to_string();
    let seen = bob.wait_in_home(&uri).await;
    assert!(
        seen["content"]
            .as_str()
            .unwrap_or_default()
            .contains("JPY 0 / JPY 5000000"),
        "{seen}"
    );
    let id = second["id"].as_str().expect("id").to_string();
    let (status, _) = alice
        .request(
            reqwest::Method::PUT,
            &format!("/api/v1/tsunagu/campaigns/{id}"),
            Some(json!({ "raised": 10 })),
        )
        .await;
    assert_eq!(status, 403);
    let updated = office
        .request(
            reqwest::Method::PUT,
            &format!("/api/v1/tsunagu/campaigns/{id}"),
            Some(json!({ "raised": 1250000 })),
        )
        .await
        .1;
    assert_eq!(updated["raised"], 1250000);
    assert_eq!(updated["progress"], 0.25);
    let status_id = seen["id"].as_str().expect("id").to_string();
    eventually("corp to see the new figure", || {
        let (bob, path) = (bob.clone(), format!("/api/v1/statuses/{status_id}"));
        async move {
            let s = bob.get(&path).await;
            s["content"]
                .as_str()
                .unwrap_or_default()
                .contains("JPY 1250000 / JPY 5000000 (25%)")
                .then_some(())
        }
    })
    .await;
    let list = alice.get("/api/v1/tsunagu/campaigns").await;
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    // A campaign the board's moderators removed is no longer listed.
    let removable = office.post("/api/v1/tsunagu/campaigns", new.clone()).await;
    office
        .post(
            "/api/v1/tsunagu/boards/giving/moderators",
            json!({ "account_id": office.id }),
        )
        .await;
    office
        .post(
            &format!(
                "/api/v1/tsunagu/statuses/{}/remove",
                removable["id"].as_str().expect("id")
            ),
            json!({ "reason": "posted twice" }),
        )
        .await;
    let list = alice.get("/api/v1/tsunagu/campaigns").await;
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");

    // The site shows the progress and the way to give; staff update it there.
    let site = Browser::new(&uni.base, "en");
    let page = site.get("/campaigns").await;
    assert!(page.body.contains("https://give.example.ac.jp/boathouse"));
    assert!(page.body.contains("<progress"));
    site.sign_in("office").await;
    let page = site.get("/campaigns").await;
    let done = site
        .post(
            &format!("/campaigns/{id}"),
            &[("form_token", &page.form_token()), ("raised", "2500000")],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let list = alice.get("/api/v1/tsunagu/campaigns").await;
    assert!(list
        .as_array()
        .expect("list")
        .iter()
        .any(|c| c["raised"] == 2500000));
}
