//! Streaming over server-sent events and WebSockets: new posts, notifications, edits and
//! deletions reach listeners, on the right streams only.

use futures::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tsunagu_tests::{http, on_both_backends, Backend, TestInstance};

/// Reads server-sent events from a response until `count` events arrived (or 20 s passed).
async fn sse_events(res: &mut reqwest::Response, count: usize) -> Vec<(String, Value)> {
    let mut buffer = String::new();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while events.len() < count {
        let chunk = tokio::time::timeout_at(deadline, res.chunk())
            .await
            .unwrap_or_else(|_| panic!("only {} of {count} events: {events:?}", events.len()))
            .expect("read")
            .expect("stream ended");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let mut name = None;
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = Some(v.trim().to_string());
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            if let Some(name) = name {
                let payload = serde_json::from_str(&data).unwrap_or(Value::String(data));
                events.push((name, payload));
            }
        }
    }
    events
}

on_both_backends!(server_sent_events_on_the_user_stream, user_stream);
async fn user_stream(backend: Backend) {
    let mut uni = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let carol = uni.member("carol").await;

    let health = http()
        .get(format!("{}/api/v1/streaming/health", uni.base))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.text().await.expect("text"), "OK");

    // The user stream is personal.
    let res = http()
        .get(format!("{}/api/v1/streaming/user", uni.base))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = http()
        .get(format!("{}/api/v1/streaming/nonsense", uni.base))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let mut stream = http()
        .get(format!("{}/api/v1/streaming/user", uni.base))
        .bearer_auth(&alice.token)
        .send()
        .await
        .expect("stream");
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(stream.headers()["content-type"]
        .to_str()
        .expect("type")
        .starts_with("text/event-stream"));

    // Something that does not concern alice, then her own post, then a mention of her.
    carol.status("Not for alice's home").await;
    let mine = alice.status("Hello from the stream").await;
    let id = mine["id"].as_str().expect("id").to_string();
    carol
        .status(&format!("@{} welcome back", alice.username))
        .await;
    let events = sse_events(&mut stream, 3).await;
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "update").count(),
        2,
        "{events:?}"
    );
    assert!(kinds.contains(&"notification"), "{events:?}");
    let first_update = events.iter().find(|(k, _)| k == "update").expect("update");
    assert_eq!(
        first_update.1["id"],
        json!(id),
        "oldest first, and not carol's own post"
    );
    let note = events.iter().find(|(k, _)| k == "notification").expect("n");
    assert_eq!(note.1["type"], "mention");
    assert_eq!(note.1["account"]["username"], "carol");

    // Edits and deletions follow.
    alice
        .request(
            reqwest::Method::PUT,
            &format!("/api/v1/statuses/{id}"),
            Some(json!({ "status": "Hello from the stream, edited" })),
        )
        .await;
    let edited = sse_events(&mut stream, 1).await;
    assert_eq!(edited[0].0, "status.update");
    assert!(edited[0].1["content"]
        .as_str()
        .unwrap_or("")
        .contains("edited"));
    alice
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/statuses/{id}"),
            None,
        )
        .await;
    let deleted = sse_events(&mut stream, 1).await;
    assert_eq!(
        deleted[0],
        ("delete".to_string(), json!(id.parse::<i64>().expect("n")))
    );

    // Another process on the same database: its writes reach listeners here too.
    let other = uni.second_process().await;
    let other_base = format!("http://{}", other.local_addr);
    let res = http()
        .post(format!("{other_base}/api/v1/statuses"))
        .bearer_auth(&alice.token)
        .json(&json!({ "status": "Written through the other process" }))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::OK);
    let events = sse_events(&mut stream, 1).await;
    assert_eq!(events[0].0, "update");
    assert!(events[0].1["content"]
        .as_str()
        .unwrap_or("")
        .contains("other process"));
    other.stop().await;

    // Shutting down ends open streams rather than waiting for them.
    let stopped = tokio::time::timeout(Duration::from_secs(15), uni.stop()).await;
    assert!(stopped.is_ok(), "the server waited for the open stream");
    let end = tokio::time::timeout(Duration::from_secs(15), stream.chunk())
        .await
        .expect("the stream ends");
    assert!(matches!(end, Ok(None) | Err(_)), "{end:?}");
}

async fn next_message(
    socket: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(20), socket.next())
            .await
            .expect("a message in time")
            .expect("socket open")
            .expect("message");
        if let Message::Text(text) = msg {
            return serde_json::from_str(text.as_str()).expect("json");
        }
    }
}

