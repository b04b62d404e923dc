//! Streaming: what a listener on a timeline has not been told yet.
//!
//! The database is the stream. A listener keeps a cursor (the last post and notification it
//! saw, and when it last looked for edits and deletions) and asks for what is newer whenever
//! this process commits a write, and every few seconds in case another process on the same
//! database did. Nothing is lost if a listener is slow, and several server processes need no
//! message bus between them. Listeners woken by the same write share their reads
//! ([`SharedLooks`]), so many listeners of one stream cost about one.

use crate::posts::can_see;
use crate::{notifications, timelines, Context, ServiceError, ServiceResult};
use chrono::{Duration, NaiveDateTime};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;
use tsunagu_db::queries::{notifications as notification_rows, posts, Page};
use tsunagu_db::{now, Notification, Post};

/// The timelines one can listen to, with Mastodon's names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Stream {
    /// Home timeline and notifications.
    User,
    /// Notifications only.
    UserNotification,
    Public {
        local: Option<bool>,
    },
    Hashtag {
        tag: String,
        local: bool,
    },
}

impl Stream {
    /// `user`, `public:local`, `hashtag` (with `tag`)...
    pub fn parse(name: &str, tag: Option<&str>) -> ServiceResult<Stream> {
        let tag = || {
            tag.map(|t| t.trim_start_matches('#').to_lowercase())
                .filter(|t| !t.is_empty())
                .ok_or_else(|| ServiceError::Invalid("hashtag streams need a tag".into()))
        };
        Ok(match name {
            "user" => Stream::User,
            "user:notification" => Stream::UserNotification,
            "public" => Stream::Public { local: None },
            "public:local" => Stream::Public { local: Some(true) },
            "public:remote" => Stream::Public { local: Some(false) },
            "hashtag" => Stream::Hashtag {
                tag: tag()?,
                local: false,
            },
            "hashtag:local" => Stream::Hashtag {
                tag: tag()?,
                local: true,
            },
            other => {
                return Err(ServiceError::Invalid(
                    format!("unknown stream {other:?}").into(),
                ))
            }
        })
    }

    /// The name as sent back with each event: `["hashtag", "rust"]`.
    pub fn names(&self) -> Vec<String> {
        match self {
            Stream::User => vec!["user".into()],
            Stream::UserNotification => vec!["user:notification".into()],
            Stream::Public { local: None } => vec!["public".into()],
            Stream::Public { local: Some(true) } => vec!["public:local".into()],
            Stream::Public { local: Some(false) } => vec!["public:remote".into()],
            Stream::Hashtag { tag, local } => vec![
                if *local { "hashtag:local" } else { "hashtag" }.into(),
                tag.clone(),
            ],
        }
    }

    fn personal(&self) -> bool {
        matches!(self, Stream::User | Stream::UserNotification)
    }
}

/// Something to tell a listener.
#[derive(Debug, Clone)]
pub enum Happening {
    /// A new post in the timeline (`update`).
    Update(Post),
    /// A post in the timeline was edited (`status.update`).
    Edited(Post),
    /// A post was deleted (`delete`, with its id).
    Deleted(i64),
    Notification(Notification),
}

/// How far back each look for edits and deletions reaches past the previous one, so a write
/// stamped just before a look but committed just after it is still seen.
const OVERLAP_SECS: i64 = 10;
/// New rows are read in id windows this wide: a window holds at most this many rows, so none is
/// cut off however many of them the stream then leaves out.
const WINDOW: i64 = 200;
/// Windows read per look; a listener far behind catches up over the next looks.
const WINDOWS_PER_LOOK: usize = 10;

/// Where a listener is in its stream.
pub struct Cursor {
    stream: Stream,
    viewer: Option<i64>,
    /// Whether notifications are sent (personal streams, with a token that may read them).
    notifications: bool,
    last_post: i64,
    last_notification: i64,
    changes_since: NaiveDateTime,
    /// Edits and deletions already told, as (post, when), within the overlap.
    told: HashSet<(i64, NaiveDateTime)>,
}

