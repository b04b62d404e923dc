//! Benchmarks of the hot paths, each against a baseline measured in the same run on the same
//! machine, reported as figures and ratios (the machines are shared and noisy: compare the
//! ratios, not the raw numbers, between runs).
//!
//! 1. Inbox: signed `Create(Note)` activities accepted per second, against unsigned
//!    `GET /health` requests per second (the HTTP floor).
//! 2. Fan-out: one post to N remote inboxes, time until every delivery is done, against the
//!    time to POST N bodies straight to the same inboxes (the network floor).
//! 3. Thread page: on a database seeded with a million posts, `GET
//!    /api/v1/statuses/:id/context` for a thread of 200 replies: the capacity (8 at a time),
//!    then 500 requests a second offered in an open loop, against `GET /health`.
//! 4. Streaming: statuses posted while N server-sent-event listeners follow `public:local`,
//!    posting rate against the same posting with no listener, and the delay until every
//!    listener has each status.
//! 5. Memory: a `tsunagu serve` of its own, idle and after 10,000 remote posts; also this
//!    process's resident set once the instance has started and after the work above (the
//!    benchmark's own clients live in it, so this is an upper bound).
//! 6. Processes (PostgreSQL): two `tsunagu serve` on one database behind one address against
//!    one: ingest, fan-out, and a streaming listener on the process not posted through.
//!
//! `cargo run --release -p tsunagu-tests --bin bench [-- --postgres URL] [--only PARTS]
//! [--inboxes N] [--posts N] [--rate N] [--listeners N] [--remote-posts N] [--smoke]`;
//! `--smoke` runs every part at a tiny size (CI runs it so the program keeps working; its
//! figures mean nothing). docs/benchmarks.md says what each figure measures.

mod processes;
mod server;

use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use tsunagu_tests::stub::StubPeer;
use tsunagu_tests::{http, Backend, TestInstance};

/// Runs `count` requests made by `make`, `concurrency` at a time; returns each latency.
async fn run_concurrently<F, Fut>(count: usize, concurrency: usize, make: F) -> Vec<Duration>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let slots = Arc::new(Semaphore::new(concurrency));
    let mut handles = Vec::with_capacity(count);
    for i in 0..count {
        let permit = slots.clone().acquire_owned().await.expect("semaphore");
        let fut = make(i);
        handles.push(tokio::spawn(async move {
            let start = Instant::now();
            fut.await;
            drop(permit);
            start.elapsed()
        }));
    }
    let mut out = Vec::with_capacity(count);
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}

fn percentile(latencies: &mut [Duration], p: f64) -> Duration {
    latencies.sort();
    let idx = ((latencies.len() as f64 - 1.0) * p).round() as usize;
    latencies[idx]
}

fn rate(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}

async fn health_rate(base: &str, count: usize) -> f64 {
    health_rate_with(&http(), base, count).await
}

async fn health_rate_with(client: &reqwest::Client, base: &str, count: usize) -> f64 {
    let url = format!("{base}/health");
    let start = Instant::now();
    run_concurrently(count, 16, |_| {
        let client = client.clone();
        let url = url.clone();
        async move {
            client.get(&url).send().await.expect("health");
        }
    })
    .await;
    rate(count, start.elapsed())
}