on_both_backends!(websocket_streams_public_local_and_hashtags, websocket);
async fn websocket(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let corp = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let bob = corp.member("bob").await;
    let listener = uni.member("listener").await;
    listener.follow(&bob.handle).await;

    let url = format!(
        "ws://{}/api/v1/streaming?access_token={}&stream=public:local",
        uni.domain, listener.token
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connect");
    let subscribe = json!({ "type": "subscribe", "stream": "hashtag", "tag": "Reunion" });
    socket
        .send(Message::Text(subscribe.to_string().into()))
        .await
        .expect("send");
    let bad = json!({ "type": "subscribe", "stream": "nowhere" });
    socket
        .send(Message::Text(bad.to_string().into()))
        .await
        .expect("send");
    let error = next_message(&mut socket).await;
    assert!(
        error["error"].as_str().unwrap_or("").contains("nowhere"),
        "{error}"
    );
    // Messages are handled in order: the answer to the bad one shows the subscription is on.

    // A remote post with the tag: on the hashtag stream, not on public:local.
    let remote = bob.status("Who is coming to the #reunion?").await;
    let msg = next_message(&mut socket).await;
    assert_eq!(msg["stream"], json!(["hashtag", "reunion"]), "{msg}");
    assert_eq!(msg["event"], "update");
    let payload: Value =
        serde_json::from_str(msg["payload"].as_str().expect("payload text")).expect("payload json");
    assert_eq!(payload["uri"], remote["uri"]);

    // A local post without the tag: only on public:local.
    alice.status("Local news").await;
    let msg = next_message(&mut socket).await;
    assert_eq!(msg["stream"], json!(["public:local"]), "{msg}");
    let payload: Value =
        serde_json::from_str(msg["payload"].as_str().expect("text")).expect("json");
    assert!(payload["content"]
        .as_str()
        .unwrap_or("")
        .contains("Local news"));

    // After unsubscribing, tagged posts no longer come; local ones still do.
    let unsubscribe = json!({ "type": "unsubscribe", "stream": "hashtag", "tag": "reunion" });
    socket
        .send(Message::Text(unsubscribe.to_string().into()))
        .await
        .expect("send");
    // Messages are handled in order: the answer to a bad one shows the unsubscribe was done.
    socket
        .send(Message::Text(bad.to_string().into()))
        .await
        .expect("send");
    let error = next_message(&mut socket).await;
    assert!(error["error"].is_string(), "{error}");
    bob.status("Another #reunion note").await;
    let local = alice.status("More #reunion news from here").await;
    let msg = next_message(&mut socket).await;
    assert_eq!(msg["stream"], json!(["public:local"]), "{msg}");
    let payload: Value =
        serde_json::from_str(msg["payload"].as_str().expect("text")).expect("json");
    assert_eq!(payload["id"], local["id"]);
}

on_both_backends!(
    listeners_woken_together_each_see_their_own_stream,
    listeners_woken_together
);
/// Listeners of one stream woken by the same write share its reads and renderings; each still
/// gets the stream as it may see it, and each status once.
async fn listeners_woken_together(backend: Backend) {
    let uni = TestInstance::start(&backend).await;
    let alice = uni.member("alice").await;
    let carol = uni.member("carol").await;
    let blocker = uni.member("blocker").await;
    blocker
        .post(&format!("/api/v1/accounts/{}/block", alice.id), json!({}))
        .await;
    let open = |token: Option<&str>| {
        let mut req = http().get(format!("{}/api/v1/streaming/public/local", uni.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        async move {
            let res = req.send().await.expect("stream");
            assert_eq!(res.status(), StatusCode::OK);
            res
        }
    };
    let mut anonymous = [open(None).await, open(None).await, open(None).await];
    let mut blocking = open(Some(&blocker.token)).await;
    let from_alice = alice.status("Alice to everyone").await;
    let from_carol = carol.status("Carol to everyone").await;
    for res in anonymous.iter_mut() {
        let events = sse_events(res, 2).await;
        let ids: Vec<&Value> = events.iter().map(|(_, s)| &s["id"]).collect();
        assert_eq!(ids, [&from_alice["id"], &from_carol["id"]], "{events:?}");
        assert!(events.iter().all(|(name, _)| name == "update"));
    }
    // Whoever blocked Alice hears only Carol.
    let events = sse_events(&mut blocking, 1).await;
    assert_eq!(events[0].1["id"], from_carol["id"], "{events:?}");
    let more = tokio::time::timeout(Duration::from_secs(3), blocking.chunk()).await;
    if let Ok(Ok(Some(chunk))) = more {
        let text = String::from_utf8_lossy(&chunk);
        assert!(!text.contains("Alice to everyone"), "{text}");
    }
}
