//! Surveys: staff create them, members answer once, results and CSV for staff, aggregate
//! results for members only when allowed, anonymity kept.

use serde_json::{json, Value};
use tsunagu_tests::{http, on_both_backends, Backend, Browser, TestInstance};

on_both_backends!(staff_run_surveys_members_answer_once, surveys);
async fn surveys(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let office = uni.staff("office").await;
    let alice = uni.member("alice").await;
    let bob = uni.member("bob").await;
    let questions = json!([
        { "kind": "single", "text": "Which campus?", "options": ["Rokko", "Fukae"] },
        { "kind": "multiple", "text": "Which events interest you?", "options": ["Homecoming", "Career talks", "Sports day"] },
        { "kind": "text", "text": "Anything else?" },
        { "kind": "scale", "text": "How likely are you to attend?", "min": 1, "max": 5 },
    ]);
    // Only staff create; bad questions change nothing.
    let (status, _) = alice
        .request(
            reqwest::Method::POST,
            "/api/v1/tsunagu/surveys",
            Some(json!({ "title": "X", "questions": questions })),
        )
        .await;
    assert_eq!(status, 403);
    for bad in [
        json!([{ "kind": "single", "text": "One option", "options": ["Only"] }]),
        json!([{ "kind": "scale", "text": "Upside down", "min": 5, "max": 1 }]),
        json!([{ "kind": "essay", "text": "?" }]),
        json!([]),
    ] {
        let (status, _) = office
            .request(
                reqwest::Method::POST,
                "/api/v1/tsunagu/surveys",
                Some(json!({ "title": "Bad", "questions": bad })),
            )
            .await;
        assert_eq!(status, 422, "{bad}");
    }
    let survey = office
        .post(
            "/api/v1/tsunagu/surveys",
            json!({ "title": "Homecoming 2027", "description": "Help us plan.", "questions": questions, "results_public": true }),
        )
        .await;
    let id = survey["id"].as_str().expect("id").to_string();
    assert_eq!(survey["questions"][3]["id"], "4");
    assert_eq!(survey["questions"][1]["options"][2], "Sports day");
    let listed = alice.get("/api/v1/tsunagu/surveys").await;
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["answered"], false);

    let respond = |m: tsunagu_tests::Member, answers: Value| {
        let path = format!("/api/v1/tsunagu/surveys/{id}/responses");
        async move {
            m.request(
                reqwest::Method::POST,
                &path,
                Some(json!({ "answers": answers })),
            )
            .await
            .0
        }
    };
    for bad in [
        json!([{ "question_id": 1, "choices": [0, 1] }]),
        json!([{ "question_id": 9, "choices": [0] }]),
        json!([{ "question_id": 4, "value": 6 }]),
        json!([{ "question_id": 2, "choices": [3] }]),
        json!([]),
    ] {
        assert_eq!(respond(alice.clone(), bad.clone()).await, 422, "{bad}");
    }
    let full = json!([
        { "question_id": 1, "choices": [0] },
        { "question_id": 2, "choices": [0, 1] },
        { "question_id": 3, "text": "More food, please" },
        { "question_id": 4, "value": 5 },
    ]);
    assert_eq!(respond(alice.clone(), full.clone()).await, 200);
    assert_eq!(respond(alice.clone(), full).await, 422, "once only");
    assert_eq!(
        respond(
            bob.clone(),
            json!([{ "question_id": 1, "choices": [1] }, { "question_id": 4, "value": 2 }])
        )
        .await,
        200
    );
    assert_eq!(
        alice.get(&format!("/api/v1/tsunagu/surveys/{id}")).await["answered"],
        true
    );

    let results = office
        .get(&format!("/api/v1/tsunagu/surveys/{id}/results"))
        .await;
    assert_eq!(results["responses_count"], 2);
    assert_eq!(results["questions"][0]["counts"], json!([1, 1]));
    assert_eq!(results["questions"][1]["counts"], json!([1, 1, 0]));
    assert_eq!(
        results["questions"][2]["texts"],
        json!(["More food, please"])
    );
    assert_eq!(results["questions"][3]["average"], 3.5);
    // Members see the aggregate, never the free text.
    let seen = alice
        .get(&format!("/api/v1/tsunagu/surveys/{id}/results"))
        .await;
    assert_eq!(seen["questions"][0]["counts"], json!([1, 1]));
    assert!(seen["questions"][2].get("texts").is_none(), "{seen}");
    let csv = http()
        .get(format!(
            "{}/api/v1/tsunagu/surveys/{id}/results.csv",
            uni.base
        ))
        .bearer_auth(&office.token)
        .send()
        .await
        .expect("csv");
    assert!(csv.headers()["content-type"]
        .to_str()
        .unwrap_or_default()
        .starts_with("text/csv"));
    let csv = csv.text().await.expect("text");
    assert!(
        csv.starts_with("response,respondent,submitted_at,Which campus?,"),
        "{csv}"
    );
    assert!(
        csv.contains(",alice,")
            && csv.contains("Homecoming; Career talks")
            && csv.contains("More food, please"),
        "{csv}"
    );
    let (status, _) = alice
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/tsunagu/surveys/{id}/results.csv"),
            None,
        )
        .await;
    assert_eq!(status, 403);

    // An anonymous survey whose results are for staff only.
    let private = office
        .post(
            "/api/v1/tsunagu/surveys",
            json!({ "title": "Salaries", "anonymous": true, "questions": [{ "kind": "scale", "text": "Satisfaction", "min": 0, "max": 10 }] }),
        )
        .await;
    let pid = private["id"].as_str().expect("id").to_string();
    let (status, _) = alice
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/tsunagu/surveys/{pid}/responses"),
            Some(json!({ "answers": [{ "question_id": 1, "value": 7 }] })),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = alice
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/tsunagu/surveys/{pid}/results"),
            None,
        )
        .await;
    assert_eq!(status, 403);
    let csv = http()
        .get(format!(
            "{}/api/v1/tsunagu/surveys/{pid}/results.csv",
            uni.base
        ))
        .bearer_auth(&office.token)
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    assert!(!csv.contains("alice"), "anonymous: {csv}");
    assert!(csv.contains(",7"), "{csv}");

    // On the site: a member answers the form; the results show when allowed.
    let carol = uni.member("carol").await;
    let _ = carol;
    let site = Browser::new(&uni.base, "en");
    site.sign_in("carol").await;
    let list = site.get("/surveys").await;
    assert!(list.body.contains("Homecoming 2027"));
    let form = site.get(&format!("/surveys/{id}")).await;
    assert_eq!(form.status, 200);
    let done = site
        .post(
            &format!("/surveys/{id}"),
            &[
                ("form_token", &form.form_token()),
                ("q1", "1"),
                ("q2", "2"),
                ("q3", ""),
                ("q4", "4"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let after = site.get(&format!("/surveys/{id}")).await;
    assert!(
        after.body.contains("3 responses") || after.body.contains("responses: 3"),
        "{}",
        after.body
    );
    let results = office
        .get(&format!("/api/v1/tsunagu/surveys/{id}/results"))
        .await;
    assert_eq!(results["questions"][1]["counts"], json!([1, 1, 1]));
}

on_both_backends!(
    staff_create_surveys_on_the_site_and_one_question_goes_out_as_a_poll,
    survey_poll
);
async fn survey_poll(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let office = uni.staff("office").await;
    let alice = uni.member("alice").await;
    let bob = corp.member("bob").await;
    bob.follow(&format!("office@{}", uni.domain)).await;

    // Only one choice question goes out as a poll.
    let (status, _) = office
        .request(
            reqwest::Method::POST,
            "/api/v1/tsunagu/surveys",
            Some(json!({ "title": "Two", "as_poll": true, "questions": [
                { "kind": "single", "text": "A?", "options": ["x", "y"] },
                { "kind": "text", "text": "B?" },
            ] })),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(office.get("/api/v1/tsunagu/surveys").await, json!([]));

    // Staff write it on the site; the poll reaches Bob on the other instance, who votes.
    let site = Browser::new(&uni.base, "en");
    site.sign_in("office").await;
    let form = site.get("/surveys/new").await;
    let bad = site
        .post(
            "/surveys/new",
            &[
                ("form_token", &form.form_token()),
                ("title", "Reunion venue"),
                ("questions", "Where should we meet?"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    let done = site
        .post(
            "/surveys/new",
            &[
                ("form_token", &form.form_token()),
                ("title", "Reunion venue"),
                ("description", ""),
                (
                    "questions",
                    "? single: Where should we meet?\n- Kobe\n- Osaka\n",
                ),
                ("closes_in_days", "7"),
                ("results_public", "true"),
                ("as_poll", "true"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let survey = &office.get("/api/v1/tsunagu/surveys").await[0];
    let id = survey["id"].as_str().expect("id").to_string();
    let status_id = survey["poll_status_id"].as_str().expect("poll").to_string();
    let poll_status = office.get(&format!("/api/v1/statuses/{status_id}")).await;
    let seen = bob
        .wait_in_home(poll_status["uri"].as_str().expect("uri"))
        .await;
    assert_eq!(seen["poll"]["options"][1]["title"], "Osaka");
    bob.post(
        &format!(
            "/api/v1/polls/{}/votes",
            seen["poll"]["id"].as_str().expect("poll")
        ),
        json!({ "choices": [1] }),
    )
    .await;
    // Alice answers on the site's survey; both count.
    alice
        .post(
            &format!("/api/v1/tsunagu/surveys/{id}/responses"),
            json!({ "answers": [{ "question_id": 1, "choices": [0] }] }),
        )
        .await;
    tsunagu_tests::eventually("Bob's vote counts in the results", || {
        let (office, id) = (office.clone(), id.clone());
        async move {
            let r = office
                .get(&format!("/api/v1/tsunagu/surveys/{id}/results"))
                .await;
            (r["responses_count"] == 2).then_some(r)
        }
    })
    .await;
    let results = office
        .get(&format!("/api/v1/tsunagu/surveys/{id}/results"))
        .await;
    assert_eq!(
        results["questions"][0]["counts"],
        json!([1, 1]),
        "{results}"
    );
}