async fn inbox(instance: &TestInstance, count: usize) {
    let peer = StubPeer::start("mastodon").await;
    let author = peer.add_person("sender");
    instance.member("reader").await;
    let inbox = format!("{}/inbox", instance.base);
    // Warm the actor cache, as a busy server's would be.
    let warm = mentioning(&peer, &author, &instance.domain, "warm", 0);
    peer.send(&inbox, &warm).await;
    // Connections are kept open, as peers keep theirs to a server they deliver to often.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(16)
        .build()
        .expect("client");
    let baseline = health_rate_with(&client, &instance.base, count).await;
    // Signed beforehand, on every core: only the receiving side is measured.
    let started = Instant::now();
    let requests: Vec<Arc<tsunagu_tests::stub::SignedRequest>> = std::thread::scope(|s| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let chunk = count.div_ceil(cores).max(1);
        let workers: Vec<_> = (0..count)
            .step_by(chunk)
            .map(|first| {
                let (peer, author, inbox, domain) = (&peer, &author, &inbox, &instance.domain);
                s.spawn(move || {
                    (first..(first + chunk).min(count))
                        .map(|i| {
                            let activity = mentioning(peer, author, domain, "inbox", i);
                            Arc::new(peer.sign(inbox, &activity))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("signing"))
            .collect()
    });
    println!(
        "inbox: {count} activities signed in {:.1} s, sending",
        started.elapsed().as_secs_f64()
    );
    let start = Instant::now();
    run_concurrently(count, 16, move |i| {
        let request = requests[i].clone();
        let client = client.clone();
        async move {
            let status = request.send_with(&client).await;
            assert_eq!(status, 202, "inbox refused an activity");
        }
    })
    .await;
    let accepted = rate(count, start.elapsed());
    println!("inbox: {accepted:.0} signed activities/s mentioning a member; baseline GET /health {baseline:.0} req/s; ratio {:.3}", accepted / baseline);
}

/// A `Create(Note)` numbered `i` of the `round` mentioning the member `reader` of `domain`.
fn mentioning(
    peer: &StubPeer,
    author: &str,
    domain: &str,
    round: &str,
    i: usize,
) -> serde_json::Value {
    let member = format!("http://{domain}/users/reader");
    let mut activity = note(peer, author, i);
    let id = peer.url(&format!("/users/sender/statuses/{round}-{i}"));
    activity["id"] = json!(format!("{id}/activity"));
    activity["object"]["id"] = json!(id);
    activity["object"]["tag"] = json!([{ "type": "Mention", "href": member }]);
    activity["object"]["cc"] = json!([member]);
    activity
}

fn note(peer: &StubPeer, author: &str, i: usize) -> serde_json::Value {
    let id = peer.url(&format!("/users/sender/statuses/{i}"));
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{id}/activity"),
        "type": "Create",
        "actor": author,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {
            "id": id,
            "type": "Note",
            "attributedTo": author,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "content": format!("<p>benchmark note {i}</p>"),
        },
    })
}

/// One post to `inboxes` followers, each on its own server (host name) when the run has
/// private host names (see [`private_hosts`]), else all on one; `dead` of them on servers that
/// accept connections and never answer. Measures until every live delivery has arrived.
async fn fan_out(instance: &TestInstance, inboxes: usize, dead: usize, own_hosts: bool) {
    let peer = StubPeer::start("mastodon").await;
    let black_hole = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let hole_port = black_hole.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = black_hole.accept().await {
            held.push(socket);
        }
    });
    let port = peer.domain.rsplit(':').next().expect("port").to_string();
    let name = format!("author{inboxes}x{dead}");
    let member = instance.member(&name).await;
    let (_, author) = tsunagu_service::accounts::find_member(instance.ctx(), &name)
        .await
        .expect("author");
    // Every tenth follower is on a dead server, while there are dead ones to place.
    // Spread evenly: one in every `inboxes / dead`.
    let every = inboxes.checked_div(dead).map(|e| e.max(1));
    let is_dead = |i: usize| every.is_some_and(|e| i.is_multiple_of(e) && i / e < dead);
    let base = |i: usize| {
        if is_dead(i) {
            format!("http://dead-{i}.test:{hole_port}")
        } else if own_hosts {
            format!("http://peer-{i}.test:{port}")
        } else {
            peer.base.clone()
        }
    };
    let followers = (0..inboxes)
        .map(|i| {
            (
                format!("{}/users/f{i}", base(i)),
                format!("f{i}"),
                format!("{}/users/f{i}/inbox", base(i)),
            )
        })
        .collect();
    tsunagu_tests::add_remote_followers(instance, author.id, followers).await;
    let live = inboxes - (0..inboxes).filter(|i| is_dead(*i)).count();

    // Baseline: the same number of unsigned POSTs straight to the live inboxes, 64 at a time.
    let client = http();
    let urls: Vec<String> = (0..inboxes)
        .filter(|i| !is_dead(*i))
        .map(|i| format!("{}/users/f{i}/inbox", base(i)))
        .collect();
    let start = Instant::now();
    let u = urls.clone();
    run_concurrently(urls.len(), 64, move |i| {
        let client = client.clone();
        let url = u[i].clone();
        async move {
            client.post(url).body("{}").send().await.expect("post");
        }
    })
    .await;
    let baseline = start.elapsed();
    let before = peer.received().len();

    let start = Instant::now();
    member.status("one post to many inboxes").await;
    while peer.received().len() < before + live {
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "fan-out did not finish"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let elapsed = start.elapsed();
    println!(
        "fan-out: one post to {inboxes} inboxes on {} ({dead} dead): the {live} live ones in {:.2} s ({:.0} deliveries/s); baseline unsigned POSTs {:.2} s; ratio {:.2}",
        if own_hosts { "as many hosts" } else { "one host" },
        elapsed.as_secs_f64(),
        rate(live, elapsed),
        baseline.as_secs_f64(),
        elapsed.as_secs_f64() / baseline.as_secs_f64()
    );
}

/// Re-runs this program in a private mount namespace whose `/etc/hosts` (a bind mount of a
/// file of ours; nothing outside changes) names `peer-N.test` and `dead-N.test` as the
/// loopback address, so that each remote instance of the fan-out has its own host name (and
/// its own connections). Returns whether the hosts are there; false where that cannot be
/// done (not root, no `unshare`), and the fan-out then uses one host.
fn private_hosts(count: usize) -> bool {
    if std::env::var("TSUNAGU_BENCH_HOSTS").is_ok() {
        return true;
    }
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !root {
        return false;
    }
    let mut hosts = String::from("127.0.0.1 localhost\n::1 localhost\n");
    for i in 0..count {
        hosts.push_str(&format!("127.0.0.1 peer-{i}.test dead-{i}.test\n"));
    }
    let file = std::env::temp_dir().join(format!("tsunagu-bench-hosts-{}", std::process::id()));
    if std::fs::write(&file, hosts).is_err() {
        return false;
    }
    let Ok(exe) = std::env::current_exe() else {
        return false;
    };
    let status = std::process::Command::new("unshare")
        .arg("--mount")
        .arg("sh")
        .arg("-c")
        .arg("mount --bind \"$0\" /etc/hosts && exec \"$@\"")
        .arg(&file)
        .arg(exe)
        .args(std::env::args().skip(1))
        .env("TSUNAGU_BENCH_HOSTS", "1")
        .status();
    let _ = std::fs::remove_file(&file);
    match status {
        Ok(s) => std::process::exit(s.code().unwrap_or(1)),
        Err(_) => false,
    }
}

/// Seeds `posts` posts from 10,000 accounts (fewer in a smoke run), then a thread of 200
/// replies, and offers `GET /api/v1/statuses/:id/context` at `per_second` for `seconds`: each
/// request leaves on its schedule whether or not earlier ones have been answered (an open
/// loop, as real readers arrive), so queueing shows in the latency.
async fn thread_page(instance: &TestInstance, posts: i64, per_second: u64, seconds: u64) {
    let accounts = posts.clamp(1, 10_000);
    let seeding = Instant::now();
    let db = instance.ctx().db.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = db.get().expect("connection");
        tsunagu_db::testing::seed_posts(&mut conn, accounts, posts).expect("seed")
    })
    .await
    .expect("seeding");
    println!(
        "thread page: seeded {posts} posts from {accounts} accounts in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    let op = instance.member("op").await;
    let replier = instance.member("replier").await;
    let root = op.status("a thread with many replies").await;
    let root_id = root["id"].as_str().expect("id").to_string();
    let mut parent = root_id.clone();
    for i in 0..200 {
        let to = if i % 2 == 0 { &root_id } else { &parent };
        let r = replier
            .post(
                "/api/v1/statuses",
                json!({ "status": format!("reply {i}"), "in_reply_to_id": to }),
            )
            .await;
        parent = r["id"].as_str().expect("id").to_string();
    }
    let rid: i64 = root_id.parse().expect("id");
    // The work behind one page, without HTTP: the thread and its 200 status entities.
    let mut service = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let (_, descendants) = tsunagu_service::timelines::context(instance.ctx(), None, rid)
            .await
            .expect("context");
        tsunagu_api::views::statuses(instance.ctx(), None, descendants)
            .await
            .expect("views");
        service.push(t.elapsed());
    }
    println!(
        "thread page work without HTTP: p50 {:.2} ms",
        percentile(&mut service, 0.5).as_secs_f64() * 1000.0
    );
    let count = (per_second * seconds) as usize;
    let baseline = health_rate(&instance.base, count).await;
    let client = http();
    let url = format!("{}/api/v1/statuses/{root_id}/context", instance.base);
    // What the server can serve: 8 requests at a time, each sent when one is answered.
    let start = Instant::now();
    let capacity_count = count.min(1000);
    let (c, u) = (client.clone(), url.clone());
    let mut closed = run_concurrently(capacity_count, 8, move |_| {
        let (client, url) = (c.clone(), u.clone());
        async move {
            let res = client.get(&url).send().await.expect("context");
            assert!(res.status().is_success());
            res.bytes().await.expect("body");
        }
    })
    .await;
    println!(
        "thread page (200 replies, {posts} posts), 8 at a time: {:.0} req/s, p50 {:.1} ms, p99 {:.1} ms",
        rate(capacity_count, start.elapsed()),
        percentile(&mut closed, 0.5).as_secs_f64() * 1000.0,
        percentile(&mut closed, 0.99).as_secs_f64() * 1000.0,
    );
    let page = format!("thread page (200 replies, {posts} posts)");
    let mut latencies = open_loop(&url, per_second, seconds).await;
    report_open_loop(&page, &mut latencies, per_second, seconds, baseline);
    // The same while statuses are posted elsewhere, 10 a second: each write makes the kept
    // answers stale, so some readers wait for a fresh rendering.
    let writer = instance.member("elsewhere").await;
    let writing = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_millis(100));
        for i in 0.. {
            every.tick().await;
            writer.status(&format!("meanwhile {i}")).await;
        }
    });
    let mut latencies = open_loop(&url, per_second, seconds).await;
    writing.abort();
    let page = format!("{page} with 10 writes/s");
    report_open_loop(&page, &mut latencies, per_second, seconds, baseline);
}