impl Cursor {
    /// Starts listening now; personal streams need a member. `notifications` is whether the
    /// listener may read notifications (the `user` stream carries them only then).
    pub async fn start(
        ctx: &Context,
        viewer: Option<i64>,
        stream: Stream,
        notifications: bool,
    ) -> ServiceResult<Cursor> {
        if stream.personal() && viewer.is_none() {
            return Err(ServiceError::Unauthorized(
                "this stream needs a member's access token".into(),
            ));
        }
        let (last_post, last_notification) = ctx
            .db
            .read(|c| Ok((posts::latest_id(c)?, notification_rows::latest_id(c)?)))
            .await?;
        Ok(Cursor {
            notifications: notifications && stream.personal(),
            stream,
            viewer,
            last_post,
            last_notification,
            changes_since: now(),
            told: HashSet::new(),
        })
    }

    pub fn stream(&self) -> &Stream {
        &self.stream
    }

    /// What happened since the previous call, oldest first. `woken_by` is the write count
    /// that woke this look, none for a look on the timer (see [`SharedLooks`]).
    pub async fn poll(
        &mut self,
        ctx: &Context,
        woken_by: Option<u64>,
    ) -> ServiceResult<Vec<Happening>> {
        let (newest_post, newest_notification) = ctx.streams.newest(ctx, woken_by).await?;
        let mut out = Vec::new();
        for _ in 0..WINDOWS_PER_LOOK {
            if self.last_post >= newest_post || self.stream == Stream::UserNotification {
                break;
            }
            let upper = (self.last_post + WINDOW).min(newest_post);
            let page = window(self.last_post, upper);
            let fresh = ctx
                .streams
                .window(ctx, woken_by, &self.stream, self.viewer, page)
                .await?;
            // Pages come newest first; listeners want them in the order they happened.
            out.extend(fresh.into_iter().rev().map(Happening::Update));
            self.last_post = upper;
        }
        if let (true, Some(me)) = (self.notifications, self.viewer) {
            for _ in 0..WINDOWS_PER_LOOK {
                if self.last_notification >= newest_notification {
                    break;
                }
                let upper = (self.last_notification + WINDOW).min(newest_notification);
                let page = window(self.last_notification, upper);
                let list = notifications::list(ctx, me, None, Vec::new(), page).await?;
                out.extend(list.into_iter().rev().map(Happening::Notification));
                self.last_notification = upper;
            }
        }
        if self.stream != Stream::UserNotification {
            out.extend(self.changes(ctx).await?);
        }
        Ok(out)
    }

    /// Edits and deletions of posts this stream shows.
    async fn changes(&mut self, ctx: &Context) -> ServiceResult<Vec<Happening>> {
        let looked_at = now();
        let since = self.changes_since - Duration::seconds(OVERLAP_SECS);
        let changed = ctx
            .db
            .read(move |c| posts::changed_since(c, since, 200))
            .await?;
        let following = match (&self.stream, self.viewer) {
            (Stream::User, Some(me)) => {
                ctx.db
                    .read(move |c| tsunagu_db::queries::follows::followee_ids(c, me))
                    .await?
            }
            _ => Vec::new(),
        };
        let mut out = Vec::new();
        for post in changed.into_iter().rev() {
            let when = post
                .deleted_at
                .or(post.updated_at)
                .unwrap_or(post.created_at);
            if post.id > self.last_post || self.told.contains(&(post.id, when)) {
                continue;
            }
            let shown = match &self.stream {
                Stream::User => {
                    Some(post.author_id) == self.viewer || following.contains(&post.author_id)
                }
                Stream::UserNotification => false,
                Stream::Public { local } => {
                    post.visibility == "public" && local.is_none_or(|l| l == post.local)
                }
                Stream::Hashtag { tag, local } => {
                    let (pid, tag) = (post.id, tag.clone());
                    post.visibility == "public"
                        && (!*local || post.local)
                        && ctx
                            .db
                            .read(move |c| posts::tags(c, pid))
                            .await?
                            .contains(&tag)
                }
            };
            if !shown {
                continue;
            }
            self.told.insert((post.id, when));
            if post.deleted_at.is_some() {
                out.push(Happening::Deleted(post.id));
            } else if can_see(ctx, self.viewer, &post).await? {
                out.push(Happening::Edited(post));
            }
        }
        self.changes_since = looked_at;
        let horizon = looked_at - Duration::seconds(OVERLAP_SECS * 2);
        self.told.retain(|(_, when)| *when >= horizon);
        Ok(out)
    }
}

