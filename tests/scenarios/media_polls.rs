//! Media attachments and polls: uploads checked by their content, attachments and polls
//! federated between two instances, votes from another server counted.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tsunagu_tests::{eventually, http, on_both_backends, tiny_png, Backend, Member, TestInstance};

on_both_backends!(media_uploads_checked_attached_and_federated, media);
async fn media(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let carol = uni.member("carol").await;
    let bob = corp.member("bob").await;
    bob.follow(&alice.handle).await;

    // An image, with alt text and a focal point; its size is read from the file.
    let (status, media) = alice
        .upload(
            tiny_png(),
            "dot.png",
            "image/png",
            &[("description", "A single dot"), ("focus", "0.5,-0.25")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{media}");
    assert_eq!(media["type"], "image");
    assert_eq!(media["description"], "A single dot");
    assert_eq!(media["meta"]["original"]["width"], 1);
    assert_eq!(media["meta"]["focus"]["x"], 0.5);
    assert_eq!(media["meta"]["focus"]["y"], -0.25);
    let url = media["url"].as_str().expect("url").to_string();

    // Browsers' boundaries have capitals (`----WebKitFormBoundary...`): they must be kept.
    let boundary = "----WebKitFormBoundaryAbCdEfGh12";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"d.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend(tiny_png());
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let res = http()
        .post(format!("{}/api/v2/media", uni.base))
        .bearer_auth(&alice.token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status(), StatusCode::OK);
    let browser_upload: Value = res.json().await.expect("json");
    // Only routes that take files accept bodies that large.
    let big = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(vec![0u8; 2 * 1024 * 1024]).file_name("x.bin"),
    );
    let res = http()
        .post(format!("{}/api/v1/statuses", uni.base))
        .bearer_auth(&alice.token)
        .multipart(big)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(url.starts_with(&uni.base), "{url}");
    let served = http().get(&url).send().await.expect("file");
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.bytes().await.expect("bytes").to_vec(), tiny_png());
    let id = media["id"].as_str().expect("id").to_string();

    // The description and focus can be changed before posting.
    let updated = alice
        .request(
            Method::PUT,
            &format!("/api/v1/media/{id}"),
            Some(json!({ "description": "One dot, centred", "focus": "0,0" })),
        )
        .await;
    assert_eq!(updated.0, StatusCode::OK, "{}", updated.1);
    assert_eq!(updated.1["description"], "One dot, centred");

    // Bad uploads are refused with a reason and store nothing.
    let text = b"this is not a picture".to_vec();
    let (status, body) = alice.upload(text, "fake.png", "image/png", &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"].as_str().unwrap_or("").contains("image"),
        "{body}"
    );
    let (status, _) = alice
        .upload(Vec::new(), "empty.png", "image/png", &[])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = alice
        .upload(tiny_png(), "dot.png", "image/png", &[("focus", "3,0")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let long = "x".repeat(1501);
    let (status, _) = alice
        .upload(
            tiny_png(),
            "dot.png",
            "image/png",
            &[("description", &long)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut huge = tiny_png();
    huge.resize(11 * 1024 * 1024, 0);
    let (status, _) = alice.upload(huge, "huge.png", "image/png", &[]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let stored = std::fs::read_dir(uni.db.media_dir())
        .expect("media dir")
        .count();
    assert_eq!(stored, 2, "only the good uploads are kept");
    let (status, _) = alice
        .request(Method::GET, "/api/v1/media/999999", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let res = http()
        .get(format!("{}/media/..%2Ftsunagu.db", uni.base))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Someone else's upload cannot be attached; nor can more than four.
    let (status, body) = carol
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(json!({ "status": "mine now", "media_ids": [id] })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = alice
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(json!({ "status": "many", "media_ids": [id, id, id, id, id] })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // A status with only an image needs no text.
    let posted = alice
        .post("/api/v1/statuses", json!({ "media_ids": [id] }))
        .await;
    assert_eq!(posted["media_attachments"][0]["id"], json!(id));
    assert_eq!(
        posted["media_attachments"][0]["description"],
        "One dot, centred"
    );
    alice.status("No picture here").await;
    let only_media = alice
        .get(&format!(
            "/api/v1/accounts/{}/statuses?only_media=true",
            alice.id
        ))
        .await;
    let listed: Vec<&Value> = only_media.as_array().expect("list").iter().collect();
    assert_eq!(listed.len(), 1, "{only_media}");
    assert_eq!(listed[0]["id"], posted["id"]);
    // Once on a status, an upload is not free to attach elsewhere.
    let (status, _) = alice
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(json!({ "status": "again", "media_ids": [id] })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Attached media are no longer shown or changed on their own...
    let (status, _) = alice
        .request(Method::GET, &format!("/api/v1/media/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The other instance shows the attachment, linked to its origin.
    let seen = bob.wait_in_home(posted["uri"].as_str().expect("uri")).await;
    let attachment = &seen["media_attachments"][0];
    assert_eq!(attachment["type"], "image");
    assert_eq!(attachment["remote_url"], json!(url));
    assert_eq!(attachment["url"], json!(url));
    assert_eq!(attachment["description"], "One dot, centred");
    assert_eq!(attachment["meta"]["original"]["width"], 1);

    // "Delete and redraft": the deleted status lets its media go to the new one.
    let deleted = alice
        .request(
            Method::DELETE,
            &format!("/api/v1/statuses/{}", posted["id"].as_str().expect("id")),
            None,
        )
        .await;
    assert_eq!(deleted.0, StatusCode::OK);
    assert_eq!(deleted.1["media_attachments"][0]["id"], json!(id));
    let redrafted = alice
        .post(
            "/api/v1/statuses",
            json!({ "status": "Redrafted", "media_ids": [id] }),
        )
        .await;
    assert_eq!(redrafted["media_attachments"][0]["id"], json!(id));

    // Camera metadata (EXIF, with its GPS position) is removed before the image is published.
    let exif = b"Exif\0\0GPS-SECRET-35.0,135.7";
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1];
    jpeg.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    jpeg.extend_from_slice(exif);
    jpeg.extend_from_slice(&[
        0xFF, 0xC0, 0x00, 0x11, 8, 0x00, 0x02, 0x00, 0x03, 3, 1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1,
    ]);
    jpeg.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x0C, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0]);
    jpeg.extend_from_slice(&[0x12, 0x34, 0x56, 0xFF, 0xD9]);
    let (status, photo) = alice
        .upload(jpeg.clone(), "photo.jpg", "image/jpeg", &[])
        .await;
    assert_eq!(status, StatusCode::OK, "{photo}");
    assert_eq!(photo["meta"]["original"]["width"], 3);
    assert_eq!(photo["meta"]["original"]["height"], 2);
    let served = http()
        .get(photo["url"].as_str().expect("url"))
        .send()
        .await
        .expect("photo")
        .bytes()
        .await
        .expect("bytes");
    assert!(
        !served.windows(6).any(|w| w == b"SECRET"),
        "EXIF was served"
    );
    assert!(
        served.ends_with(&[0x12, 0x34, 0x56, 0xFF, 0xD9]),
        "the image data is kept"
    );

    // Uploads left unused are removed after a while (here: at once); used ones stay.
    let removed = tsunagu_service::media::prune_unattached(uni.ctx(), chrono::Duration::zero())
        .await
        .expect("prune");
    assert_eq!(removed, 2, "the unused photo and the browser's upload");
    let gone = http()
        .get(browser_upload["url"].as_str().expect("url"))
        .send()
        .await
        .expect("get");
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let gone = http()
        .get(photo["url"].as_str().expect("url"))
        .send()
        .await
        .expect("get");
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let kept = http().get(&url).send().await.expect("get");
    assert_eq!(kept.status(), StatusCode::OK);
}

async fn vote(member: &Member, poll: &str, choices: Value) -> (StatusCode, Value) {
    let path = format!("/api/v1/polls/{poll}/votes");
    let body = json!({ "choices": choices });
    member.request(Method::POST, &path, Some(body)).await
}

/// A vote that must be accepted; returns the poll.
async fn voted_ok(member: &Member, poll: &str, choices: Value) -> Value {
    let (status, body) = vote(member, poll, choices).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

on_both_backends!(polls_voted_here_and_from_another_server, polls);
async fn polls(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let carol = uni.member("carol").await;
    let bob = corp.member("bob").await;
    bob.follow(&alice.handle).await;

    // Bad polls are refused.
    for poll in [
        json!({ "options": ["only one"], "expires_in": 3600 }),
        json!({ "options": ["a", "b", "c", "d", "e"], "expires_in": 3600 }),
        json!({ "options": ["a", "a"], "expires_in": 3600 }),
        json!({ "options": ["a", "b"], "expires_in": 10 }),
        json!({ "options": ["a", "x".repeat(51)], "expires_in": 3600 }),
    ] {
        let (status, body) = alice
            .request(
                Method::POST,
                "/api/v1/statuses",
                Some(json!({ "status": "Which?", "poll": poll })),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{poll}: {body}");
    }

    // A poll in the form encoding clients use (`poll[options][]`).
    let res = http()
        .post(format!("{}/api/v1/statuses", uni.base))
        .bearer_auth(&alice.token)
        .form(&[
            ("status", "Reunion in spring or autumn?"),
            ("poll[options][]", "Spring"),
            ("poll[options][]", "Autumn"),
            ("poll[expires_in]", "86400"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::OK);
    let status: Value = res.json().await.expect("json");
    let poll = &status["poll"];
    assert_eq!(poll["options"][0]["title"], "Spring");
    assert_eq!(poll["multiple"], false);
    assert_eq!(poll["voted"], true, "the author counts as having voted");
    let poll_id = poll["id"].as_str().expect("poll id").to_string();
    let status_id = status["id"].as_str().expect("id").to_string();
    let (own_vote, _) = vote(&alice, &poll_id, json!([0])).await;
    assert_eq!(
        own_vote,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no voting in one's own poll"
    );

    // A local vote.
    let voted = voted_ok(&carol, &poll_id, json!([1])).await;
    assert_eq!(voted["own_votes"], json!([1]));
    assert_eq!(voted["options"][1]["votes_count"], 1);
    assert_eq!(voted["voted"], true);
    for (choices, why) in [
        (json!([0]), "a second vote"),
        (json!([7]), "no such option"),
        (json!([]), "no choice"),
    ] {
        let (status, body) = vote(&carol, &poll_id, json!(choices)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{why}: {body}");
    }

    // The poll reaches the other server as a Question; a vote there comes back as a Note.
    let uri = status["uri"].as_str().expect("uri").to_string();
    let seen = bob.wait_in_home(&uri).await;
    assert_eq!(seen["poll"]["options"][1]["title"], "Autumn");
    assert_eq!(seen["poll"]["voted"], false);
    let remote_poll = seen["poll"]["id"].as_str().expect("poll").to_string();
    let (status, body) = vote(&bob, &remote_poll, json!([0, 1])).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "single choice: {body}"
    );
    let mine = voted_ok(&bob, &remote_poll, json!([0])).await;
    assert_eq!(mine["own_votes"], json!([0]));

    // The author's server counts it...
    let a = alice.clone();
    eventually("the remote vote is counted", || {
        let a = a.clone();
        let id = poll_id.clone();
        async move {
            let p = a.get(&format!("/api/v1/polls/{id}")).await;
            (p["votes_count"] == 2 && p["options"][0]["votes_count"] == 1).then_some(())
        }
    })
    .await;
    // ...and sends the counts back out, so the voter's server shows the local vote too.
    let b = bob.clone();
    eventually("the new counts reach the voter's server", || {
        let b = b.clone();
        let id = remote_poll.clone();
        async move {
            let p = b.get(&format!("/api/v1/polls/{id}")).await;
            (p["options"][1]["votes_count"] == 1 && p["options"][0]["votes_count"] == 1)
                .then_some(())
        }
    })
    .await;

    // A multiple-choice poll in JSON, with totals hidden until it ends.
    let multi = alice
        .post(
            "/api/v1/statuses",
            json!({
                "status": "Which events would you attend?",
                "poll": { "options": ["Talk", "Dinner", "Hike"], "expires_in": 3600,
                          "multiple": true, "hide_totals": true },
            }),
        )
        .await;
    let multi_id = multi["poll"]["id"].as_str().expect("id").to_string();
    let voted = voted_ok(&carol, &multi_id, json!(["0", "2"])).await;
    assert_eq!(voted["own_votes"], json!([0, 2]));
    assert_eq!(voted["options"][0]["votes_count"], Value::Null);
    let own = alice.get(&format!("/api/v1/polls/{multi_id}")).await;
    assert_eq!(
        own["options"][2]["votes_count"], 1,
        "the author sees counts"
    );
    assert_eq!(own["voters_count"], 1);

    // An ended poll takes no more votes.
    let pid: i64 = status_id.parse().expect("id");
    let mut row = uni
        .ctx()
        .db
        .read(move |c| tsunagu_db::queries::polls::find(c, pid))
        .await
        .expect("poll")
        .expect("row");
    row.expires_at = Some(tsunagu_db::now() - chrono::Duration::seconds(1));
    uni.ctx()
        .db
        .write(move |c| tsunagu_db::queries::polls::upsert(c, &row))
        .await
        .expect("expire");
    let dave = uni.member("dave").await;
    let (status, _) = vote(&dave, &poll_id, json!([0])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let ended = dave.get(&format!("/api/v1/polls/{poll_id}")).await;
    assert_eq!(ended["expired"], true);

    // Voters and the author hear that it ended, here and, for bob, on his own server once
    // the final counts reach it.
    for member in [&alice, &carol, &bob] {
        let m = member.clone();
        let uri = json!(uri);
        eventually(&format!("{} is told the poll ended", member.handle), || {
            let m = m.clone();
            let uri = uri.clone();
            async move {
                m.notifications()
                    .await
                    .iter()
                    .any(|n| n["type"] == "poll" && n["status"]["uri"] == uri)
                    .then_some(())
            }
        })
        .await;
    }
    assert_eq!(
        dave.notification_count("poll").await,
        0,
        "dave did not vote"
    );
    assert_eq!(
        alice.notification_count("poll").await,
        1,
        "each poll's end is told once"
    );
}
