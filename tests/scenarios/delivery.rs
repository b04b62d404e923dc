//! The outgoing queue: a slow peer delays nobody, and several processes sharing one database
//! deliver everything exactly once.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tsunagu_service::posts::{create_status, NewStatus, PostVisibility};
use tsunagu_tests::{add_remote_followers, eventually, on_both_backends, Backend, TestInstance};

/// Inboxes on one port: `/inbox/{name}` counts what arrives; `/slow/{name}` never answers;
/// `/busy/{name}` counts what arrives after a short wait, as a distant server would.
#[derive(Clone, Default)]
struct StubInboxes {
    received: Arc<Mutex<HashMap<(String, String), usize>>>,
}

async fn receive(
    Path(name): Path<String>,
    State(stub): State<StubInboxes>,
    body: String,
) -> StatusCode {
    let activity: Value = serde_json::from_str(&body).unwrap_or_default();
    let id = activity["id"].as_str().unwrap_or_default().to_string();
    *stub
        .received
        .lock()
        .expect("lock")
        .entry((name, id))
        .or_default() += 1;
    StatusCode::ACCEPTED
}

async fn answer_after_a_while(
    Path(name): Path<String>,
    State(stub): State<StubInboxes>,
    body: String,
) -> StatusCode {
    tokio::time::sleep(Duration::from_millis(200)).await;
    receive(Path(name), State(stub), body).await
}

async fn never_answer(Path(_): Path<String>) -> StatusCode {
    tokio::time::sleep(Duration::from_secs(3600)).await;
    StatusCode::ACCEPTED
}

impl StubInboxes {
    async fn serve(&self) -> u16 {
        let app = Router::new()
            .route("/inbox/{name}", post(receive))
            .route("/slow/{name}", post(never_answer))
            .route("/hang/{name}", post(never_answer))
            .route("/busy/{name}", post(answer_after_a_while))
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move { axum::serve(listener, app).await });
        port
    }

    fn count(&self) -> usize {
        self.received.lock().expect("lock").len()
    }

    fn duplicates(&self) -> Vec<(String, String)> {
        let received = self.received.lock().expect("lock");
        received
            .iter()
            .filter(|(_, n)| **n > 1)
            .map(|(k, _)| k.clone())
            .collect()
    }
}

/// A remote follower of `followee` whose inbox is `inbox` (no server behind its actor id).
async fn add_remote_follower(instance: &TestInstance, followee: i64, name: &str, inbox: String) {
    let follower = (
        format!("http://remote.invalid/users/{name}"),
        name.to_string(),
        inbox,
    );
    add_remote_followers(instance, followee, vec![follower]).await;
}

/// Stub inboxes (and their port) and a member `alice` of `uni`, as an actor row.
async fn stub_and_alice(uni: &TestInstance) -> (StubInboxes, u16, tsunagu_db::Actor) {
    let stub = StubInboxes::default();
    let port = stub.serve().await;
    uni.member("alice").await;
    let (_, alice) = tsunagu_service::accounts::find_member(uni.ctx(), "alice")
        .await
        .expect("alice");
    (stub, port, alice)
}

fn status(text: String) -> NewStatus {
    NewStatus {
        text,
        visibility: PostVisibility::Public,
        in_reply_to_id: None,
        spoiler_text: String::new(),
        sensitive: false,
        media_ids: Vec::new(),
        poll: None,
    }
}

