//! Boards (Group actors) and their threads: starting threads in one or several boards,
//! Q&A with accepted answers, and moderation (lock, pin, remove, ban).

use crate::accounts::{self, Role};
use crate::error::{invalid, invalid_as};
use crate::posts::{random_token, PostVisibility};
use crate::Problem;
use crate::{html, keys, Context, Event, ServiceError, ServiceResult};
use std::str::FromStr;
use tsunagu_db::queries::boards::{self as q, ThreadOrder};
use tsunagu_db::queries::{actors, posts, users};
use tsunagu_db::{now, Actor, Board, NewPost, Post, Thread, User};

/// How many boards one thread may be addressed to.
pub const MAX_BOARDS_PER_THREAD: usize = 5;
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_BODY_CHARS: usize = 20_000;

/// Who may start threads in a board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostingMode {
    /// Anyone, here or elsewhere.
    Open,
    /// Members of this instance.
    Members,
    /// The board's moderators (announcement boards).
    Moderators,
}

impl PostingMode {
    pub fn as_str(self) -> &'static str {
        match self {
            PostingMode::Open => "open",
            PostingMode::Members => "members",
            PostingMode::Moderators => "moderators",
        }
    }
}

impl FromStr for PostingMode {
    type Err = ServiceError;
    fn from_str(s: &str) -> ServiceResult<Self> {
        match s {
            "open" => Ok(PostingMode::Open),
            "members" => Ok(PostingMode::Members),
            "moderators" => Ok(PostingMode::Moderators),
            _ => Err(invalid(format!(
                "unknown posting mode {s:?}: use open, members or moderators"
            ))),
        }
    }
}

/// The board new members are invited to introduce themselves in (a habit of alumni sites).
pub const INTRODUCTIONS: &str = "introductions";

/// Makes the introductions board the first time a member is welcomed; staff may edit it later.
pub async fn ensure_introductions(ctx: &Context) -> ServiceResult<()> {
    ensure_board(
        ctx,
        INTRODUCTIONS,
        "Introductions · 自己紹介",
        "New members say hello: where you studied, what you do now, what you would like to talk \
         about.\n\n新しく参加した方の自己紹介の場です。",
    )
    .await
    .map(|_| ())
}

/// A board the instance keeps for one purpose (introductions, careers, giving), open to its
/// members, made the first time it is needed; staff may edit it like any board.
pub async fn ensure_board(
    ctx: &Context,
    name: &str,
    title: &str,
    description: &str,
) -> ServiceResult<Actor> {
    match find_board(ctx, name).await {
        Ok((_, actor)) => return Ok(actor),
        Err(ServiceError::NotFound(_)) => {}
        Err(e) => return Err(e),
    }
    let made = create_board(
        ctx,
        None,
        NewBoard {
            name: name.into(),
            title: title.into(),
            description: description.into(),
            rules: String::new(),
            posting_mode: PostingMode::Members,
        },
    )
    .await;
    match made {
        Ok((_, actor)) => Ok(actor),
        // Made at the same moment by another request.
        Err(ServiceError::Conflict(_)) => Ok(find_board(ctx, name).await?.1),
        Err(e) => Err(e),
    }
}

pub struct NewBoard {
    pub name: String,
    pub title: String,
    pub description: String,
    pub rules: String,
    pub posting_mode: PostingMode,
}

/// Creates a local board; `creator` (staff) becomes its first moderator.
pub async fn create_board(
    ctx: &Context,
    creator: Option<&Actor>,
    new: NewBoard,
) -> ServiceResult<(Board, Actor)> {
    accounts::validate_username(&new.name)?;
    let title = new.title.trim().to_string();
    if title.is_empty() || title.chars().count() > 100 {
        return Err(invalid_as(
            "board-title-length",
            "title must be 1 to 100 characters",
        ));
    }
    if new.description.chars().count() > 5000 || new.rules.chars().count() > 5000 {
        return Err(invalid(
            "description and rules must be at most 5000 characters each",
        ));
    }
    let (n, host) = (new.name.clone(), ctx.domain.clone());
    if ctx
        .db
        .read(move |c| actors::by_handle(c, &n, &host))
        .await?
        .is_some()
    {
        return Err(ServiceError::Conflict(Problem::coded(
            "board-name-taken",
            format!("the name {:?} is taken", new.name),
        )));
    }
    let keys = keys::generate_async().await?;
    let mut row = accounts::local_actor_row(
        ctx,
        "Group",
        &new.name,
        &format!("/boards/{}", new.name),
        title,
        keys,
    );
    row.summary = html::render_markdown(&new.description);
    row.url = Some(ctx.url(&format!("/boards/{}", new.name)));
    let (mode, rules, creator_id) = (
        new.posting_mode.as_str().to_string(),
        new.rules.clone(),
        creator.map(|a| a.id),
    );
    let actor_id = ctx
        .db
        .write(move |c| {
            let id = actors::insert(c, &row)?;
            q::insert(
                c,
                &Board {
                    actor_id: id,
                    posting_mode: mode,
                    rules,
                    archived: false,
                    created_at: now(),
                    hold_remote_first_posts: false,
                },
            )?;
            if let Some(creator) = creator_id {
                q::add_moderator(c, id, creator)?;
            }
            Ok(id)
        })
        .await
        .map_err(|e| {
            if e.is_unique_violation() {
                ServiceError::Conflict(Problem::coded("board-name-taken", "the name is taken"))
            } else {
                e.into()
            }
        })?;
    board_by_actor(ctx, actor_id).await
}