/// Offers `GET url` at `per_second` for `seconds`, each request leaving on its schedule
/// whether or not earlier ones were answered; the latency of each answered one.
async fn open_loop(url: &str, per_second: u64, seconds: u64) -> (Vec<Duration>, Duration) {
    let count = (per_second * seconds) as usize;
    let client = http();
    let mut schedule = tokio::time::interval(Duration::from_micros(1_000_000 / per_second));
    schedule.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let start = Instant::now();
    let mut requests = Vec::with_capacity(count);
    for _ in 0..count {
        schedule.tick().await;
        let client = client.clone();
        let url = url.to_string();
        requests.push(tokio::spawn(async move {
            let sent = Instant::now();
            // An overloaded server's answer may come after the client's timeout: counted as
            // not served, not a failure of the program.
            let res = client.get(&url).send().await.ok()?;
            assert!(res.status().is_success(), "context: {}", res.status());
            res.bytes().await.ok()?;
            Some(sent.elapsed())
        }));
    }
    let mut latencies = Vec::with_capacity(count);
    for request in requests {
        latencies.extend(request.await.expect("request"));
    }
    (latencies, start.elapsed())
}

fn report_open_loop(
    page: &str,
    (latencies, elapsed): &mut (Vec<Duration>, Duration),
    per_second: u64,
    seconds: u64,
    baseline: f64,
) {
    let count = (per_second * seconds) as usize;
    let served = rate(latencies.len(), *elapsed);
    let unanswered = count - latencies.len();
    if latencies.is_empty() {
        println!("{page}: {per_second} req/s offered for {seconds} s, none answered in time");
        return;
    }
    println!(
        "{page}: {per_second} req/s offered for {seconds} s, {served:.0} served ({unanswered} not answered in time), p50 {:.1} ms, p99 {:.1} ms; baseline GET /health {baseline:.0} req/s; ratio {:.3}",
        percentile(latencies, 0.5).as_secs_f64() * 1000.0,
        percentile(latencies, 0.99).as_secs_f64() * 1000.0,
        served / baseline
    );
}

