//! Boards, their moderators and bans, and the threads they hold.

use crate::schema::{
    actors, board_bans, board_moderators, boards, instances, post_removals, posts, thread_boards,
    threads,
};
use crate::{Actor, Board, Conn, Post, QueryResult, Thread};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub fn insert(conn: &mut Conn, board: &Board) -> QueryResult<()> {
    diesel::insert_into(boards::table)
        .values(board)
        .execute(conn)?;
    Ok(())
}

pub fn by_actor(conn: &mut Conn, actor_id: i64) -> QueryResult<Option<Board>> {
    boards::table
        .find(actor_id)
        .select(Board::as_select())
        .get_result(conn)
        .optional()
}

/// Local boards with their actors, by name.
pub fn list(conn: &mut Conn, include_archived: bool) -> QueryResult<Vec<(Board, Actor)>> {
    let mut q = boards::table
        .inner_join(actors::table)
        .select((Board::as_select(), Actor::as_select()))
        .order(actors::username.asc())
        .into_boxed();
    if !include_archived {
        q = q.filter(boards::archived.eq(false));
    }
    q.load(conn)
}

pub fn update(
    conn: &mut Conn,
    actor_id: i64,
    posting_mode: &str,
    rules: &str,
    archived: bool,
) -> QueryResult<()> {
    diesel::update(boards::table.find(actor_id))
        .set((
            boards::posting_mode.eq(posting_mode),
            boards::rules.eq(rules),
            boards::archived.eq(archived),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn add_moderator(conn: &mut Conn, board: i64, actor: i64) -> QueryResult<()> {
    if !is_moderator(conn, board, actor)? {
        diesel::insert_into(board_moderators::table)
            .values((
                board_moderators::board_id.eq(board),
                board_moderators::actor_id.eq(actor),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn remove_moderator(conn: &mut Conn, board: i64, actor: i64) -> QueryResult<()> {
    diesel::delete(
        board_moderators::table
            .filter(board_moderators::board_id.eq(board))
            .filter(board_moderators::actor_id.eq(actor)),
    )
    .execute(conn)?;
    Ok(())
}

pub fn is_moderator(conn: &mut Conn, board: i64, actor: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        board_moderators::table
            .filter(board_moderators::board_id.eq(board))
            .filter(board_moderators::actor_id.eq(actor)),
    ))
    .get_result(conn)
}

pub fn moderators(conn: &mut Conn, board: i64) -> QueryResult<Vec<Actor>> {
    board_moderators::table
        .inner_join(actors::table.on(actors::id.eq(board_moderators::actor_id)))
        .filter(board_moderators::board_id.eq(board))
        .select(Actor::as_select())
        .load(conn)
}

/// The accounts banned from a board with the reason and when, newest first.
pub fn bans(conn: &mut Conn, board: i64) -> QueryResult<Vec<(Actor, String, NaiveDateTime)>> {
    board_bans::table
        .inner_join(actors::table.on(actors::id.eq(board_bans::actor_id)))
        .filter(board_bans::board_id.eq(board))
        .order(board_bans::created_at.desc())
        .select((
            Actor::as_select(),
            board_bans::reason,
            board_bans::created_at,
        ))
        .load(conn)
}

pub fn ban(
    conn: &mut Conn,
    board: i64,
    actor: i64,
    reason: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    if !is_banned(conn, board, actor)? {
        diesel::insert_into(board_bans::table)
            .values((
                board_bans::board_id.eq(board),
                board_bans::actor_id.eq(actor),
                board_bans::reason.eq(reason),
                board_bans::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn unban(conn: &mut Conn, board: i64, actor: i64) -> QueryResult<()> {
    diesel::delete(
        board_bans::table
            .filter(board_bans::board_id.eq(board))
            .filter(board_bans::actor_id.eq(actor)),
    )
    .execute(conn)?;
    Ok(())
}

pub fn is_banned(conn: &mut Conn, board: i64, actor: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        board_bans::table
            .filter(board_bans::board_id.eq(board))
            .filter(board_bans::actor_id.eq(actor)),
    ))
    .get_result(conn)
}

/// Records a thread; a thread already recorded (two deliveries racing) is left as it is.
pub fn insert_thread(conn: &mut Conn, thread: &Thread) -> QueryResult<()> {
    super::on_backend!(conn, |c| diesel::insert_into(threads::table)
        .values(thread)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

pub fn thread(conn: &mut Conn, post_id: i64) -> QueryResult<Option<Thread>> {
    threads::table
        .find(post_id)
        .select(Thread::as_select())
        .get_result(conn)
        .optional()
}

pub fn set_locked(conn: &mut Conn, post_id: i64, locked: bool) -> QueryResult<()> {
    diesel::update(threads::table.find(post_id))
        .set(threads::locked.eq(locked))
        .execute(conn)?;
    Ok(())
}

pub fn set_accepted_answer(conn: &mut Conn, post_id: i64, answer: Option<i64>) -> QueryResult<()> {
    diesel::update(threads::table.find(post_id))
        .set(threads::accepted_answer_id.eq(answer))
        .execute(conn)?;
    Ok(())
}

pub fn touch_thread(conn: &mut Conn, post_id: i64, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(threads::table.find(post_id))
        .set(threads::last_activity_at.eq(at))
        .execute(conn)?;
    Ok(())
}

pub fn add_thread_board(conn: &mut Conn, post_id: i64, board: i64) -> QueryResult<()> {
    let row = (
        thread_boards::post_id.eq(post_id),
        thread_boards::board_id.eq(board),
    );
    super::on_backend!(conn, |c| diesel::insert_into(thread_boards::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

/// The boards (local and remote) a thread was posted to.
pub fn boards_of_thread(conn: &mut Conn, post_id: i64) -> QueryResult<Vec<Actor>> {
    thread_boards::table
        .inner_join(actors::table.on(actors::id.eq(thread_boards::board_id)))
        .filter(thread_boards::post_id.eq(post_id))
        .select(Actor::as_select())
        .load(conn)
}

pub fn set_pinned(conn: &mut Conn, post_id: i64, board: i64, pinned: bool) -> QueryResult<usize> {
    diesel::update(
        thread_boards::table
            .filter(thread_boards::post_id.eq(post_id))
            .filter(thread_boards::board_id.eq(board)),
    )
    .set(thread_boards::pinned.eq(pinned))
    .execute(conn)
}

pub fn pinned(conn: &mut Conn, board: i64) -> QueryResult<Vec<Post>> {
    thread_boards::table
        .inner_join(posts::table)
        .filter(thread_boards::board_id.eq(board))
        .filter(thread_boards::pinned.eq(true))
        .filter(posts::deleted_at.is_null())
        .filter(posts::visibility.eq_any(["public", "unlisted"]))
        .select(Post::as_select())
        .load(conn)
}

/// Which order to list a board's threads in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadOrder {
    /// Most recently active first.
    Activity,
    /// Newest first.
    New,
}

/// Threads of a board: optionally only questions without an accepted answer (or only with).
pub fn threads_in_board(
    conn: &mut Conn,
    board: i64,
    order: ThreadOrder,
    answered: Option<bool>,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<(Thread, Post)>> {
    let mut q = thread_boards::table
        .inner_join(posts::table)
        .inner_join(threads::table.on(threads::post_id.eq(thread_boards::post_id)))
        .filter(thread_boards::board_id.eq(board))
        .filter(posts::deleted_at.is_null())
        .filter(posts::held.eq(false))
        .select((Thread::as_select(), Post::as_select()))
        .into_boxed();
    match answered {
        Some(true) => {
            q = q
                .filter(threads::question.eq(true))
                .filter(threads::accepted_answer_id.is_not_null())
        }
        Some(false) => {
            q = q
                .filter(threads::question.eq(true))
                .filter(threads::accepted_answer_id.is_null())
        }
        None => {}
    }
    q = match order {
        ThreadOrder::Activity => q.order((threads::last_activity_at.desc(), posts::id.desc())),
        ThreadOrder::New => q.order(posts::id.desc()),
    };
    q.limit(limit.clamp(1, 100))
        .offset(offset.max(0))
        .load(conn)
}

pub fn count_threads(conn: &mut Conn, board: i64) -> QueryResult<i64> {
    thread_boards::table
        .filter(thread_boards::board_id.eq(board))
        .count()
        .get_result(conn)
}

pub fn software(conn: &mut Conn, domain: &str) -> QueryResult<Option<String>> {
    instances::table
        .find(domain)
        .select(instances::software)
        .get_result(conn)
        .optional()
}

pub fn set_software(
    conn: &mut Conn,
    domain: &str,
    software: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(instances::table.find(domain)).execute(conn)?;
    diesel::insert_into(instances::table)
        .values((
            instances::domain.eq(domain),
            instances::software.eq(software),
            instances::checked_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_hold_remote_first_posts(conn: &mut Conn, board: i64, hold: bool) -> QueryResult<()> {
    diesel::update(boards::table.find(board))
        .set(boards::hold_remote_first_posts.eq(hold))
        .execute(conn)?;
    Ok(())
}

/// Records that a board's moderators removed a post from their threads (again: the latest
/// reason counts).
pub fn remove_post(
    conn: &mut Conn,
    post_id: i64,
    board: i64,
    reason: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    restore_post(conn, post_id, board)?;
    diesel::insert_into(post_removals::table)
        .values((
            post_removals::post_id.eq(post_id),
            post_removals::board_id.eq(board),
            post_removals::reason.eq(reason),
            post_removals::removed_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Undoes a board's removal of a post; returns whether there was one.
pub fn restore_post(conn: &mut Conn, post_id: i64, board: i64) -> QueryResult<bool> {
    let n = diesel::delete(
        post_removals::table
            .filter(post_removals::post_id.eq(post_id))
            .filter(post_removals::board_id.eq(board)),
    )
    .execute(conn)?;
    Ok(n > 0)
}

/// Which of `ids` some board removed.
pub fn removed_among(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<i64>> {
    let mut found: Vec<i64> = post_removals::table
        .filter(super::id_in(conn, "post_removals.post_id", ids))
        .select(post_removals::post_id)
        .load(conn)?;
    found.dedup();
    Ok(found)
}

/// Which of `actors` are banned from any of `boards`.
pub fn banned_among(conn: &mut Conn, boards: &[i64], actors: &[i64]) -> QueryResult<Vec<i64>> {
    let mut found: Vec<i64> = board_bans::table
        .filter(super::id_in(conn, "board_bans.board_id", boards))
        .filter(super::id_in(conn, "board_bans.actor_id", actors))
        .select(board_bans::actor_id)
        .load(conn)?;
    found.sort();
    found.dedup();
    Ok(found)
}

/// The newest public threads of this instance's boards, newest first (each once, however
/// many boards hold it).
pub fn recent_local_threads(
    conn: &mut Conn,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<(Thread, Post)>> {
    let in_local_boards = thread_boards::table
        .inner_join(actors::table.on(actors::id.eq(thread_boards::board_id)))
        .filter(actors::local.eq(true))
        .select(thread_boards::post_id);
    threads::table
        .inner_join(posts::table.on(posts::id.eq(threads::post_id)))
        .filter(threads::post_id.eq_any(in_local_boards))
        .filter(posts::deleted_at.is_null())
        .filter(posts::held.eq(false))
        .filter(posts::visibility.eq("public"))
        .order(posts::id.desc())
        .limit(limit.clamp(1, 100))
        .offset(offset.max(0))
        .select((Thread::as_select(), Post::as_select()))
        .load(conn)
}