pub async fn board_by_actor(ctx: &Context, actor_id: i64) -> ServiceResult<(Board, Actor)> {
    ctx.db
        .read(move |c| {
            let board = q::by_actor(c, actor_id)?.ok_or(tsunagu_db::QueryError::NotFound)?;
            Ok((board, actors::by_id(c, actor_id)?))
        })
        .await
        .map_err(|_| ServiceError::NotFound("board"))
}

/// A local board by name.
pub async fn find_board(ctx: &Context, name: &str) -> ServiceResult<(Board, Actor)> {
    let (n, host) = (name.to_string(), ctx.domain.clone());
    let actor = ctx
        .db
        .read(move |c| actors::by_handle(c, &n, &host))
        .await?
        .filter(|a| a.kind == "Group" && a.local)
        .ok_or(ServiceError::NotFound("board"))?;
    board_by_actor(ctx, actor.id).await
}

pub async fn list_boards(ctx: &Context) -> ServiceResult<Vec<(Board, Actor)>> {
    Ok(ctx.db.read(|c| q::list(c, false)).await?)
}

pub struct BoardChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub rules: Option<String>,
    pub posting_mode: Option<PostingMode>,
    pub archived: Option<bool>,
    /// Hold the first post of each remote account for a moderator.
    pub hold_remote_first_posts: Option<bool>,
}

/// Edits or archives a board (its moderators and staff).
pub async fn update_board(
    ctx: &Context,
    who: &Actor,
    board_id: i64,
    changes: BoardChanges,
) -> ServiceResult<(Board, Actor)> {
    require_moderator(ctx, who, board_id).await?;
    let (board, actor) = board_by_actor(ctx, board_id).await?;
    let title = changes
        .title
        .map(|t| t.trim().to_string())
        .unwrap_or(actor.display_name.clone());
    if title.is_empty() || title.chars().count() > 100 {
        return Err(invalid_as(
            "board-title-length",
            "title must be 1 to 100 characters",
        ));
    }
    let summary = changes
        .description
        .map(|d| html::render_markdown(&d))
        .unwrap_or(actor.summary.clone());
    let rules = changes.rules.unwrap_or(board.rules);
    let mode = changes
        .posting_mode
        .map(|m| m.as_str().to_string())
        .unwrap_or(board.posting_mode);
    let archived = changes.archived.unwrap_or(board.archived);
    let hold = changes
        .hold_remote_first_posts
        .unwrap_or(board.hold_remote_first_posts);
    let fields = actor.fields_json.clone();
    ctx.db
        .write(move |c| {
            actors::update_profile(c, board_id, &title, &summary, &fields)?;
            q::update(c, board_id, &mode, &rules, archived)?;
            q::set_hold_remote_first_posts(c, board_id, hold)
        })
        .await?;
    ctx.publish(Event::BoardUpdated {
        board_id,
        moderator_id: Some(who.id),
    })
    .await;
    board_by_actor(ctx, board_id).await
}

/// Moderators of a local board are its listed moderators and the instance's staff.
pub async fn is_moderator(ctx: &Context, who: &Actor, board_id: i64) -> ServiceResult<bool> {
    let (wid, local) = (who.id, who.local);
    Ok(ctx
        .db
        .read(move |c| {
            if q::is_moderator(c, board_id, wid)? {
                return Ok(true);
            }
            if !local {
                return Ok(false);
            }
            let role = users::by_actor(c, wid)?.map(|u| u.role);
            Ok(role.is_some_and(|r| r.parse::<Role>().is_ok_and(Role::is_staff)))
        })
        .await?)
}

async fn require_moderator(ctx: &Context, who: &Actor, board_id: i64) -> ServiceResult<()> {
    if is_moderator(ctx, who, board_id).await? {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(Problem::coded(
            "moderators-only",
            "only the board's moderators may do this",
        )))
    }
}

pub fn require_staff(user: &User) -> ServiceResult<()> {
    if accounts::role_of(user).is_staff() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(Problem::coded(
            "staff-only",
            "only staff may do this",
        )))
    }
}

