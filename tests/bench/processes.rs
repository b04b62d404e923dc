//! Two `tsunagu serve` processes on one PostgreSQL database behind one address, against one
//! process behind the same address: ingest, fan-out, and a streaming listener on one process
//! seeing the posts made through the other.

use crate::server::{self, free_port, Site};
use crate::{percentile, receive_mentions};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tsunagu_tests::http;
use tsunagu_tests::stub::StubPeer;

const PASSWORD: &str = "a long benchmark password";

/// One address in front of the processes: each connection goes to the next process in turn,
/// as a TCP load balancer sends them (the benchmark's clients open a connection per request).
struct Front {
    port: u16,
    ports: Arc<Mutex<Vec<u16>>>,
}

impl Front {
    async fn start() -> Front {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let ports: Arc<Mutex<Vec<u16>>> = Arc::default();
        let behind = ports.clone();
        tokio::spawn(async move {
            let mut next = 0usize;
            while let Ok((mut inbound, _)) = listener.accept().await {
                let to = {
                    let ports = behind.lock().expect("lock");
                    next += 1;
                    ports[next % ports.len()]
                };
                tokio::spawn(async move {
                    if let Ok(mut outbound) =
                        tokio::net::TcpStream::connect(("127.0.0.1", to)).await
                    {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Front { port, ports }
    }

    fn route_to(&self, ports: &[u16]) {
        *self.ports.lock().expect("lock") = ports.to_vec();
    }
}

/// What one round measures.
struct Round {
    ingest: f64,
    fan_out: Duration,
    delays: Vec<Duration>,
}

pub async fn processes(
    postgres: &str,
    activities: usize,
    inboxes: usize,
    posts: usize,
    own_hosts: bool,
) {
    let Some(exe) = server::binary() else {
        println!(
            "processes: no server binary beside this program (cargo build --release -p tsunagu)"
        );
        return;
    };
    // Named like test databases, so a later run drops it once this process is gone.
    let name = format!("tsunagu_test_{}_processes", std::process::id());
    let database_url = tsunagu_db::testing::create_database(postgres, &name).expect("database");
    let front = Front::start().await;
    let domain = format!("localhost:{}", front.port);
    let dir = tempfile::tempdir().expect("temporary folder");
    let site = Site::new(exe, database_url.clone(), domain.clone(), dir);
    site.create_member("poster", PASSWORD);
    site.create_member("reader", PASSWORD);
    // Posts without followers, so streaming adds no deliveries to the next measurement.
    site.create_member("streamer", PASSWORD);
    let extra = ["--rate-limit", "1000000", "--sign-in-limit", "1000000"];
    let first = site.serve(free_port(), &extra).await;
    front.route_to(&[port_of(&first.base)]);
    let base = format!("http://{domain}");
    let token = tsunagu_tests::login(&base, "poster@example.test", PASSWORD).await;
    let streamer = tsunagu_tests::login(&base, "streamer@example.test", PASSWORD).await;
    let tokens = (token.as_str(), streamer.as_str());

    // Followers of the poster, each on its own server when the run has private host names.
    let peer = StubPeer::start("mastodon").await;
    let peer_port = peer.domain.rsplit(':').next().expect("port").to_string();
    let db = tsunagu_db::Db::connect(&database_url).expect("database");
    let poster_url = format!("{base}/users/poster");
    let poster = db
        .read(move |c| tsunagu_db::queries::actors::by_ap_id(c, &poster_url))
        .await
        .expect("read")
        .expect("the poster")
        .id;
    let followers = (0..inboxes)
        .map(|i| {
            let host = if own_hosts {
                format!("http://peer-{i}.test:{peer_port}")
            } else {
                peer.base.clone()
            };
            (
                format!("{host}/users/f{i}"),
                format!("f{i}"),
                format!("{host}/users/f{i}/inbox"),
            )
        })
        .collect();
    tsunagu_tests::add_remote_followers_to(&db, poster, followers).await;
    drop(db);
    let author = peer.add_person("sender");

    let one = round(
        &peer,
        &author,
        &base,
        &domain,
        tokens,
        (&first.base, &first.base),
        activities,
        inboxes,
        posts,
        "one",
    )
    .await;
    let second = site.serve(free_port(), &extra).await;
    front.route_to(&[port_of(&first.base), port_of(&second.base)]);
    let mut two = round(
        &peer,
        &author,
        &base,
        &domain,
        tokens,
        (&first.base, &second.base),
        activities,
        inboxes,
        posts,
        "two",
    )
    .await;
    let mut one_delays = one.delays;
    println!(
        "processes: ingest through one address: one process {:.0} activities/s, two {:.0}/s; ratio {:.2}",
        one.ingest,
        two.ingest,
        two.ingest / one.ingest
    );
    println!(
        "processes: fan-out of one post to {inboxes} inboxes{}: one process {:.2} s, two {:.2} s; ratio {:.2}",
        if own_hosts { " on as many hosts" } else { " on one host" },
        one.fan_out.as_secs_f64(),
        two.fan_out.as_secs_f64(),
        two.fan_out.as_secs_f64() / one.fan_out.as_secs_f64()
    );
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "processes: streaming, {posts} posts: listener on the process posted through p50 {:.0} ms, p99 {:.0} ms; on the other process p50 {:.0} ms, p99 {:.0} ms",
        ms(percentile(&mut one_delays, 0.5)),
        ms(percentile(&mut one_delays, 0.99)),
        ms(percentile(&mut two.delays, 0.5)),
        ms(percentile(&mut two.delays, 0.99)),
    );
}

fn port_of(base: &str) -> u16 {
    base.rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port")
}

/// Ingest and fan-out (posted with `tokens.0`) through the front, then posts made with
/// `tokens.1` through `stream.0` while a listener follows `public:local` on `stream.1`.
#[allow(clippy::too_many_arguments)]
async fn round(
    peer: &StubPeer,
    author: &str,
    base: &str,
    domain: &str,
    tokens: (&str, &str),
    stream: (&str, &str),
    activities: usize,
    inboxes: usize,
    posts: usize,
    name: &str,
) -> Round {
    // Each process fetches the sender's key once; not measured.
    receive_mentions(peer, author, base, domain, 4, &format!("{name}-warm")).await;
    let ingest = receive_mentions(peer, author, base, domain, activities, name).await;

    let before = peer.received().len();
    let start = Instant::now();
    post(base, tokens.0, &format!("{name}: one post to many inboxes")).await;
    while peer.received().len() < before + inboxes {
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "fan-out did not finish"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let fan_out = start.elapsed();

    let delays = stream_delays(stream.0, stream.1, tokens.1, posts, name).await;
    Round {
        ingest,
        fan_out,
        delays,
    }
}

async fn post(base: &str, token: &str, text: &str) {
    let res = http()
        .post(format!("{base}/api/v1/statuses"))
        .bearer_auth(token)
        .json(&json!({ "status": text }))
        .send()
        .await
        .expect("post");
    assert!(res.status().is_success(), "posting: {}", res.status());
}

/// Posts `count` statuses through `poster`, one after another, while a listener follows
/// `public:local` on `listener`; the delay from each post's answer to its arrival.
async fn stream_delays(
    poster: &str,
    listener: &str,
    token: &str,
    count: usize,
    round: &str,
) -> Vec<Duration> {
    let mut res = http()
        .get(format!("{listener}/api/v1/streaming/public/local"))
        .send()
        .await
        .expect("stream");
    assert!(res.status().is_success());
    let marker = format!("relayed-{round}-");
    let seen: Arc<Mutex<HashMap<usize, Instant>>> = Arc::default();
    let reader = {
        let seen = seen.clone();
        tokio::spawn(async move {
            let mut buffer = String::new();
            while seen.lock().expect("lock").len() < count {
                let Ok(Some(chunk)) = res.chunk().await else {
                    return;
                };
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(at) = buffer.find(&marker) {
                    let rest = &buffer[at + marker.len()..];
                    let Some(end) = rest.find("-end") else { break };
                    if let Ok(i) = rest[..end].parse::<usize>() {
                        seen.lock()
                            .expect("lock")
                            .entry(i)
                            .or_insert_with(Instant::now);
                    }
                    buffer.drain(..at + marker.len() + end);
                }
            }
        })
    };
    // A listener starts from the moment it connects.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut sent = Vec::with_capacity(count);
    for i in 0..count {
        post(poster, token, &format!("relayed-{round}-{i}-end")).await;
        sent.push(Instant::now());
    }
    let _ = tokio::time::timeout(Duration::from_secs(60), reader).await;
    let seen = seen.lock().expect("lock");
    assert_eq!(seen.len(), count, "every post reached the listener");
    sent.iter()
        .enumerate()
        .map(|(i, at)| seen[&i].saturating_duration_since(*at))
        .collect()
}