on_both_backends!(a_peer_that_never_answers_delays_nobody, slow_peer);
async fn slow_peer(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let bob = corp.member("bob").await;
    bob.follow(&alice.handle).await;
    let stub = StubInboxes::default();
    let port = stub.serve().await;
    let (_, actor) = tsunagu_service::accounts::find_member(uni.ctx(), "alice")
        .await
        .expect("alice");
    // Five followers whose server hangs: sent one after another, they would take five
    // request timeouts (50 s), far longer than the wait below.
    for i in 0..5 {
        add_remote_follower(
            &uni,
            actor.id,
            &format!("stuck{i}"),
            format!("http://localhost:{port}/slow/stuck{i}"),
        )
        .await;
    }
    let post = alice
        .status("does this reach bob despite the stuck peers?")
        .await;
    let uri = post["uri"].clone();
    let b = bob.clone();
    eventually("the post reaches bob while other peers hang", || {
        let b = b.clone();
        let uri = uri.clone();
        async move { b.home().await.iter().any(|s| s["uri"] == uri).then_some(()) }
    })
    .await;
}

on_both_backends!(
    a_worker_whose_slots_are_all_busy_starts_the_next_delivery_when_one_frees,
    busy_worker
);
async fn busy_worker(backend: Backend) {
    // The worker looks for new work only every minute; everything below must go out well
    // before that, each delivery starting as soon as an earlier one finishes.
    let uni = TestInstance::start_with(&backend, |s| {
        s.delivery.poll_interval = Duration::from_secs(60);
        s.delivery.concurrency = 8;
    })
    .await;
    let (stub, port, alice) = stub_and_alice(&uni).await;
    let followers = (0..40)
        .map(|i| {
            (
                format!("http://remote{i}.invalid/users/f{i}"),
                format!("f{i}"),
                format!("http://localhost:{port}/busy/f{i}"),
            )
        })
        .collect();
    add_remote_followers(&uni, alice.id, followers).await;
    create_status(uni.ctx(), &alice, status("to forty slow inboxes".into()))
        .await
        .expect("post");
    let s = stub.clone();
    eventually("40 deliveries through 8 slots", || {
        let s = s.clone();
        async move { (s.count() >= 40).then_some(()) }
    })
    .await;
}

on_both_backends!(
    dead_peers_holding_every_slot_step_aside_for_live_ones,
    dead_peers_step_aside
);
async fn dead_peers_step_aside(backend: Backend) {
    // Four slots and twelve peers that never answer, queued first: each would hold its slot
    // for the whole request timeout (10 s), three rounds of them, well past the wait below,
    // if slow deliveries did not give their slots up.
    let uni = TestInstance::start_with(&backend, |s| {
        s.delivery.concurrency = 4;
    })
    .await;
    let (stub, port, alice) = stub_and_alice(&uni).await;
    let mut followers: Vec<(String, String, String)> = (0..12)
        .map(|i| {
            (
                format!("http://dead{i}.invalid/users/d{i}"),
                format!("d{i}"),
                // Inboxes are queued in the order of their URLs: these come first.
                format!("http://localhost:{port}/hang/a{i}"),
            )
        })
        .collect();
    followers.extend((0..20).map(|i| {
        (
            format!("http://live{i}.invalid/users/l{i}"),
            format!("l{i}"),
            format!("http://localhost:{port}/inbox/z{i}"),
        )
    }));
    add_remote_followers(&uni, alice.id, followers).await;
    create_status(uni.ctx(), &alice, status("live ones first".into()))
        .await
        .expect("post");
    let s = stub.clone();
    eventually("the live peers get it while the dead ones hang", || {
        let s = s.clone();
        async move { (s.count() >= 20).then_some(()) }
    })
    .await;
}