/// Checks that `author` may post in a local board: a new thread or, with `reply`, an answer.
pub async fn check_can_post(
    ctx: &Context,
    author: &Actor,
    board: &Board,
    reply: bool,
) -> ServiceResult<()> {
    if board.archived {
        return Err(ServiceError::Forbidden(Problem::coded(
            "board-archived",
            "this board is archived",
        )));
    }
    let (bid, aid) = (board.actor_id, author.id);
    if ctx.db.read(move |c| q::is_banned(c, bid, aid)).await? {
        return Err(ServiceError::Forbidden(Problem::coded(
            "banned",
            "you are banned from this board",
        )));
    }
    if reply {
        return Ok(());
    }
    match board.posting_mode.parse::<PostingMode>()? {
        PostingMode::Open => Ok(()),
        PostingMode::Members if author.local => Ok(()),
        PostingMode::Members => Err(ServiceError::Forbidden(Problem::coded(
            "members-post-only",
            "only members of this instance may start threads here",
        ))),
        PostingMode::Moderators if is_moderator(ctx, author, bid).await? => Ok(()),
        PostingMode::Moderators => Err(ServiceError::Forbidden(Problem::coded(
            "moderators-post-only",
            "only moderators may start threads here",
        ))),
    }
}

/// Refuses `author` in a board (here or elsewhere) that banned it.
pub async fn check_not_banned(ctx: &Context, author: &Actor, board: &Actor) -> ServiceResult<()> {
    let (bid, aid) = (board.id, author.id);
    if ctx.db.read(move |c| q::is_banned(c, bid, aid)).await? {
        return Err(ServiceError::Forbidden(Problem::coded(
            "banned",
            "you are banned from this board",
        )));
    }
    Ok(())
}

pub struct NewThread {
    pub title: String,
    /// Markdown.
    pub body: String,
    pub tags: Vec<String>,
    pub question: bool,
    /// Board actors (local or remote), at most [`MAX_BOARDS_PER_THREAD`].
    pub boards: Vec<i64>,
}

/// Starts a thread in one or several boards, on this instance and others.
pub async fn start_thread(ctx: &Context, author: &Actor, new: NewThread) -> ServiceResult<Post> {
    let title = new.title.trim().to_string();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return Err(invalid_as(
            "title-length",
            format!("title must be 1 to {MAX_TITLE_CHARS} characters"),
        ));
    }
    if new.body.chars().count() > MAX_BODY_CHARS {
        return Err(invalid_as(
            "body-too-long",
            format!("body must be at most {MAX_BODY_CHARS} characters"),
        ));
    }
    let mut board_ids = new.boards.clone();
    board_ids.sort();
    board_ids.dedup();
    if board_ids.is_empty() || board_ids.len() > MAX_BOARDS_PER_THREAD {
        return Err(invalid(format!(
            "a thread goes to 1 to {MAX_BOARDS_PER_THREAD} boards"
        )));
    }
    let ids = board_ids.clone();
    let targets = ctx.db.read(move |c| actors::by_ids(c, &ids)).await?;
    if targets.len() != board_ids.len() || targets.iter().any(|a| a.kind != "Group" || a.deleted) {
        return Err(ServiceError::NotFound("board"));
    }
    for target in targets.iter().filter(|a| a.local) {
        let (board, _) = board_by_actor(ctx, target.id).await?;
        check_can_post(ctx, author, &board, false).await?;
    }
    let mut tags: Vec<String> = new
        .tags
        .iter()
        .filter_map(|t| html::parse_hashtag(&format!("#{}", t.trim_start_matches('#'))))
        .map(|t| t.to_lowercase())
        .collect();
    // Mentions in the body are linked, addressed and notified, as in a status.
    let (content, mentioned, body_tags) =
        crate::posts::render_markdown_text(ctx, &new.body).await?;
    tags.extend(body_tags);
    tags.sort();
    tags.dedup();
    let mut mention_ids = board_ids.clone();
    mention_ids.extend(mentioned.iter().map(|a| a.id));
    mention_ids.sort();
    mention_ids.dedup();
    let notified: Vec<i64> = mentioned
        .iter()
        .filter(|a| a.local && a.kind != "Group" && a.id != author.id)
        .map(|a| a.id)
        .collect();
    let author_id = author.id;
    let row = NewPost {
        ap_id: ctx.url(&format!("/pending/{}", random_token())),
        author_id: author.id,
        kind: "Page".into(),
        in_reply_to_id: None,
        in_reply_to_ap_id: None,
        reblog_of_id: None,
        context: None,
        name: Some(title),
        content,
        source: Some(new.body.clone()),
        summary: String::new(),
        sensitive: false,
        visibility: PostVisibility::Public.as_str().into(),
        url: None,
        local: true,
        created_at: now(),
    };
    let (ctx2, question) = (ctx.clone(), new.question);
    let post = ctx
        .db
        .write(move |c| {
            let id = posts::insert(c, &row)?;
            posts::set_ap_id(c, id, &ctx2.url(&format!("/posts/{id}")))?;
            posts::set_context(c, id, &ctx2.url(&format!("/contexts/{id}")))?;
            posts::add_mentions(c, id, &mention_ids)?;
            posts::add_tags(c, id, &tags)?;
            for recipient in &notified {
                crate::posts::notify(c, *recipient, "mention", author_id, Some(id))?;
            }
            q::insert_thread(
                c,
                &Thread {
                    post_id: id,
                    question,
                    accepted_answer_id: None,
                    locked: false,
                    last_activity_at: row.created_at,
                },
            )?;
            for b in &board_ids {
                q::add_thread_board(c, id, *b)?;
            }
            posts::by_id(c, id)
        })
        .await?;
    ctx.publish(Event::PostCreated { post_id: post.id }).await;
    Ok(post)
}

