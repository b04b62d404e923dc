//! `/api/v1/streaming`: timelines pushed as they change, over a WebSocket (one connection,
//! several streams, subscribed by message) or server-sent events (one stream per request).
//! What to send comes from [`tsunagu_service::streaming::Cursor`]; this module only carries it.

use crate::auth::MaybeAuth;
use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::views;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use chrono::NaiveDateTime;
use futures::stream::{self, StreamExt};
use serde_json::{json, Value};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tsunagu_service::streaming::{Cursor, Happening, PerWrite, Stream};
use tsunagu_service::Context;

/// How often listeners look again when nothing woke them: writes by other processes on a
/// SQLite file wake nobody here.
const IDLE_LOOK: Duration = Duration::from_secs(2);
/// The same while other processes' writes wake this one (PostgreSQL): a look just in case.
const IDLE_LOOK_HEARING: Duration = Duration::from_secs(30);
/// After a write wakes a listener it waits this long, so a burst of writes costs one look.
const COALESCE: Duration = Duration::from_millis(100);
/// Streams one WebSocket may carry at once.
const MAX_SUBSCRIPTIONS: usize = 16;

/// `GET /api/v1/streaming/health`
pub async fn health() -> &'static str {
    "OK"
}

/// The viewer allowed to listen to `stream`: personal streams need a member token with the
/// matching scope; public ones take any token or none.
fn viewer_for(auth: &MaybeAuth, stream: &Stream) -> ApiResult<Option<i64>> {
    let scope = match stream {
        Stream::UserNotification => "read:notifications",
        _ => "read:statuses",
    };
    auth.viewer(scope)
}

/// Whether the token may read notifications (the `user` stream carries them only then).
fn reads_notifications(auth: &MaybeAuth) -> bool {
    auth.0
        .as_ref()
        .is_some_and(|a| a.require("read:notifications").is_ok())
}

async fn start(
    ctx: &Context,
    auth: &MaybeAuth,
    name: &str,
    tag: Option<&str>,
) -> ApiResult<Cursor> {
    let stream = Stream::parse(name, tag)?;
    let viewer = viewer_for(auth, &stream)?;
    Ok(Cursor::start(ctx, viewer, stream, reads_notifications(auth)).await?)
}

/// Status events rendered once for all the listeners of this process woken by the same write
/// (the same viewer, status and edit): without it, every listener of a stream rendered each
/// new status for itself, and 100 listeners made posting many times slower.
#[derive(Clone, Default)]
pub struct Renders(Arc<PerWrite<RenderKey, String>>);

/// A status as one viewer sees it, at one edit.
type RenderKey = (i64, Option<NaiveDateTime>, Option<i64>);

/// What woke a listener: the shared renders and the write count it saw (none when it looked
/// on the timer, and then shares nothing).
struct Wake<'a> {
    renders: &'a Renders,
    writes: Option<u64>,
}

async fn render_status(
    ctx: &Context,
    wake: &Wake<'_>,
    viewer: Option<i64>,
    post: tsunagu_db::Post,
) -> ApiResult<String> {
    let key = (post.id, post.updated_at, viewer);
    let render =
        || async move { Ok::<_, ApiError>(views::status(ctx, viewer, post).await?.to_string()) };
    wake.renders.0.get(wake.writes, key, render).await
}

/// One happening as (event name, payload): payloads are JSON text, as Mastodon sends them.
async fn render(
    ctx: &Context,
    wake: &Wake<'_>,
    viewer: Option<i64>,
    happening: Happening,
) -> ApiResult<(String, String)> {
    Ok(match happening {
        Happening::Update(post) => (
            "update".into(),
            render_status(ctx, wake, viewer, post).await?,
        ),
        Happening::Edited(post) => (
            "status.update".into(),
            render_status(ctx, wake, viewer, post).await?,
        ),
        Happening::Deleted(id) => ("delete".into(), id.to_string()),
        Happening::Notification(n) => {
            let me = viewer.unwrap_or(n.recipient_id);
            let list = views::notifications(ctx, me, vec![n]).await?;
            (
                "notification".into(),
                list.into_iter().next().unwrap_or(Value::Null).to_string(),
            )
        }
    })
}