/// Posts `count` statuses one after another; returns when each was posted.
async fn post_marked(member: &tsunagu_tests::Member, round: &str, count: usize) -> Vec<Instant> {
    let mut sent = Vec::with_capacity(count);
    for i in 0..count {
        member.status(&format!("streamed {round}-{i}-end")).await;
        sent.push(Instant::now());
    }
    sent
}

async fn streaming(instance: &TestInstance, listeners: usize, count: usize) {
    use std::collections::HashMap;
    use std::sync::Mutex;
    let poster = instance.member("streamer").await;
    let start = Instant::now();
    post_marked(&poster, "alone", count).await;
    let alone = start.elapsed();

    // Each listener notes when it saw each status of the measured round.
    let seen: Arc<Mutex<HashMap<usize, Vec<Instant>>>> = Arc::default();
    let url = format!("{}/api/v1/streaming/public/local", instance.base);
    let mut tasks = Vec::new();
    for _ in 0..listeners {
        let mut res = http().get(&url).send().await.expect("stream");
        assert!(res.status().is_success());
        let seen = seen.clone();
        tasks.push(tokio::spawn(async move {
            let mut buffer = String::new();
            let mut got = 0;
            while got < count {
                let Ok(Some(chunk)) = res.chunk().await else {
                    return;
                };
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(at) = buffer.find("measured-") {
                    let rest = &buffer[at + "measured-".len()..];
                    let Some(end) = rest.find("-end") else { break };
                    if let Ok(i) = rest[..end].parse::<usize>() {
                        seen.lock()
                            .expect("lock")
                            .entry(i)
                            .or_default()
                            .push(Instant::now());
                        got += 1;
                    }
                    buffer.drain(..at + "measured-".len() + end);
                }
            }
        }));
    }
    // Listeners start from the moment they connect.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let start = Instant::now();
    let sent = post_marked(&poster, "measured", count).await;
    let with_listeners = start.elapsed();
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(120), t).await;
    }
    let seen = seen.lock().expect("lock");
    let mut delays: Vec<Duration> = Vec::new();
    for (i, at) in sent.iter().enumerate() {
        let arrivals = seen.get(&i).map(Vec::as_slice).unwrap_or(&[]);
        assert_eq!(
            arrivals.len(),
            listeners,
            "status {i} reached every listener"
        );
        delays.extend(arrivals.iter().map(|r| r.saturating_duration_since(*at)));
    }
    println!(
        "streaming: {count} statuses with {listeners} listeners in {:.2} s, alone {:.2} s; ratio {:.2}; delay to a listener p50 {:.0} ms, p99 {:.0} ms",
        with_listeners.as_secs_f64(),
        alone.as_secs_f64(),
        with_listeners.as_secs_f64() / alone.as_secs_f64(),
        percentile(&mut delays, 0.5).as_secs_f64() * 1000.0,
        percentile(&mut delays, 0.99).as_secs_f64() * 1000.0,
    );
}