/// The thread a post belongs to: its root post and the thread's row, if the root is a thread.
pub async fn thread_of(ctx: &Context, post: &Post) -> ServiceResult<Option<(Post, Thread)>> {
    let start = post.clone();
    Ok(ctx
        .db
        .read(move |c| {
            let mut root = start;
            for _ in 0..200 {
                match root.in_reply_to_id {
                    Some(parent) => root = posts::by_id(c, parent)?,
                    None => break,
                }
            }
            Ok(q::thread(c, root.id)?.map(|t| (root, t)))
        })
        .await?)
}

/// Boards a thread lives in (local and remote).
pub async fn boards_of_thread(ctx: &Context, root_id: i64) -> ServiceResult<Vec<Actor>> {
    Ok(ctx
        .db
        .read(move |c| q::boards_of_thread(c, root_id))
        .await?)
}

/// Who may manage a thread: its author, or a moderator of one of its local boards.
async fn can_manage_thread(ctx: &Context, who: &Actor, root: &Post) -> ServiceResult<bool> {
    if root.author_id == who.id {
        return Ok(true);
    }
    for board in boards_of_thread(ctx, root.id)
        .await?
        .iter()
        .filter(|b| b.local)
    {
        if is_moderator(ctx, who, board.id).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

async fn thread_root(ctx: &Context, thread_id: i64) -> ServiceResult<(Post, Thread)> {
    let post = crate::posts::get_post(ctx, thread_id).await?;
    match thread_of(ctx, &post).await? {
        Some((root, thread)) if root.id == post.id => Ok((root, thread)),
        _ => Err(ServiceError::NotFound("thread")),
    }
}

/// Marks (or with `None`, unmarks) the accepted answer of a question; the author or a
/// moderator may, and may change it later.
pub async fn accept_answer(
    ctx: &Context,
    who: &Actor,
    thread_id: i64,
    answer_id: Option<i64>,
) -> ServiceResult<Thread> {
    let (root, thread) = thread_root(ctx, thread_id).await?;
    if !can_manage_thread(ctx, who, &root).await? {
        return Err(ServiceError::Forbidden(Problem::coded(
            "accept-not-allowed",
            "only the question's author or a moderator may accept an answer",
        )));
    }
    if !thread.question {
        return Err(invalid_as(
            "not-a-question",
            "this thread is not a question",
        ));
    }
    if let Some(answer) = answer_id {
        let post = crate::posts::get_post(ctx, answer).await?;
        let in_thread = thread_of(ctx, &post)
            .await?
            .is_some_and(|(r, _)| r.id == root.id)
            && post.id != root.id;
        if !in_thread || post.deleted_at.is_some() {
            return Err(invalid_as(
                "answer-not-in-thread",
                "the answer must be a reply in this thread",
            ));
        }
    }
    let rid = root.id;
    let thread = ctx
        .db
        .write(move |c| {
            q::set_accepted_answer(c, rid, answer_id)?;
            q::thread(c, rid)?.ok_or(tsunagu_db::QueryError::NotFound)
        })
        .await?;
    if root.local {
        ctx.publish(Event::PostUpdated { post_id: root.id }).await;
    }
    Ok(thread)
}

/// Locks or unlocks a thread: no new replies while locked.
pub async fn set_locked(
    ctx: &Context,
    who: &Actor,
    thread_id: i64,
    locked: bool,
) -> ServiceResult<Thread> {
    let (root, _) = thread_root(ctx, thread_id).await?;
    let board = moderated_board_of(ctx, who, &root).await?;
    let rid = root.id;
    let thread = ctx
        .db
        .write(move |c| {
            q::set_locked(c, rid, locked)?;
            q::thread(c, rid)?.ok_or(tsunagu_db::QueryError::NotFound)
        })
        .await?;
    ctx.publish(Event::ThreadLocked {
        post_id: rid,
        board_id: board.id,
        moderator_id: who.id,
        locked,
    })
    .await;
    Ok(thread)
}

/// Pins or unpins a thread in a board (the board's `featured` collection).
pub async fn set_pinned(
    ctx: &Context,
    who: &Actor,
    board_id: i64,
    thread_id: i64,
    pinned: bool,
) -> ServiceResult<()> {
    require_moderator(ctx, who, board_id).await?;
    let (root, _) = thread_root(ctx, thread_id).await?;
    let rid = root.id;
    let changed = ctx
        .db
        .write(move |c| q::set_pinned(c, rid, board_id, pinned))
        .await?;
    if changed == 0 {
        return Err(ServiceError::NotFound("thread in this board"));
    }
    ctx.publish(Event::ThreadPinned {
        post_id: rid,
        board_id,
        moderator_id: who.id,
        pinned,
    })
    .await;
    Ok(())
}

/// The first local board of a thread that `who` moderates.
async fn moderated_board_of(ctx: &Context, who: &Actor, root: &Post) -> ServiceResult<Actor> {
    for board in boards_of_thread(ctx, root.id)
        .await?
        .into_iter()
        .filter(|b| b.local)
    {
        if is_moderator(ctx, who, board.id).await? {
            return Ok(board);
        }
    }
    Err(ServiceError::Forbidden(Problem::coded(
        "moderators-only",
        "only the board's moderators may do this",
    )))
}

/// A moderator removes a post (local or remote) from a board's threads: it is hidden from
/// everyone but its author, and the removal is announced to every server that follows the
/// board (Lemmy's moderator `Delete`). It never destroys the post and can be undone.
pub async fn remove_post(
    ctx: &Context,
    who: &Actor,
    post_id: i64,
    reason: &str,
) -> ServiceResult<()> {
    let post = crate::posts::get_post(ctx, post_id).await?;
    if post.deleted_at.is_some() {
        return Err(ServiceError::NotFound("status"));
    }
    let (root, _) = thread_of(ctx, &post)
        .await?
        .ok_or(ServiceError::NotFound("thread"))?;
    let board = moderated_board_of(ctx, who, &root).await?;
    let (bid, reason): (i64, String) = (board.id, reason.chars().take(500).collect());
    let why = reason.clone();
    ctx.db
        .write(move |c| q::remove_post(c, post_id, bid, &why, now()))
        .await?;
    ctx.publish(Event::PostRemoved {
        post_id,
        board_id: board.id,
        moderator_id: who.id,
        reason,
        removed: true,
    })
    .await;
    Ok(())
}

/// Undoes a moderator's removal of a post from a board's threads.
pub async fn restore_post(ctx: &Context, who: &Actor, post_id: i64) -> ServiceResult<()> {
    let post = crate::posts::get_post(ctx, post_id).await?;
    let (root, _) = thread_of(ctx, &post)
        .await?
        .ok_or(ServiceError::NotFound("thread"))?;
    let board = moderated_board_of(ctx, who, &root).await?;
    let bid = board.id;
    if !ctx
        .db
        .write(move |c| q::restore_post(c, post_id, bid))
        .await?
    {
        return Err(invalid("this post was not removed from the board"));
    }
    ctx.publish(Event::PostRemoved {
        post_id,
        board_id: board.id,
        moderator_id: who.id,
        reason: String::new(),
        removed: false,
    })
    .await;
    Ok(())
}

/// Bans (or unbans) an account from a board: its replies there are hidden and it may not
/// post in the board; the ban is announced to the board's followers and the account's server.
pub async fn set_banned(
    ctx: &Context,
    who: &Actor,
    board_id: i64,
    target: i64,
    banned: bool,
    reason: &str,
) -> ServiceResult<()> {
    require_moderator(ctx, who, board_id).await?;
    let reason: String = reason.chars().take(500).collect();
    let why = reason.clone();
    ctx.db
        .write(move |c| {
            if banned {
                q::ban(c, board_id, target, &why, now())
            } else {
                q::unban(c, board_id, target)
            }
        })
        .await?;
    ctx.publish(Event::BanChanged {
        board_id,
        moderator_id: who.id,
        target_id: target,
        banned,
        reason,
    })
    .await;
    Ok(())
}

pub async fn add_moderator(
    ctx: &Context,
    who: &Actor,
    board_id: i64,
    target: i64,
) -> ServiceResult<()> {
    require_moderator(ctx, who, board_id).await?;
    ctx.db
        .write(move |c| q::add_moderator(c, board_id, target))
        .await?;
    ctx.publish(Event::BoardUpdated {
        board_id,
        moderator_id: Some(who.id),
    })
    .await;
    Ok(())
}

/// Takes a moderator off a board (its moderators and staff). Staff stay moderators of every
/// board whatever this list says.
pub async fn remove_moderator(
    ctx: &Context,
    who: &Actor,
    board_id: i64,
    target: i64,
) -> ServiceResult<()> {
    require_moderator(ctx, who, board_id).await?;
    ctx.db
        .write(move |c| q::remove_moderator(c, board_id, target))
        .await?;
    ctx.publish(Event::BoardUpdated {
        board_id,
        moderator_id: Some(who.id),
    })
    .await;
    Ok(())
}

/// A ban as moderators see it.
pub struct Ban {
    pub account: Actor,
    pub reason: String,
    pub since: chrono::NaiveDateTime,
}

/// Who is banned from a board (its moderators and staff).
pub async fn bans(ctx: &Context, who: &Actor, board_id: i64) -> ServiceResult<Vec<Ban>> {
    require_moderator(ctx, who, board_id).await?;
    Ok(ctx
        .db
        .read(move |c| q::bans(c, board_id))
        .await?
        .into_iter()
        .map(|(account, reason, since)| Ban {
            account,
            reason,
            since,
        })
        .collect())
}

pub async fn moderators(ctx: &Context, board_id: i64) -> ServiceResult<Vec<Actor>> {
    Ok(ctx.db.read(move |c| q::moderators(c, board_id)).await?)
}

pub async fn pinned(ctx: &Context, board_id: i64) -> ServiceResult<Vec<Post>> {
    Ok(ctx.db.read(move |c| q::pinned(c, board_id)).await?)
}

pub async fn threads(
    ctx: &Context,
    board_id: i64,
    order: ThreadOrder,
    answered: Option<bool>,
    limit: i64,
    offset: i64,
) -> ServiceResult<Vec<(Thread, Post)>> {
    Ok(ctx
        .db
        .read(move |c| q::threads_in_board(c, board_id, order, answered, limit, offset))
        .await?)
}

/// The newest public threads of this instance's boards.
pub async fn recent_threads(
    ctx: &Context,
    limit: i64,
    offset: i64,
) -> ServiceResult<Vec<(Thread, Post)>> {
    Ok(ctx
        .db
        .read(move |c| q::recent_local_threads(c, limit, offset))
        .await?)
}

pub async fn thread(ctx: &Context, post_id: i64) -> ServiceResult<Option<Thread>> {
    Ok(ctx.db.read(move |c| q::thread(c, post_id)).await?)
}

/// The title of a post written as a status: its content warning, else its first line.
pub fn derived_title(post: &Post) -> String {
    let text = post
        .source
        .clone()
        .unwrap_or_else(|| html::to_text(&post.content));
    title_and_body(&text, &html::to_text(&post.summary)).0
}

/// Whether a post's text already opens with its title (a status that became a thread), so
/// that showing the title first would repeat it.
pub fn text_opens_with_title(post: &Post) -> bool {
    let Some(title) = post.name.as_deref().filter(|t| !t.is_empty()) else {
        return true;
    };
    title_and_body(&html::to_text(&post.content), "").0 == title
}

/// Title and body of a microblog post that starts a thread: the content warning if there is
/// one, else the first line; mention markup is stripped from the title.
pub fn title_and_body(text: &str, content_warning: &str) -> (String, String) {
    let strip_mentions = |s: &str| {
        s.split_whitespace()
            .filter(|w| html::parse_mention(w).is_none())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let cw = content_warning.trim();
    if !cw.is_empty() {
        return (
            strip_mentions(cw).chars().take(MAX_TITLE_CHARS).collect(),
            text.trim().to_string(),
        );
    }
    let text = text.trim();
    let mut lines = text.lines();
    let mut title = String::new();
    let mut rest: Vec<&str> = Vec::new();
    for line in lines.by_ref() {
        let stripped = strip_mentions(line);
        if stripped.is_empty() {
            continue;
        }
        title = stripped;
        break;
    }
    rest.extend(lines);
    let title: String = title.chars().take(MAX_TITLE_CHARS).collect();
    (title, rest.join("\n").trim().to_string())
}

/// Files a post that arrived addressed to local boards: a new thread when it starts one, a
/// reply otherwise. Returns the local boards that take it (and so announce it); refuses with
/// `Forbidden` when none may.
pub async fn file_into_boards(
    ctx: &Context,
    author: &Actor,
    post: &Post,
    addressed: &[Actor],
) -> ServiceResult<Vec<Actor>> {
    let mut taking = Vec::new();
    let thread = thread_of(ctx, post).await?;
    match &thread {
        // A reply: it belongs to the thread's boards, addressed or not.
        Some((root, t)) if root.id != post.id => {
            if t.locked {
                return Err(ServiceError::Forbidden(Problem::coded(
                    "thread-locked",
                    "this thread is locked",
                )));
            }
            for board in boards_of_thread(ctx, root.id)
                .await?
                .into_iter()
                .filter(|b| b.local)
            {
                let (b, _) = board_by_actor(ctx, board.id).await?;
                if check_can_post(ctx, author, &b, true).await.is_ok() {
                    taking.push(board);
                }
            }
            let (rid, at) = (root.id, now());
            ctx.db.write(move |c| q::touch_thread(c, rid, at)).await?;
        }
        Some(_) => {}
        None if post.in_reply_to_id.is_some() || post.in_reply_to_ap_id.is_some() => {}
        // Only public posts start threads: a private mention of a board stays a private
        // post to its other addressees.
        None if !crate::posts::is_public(post) => {}
        None => {
            let mut refusal = None;
            for board in addressed.iter().filter(|b| b.local && b.kind == "Group") {
                let (b, _) = board_by_actor(ctx, board.id).await?;
                match check_can_post(ctx, author, &b, false).await {
                    Ok(()) => taking.push(board.clone()),
                    Err(e) => refusal = Some(e),
                }
            }
            if taking.is_empty() {
                return Err(refusal.unwrap_or(ServiceError::NotFound("board")));
            }
            let (pid, question, ids, at) = (
                post.id,
                false,
                taking.iter().map(|b| b.id).collect::<Vec<_>>(),
                post.created_at,
            );
            let local = post.local;
            // A post written as a status gets a title from its text; the text stays whole.
            let needs_title = post.name.as_deref().is_none_or(str::is_empty);
            let title = needs_title.then(|| derived_title(post));
            let from_warning = needs_title && !post.summary.is_empty();
            ctx.db
                .write(move |c| {
                    if local {
                        // Thread starters travel as `Page`, the form forums read.
                        posts::set_kind(c, pid, "Page")?;
                    }
                    if let Some(title) = &title {
                        // A content warning that became the title is no warning on the thread.
                        posts::set_title(c, pid, title, from_warning)?;
                    }
                    if q::thread(c, pid)?.is_none() {
                        q::insert_thread(
                            c,
                            &Thread {
                                post_id: pid,
                                question,
                                accepted_answer_id: None,
                                locked: false,
                                last_activity_at: at,
                            },
                        )?;
                    }
                    for b in &ids {
                        q::add_thread_board(c, pid, *b)?;
                    }
                    Ok(())
                })
                .await?;
        }
    }
    Ok(taking)
}

/// Records a thread that a remote board we follow published (Lemmy, NodeBB, another Tsunagu).
pub async fn file_remote_thread(ctx: &Context, board: &Actor, post: &Post) -> ServiceResult<()> {
    if post.in_reply_to_ap_id.is_some() {
        return Ok(());
    }
    let (pid, bid, at) = (post.id, board.id, post.created_at);
    ctx.db
        .write(move |c| {
            if q::thread(c, pid)?.is_none() {
                q::insert_thread(
                    c,
                    &Thread {
                        post_id: pid,
                        question: false,
                        accepted_answer_id: None,
                        locked: false,
                        last_activity_at: at,
                    },
                )?;
            }
            q::add_thread_board(c, pid, bid)
        })
        .await?;
    Ok(())
}

/// Applies a lock or accepted answer that arrived from another server for a thread. An
/// accepted answer counts only if it is a public reply in that thread.
pub async fn apply_remote_thread_state(
    ctx: &Context,
    root_id: i64,
    locked: Option<bool>,
    accepted_answer: Option<Option<i64>>,
) -> ServiceResult<()> {
    let accepted_answer = match accepted_answer {
        Some(Some(answer)) => {
            let post = crate::posts::get_post(ctx, answer).await?;
            let in_thread = post.id != root_id
                && crate::posts::is_public(&post)
                && post.deleted_at.is_none()
                && thread_of(ctx, &post)
                    .await?
                    .is_some_and(|(root, _)| root.id == root_id);
            if !in_thread {
                tracing::info!(
                    "ignoring accepted answer {} of thread {root_id}: not a public reply in it",
                    post.ap_id
                );
                None
            } else {
                Some(Some(answer))
            }
        }
        other => other,
    };
    ctx.db
        .write(move |c| {
            if q::thread(c, root_id)?.is_none() {
                return Ok(());
            }
            if let Some(l) = locked {
                q::set_locked(c, root_id, l)?;
            }
            if let Some(a) = accepted_answer {
                q::set_accepted_answer(c, root_id, a)?;
            }
            Ok(())
        })
        .await?;
    Ok(())
}

/// What software a server runs, as recorded from its NodeInfo.
pub async fn instance_software(ctx: &Context, domain: &str) -> ServiceResult<Option<String>> {
    let d = domain.to_string();
    Ok(ctx.db.read(move |c| q::software(c, &d)).await?)
}

pub async fn record_instance_software(
    ctx: &Context,
    domain: &str,
    software: &str,
) -> ServiceResult<()> {
    let (d, s) = (domain.to_string(), software.to_lowercase());
    ctx.db
        .write(move |c| q::set_software(c, &d, &s, now()))
        .await?;
    Ok(())
}

/// Microblog software shows a plain `Announce(object)` as a boost, and ignores
/// `Announce(Create)`.
pub fn is_microblog(software: &str) -> bool {
    matches!(
        software,
        "mastodon"
            | "pleroma"
            | "akkoma"
            | "misskey"
            | "sharkey"
            | "calckey"
            | "firefish"
            | "iceshrimp"
            | "gotosocial"
            | "hometown"
            | "glitch-soc"
            | "friendica"
            | "snac"
            | "takahe"
    )
}

/// The local member acting as moderator, for handlers.
pub async fn member_actor(ctx: &Context, user: &User) -> ServiceResult<Actor> {
    let aid = user.actor_id;
    Ok(ctx.db.read(move |c| actors::by_id(c, aid)).await?)
}

/// Holds a remote author's first post in a board that asks for it. Returns true when held:
/// the post stays hidden, and unannounced, until a moderator approves it.
pub async fn hold_if_first_remote_post(
    ctx: &Context,
    author: &Actor,
    post: &Post,
    taking: &[Actor],
) -> ServiceResult<bool> {
    if author.local {
        return Ok(false);
    }
    for board in taking {
        let (b, _) = board_by_actor(ctx, board.id).await?;
        let (aid, bid, pid) = (author.id, board.id, post.id);
        let approved_before = ctx
            .db
            .read(move |c| posts::has_approved_post_in_board(c, aid, bid, pid))
            .await?;
        if b.hold_remote_first_posts && !approved_before {
            ctx.db.write(move |c| posts::set_held(c, pid, true)).await?;
            return Ok(true);
        }
    }
    Ok(false)
}

/// Posts waiting for a moderator in a board.
pub async fn held_posts(ctx: &Context, who: &Actor, board_id: i64) -> ServiceResult<Vec<Post>> {
    require_moderator(ctx, who, board_id).await?;
    Ok(ctx
        .db
        .read(move |c| posts::held_in_board(c, board_id))
        .await?)
}

/// Approves a held post: it shows, and the board forwards it to its followers.
pub async fn approve_post(
    ctx: &Context,
    who: &Actor,
    board_id: i64,
    post_id: i64,
) -> ServiceResult<Post> {
    require_moderator(ctx, who, board_id).await?;
    let post = crate::posts::get_post(ctx, post_id).await?;
    let waiting_here = ctx
        .db
        .read(move |c| posts::held_in_board(c, board_id))
        .await?
        .iter()
        .any(|p| p.id == post_id);
    if !post.held || !waiting_here {
        return Err(invalid(
            "this post is not waiting for approval in this board",
        ));
    }
    ctx.db
        .write(move |c| posts::set_held(c, post_id, false))
        .await?;
    ctx.publish(Event::PostApproved { post_id, board_id }).await;
    crate::posts::get_post(ctx, post_id).await
}

/// Edits a thread's title and Markdown body (its author only).
pub async fn edit_thread(
    ctx: &Context,
    who: &Actor,
    thread_id: i64,
    title: Option<&str>,
    body: Option<&str>,
) -> ServiceResult<Post> {
    let (root, _) = thread_root(ctx, thread_id).await?;
    if root.author_id != who.id || !root.local {
        return Err(ServiceError::Forbidden(Problem::coded(
            "not-yours",
            "only the author edits a thread",
        )));
    }
    let title = title
        .map(str::trim)
        .map(str::to_string)
        .or(root.name.clone())
        .unwrap_or_default();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return Err(invalid_as(
            "title-length",
            format!("title must be 1 to {MAX_TITLE_CHARS} characters"),
        ));
    }
    let source = body
        .map(str::to_string)
        .or(root.source.clone())
        .unwrap_or_default();
    if source.chars().count() > MAX_BODY_CHARS {
        return Err(invalid_as(
            "body-too-long",
            format!("body must be at most {MAX_BODY_CHARS} characters"),
        ));
    }
    let (content, _, _) = crate::posts::render_markdown_text(ctx, &source).await?;
    let rid = root.id;
    let post = ctx
        .db
        .write(move |c| {
            let at = now();
            posts::save_version(c, &root, at)?;
            posts::update_content(c, rid, &content, "", false, Some(&title), at)?;
            posts::set_source(c, rid, &source)?;
            posts::by_id(c, rid)
        })
        .await?;
    ctx.publish(Event::PostUpdated { post_id: post.id }).await;
    Ok(post)
}

/// A remote board pinned or unpinned one of its threads.
pub async fn apply_remote_pin(
    ctx: &Context,
    board: &Actor,
    post_id: i64,
    pinned: bool,
) -> ServiceResult<()> {
    let bid = board.id;
    ctx.db
        .write(move |c| q::set_pinned(c, post_id, bid, pinned))
        .await?;
    Ok(())
}