on_both_backends!(
    processes_sharing_a_database_deliver_each_activity_once,
    shared_queue
);
async fn shared_queue(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let second = uni.second_process().await;
    let (stub, port, alice) = stub_and_alice(&uni).await;
    for name in ["r1", "r2", "r3"] {
        add_remote_follower(
            &uni,
            alice.id,
            name,
            format!("http://localhost:{port}/inbox/{name}"),
        )
        .await;
    }
    // Posts made through both processes; both workers deliver from the shared queue.
    let posts = 20;
    for i in 0..posts {
        let ctx = if i % 2 == 0 { uni.ctx() } else { &second.ctx };
        create_status(ctx, &alice, status(format!("post {i}")))
            .await
            .expect("post");
    }
    let expected = posts * 3;
    let s = stub.clone();
    eventually(&format!("{expected} deliveries"), || {
        let s = s.clone();
        async move { (s.count() >= expected).then_some(()) }
    })
    .await;
    // Let any duplicate delivery arrive before checking.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(stub.count(), expected);
    assert!(
        stub.duplicates().is_empty(),
        "delivered twice: {:?}",
        stub.duplicates()
    );
    // The stub counts a delivery when it arrives, the sender records it after the answer.
    let ctx = uni.ctx().clone();
    eventually("every delivery recorded once", || {
        let ctx = ctx.clone();
        async move {
            let (pending, delivered, failed) = ctx
                .db
                .read(tsunagu_db::queries::deliveries::stats)
                .await
                .ok()?;
            ((pending, delivered as usize, failed) == (0, expected, 0)).then_some(())
        }
    })
    .await;
    second.stop().await;
}

on_both_backends!(old_delivery_records_are_pruned, pruning);
async fn pruning(backend: Backend) {
    use tsunagu_db::queries::deliveries;
    let uni = TestInstance::start(&backend).await;
    let stub = StubInboxes::default();
    let port = stub.serve().await;
    let alice = uni.member("alice").await;
    let alice_id: i64 = alice.id.parse().expect("id");
    let inbox = format!("http://localhost:{port}/inbox/bob");
    add_remote_follower(&uni, alice_id, "bob", inbox.clone()).await;
    alice.status("Something to deliver").await;
    eventually("the post is delivered", || {
        let stub = stub.clone();
        async move { (stub.count() == 1).then_some(()) }
    })
    .await;

    let db = &uni.ctx().db;
    let long_ago = tsunagu_db::now() - chrono::Duration::days(100);
    db.write(move |c| {
        deliveries::remember_received(c, "https://old.example/activities/1", long_ago)?;
        deliveries::remember_received(c, "https://new.example/activities/1", tsunagu_db::now())
    })
    .await
    .expect("remember");
    // The delivery finished long ago, as far as the pruning can tell.
    let finished = inbox.clone();
    db.write(move |c| {
        for d in deliveries::for_inbox(c, &finished)? {
            deliveries::mark_delivered(c, d.id, long_ago)?;
        }
        Ok(())
    })
    .await
    .expect("age");

    // The instance's own periodic chores (every 300 ms here) may prune them first: what is
    // pruned in all counts.
    let (ids, finished) = tsunagu_federation::delivery::prune_records(uni.ctx())
        .await
        .expect("prune");
    assert!(ids <= 1 && finished <= 1, "{ids} {finished}");
    let check = inbox.clone();
    let (old_again, new_again, left) = db
        .write(move |c| {
            Ok((
                deliveries::remember_received(c, "https://old.example/activities/1", long_ago)?,
                deliveries::remember_received(c, "https://new.example/activities/1", long_ago)?,
                deliveries::for_inbox(c, &check)?.len(),
            ))
        })
        .await
        .expect("check");
    assert!(old_again, "the old id was forgotten");
    assert!(
        !new_again,
        "a recent id is still remembered (a replay is refused)"
    );
    assert_eq!(left, 0);
    // The activity itself stays: it is part of alice's outbox.
    let outbox = tsunagu_tests::fetch_ap(&format!("{}/outbox", alice.actor_url)).await;
    assert_eq!(outbox.1["totalItems"], 1, "{}", outbox.1);
}