/// The resident memory of a `tsunagu serve` process of its own (the binary built beside this
/// program), as an operator would see it: idle once started, then after `posts` signed remote
/// posts mentioning a member were received.
async fn server_memory(postgres: Option<&str>, posts: usize) {
    let Some(exe) = server::binary() else {
        println!("server memory: no server binary beside this program (cargo build --release -p tsunagu)");
        return;
    };
    let dir = tempfile::tempdir().expect("temporary folder");
    let database_url = match postgres {
        Some(url) => {
            // Named like test databases, so a later run drops it once this process is gone.
            let name = format!("tsunagu_test_{}_memory", std::process::id());
            tsunagu_db::testing::create_database(url, &name).expect("database")
        }
        None => format!("sqlite://{}/tsunagu.db", dir.path().display()),
    };
    let port = server::free_port();
    let site = server::Site::new(exe, database_url, format!("localhost:{port}"), dir);
    site.create_member("reader", "a long benchmark password");
    let server = site.serve(port, &[]).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = server::process_memory(server.pid);
    let peer = StubPeer::start("mastodon").await;
    let author = peer.add_person("sender");
    let rate = receive_mentions(&peer, &author, &server.base, &site.domain, posts, "memory").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!(
        "server memory (tsunagu serve, its own process): {} idle once started; {} after {posts} remote posts mentioning a member ({rate:.0}/s, signed as they went)",
        idle,
        server::process_memory(server.pid),
    );
}