/// New posts of a stream in one window, newest first, as `viewer` sees them.
async fn read_window(
    ctx: &Context,
    stream: &Stream,
    viewer: Option<i64>,
    page: Page,
) -> ServiceResult<Vec<Post>> {
    Ok(match (stream, viewer) {
        (Stream::User, Some(me)) => timelines::home(ctx, me, page).await?,
        (Stream::Public { local }, viewer) => timelines::public(ctx, viewer, *local, page).await?,
        (Stream::Hashtag { tag, local }, viewer) => {
            let list = timelines::tag(ctx, viewer, tag, page).await?;
            list.into_iter().filter(|p| !*local || p.local).collect()
        }
        _ => Vec::new(),
    })
}

/// Values worked out once for all the listeners of this process woken by the same write, and
/// kept only until a later write, so nothing worked out before a write is used after it. A
/// look on the timer (it may follow another process's writes) works alone.
pub struct PerWrite<K, V>(Mutex<Kept<K, V>>);

/// The write the values were worked out after, and the values.
type Kept<K, V> = (u64, HashMap<K, Arc<OnceCell<V>>>);

impl<K, V> Default for PerWrite<K, V> {
    fn default() -> Self {
        PerWrite(Mutex::new((0, HashMap::new())))
    }
}

impl<K: std::hash::Hash + Eq, V: Clone> PerWrite<K, V> {
    /// The value for `key` among the listeners woken by write `woken_by`, worked out by the
    /// first of them; worked out alone when woken by the timer or behind the latest write.
    pub async fn get<E, F, Fut>(&self, woken_by: Option<u64>, key: K, work: F) -> Result<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<V, E>>,
    {
        let cell = woken_by.and_then(|writes| {
            let mut kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
            if writes > kept.0 {
                *kept = (writes, HashMap::new());
            }
            (kept.0 == writes).then(|| kept.1.entry(key).or_default().clone())
        });
        match cell {
            Some(cell) => cell.get_or_try_init(work).await.cloned(),
            None => work().await,
        }
    }
}

/// A window of a stream as one viewer sees it: (stream, viewer, after, before).
type WindowKey = (Stream, Option<i64>, Option<i64>, Option<i64>);

/// The reads the listeners of this process woken by the same write make alike, made once:
/// the newest ids, and each window of a stream as one viewer sees it.
#[derive(Default)]
pub struct SharedLooks {
    newest: PerWrite<(), (i64, i64)>,
    windows: PerWrite<WindowKey, Vec<Post>>,
}

impl SharedLooks {
    async fn newest(&self, ctx: &Context, woken_by: Option<u64>) -> ServiceResult<(i64, i64)> {
        let read = || async {
            let ids = ctx
                .db
                .read(|c| Ok((posts::latest_id(c)?, notification_rows::latest_id(c)?)))
                .await?;
            Ok::<_, ServiceError>(ids)
        };
        self.newest.get(woken_by, (), read).await
    }

    async fn window(
        &self,
        ctx: &Context,
        woken_by: Option<u64>,
        stream: &Stream,
        viewer: Option<i64>,
        page: Page,
    ) -> ServiceResult<Vec<Post>> {
        let key = (stream.clone(), viewer, page.min_id, page.max_id);
        let read = || read_window(ctx, stream, viewer, page);
        self.windows.get(woken_by, key, read).await
    }
}

/// Rows with ids above `after`, up to and including `upto`.
fn window(after: i64, upto: i64) -> Page {
    Page {
        min_id: Some(after),
        max_id: Some(upto + 1),
        since_id: None,
        limit: WINDOW,
    }
}