async fn next_events(
    ctx: &Context,
    wake: &Wake<'_>,
    cursor: &mut Cursor,
    viewer: Option<i64>,
) -> Vec<(String, String)> {
    let happenings = match cursor.poll(ctx, wake.writes).await {
        Ok(list) => list,
        Err(e) => {
            tracing::warn!("streaming: {e}");
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for h in happenings {
        match render(ctx, wake, viewer, h).await {
            Ok(event) => out.push(event),
            Err(e) => tracing::warn!("streaming: rendering: {e:?}"),
        }
    }
    out
}

/// Turns true when the server shuts down, so streams end instead of holding it up.
#[derive(Clone)]
pub struct Stopping(pub tokio::sync::watch::Receiver<bool>);

/// Waits until this process wrote something (and for the writes close behind it) or a while
/// has passed. None once the server is shutting down; else the write count when woken by
/// writes (listeners woken by the same write share their work), none for a look on the timer.
async fn wait_for_change(
    ctx: &Context,
    writes: &mut tokio::sync::watch::Receiver<u64>,
    stopping: &mut Stopping,
) -> Option<Option<u64>> {
    let idle_look = if ctx.db.hears_other_processes() {
        IDLE_LOOK_HEARING
    } else {
        IDLE_LOOK
    };
    let woken_by_write = tokio::select! {
        _ = writes.changed() => true,
        _ = tokio::time::sleep(idle_look) => false,
        _ = stopping.0.wait_for(|s| *s) => return None,
    };
    if !woken_by_write {
        return Some(None);
    }
    tokio::time::sleep(COALESCE).await;
    Some(Some(*writes.borrow_and_update()))
}

/// Server-sent events for one stream.
fn sse(
    ctx: Context,
    cursor: Cursor,
    viewer: Option<i64>,
    stopping: Stopping,
    renders: Renders,
) -> Response {
    let writes = ctx.db.watch_writes();
    let events = stream::unfold(
        (ctx, cursor, writes, stopping),
        move |(ctx, mut cursor, mut writes, mut stopping)| {
            let renders = renders.clone();
            async move {
                let woken_by = wait_for_change(&ctx, &mut writes, &mut stopping).await?;
                let wake = Wake {
                    renders: &renders,
                    writes: woken_by,
                };
                let batch = next_events(&ctx, &wake, &mut cursor, viewer).await;
                Some((batch, (ctx, cursor, writes, stopping)))
            }
        },
    )
    .flat_map(|batch| {
        stream::iter(
            batch
                .into_iter()
                .map(|(event, data)| Ok::<_, Infallible>(Event::default().event(event).data(data))),
        )
    });
    Sse::new(events)
        .keep_alive(
            KeepAlive::new()
                .interval(Duration::from_secs(15))
                .text("thump"),
        )
        .into_response()
}

/// `GET /api/v1/streaming/:stream` (and `/public/local`, `/hashtag/local`...): server-sent
/// events.
pub async fn sse_stream(
    Path(path): Path<String>,
    Extension(stopping): Extension<Stopping>,
    Extension(renders): Extension<Renders>,
    auth: MaybeAuth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Response> {
    let name = path.trim_matches('/').replace('/', ":");
    let tag = p.str("tag");
    let cursor = start(&ctx, &auth, &name, tag.as_deref()).await?;
    let viewer = viewer_for(&auth, cursor.stream())?;
    Ok(sse(ctx, cursor, viewer, stopping, renders))
}

/// `GET /api/v1/streaming`: a WebSocket (streams from `?stream=` and `subscribe` messages),
/// or, without an upgrade, server-sent events for `?stream=`.
pub async fn root(
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
    headers: axum::http::HeaderMap,
    Extension(stopping): Extension<Stopping>,
    Extension(renders): Extension<Renders>,
    auth: MaybeAuth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Response> {
    let first = match p.str("stream").filter(|s| !s.is_empty()) {
        Some(name) => Some(start(&ctx, &auth, &name, p.str("tag").as_deref()).await?),
        None => None,
    };
    let Ok(upgrade) = upgrade else {
        let Some(cursor) = first else {
            return Err(ApiError::bad_request(
                "open a WebSocket here, or name a stream (?stream=user) for server-sent events",
            ));
        };
        let viewer = viewer_for(&auth, cursor.stream())?;
        return Ok(sse(ctx, cursor, viewer, stopping, renders));
    };
    // A token sent as the WebSocket protocol must be echoed back for browsers to accept.
    let upgrade = match headers
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
    {
        Some(token) => upgrade.protocols([token.to_string()]),
        None => upgrade,
    };
    Ok(upgrade.on_upgrade(move |socket| websocket(socket, ctx, auth, first, stopping, renders)))
}

/// A WebSocket: messages `{"type": "subscribe" | "unsubscribe", "stream": ..., "tag": ...}`
/// in; `{"stream": [...], "event": ..., "payload": ...}` out.
async fn websocket(
    mut socket: WebSocket,
    ctx: Context,
    auth: MaybeAuth,
    first: Option<Cursor>,
    mut stopping: Stopping,
    renders: Renders,
) {
    let mut cursors: Vec<(Cursor, Option<i64>)> = Vec::new();
    if let Some(cursor) = first {
        let viewer = viewer_for(&auth, cursor.stream()).ok().flatten();
        cursors.push((cursor, viewer));
    }
    let mut writes = ctx.db.watch_writes();
    loop {
        let woken_by;
        tokio::select! {
            incoming = socket.recv() => {
                let text = match incoming {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                    Some(Ok(_)) => continue,
                };
                if let Err(e) = subscription(&ctx, &auth, &mut cursors, text.as_str()).await {
                    let body = json!({ "error": e.message, "status": e.status.as_u16() }).to_string();
                    if socket.send(Message::Text(body.into())).await.is_err() {
                        return;
                    }
                }
                continue;
            }
            woken = wait_for_change(&ctx, &mut writes, &mut stopping) => {
                match woken {
                    Some(by) => woken_by = by,
                    None => {
                        let _ = socket.send(Message::Close(None)).await;
                        return;
                    }
                }
            }
        }
        let wake = Wake {
            renders: &renders,
            writes: woken_by,
        };
        for (cursor, viewer) in cursors.iter_mut() {
            let names = cursor.stream().names();
            for (event, payload) in next_events(&ctx, &wake, cursor, *viewer).await {
                let message = json!({ "stream": names, "event": event, "payload": payload });
                if socket
                    .send(Message::Text(message.to_string().into()))
                    .await
                    .is_err()
                {
                    return;
                }
            }
        }
    }
}

async fn subscription(
    ctx: &Context,
    auth: &MaybeAuth,
    cursors: &mut Vec<(Cursor, Option<i64>)>,
    text: &str,
) -> ApiResult<()> {
    let message: Value = serde_json::from_str(text)
        .map_err(|_| ApiError::bad_request("messages are JSON objects"))?;
    let name = message["stream"].as_str().unwrap_or_default();
    let tag = message["tag"].as_str();
    let stream = Stream::parse(name, tag)?;
    match message["type"].as_str() {
        Some("subscribe") => {
            if !cursors.iter().any(|(c, _)| *c.stream() == stream) {
                if cursors.len() >= MAX_SUBSCRIPTIONS {
                    return Err(ApiError::unprocessable(format!(
                        "at most {MAX_SUBSCRIPTIONS} streams on one connection"
                    )));
                }
                let viewer = viewer_for(auth, &stream)?;
                let cursor = Cursor::start(ctx, viewer, stream, reads_notifications(auth)).await?;
                cursors.push((cursor, viewer));
            }
            Ok(())
        }
        Some("unsubscribe") => {
            cursors.retain(|(c, _)| *c.stream() != stream);
            Ok(())
        }
        _ => Err(ApiError::bad_request(
            "type must be subscribe or unsubscribe",
        )),
    }
}