/// Sends `count` signed `Create(Note)` mentioning the member `reader` of the instance at
/// `domain` to `{base}/inbox`, 16 at a time, signing each as it goes; returns how many a second
/// were accepted.
async fn receive_mentions(
    peer: &StubPeer,
    author: &str,
    base: &str,
    domain: &str,
    count: usize,
    round: &str,
) -> f64 {
    let inbox = format!("{base}/inbox");
    let peer = Arc::new(peer.clone());
    let start = Instant::now();
    run_concurrently(count, 16, |i| {
        let peer = peer.clone();
        let activity = mentioning(&peer, author, domain, round, i);
        let inbox = inbox.clone();
        async move {
            let request = tokio::task::spawn_blocking(move || peer.sign(&inbox, &activity))
                .await
                .expect("sign");
            assert_eq!(request.send().await, 202, "inbox refused an activity");
        }
    })
    .await;
    rate(count, start.elapsed())
}

/// The process's resident set size, in megabytes (Linux).
fn resident_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn print_memory(when: &str) {
    match resident_mb() {
        Some(mb) => println!("memory: {mb:.1} MB resident {when}"),
        None => println!("memory: not measurable here ({when})"),
    }
}

/// How much work each part does.
struct Sizes {
    inbox: usize,
    inboxes: usize,
    posts: i64,
    thread_rate: u64,
    thread_seconds: u64,
    remote_posts: usize,
    listeners: usize,
    streamed: usize,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let smoke = args.iter().any(|a| a == "--smoke");
    let number = |name: &str, full: usize, tiny: usize| {
        arg(name)
            .and_then(|n| n.parse().ok())
            .unwrap_or(if smoke { tiny } else { full })
    };
    let sizes = Sizes {
        inbox: number("--activities", 2000, 20),
        inboxes: number("--inboxes", 1000, 20),
        posts: number("--posts", 1_000_000, 2_000) as i64,
        thread_rate: number("--rate", 500, 20) as u64,
        thread_seconds: if smoke { 1 } else { 10 },
        remote_posts: number("--remote-posts", 10_000, 20),
        listeners: number("--listeners", 100, 2),
        streamed: if smoke { 5 } else { 50 },
    };
    // A smoke run stays on one host name: it needs no namespace.
    let parts = Parts(arg("--only"));
    let own_hosts =
        !smoke && (parts.has("fan-out") || parts.has("processes")) && private_hosts(sizes.inboxes);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(run(arg("--postgres"), sizes, parts, own_hosts));
}

/// The parts to run: all, or those named by
/// `--only inbox,fan-out,thread,streaming,memory,processes`.
struct Parts(Option<String>);

impl Parts {
    fn has(&self, part: &str) -> bool {
        self.0
            .as_deref()
            .is_none_or(|only| only.split(',').any(|p| p.trim() == part))
    }
}

async fn run(postgres: Option<String>, sizes: Sizes, parts: Parts, own_hosts: bool) {
    let backend = match postgres.clone() {
        Some(url) => Backend::Postgres(url),
        None => Backend::Sqlite,
    };
    println!(
        "backend: {}",
        if matches!(backend, Backend::Sqlite) {
            "sqlite"
        } else {
            "postgres"
        }
    );
    let instance = TestInstance::start(&backend).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    print_memory("idle, once started");
    if parts.has("inbox") {
        inbox(&instance, sizes.inbox).await;
    }
    if parts.has("fan-out") {
        fan_out(&instance, sizes.inboxes, 0, own_hosts).await;
        fan_out(&instance, sizes.inboxes, sizes.inboxes / 10, own_hosts).await;
    }
    if parts.has("thread") {
        let (posts, rate, seconds) = (sizes.posts, sizes.thread_rate, sizes.thread_seconds);
        thread_page(&instance, posts, rate, seconds).await;
    }
    if parts.has("streaming") {
        streaming(&instance, sizes.listeners, sizes.streamed).await;
    }
    if parts.has("memory") {
        server_memory(postgres.as_deref(), sizes.remote_posts).await;
    }
    if parts.has("processes") {
        match postgres.as_deref() {
            Some(url) => {
                let (activities, inboxes, posts) = (sizes.inbox, sizes.inboxes, sizes.streamed);
                processes::processes(url, activities, inboxes, posts, own_hosts).await
            }
            None => println!("processes: PostgreSQL only (--postgres URL)"),
        }
    }
    print_memory("after the run");
}
