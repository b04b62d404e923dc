//! Articles (alumni blogs): written here, read on another Tsunagu instance as articles, and
//! by a Mastodon-shaped peer as an `Article` with its title, lead and link.

use serde_json::{json, Value};
use tsunagu_tests::stub::StubPeer;
use tsunagu_tests::{eventually, on_both_backends, Backend, Browser, TestInstance};

on_both_backends!(articles_federate_with_title_lead_and_link, articles);
async fn articles(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let bob = corp.member("bob").await;
    bob.follow(&alice.handle).await;
    let masto = StubPeer::start("mastodon").await;
    let felix = masto.add_person("felix");
    let follow = json!({ "@context": "https://www.w3.org/ns/activitystreams",
        "id": masto.url("/follows/1"), "type": "Follow", "actor": felix, "object": alice.actor_url });
    assert_eq!(
        masto
            .send(&format!("{}/inbox", alice.actor_url), &follow)
            .await,
        202
    );
    masto
        .wait_for("alice accepts", |a| a["type"] == "Accept")
        .await;

    // Bad input changes nothing.
    let (status, _) = alice
        .request(
            reqwest::Method::POST,
            "/api/v1/tsunagu/articles",
            Some(json!({ "title": "", "body": "x" })),
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = alice
        .request(
            reqwest::Method::POST,
            "/api/v1/tsunagu/articles",
            Some(json!({ "title": "T" })),
        )
        .await;
    assert_eq!(status, 422);

    let article = alice
        .post(
            "/api/v1/tsunagu/articles",
            json!({
                "title": "Ten years in port logistics",
                "summary": "What I learned after graduating from the marine faculty.",
                "body": "## Beginnings\n\nI joined **Kobe Port** in 2016.",
                "tags": ["career", "logistics"],
            }),
        )
        .await;
    let id = article["id"].as_str().expect("id").to_string();
    let url = article["url"].as_str().expect("url").to_string();
    assert_eq!(url, format!("{}/articles/{id}", uni.base));
    assert_eq!(article["title"], "Ten years in port logistics");
    assert!(article["content"]
        .as_str()
        .unwrap_or_default()
        .contains("<strong>Kobe Port</strong>"));
    let listed = alice.get("/api/v1/tsunagu/articles").await;
    assert_eq!(listed[0]["id"], id.as_str());
    let mine = alice
        .get(&format!("/api/v1/tsunagu/accounts/{}/articles", alice.id))
        .await;
    assert_eq!(mine.as_array().map(Vec::len), Some(1));

    // Mastodon gets an Article: title, lead, body and the page's address.
    let create = masto
        .wait_for("the article", |a| {
            a["type"] == "Create" && a["object"]["type"] == "Article"
        })
        .await;
    let object = &create["object"];
    assert_eq!(object["name"], "Ten years in port logistics");
    assert_eq!(
        object["summary"],
        "What I learned after graduating from the marine faculty."
    );
    assert_eq!(object["url"], url.as_str());
    assert!(object["content"]
        .as_str()
        .unwrap_or_default()
        .contains("Beginnings"));
    assert!(
        !object["content"]
            .as_str()
            .unwrap_or_default()
            .contains("Ten years"),
        "the title is not repeated in the body"
    );

    // Another Tsunagu instance lists it among Alice's articles.
    let alice_there = bob.resolve(&alice.handle).await["id"]
        .as_str()
        .expect("id")
        .to_string();
    let theirs: Value = eventually("corp to have the article", || {
        let (bob, path) = (
            bob.clone(),
            format!("/api/v1/tsunagu/accounts/{alice_there}/articles"),
        );
        async move {
            let list = bob.get(&path).await;
            (list.as_array().map(Vec::len) == Some(1)).then_some(list)
        }
    })
    .await;
    assert_eq!(theirs[0]["title"], "Ten years in port logistics");
    assert_eq!(
        theirs[0]["summary"],
        "What I learned after graduating from the marine faculty."
    );
    assert!(
        corp_local_list_is_empty(&bob).await,
        "corp's own list holds its own articles only"
    );

    // The page that `url` opens, for anyone.
    let visitor = Browser::new(&uni.base, "en");
    let page = visitor.get(&format!("/articles/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("<h1>Ten years in port logistics</h1>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("What I learned"));
    let list = visitor.get("/articles?author=alice").await;
    assert!(list.body.contains(&format!("/articles/{id}")));
    assert_eq!(visitor.get("/articles/999999").await.status, 404);

    // Written on the site.
    let site = Browser::new(&uni.base, "ja");
    site.sign_in("alice").await;
    let form = site.get("/articles/new").await;
    let done = site
        .post(
            "/articles/new",
            &[
                ("form_token", &form.form_token()),
                ("title", "同窓会のお知らせ"),
                ("summary", "今年も集まります。"),
                ("body", "詳しくは **掲示板** で。"),
                ("tags", "同窓会"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let page = site.get(&done.location()).await;
    assert!(page.body.contains("同窓会のお知らせ"));
}

async fn corp_local_list_is_empty(bob: &tsunagu_tests::Member) -> bool {
    bob.get("/api/v1/tsunagu/articles")
        .await
        .as_array()
        .is_some_and(Vec::is_empty)
}