/// The `tsunagu` binary that `tests/run.sh` builds before the tests.
fn tsunagu_binary() -> std::path::PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let bin = target.join("debug/tsunagu");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build --bin tsunagu` (tests/run.sh does)",
        bin.display()
    );
    bin
}

/// Runs `tsunagu admin ARGS --database-url URL` and returns what it printed.
pub fn admin(url: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(tsunagu_binary())
        .arg("admin")
        .args(args)
        .arg("--database-url")
        .arg(url)
        .output()
        .expect("run tsunagu");
    assert!(
        out.status.success(),
        "tsunagu admin {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

on_both_backends!(
    a_peer_refusing_an_activity_is_recorded_and_shown_to_operators,
    refusals
);
async fn refusals(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    // A server that refuses everything, the way Lemmy answers what it cannot parse.
    let app = Router::new().route(
        "/inbox",
        post(|| async {
            (
                StatusCode::BAD_REQUEST,
                r#"{"error":"unknown","message":"data did not match any variant"}"#,
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    uni.member("alice").await;
    let (_, alice) = tsunagu_service::accounts::find_member(uni.ctx(), "alice")
        .await
        .expect("alice");
    let inbox = format!("http://localhost:{port}/inbox");
    add_remote_follower(&uni, alice.id, "refuser", inbox.clone()).await;
    create_status(uni.ctx(), &alice, status("refused".into()))
        .await
        .expect("post");
    let db = uni.ctx().db.clone();
    let failed = eventually("the refusal is recorded", || {
        let (db, inbox) = (db.clone(), inbox.clone());
        async move {
            let rows = db
                .read(move |c| tsunagu_db::queries::deliveries::for_inbox(c, &inbox))
                .await
                .ok()?;
            rows.into_iter().find(|d| d.failed_at.is_some())
        }
    })
    .await;
    assert_eq!(failed.last_status, Some(400));
    assert_eq!(failed.attempts, 1, "a refusal is not retried");
    assert!(failed
        .last_error
        .as_deref()
        .unwrap_or_default()
        .contains("data did not match any variant"));
    let stats = admin(&uni.db.url, &["delivery-stats"]);
    let line = stats
        .lines()
        .find(|l| l.starts_with(&format!("localhost:{port}\t")))
        .unwrap_or_else(|| panic!("no line for the peer in:\n{stats}"));
    assert!(line.contains("HTTP 400"), "{line}");
    assert!(line.contains("\t1\t"), "one failed delivery: {line}");
}

on_both_backends!(
    operators_block_and_allow_servers_from_the_command_line,
    policy_cli
);
async fn policy_cli(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let url = uni.db.url.clone();
    let out = admin(
        &url,
        &[
            "block-domain",
            "spam.example",
            "--severity",
            "silence",
            "--public-comment",
            "spam",
        ],
    );
    assert!(out.contains("spam.example\tsilence"), "{out}");
    assert!(admin(&url, &["list-domain-blocks"]).contains("spam.example"));
    // The running server sees the change within its policy cache's lifetime.
    let public = format!("{}/api/v1/instance/domain_blocks", uni.base);
    eventually("the server lists the block", || {
        let public = public.clone();
        async move {
            let list: Value = tsunagu_tests::http()
                .get(&public)
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            (list[0]["domain"] == "spam.example").then_some(())
        }
    })
    .await;
    admin(&url, &["unblock-domain", "spam.example"]);
    assert!(!admin(&url, &["list-domain-blocks"]).contains("spam.example"));
    admin(&url, &["allow-domain", "partner.ac.jp"]);
    assert_eq!(
        admin(&url, &["federation-mode", "allowlist"]).trim(),
        "allowlist"
    );
    assert!(admin(&url, &["list-domain-allows"]).contains("partner.ac.jp"));
    assert_eq!(admin(&url, &["federation-mode"]).trim(), "allowlist");
    assert_eq!(admin(&url, &["federation-mode", "open"]).trim(), "open");
}

/// PostgreSQL only: processes sharing the database wake each other with `NOTIFY`. The process
/// a member posts through sends nothing itself (`--delivery-concurrency 0`); the other looks
/// for deliveries only once an hour, so the post reaches the peer only if it is woken, and a
/// listener on the other process sees the post long before its own next look.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_processes_wake_each_other() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let uni = TestInstance::start_with(&backend, |s| s.delivery.concurrency = 0).await;
    let sender = uni
        .second_process_with(|s| {
            s.delivery.concurrency = 8;
            s.delivery.poll_interval = Duration::from_secs(3600);
        })
        .await;
    let db = sender.ctx.db.clone();
    eventually("the second process listens", || {
        let db = db.clone();
        async move { db.hears_other_processes().then_some(()) }
    })
    .await;
    let (stub, port, alice) = stub_and_alice(&uni).await;
    add_remote_follower(
        &uni,
        alice.id,
        "r1",
        format!("http://localhost:{port}/inbox/r1"),
    )
    .await;
    let mut stream = tsunagu_tests::http()
        .get(format!(
            "http://{}/api/v1/streaming/public/local",
            sender.local_addr
        ))
        .send()
        .await
        .expect("stream");
    assert_eq!(stream.status(), StatusCode::OK);

    create_status(uni.ctx(), &alice, status("Posted through the first".into()))
        .await
        .expect("post");
    let s = stub.clone();
    eventually("the other process delivers the post", || {
        let s = s.clone();
        async move { (s.count() == 1).then_some(()) }
    })
    .await;
    let mut seen = String::new();
    let found = tokio::time::timeout(Duration::from_secs(20), async {
        while !seen.contains("Posted through the first") {
            match stream.chunk().await {
                Ok(Some(chunk)) => seen.push_str(&String::from_utf8_lossy(&chunk)),
                _ => return false,
            }
        }
        true
    })
    .await;
    assert_eq!(found, Ok(true), "the listener got: {seen}");
    sender.stop().await;
}

/// PostgreSQL only: when the listening connection is cut (a database restart, an operator's
/// `pg_terminate_backend`), it connects again and processes go on waking each other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_listening_survives_a_lost_connection() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let uni = TestInstance::start(&backend).await;
    let first = uni.ctx().db.clone();
    let other = tsunagu_db::Db::connect(&uni.db.url).expect("second handle");
    wakes(&first, &other).await;
    wakes(&other, &first).await;
    // Cut every listening connection to this test's database.
    let cut = tsunagu_db::testing::cut_listeners(&uni.db.url).expect("cut");
    assert_eq!(cut, 2, "one listening connection per process");
    // A listener wakes its process once when it connects again (it may have missed
    // something), so the first round may be that; the second is a notification.
    for _ in 0..2 {
        wakes(&first, &other).await;
        wakes(&other, &first).await;
    }
}

/// PostgreSQL only: pooled connections the server closed (a database restart, an operator's
/// `pg_terminate_backend`) are found out before use and replaced: requests right after the
/// cut are answered as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connections_closed_by_the_server_are_replaced() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let uni = TestInstance::start(&backend).await;
    let ann = uni.member("ann").await;
    let before = ann.status("before the restart").await;
    let id = before["id"].as_str().expect("id").to_string();
    let cut = tsunagu_db::testing::cut_connections(&uni.db.url).expect("cut");
    assert!(cut > 1, "the instance held connections");
    for i in 0..20 {
        let read = ann.get(&format!("/api/v1/statuses/{id}")).await;
        assert_eq!(read["id"], before["id"]);
        ann.status(&format!("after the restart, {i}")).await;
    }
    let timeline = ann.get("/api/v1/timelines/home?limit=40").await;
    assert_eq!(timeline.as_array().map(Vec::len), Some(21));
}

/// Waits until deliveries queued through `from` wake the worker of `to`.
async fn wakes(from: &tsunagu_db::Db, to: &tsunagu_db::Db) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    // Once it listens: it wakes itself when it connects, so subscribe only after.
    while !to.hears_other_processes() {
        assert!(std::time::Instant::now() < deadline, "never listened");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut woken = to.watch_deliveries();
    woken.borrow_and_update();
    from.deliveries_queued();
    tokio::time::timeout(Duration::from_secs(20), woken.changed())
        .await
        .expect("woken in time")
        .expect("still open");
}
