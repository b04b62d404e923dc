//! Events: created and edited here, joined from here and from another instance, a waiting
//! list that moves up across instances, reminders, cancellation, iCalendar files, and a
//! Mobilizon-shaped peer that publishes events and joins ours.

use reqwest::Method;
use serde_json::{json, Value};
use tsunagu_tests::stub::StubPeer;
use tsunagu_tests::{eventually, http, on_both_backends, Backend, Browser, Member, TestInstance};

fn at(hours: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::hours(hours))
        .with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).expect("offset"))
        .format("%Y-%m-%dT%H:%M:00+09:00")
        .to_string()
}

async fn event_on(member: &Member, id: &str) -> Value {
    member.get(&format!("/api/v1/tsunagu/events/{id}")).await
}

/// The event as `member`'s instance knows it, found by its ActivityPub id.
async fn resolve_event(member: &Member, uri: &str) -> String {
    let found = member
        .get(&format!(
            "/api/v2/search?resolve=true&type=statuses&q={}",
            url::form_urlencoded::byte_serialize(uri.as_bytes()).collect::<String>()
        ))
        .await;
    found["statuses"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{uri} not found: {found}"))
        .to_string()
}

async fn wait_state(member: &Member, id: &str, state: Option<&str>) -> Value {
    let want = state.map_or(Value::Null, |s| json!(s));
    eventually(
        &format!("{} is {want} in event {id}", member.handle),
        || {
            let (member, want) = (member.clone(), want.clone());
            let id = id.to_string();
            async move {
                let e = event_on(&member, &id).await;
                (e["participation"] == want).then_some(e)
            }
        },
    )
    .await
}

async fn wait_notification(member: &Member, kind: &str) -> Value {
    eventually(
        &format!("{} gets a {kind} notification", member.handle),
        || {
            let member = member.clone();
            async move {
                member
                    .notifications()
                    .await
                    .into_iter()
                    .find(|n| n["type"] == kind)
            }
        },
    )
    .await
}

on_both_backends!(
    events_fill_up_move_the_waiting_list_across_instances_and_remind,
    events
);
async fn events(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let carol = uni.member("carol").await;
    let dave = uni.member("dave").await;
    let bob = corp.member("bob").await;

    for bad in [
        json!({ "title": "", "starts_at": at(48) }),
        json!({ "title": "Reunion", "starts_at": "next friday" }),
        json!({ "title": "Reunion", "starts_at": at(48), "ends_at": at(47) }),
        json!({ "title": "Reunion", "starts_at": at(-48) }),
        json!({ "title": "Reunion", "starts_at": at(48), "online_url": "javascript:alert(1)" }),
        json!({ "title": "Reunion", "starts_at": at(48), "capacity": -3 }),
    ] {
        let (status, body) = alice
            .request(Method::POST, "/api/v1/tsunagu/events", Some(bad.clone()))
            .await;
        assert_eq!(status, 422, "{bad}: {body}");
    }
    assert_eq!(
        alice.get("/api/v1/tsunagu/events").await,
        json!([]),
        "refused events are not stored"
    );

    // Two places. Carol and Dave take them; Bob, on another instance, waits in line.
    let event = alice
        .post(
            "/api/v1/tsunagu/events",
            json!({ "title": "Kobe homecoming", "description": "Old friends, **new** stories.",
                    "starts_at": at(72), "ends_at": at(75), "timezone": "Asia/Tokyo",
                    "location": "Kobe campus, Hall 2", "capacity": 2 }),
        )
        .await;
    let id = event["id"].as_str().expect("id").to_string();
    let uri = event["uri"].as_str().expect("uri").to_string();
    assert_eq!(event["url"], json!(format!("{}/events/{id}", uni.base)));
    assert_eq!(event["participants_count"], 0);
    assert_eq!(event["waitlist_count"], 0);
    assert_eq!(event["timezone"], "Asia/Tokyo");
    assert_eq!(event["utc_offset"], "UTC+09:00");
    let content = event["status"]["content"].as_str().unwrap_or_default();
    assert!(
        content.contains("Kobe campus") && content.contains(&at(72)[..10]),
        "Mastodon apps see the date and place: {content}"
    );

    let (_, ap) = tsunagu_tests::fetch_ap(&uri).await;
    assert_eq!(ap["type"], "Event");
    assert_eq!(ap["name"], "Kobe homecoming");
    assert_eq!(ap["location"]["type"], "Place");
    assert_eq!(ap["maximumAttendeeCapacity"], 2);
    assert_eq!(ap["joinMode"], "free");
    assert!(ap["startTime"].as_str().unwrap_or_default().ends_with('Z'));

    let going = carol
        .post(&format!("/api/v1/tsunagu/events/{id}/join"), json!({}))
        .await;
    assert_eq!(going["participation"], "going");
    dave.post(&format!("/api/v1/tsunagu/events/{id}/join"), json!({}))
        .await;
    let bobs_id = resolve_event(&bob, &uri).await;
    let remote = event_on(&bob, &bobs_id).await;
    assert_eq!(remote["title"], "Kobe homecoming");
    assert_eq!(remote["location"], "Kobe campus, Hall 2");
    assert_eq!(remote["capacity"], 2);
    let asked = bob
        .post(&format!("/api/v1/tsunagu/events/{bobs_id}/join"), json!({}))
        .await;
    assert_eq!(asked["participation"], "pending");
    eventually("Bob waits in line at uni", || {
        let alice = alice.clone();
        let id = id.clone();
        async move {
            let e = event_on(&alice, &id).await;
            (e["waitlist_count"] == 1).then_some(())
        }
    })
    .await;
    let full = event_on(&alice, &id).await;
    assert_eq!(full["participants_count"], 2);
    assert_eq!(
        event_on(&bob, &bobs_id).await["participation"],
        "pending",
        "a full event does not accept"
    );

    // Carol gives up her place: Bob moves up, and his instance hears the organiser accept.
    carol
        .post(&format!("/api/v1/tsunagu/events/{id}/leave"), json!({}))
        .await;
    wait_state(&bob, &bobs_id, Some("going")).await;
    wait_notification(&bob, "event_update").await;
    let now_full = event_on(&alice, &id).await;
    assert_eq!(now_full["participants_count"], 2);
    assert_eq!(now_full["waitlist_count"], 0);

    // Only the organiser (or staff) edits; the edit reaches the other instance.
    let (status, _) = carol
        .request(
            Method::PUT,
            &format!("/api/v1/tsunagu/events/{id}"),
            Some(json!({ "title": "Mine now", "starts_at": at(72) })),
        )
        .await;
    assert_eq!(status, 403);
    let (status, edited) = alice
        .request(
            Method::PUT,
            &format!("/api/v1/tsunagu/events/{id}"),
            Some(
                json!({ "title": "Kobe homecoming 2027", "description": "Old friends.",
                          "starts_at": at(73), "ends_at": at(76), "timezone": "Asia/Tokyo",
                          "location": "Kobe campus, Hall 3", "capacity": 2 }),
            ),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    eventually("the edit reaches corp", || {
        let bob = bob.clone();
        let id = bobs_id.clone();
        async move {
            let e = event_on(&bob, &id).await;
            (e["title"] == "Kobe homecoming 2027" && e["location"] == "Kobe campus, Hall 3")
                .then_some(())
        }
    })
    .await;

    // Carol asks again and waits; Bob leaves from his instance, and she moves up.
    let waiting = carol
        .post(&format!("/api/v1/tsunagu/events/{id}/join"), json!({}))
        .await;
    assert_eq!(waiting["participation"], "waiting");
    bob.post(
        &format!("/api/v1/tsunagu/events/{bobs_id}/leave"),
        json!({}),
    )
    .await;
    wait_state(&carol, &id, Some("going")).await;
    wait_notification(&carol, "event_update").await;

    // Lists.
    let upcoming = alice.get("/api/v1/tsunagu/events?local=true").await;
    assert_eq!(upcoming.as_array().map(Vec::len), Some(1));
    let mine = carol.get("/api/v1/tsunagu/events?scope=mine").await;
    assert_eq!(mine[0]["id"], json!(id));
    let bobs = bob.get("/api/v1/tsunagu/events?scope=mine").await;
    assert_eq!(bobs, json!([]), "Bob left");
    assert_eq!(
        alice.get("/api/v1/tsunagu/events?scope=past").await,
        json!([])
    );
    let (status, _) = alice
        .request(Method::GET, "/api/v1/tsunagu/events?scope=someday", None)
        .await;
    assert_eq!(status, 422);

    // iCalendar: the event's file and Carol's calendar feed.
    let ics = http()
        .get(edited["ics_url"].as_str().expect("ics_url"))
        .send()
        .await
        .expect("ics");
    assert_eq!(
        ics.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    let ics = ics.text().await.expect("text");
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"), "{ics}");
    assert!(ics.contains("SUMMARY:Kobe homecoming 2027\r\n"), "{ics}");
    assert!(ics.contains("LOCATION:Kobe campus\\, Hall 3\r\n"), "{ics}");
    let start = chrono::DateTime::parse_from_rfc3339(&at(73)).expect("time");
    let dtstart = start
        .with_timezone(&chrono::Utc)
        .format("DTSTART:%Y%m%dT%H%M%SZ")
        .to_string();
    assert!(ics.contains(&dtstart), "{dtstart} in {ics}");
    let feed = carol.get("/api/v1/tsunagu/calendar").await;
    let feed_url = feed["url"].as_str().expect("url").to_string();
    let body = http()
        .get(&feed_url)
        .send()
        .await
        .expect("feed")
        .text()
        .await
        .expect("text");
    assert!(body.contains("SUMMARY:Kobe homecoming 2027"), "{body}");
    carol.post("/api/v1/tsunagu/calendar", json!({})).await;
    let gone = http().get(&feed_url).send().await.expect("feed");
    assert_eq!(
        gone.status(),
        404,
        "a renewed feed address retires the old one"
    );

    // Reminders go to those going to an event that starts within a day.
    let soon = alice
        .post(
            "/api/v1/tsunagu/events",
            json!({ "title": "Career talk", "starts_at": at(3), "online_url": "https://meet.example/talk" }),
        )
        .await;
    let soon_id = soon["id"].as_str().expect("id").to_string();
    assert_eq!(soon["online_url"], "https://meet.example/talk");
    dave.post(&format!("/api/v1/tsunagu/events/{soon_id}/join"), json!({}))
        .await;
    // Housekeeping of several processes at once (PostgreSQL runs these writes side by side):
    // each reminder goes out once.
    let ctx = uni.ctx();
    let (a, b) = tokio::join!(
        tsunagu_service::events::send_reminders(ctx),
        tsunagu_service::events::send_reminders(ctx)
    );
    assert!(a.expect("reminders") + b.expect("reminders") <= 1);
    let reminder = wait_notification(&dave, "event_reminder").await;
    assert_eq!(reminder["status"]["id"], json!(soon_id));
    let reminders = dave.notifications().await;
    let reminders = reminders
        .iter()
        .filter(|n| n["type"] == "event_reminder" && n["status"]["id"] == json!(soon_id));
    assert_eq!(reminders.count(), 1, "one reminder per participant");

    // Cancelled: participants are told, nobody can join any more, the file says so.
    alice
        .post(
            &format!("/api/v1/tsunagu/events/{soon_id}/cancel"),
            json!({}),
        )
        .await;
    eventually("Dave hears of the cancellation", || {
        let dave = dave.clone();
        async move {
            let n = dave.notifications().await;
            (n.iter().filter(|n| n["type"] == "event_update").count() >= 1).then_some(())
        }
    })
    .await;
    let (status, body) = carol
        .request(
            Method::POST,
            &format!("/api/v1/tsunagu/events/{soon_id}/join"),
            None,
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let cancelled = event_on(&carol, &soon_id).await;
    assert_eq!(cancelled["cancelled"], true);

    // The site: lists, the event's page, taking part, and creating one.
    uni.member("erin").await;
    let site = Browser::new(&uni.base, "en");
    let page = site.get("/events").await;
    assert!(page.body.contains("Kobe homecoming 2027"), "{}", page.body);
    site.sign_in("erin").await;
    let page = site.get(&format!("/events/{id}")).await;
    assert!(page.body.contains("Kobe campus, Hall 3"));
    let joined = site
        .post(
            &format!("/events/{id}/join"),
            &[("form_token", &page.form_token())],
        )
        .await;
    assert_eq!(joined.status, 303, "{}", joined.body);
    let page = site.get(&format!("/events/{id}")).await;
    assert!(
        page.body.contains("You are on the waiting list"),
        "two places, both taken: {}",
        page.body
    );
    let form = site.get("/events/new").await;
    let starts = &at(100)[..16];
    let done = site
        .post(
            "/events/new",
            &[
                ("form_token", &form.form_token()),
                ("title", "クラス会"),
                ("starts", starts),
                ("ends", ""),
                ("offset", "+09:00"),
                ("timezone", "Asia/Tokyo"),
                ("location", "三宮"),
                ("online_url", ""),
                ("capacity", "0"),
                ("description", "久しぶりに集まりましょう"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let page = site.get(&done.location()).await;
    assert!(page.body.contains("クラス会") && page.body.contains(&starts.replace('T', " ")));
}

on_both_backends!(a_mobilizon_peer_publishes_events_and_joins_ours, mobilizon);
async fn mobilizon(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let carol = uni.member("carol").await;
    let peer = StubPeer::start("mobilizon").await;

    // Mobilizon's own shapes (tests/fixtures/activitypub/mobilizon), moved to the stub.
    let fixture = |name: &str| -> Value {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/activitypub/mobilizon/objects")
            .join(name);
        let text = std::fs::read_to_string(path).expect("fixture");
        serde_json::from_str(
            &text
                .replace("https://rendezvous.nomagic.uk", &peer.base)
                .replace("https://mobilizon.fr", &peer.base),
        )
        .expect("json")
    };
    let person_id = peer.serve_actor(fixture("person.json"));
    let mut organiser = fixture("person.json");
    organiser["id"] = json!(peer.url("/@devon_caledonian_society"));
    organiser["preferredUsername"] = json!("devon_caledonian_society");
    organiser["inbox"] = json!(peer.url("/@devon_caledonian_society/inbox"));
    organiser["publicKey"]["id"] = json!(peer.url("/@devon_caledonian_society#main-key"));
    peer.serve_actor(organiser);
    let mut event = fixture("event.json");
    let start = chrono::Utc::now() + chrono::Duration::days(20);
    event["startTime"] = json!(start.format("%Y-%m-%dT%H:%M:%S+00:00").to_string());
    event["endTime"] = json!((start + chrono::Duration::hours(2))
        .format("%Y-%m-%dT%H:%M:%S+00:00")
        .to_string());
    event["maximumAttendeeCapacity"] = json!(30);
    event["participantCount"] = json!(7);
    let event_uri = event["id"].as_str().expect("id").to_string();
    // The fixture as it was: an event of 2022, here without an end time.
    let mut old = fixture("event.json");
    old["id"] = json!(format!("{event_uri}-2022"));
    old.as_object_mut().expect("object").remove("endTime");
    let old_uri = old["id"].as_str().expect("id").to_string();
    peer.serve(event);
    peer.serve(old);

    let past_id = resolve_event(&alice, &old_uri).await;
    let past = alice.get("/api/v1/tsunagu/events?scope=past").await;
    assert_eq!(
        past[0]["id"],
        json!(past_id),
        "an event with no end is past once started"
    );
    let (status, _) = alice
        .request(
            Method::POST,
            &format!("/api/v1/tsunagu/events/{past_id}/join"),
            None,
        )
        .await;
    assert_eq!(status, 422, "a past event takes nobody");
    let id = resolve_event(&alice, &event_uri).await;
    let seen = event_on(&alice, &id).await;
    assert_eq!(seen["title"], "Caledonian scottish dance class");
    assert_eq!(seen["timezone"], "Europe/London");
    assert_eq!(seen["capacity"], 30);
    assert_eq!(seen["participants_count"], 7, "as its organiser counts");
    assert!(
        seen["location"]
            .as_str()
            .unwrap_or_default()
            .starts_with("The Kenn Centre"),
        "{seen}"
    );

    // Alice joins: a `Join` goes to the organiser, whose `Accept` embeds it.
    alice
        .post(&format!("/api/v1/tsunagu/events/{id}/join"), json!({}))
        .await;
    let join = peer
        .wait_for("Join", |a| {
            a["type"] == "Join" && a["object"] == json!(event_uri)
        })
        .await;
    assert_eq!(join["actor"], json!(alice.actor_url));
    // Someone else's server may not answer for the organiser.
    let stranger = StubPeer::start("mastodon").await;
    let mallory = stranger.add_person("mallory");
    let forged = json!({
        "id": stranger.url("/accept/1"), "type": "Accept", "actor": mallory, "object": join,
    });
    let status = stranger.send(&format!("{}/inbox", uni.base), &forged).await;
    assert_eq!(status, 403);
    assert_eq!(event_on(&alice, &id).await["participation"], "pending");
    let accept = json!({
        "@context": ["https://www.w3.org/ns/activitystreams"],
        "id": peer.url("/accept/join/1"),
        "type": "Accept",
        "actor": peer.url("/@devon_caledonian_society"),
        "object": join,
    });
    assert_eq!(
        peer.send(&format!("{}/inbox", uni.base), &accept).await,
        202
    );
    wait_state(&alice, &id, Some("going")).await;
    alice
        .post(&format!("/api/v1/tsunagu/events/{id}/leave"), json!({}))
        .await;
    peer.wait_for("Leave", |a| {
        a["type"] == "Leave" && a["object"] == json!(event_uri)
    })
    .await;

    // Mobilizon's person joins one of ours (one place; Carol has it, so they wait), leaves.
    let ours = alice
        .post(
            "/api/v1/tsunagu/events",
            json!({ "title": "Alumni ceilidh", "starts_at": at(30), "capacity": 1 }),
        )
        .await;
    let ours_id = ours["id"].as_str().expect("id").to_string();
    let ours_uri = ours["uri"].as_str().expect("uri").to_string();
    let join_id = format!("{person_id}/join/event/1");
    let join = json!({
        "@context": ["https://www.w3.org/ns/activitystreams"],
        "id": join_id, "type": "Join", "actor": person_id, "object": ours_uri,
    });
    assert_eq!(peer.send(&format!("{}/inbox", uni.base), &join).await, 202);
    let accepted = peer
        .wait_for("Accept(Join)", |a| {
            a["type"] == "Accept" && a["object"]["id"] == json!(join_id)
        })
        .await;
    assert_eq!(accepted["object"]["type"], "Join");
    assert_eq!(accepted["object"]["object"], json!(ours_uri));
    assert_eq!(accepted["actor"], json!(alice.actor_url));
    assert_eq!(event_on(&alice, &ours_id).await["participants_count"], 1);
    let waiting = carol
        .post(&format!("/api/v1/tsunagu/events/{ours_id}/join"), json!({}))
        .await;
    assert_eq!(waiting["participation"], "waiting");
    let leave = json!({
        "@context": ["https://www.w3.org/ns/activitystreams"],
        "id": format!("{join_id}/leave"), "type": "Leave", "actor": person_id, "object": ours_uri,
    });
    assert_eq!(peer.send(&format!("{}/inbox", uni.base), &leave).await, 202);
    wait_state(&carol, &ours_id, Some("going")).await;

    // A `Join` of something that is not an event here is refused.
    let bogus = json!({
        "id": format!("{person_id}/join/event/2"), "type": "Join", "actor": person_id,
        "object": format!("{}/posts/999999", uni.base),
    });
    let status = peer.send(&format!("{}/inbox", uni.base), &bogus).await;
    assert_eq!(status, 404);
}
