use super::{newest_first, paginate, Page};
use crate::schema::{favourites, follows, post_edits, post_mentions, post_tags, posts};
use crate::{Conn, Favourite, NewFavourite, NewPost, Post, PostEdit, QueryResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub fn insert(conn: &mut Conn, new: &NewPost) -> QueryResult<i64> {
    diesel::insert_into(posts::table)
        .values(new)
        .returning(posts::id)
        .get_result(conn)
}

/// Inserts a post unless one with its ActivityPub id exists (two deliveries of the same new
/// post racing); returns the new row's id, or `None` when it was there already.
pub fn insert_if_absent(conn: &mut Conn, new: &NewPost) -> QueryResult<Option<i64>> {
    super::on_backend!(conn, |c| diesel::insert_into(posts::table)
        .values(new)
        .on_conflict_do_nothing()
        .returning(posts::id)
        .get_result(c)
        .optional())
}

/// Gives a post a title without marking it edited (a thread's title taken from its text);
/// `clear_summary` drops a content warning that became the title.
pub fn set_title(
    conn: &mut Conn,
    post_id: i64,
    name: &str,
    clear_summary: bool,
) -> QueryResult<()> {
    diesel::update(posts::table.find(post_id))
        .set(posts::name.eq(name))
        .execute(conn)?;
    if clear_summary {
        diesel::update(posts::table.find(post_id))
            .set((posts::summary.eq(""), posts::sensitive.eq(false)))
            .execute(conn)?;
    }
    Ok(())
}

pub fn by_id(conn: &mut Conn, post_id: i64) -> QueryResult<Post> {
    super::on_backend!(conn, |c| posts::table
        .find(post_id)
        .select(Post::as_select())
        .get_result(c))
}

pub fn by_ids(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<Post>> {
    posts::table
        .filter(super::id_in(conn, "posts.id", ids))
        .select(Post::as_select())
        .load(conn)
}

pub fn by_ap_id(conn: &mut Conn, url: &str) -> QueryResult<Option<Post>> {
    // Unique: no `LIMIT ?` (see `actors::by_ap_id`).
    super::on_backend!(conn, |c| posts::table
        .filter(posts::ap_id.eq(url))
        .select(Post::as_select())
        .get_result(c)
        .optional())
}

pub fn set_ap_id(conn: &mut Conn, post_id: i64, url: &str) -> QueryResult<()> {
    diesel::update(posts::table.find(post_id))
        .set((posts::ap_id.eq(url), posts::url.eq(url)))
        .execute(conn)?;
    Ok(())
}

pub fn set_context(conn: &mut Conn, post_id: i64, context: &str) -> QueryResult<()> {
    diesel::update(posts::table.find(post_id))
        .set(posts::context.eq(context))
        .execute(conn)?;
    Ok(())
}

/// Replaces the editable parts of a post.
pub fn update_content(
    conn: &mut Conn,
    post_id: i64,
    content: &str,
    summary: &str,
    sensitive: bool,
    name: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(posts::table.find(post_id))
        .set((
            posts::content.eq(content),
            posts::summary.eq(summary),
            posts::sensitive.eq(sensitive),
            posts::name.eq(name),
            posts::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Turns a post into a tombstone: content is dropped, the id keeps answering 410.
pub fn mark_deleted(conn: &mut Conn, post_id: i64, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(posts::table.find(post_id))
        .set((
            posts::deleted_at.eq(at),
            posts::content.eq(""),
            posts::source.eq(None::<String>),
        ))
        .execute(conn)?;
    // Boosts of a deleted post go with it.
    diesel::delete(posts::table.filter(posts::reblog_of_id.eq(post_id))).execute(conn)?;
    Ok(())
}

/// Links replies that arrived before their parent.
pub fn adopt_orphans(conn: &mut Conn, parent_id: i64, parent_ap_id: &str) -> QueryResult<()> {
    // Orphans are rare, and diesel prepares an UPDATE again at each use while it keeps this
    // query prepared: look first.
    let orphans = posts::table
        .filter(posts::in_reply_to_ap_id.eq(parent_ap_id))
        .filter(posts::in_reply_to_id.is_null());
    let any = super::on_backend!(conn, |c| diesel::select(diesel::dsl::exists(orphans))
        .get_result::<bool>(c))?;
    if !any {
        return Ok(());
    }
    diesel::update(orphans)
        .set(posts::in_reply_to_id.eq(parent_id))
        .execute(conn)?;
    Ok(())
}

pub fn add_mentions(conn: &mut Conn, post_id: i64, actor_ids: &[i64]) -> QueryResult<()> {
    for actor in actor_ids {
        let row = (
            post_mentions::post_id.eq(post_id),
            post_mentions::actor_id.eq(actor),
        );
        super::on_backend!(conn, |c| diesel::insert_into(post_mentions::table)
            .values(row)
            .execute(c))?;
    }
    Ok(())
}

pub fn mentions(conn: &mut Conn, post_id: i64) -> QueryResult<Vec<i64>> {
    post_mentions::table
        .filter(post_mentions::post_id.eq(post_id))
        .select(post_mentions::actor_id)
        .load(conn)
}

pub fn add_tags(conn: &mut Conn, post_id: i64, tags: &[String]) -> QueryResult<()> {
    for tag in tags {
        diesel::insert_into(post_tags::table)
            .values((post_tags::post_id.eq(post_id), post_tags::tag.eq(tag)))
            .execute(conn)?;
    }
    Ok(())
}

/// Which of `ids` mention `viewer`.
pub fn mentioned_among(conn: &mut Conn, viewer: i64, ids: &[i64]) -> QueryResult<Vec<i64>> {
    post_mentions::table
        .filter(post_mentions::actor_id.eq(viewer))
        .filter(super::id_in(conn, "post_mentions.post_id", ids))
        .select(post_mentions::post_id)
        .load(conn)
}

pub fn tags(conn: &mut Conn, post_id: i64) -> QueryResult<Vec<String>> {
    post_tags::table
        .filter(post_tags::post_id.eq(post_id))
        .select(post_tags::tag)
        .load(conn)
}

/// Live replies to any of `parents`.
pub fn replies_to(conn: &mut Conn, parents: &[i64]) -> QueryResult<Vec<Post>> {
    posts::table
        .filter(super::id_in(conn, "posts.in_reply_to_id", parents))
        .filter(posts::deleted_at.is_null())
        .filter(posts::held.eq(false))
        .order(posts::id.asc())
        .select(Post::as_select())
        .load(conn)
}

/// Live replies below `root` at any depth (through live replies only), at most `limit`, in
/// one statement.
pub fn replies_below(conn: &mut Conn, root: i64, limit: i64) -> QueryResult<Vec<Post>> {
    #[derive(diesel::QueryableByName)]
    struct Reply {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let ids: Vec<i64> = diesel::sql_query(
        "WITH RECURSIVE below(id) AS ( \
           SELECT id FROM posts WHERE in_reply_to_id = $1 AND deleted_at IS NULL AND NOT held \
           UNION SELECT p.id FROM posts p JOIN below ON p.in_reply_to_id = below.id \
             WHERE p.deleted_at IS NULL AND NOT p.held) \
         SELECT id FROM below LIMIT $2",
    )
    .bind::<diesel::sql_types::BigInt, _>(root)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load::<Reply>(conn)?
    .into_iter()
    .map(|r| r.id)
    .collect();
    let mut found = by_ids(conn, &ids)?;
    found.sort_by_key(|p| p.id);
    Ok(found)
}

/// Which of an author's posts to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct AuthorFilter {
    /// Hide what only followers (or those mentioned) may see.
    pub public_only: bool,
    pub exclude_replies: bool,
    pub exclude_reblogs: bool,
    /// Only posts with media attachments.
    pub only_media: bool,
}

/// Posts by one author, newest first.
pub fn by_author(
    conn: &mut Conn,
    author: i64,
    filter: AuthorFilter,
    page: Page,
) -> QueryResult<Vec<Post>> {
    let mut q = posts::table
        .filter(posts::author_id.eq(author))
        .filter(posts::deleted_at.is_null())
        .filter(posts::held.eq(false))
        .select(Post::as_select())
        .into_boxed();
    if filter.public_only {
        q = q.filter(posts::visibility.eq_any(["public", "unlisted"]));
    }
    if filter.exclude_replies {
        q = q.filter(posts::in_reply_to_id.is_null());
    }
    if filter.exclude_reblogs {
        q = q.filter(posts::reblog_of_id.is_null());
    }
    if filter.only_media {
        let with_media = crate::schema::media::table
            .filter(crate::schema::media::post_id.is_not_null())
            .select(crate::schema::media::post_id.assume_not_null());
        q = q.filter(posts::id.eq_any(with_media));
    }
    let (q, asc) = paginate!(q, posts::id, page);
    Ok(newest_first(q.load(conn)?, asc))
}

/// The public timeline: public posts, not boosts; `local` limits it to this or other instances.
pub fn public_timeline(conn: &mut Conn, local: Option<bool>, page: Page) -> QueryResult<Vec<Post>> {
    let mut q = posts::table
        .filter(posts::visibility.eq("public"))
        .filter(posts::deleted_at.is_null())
        .filter(posts::held.eq(false))
        .filter(posts::reblog_of_id.is_null())
        .select(Post::as_select())
        .into_boxed();
    if let Some(local) = local {
        q = q.filter(posts::local.eq(local));
    }
    let (q, asc) = paginate!(q, posts::id, page);
    Ok(newest_first(q.load(conn)?, asc))
}

/// Posts with a hashtag, public only.
pub fn tag_timeline(conn: &mut Conn, tag: &str, page: Page) -> QueryResult<Vec<Post>> {
    let tagged = post_tags::table
        .filter(post_tags::tag.eq(tag.to_lowercase()))
        .select(post_tags::post_id);
    let q = posts::table
        .filter(posts::id.eq_any(tagged))
        .filter(posts::visibility.eq("public"))
        .filter(posts::deleted_at.is_null())
        .filter(posts::held.eq(false))
        .select(Post::as_select())
        .into_boxed();
    let (q, asc) = paginate!(q, posts::id, page);
    Ok(newest_first(q.load(conn)?, asc))
}

/// A member's home: their own posts, what the accounts they follow posted (not direct
/// messages to others), and every post that mentions them.
pub fn home_timeline(conn: &mut Conn, viewer: i64, page: Page) -> QueryResult<Vec<Post>> {
    let followed = follows::table
        .filter(follows::follower_id.eq(viewer))
        .filter(follows::accepted.eq(true))
        .select(follows::followee_id);
    // Boosts show only from accounts followed with boosts on.
    let boosts_hidden = follows::table
        .filter(follows::follower_id.eq(viewer))
        .filter(follows::show_reblogs.eq(false))
        .select(follows::followee_id);
    let mentioning = post_mentions::table
        .filter(post_mentions::actor_id.eq(viewer))
        .select(post_mentions::post_id);
    // Threads in boards the viewer follows, once however many of those boards hold them.
    let followed_boards = follows::table
        .filter(follows::follower_id.eq(viewer))
        .filter(follows::accepted.eq(true))
        .select(follows::followee_id);
    let in_followed_boards = crate::schema::thread_boards::table
        .filter(crate::schema::thread_boards::board_id.eq_any(followed_boards))
        .select(crate::schema::thread_boards::post_id);
    let q = posts::table
        .filter(posts::deleted_at.is_null())
        .filter(posts::held.eq(false))
        .filter(
            posts::author_id
                .eq(viewer)
                .or(posts::author_id
                    .eq_any(followed)
                    .and(posts::visibility.ne("direct"))
                    .and(
                        posts::reblog_of_id
                            .is_null()
                            .or(posts::author_id.ne_all(boosts_hidden)),
                    ))
                .or(posts::id.eq_any(mentioning))
                .or(posts::id
                    .eq_any(in_followed_boards)
                    .and(posts::visibility.eq_any(["public", "unlisted"]))),
        )
        .select(Post::as_select())
        .into_boxed();
    let (q, asc) = paginate!(q, posts::id, page);
    Ok(newest_first(q.load(conn)?, asc))
}

pub fn count_by_author(conn: &mut Conn, author: i64) -> QueryResult<i64> {
    posts::table
        .filter(posts::author_id.eq(author))
        .filter(posts::deleted_at.is_null())
        .filter(posts::held.eq(false))
        .count()
        .get_result(conn)
}

pub fn count_local(conn: &mut Conn) -> QueryResult<i64> {
    posts::table
        .filter(posts::local.eq(true))
        .filter(posts::deleted_at.is_null())
        .filter(posts::held.eq(false))
        .filter(posts::reblog_of_id.is_null())
        .count()
        .get_result(conn)
}

/// (post id, replies, boosts, favourites) for the given posts, in three grouped queries.
pub fn counts(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<(i64, i64, i64, i64)>> {
    use diesel::dsl::count_star;
    use std::collections::HashMap;
    let replies: HashMap<i64, i64> = posts::table
        .filter(super::id_in(conn, "posts.in_reply_to_id", ids))
        .filter(posts::deleted_at.is_null())
        .filter(posts::held.eq(false))
        .group_by(posts::in_reply_to_id)
        .select((posts::in_reply_to_id.assume_not_null(), count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let reblogs: HashMap<i64, i64> = posts::table
        .filter(super::id_in(conn, "posts.reblog_of_id", ids))
        .group_by(posts::reblog_of_id)
        .select((posts::reblog_of_id.assume_not_null(), count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let favs: HashMap<i64, i64> = favourites::table
        .filter(super::id_in(conn, "favourites.post_id", ids))
        .group_by(favourites::post_id)
        .select((favourites::post_id, count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    Ok(ids
        .iter()
        .map(|id| {
            (
                *id,
                replies.get(id).copied().unwrap_or(0),
                reblogs.get(id).copied().unwrap_or(0),
                favs.get(id).copied().unwrap_or(0),
            )
        })
        .collect())
}

/// Mentioned actor ids of several posts, as (post id, actor id) pairs.
pub fn mentions_of(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    post_mentions::table
        .filter(super::id_in(conn, "post_mentions.post_id", ids))
        .select((post_mentions::post_id, post_mentions::actor_id))
        .load(conn)
}

/// Hashtags of several posts, as (post id, tag) pairs.
pub fn tags_of(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    post_tags::table
        .filter(super::id_in(conn, "post_tags.post_id", ids))
        .select((post_tags::post_id, post_tags::tag))
        .load(conn)
}

/// Live, public-facing post counts per author.
pub fn counts_by_authors(conn: &mut Conn, authors: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    posts::table
        .filter(super::id_in(conn, "posts.author_id", authors))
        .filter(posts::deleted_at.is_null())
        .filter(posts::held.eq(false))
        .group_by(posts::author_id)
        .select((posts::author_id, diesel::dsl::count_star()))
        .load(conn)
}

/// The boost of `post_id` by `actor`, if any.
pub fn reblog_by(conn: &mut Conn, actor: i64, post_id: i64) -> QueryResult<Option<Post>> {
    posts::table
        .filter(posts::author_id.eq(actor))
        .filter(posts::reblog_of_id.eq(post_id))
        .select(Post::as_select())
        .first(conn)
        .optional()
}

/// Which of `ids` the viewer has boosted.
pub fn reblogged_among(conn: &mut Conn, viewer: i64, ids: &[i64]) -> QueryResult<Vec<i64>> {
    posts::table
        .filter(posts::author_id.eq(viewer))
        .filter(super::id_in(conn, "posts.reblog_of_id", ids))
        .select(posts::reblog_of_id.assume_not_null())
        .load(conn)
}

pub fn delete_row(conn: &mut Conn, post_id: i64) -> QueryResult<()> {
    diesel::delete(posts::table.find(post_id)).execute(conn)?;
    Ok(())
}

pub fn add_favourite(conn: &mut Conn, new: &NewFavourite) -> QueryResult<i64> {
    diesel::insert_into(favourites::table)
        .values(new)
        .returning(favourites::id)
        .get_result(conn)
}

pub fn favourite_by(conn: &mut Conn, actor: i64, post_id: i64) -> QueryResult<Option<Favourite>> {
    favourites::table
        .filter(favourites::actor_id.eq(actor))
        .filter(favourites::post_id.eq(post_id))
        .select(Favourite::as_select())
        .first(conn)
        .optional()
}

pub fn favourite_by_ap_id(conn: &mut Conn, url: &str) -> QueryResult<Option<Favourite>> {
    favourites::table
        .filter(favourites::ap_id.eq(url))
        .select(Favourite::as_select())
        .get_result(conn)
        .optional()
}

pub fn remove_favourite(conn: &mut Conn, fav_id: i64) -> QueryResult<()> {
    diesel::delete(favourites::table.find(fav_id)).execute(conn)?;
    Ok(())
}

/// Which of `ids` the viewer has favourited.
pub fn favourited_among(conn: &mut Conn, viewer: i64, ids: &[i64]) -> QueryResult<Vec<i64>> {
    favourites::table
        .filter(favourites::actor_id.eq(viewer))
        .filter(super::id_in(conn, "favourites.post_id", ids))
        .select(favourites::post_id)
        .load(conn)
}

/// Actors who favourited a post.
pub fn favourited_by(conn: &mut Conn, post_id: i64) -> QueryResult<Vec<i64>> {
    favourites::table
        .filter(favourites::post_id.eq(post_id))
        .order(favourites::id.desc())
        .select(favourites::actor_id)
        .load(conn)
}

/// Actors who boosted a post.
pub fn reblogged_by(conn: &mut Conn, post_id: i64) -> QueryResult<Vec<i64>> {
    posts::table
        .filter(posts::reblog_of_id.eq(post_id))
        .order(posts::id.desc())
        .select(posts::author_id)
        .load(conn)
}

/// Public posts whose text contains `term` (plain substring match, newest first).
pub fn search(conn: &mut Conn, term: &str, limit: i64) -> QueryResult<Vec<Post>> {
    let pattern = format!("%{}%", term.replace(['%', '_'], ""));
    posts::table
        .filter(posts::deleted_at.is_null())
        .filter(posts::held.eq(false))
        .filter(posts::visibility.eq("public"))
        .filter(posts::reblog_of_id.is_null())
        .filter(posts::content.like(pattern))
        .order(posts::id.desc())
        .limit(limit)
        .select(Post::as_select())
        .load(conn)
}

pub fn favourite_by_id(conn: &mut Conn, fav_id: i64) -> QueryResult<Favourite> {
    favourites::table
        .find(fav_id)
        .select(Favourite::as_select())
        .get_result(conn)
}

pub fn set_kind(conn: &mut Conn, post_id: i64, kind: &str) -> QueryResult<()> {
    diesel::update(posts::table.find(post_id))
        .set(posts::kind.eq(kind))
        .execute(conn)?;
    Ok(())
}

/// Keeps the current version of a post before an edit replaces it.
pub fn save_version(conn: &mut Conn, post: &Post, at: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(post_edits::table)
        .values((
            post_edits::post_id.eq(post.id),
            post_edits::name.eq(&post.name),
            post_edits::content.eq(&post.content),
            post_edits::summary.eq(&post.summary),
            post_edits::sensitive.eq(post.sensitive),
            post_edits::created_at.eq(post.updated_at.unwrap_or(post.created_at).min(at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Earlier versions of a post, oldest first.
pub fn versions(conn: &mut Conn, post_id: i64) -> QueryResult<Vec<PostEdit>> {
    post_edits::table
        .filter(post_edits::post_id.eq(post_id))
        .order(post_edits::id.asc())
        .select(PostEdit::as_select())
        .load(conn)
}

pub fn set_held(conn: &mut Conn, post_id: i64, held: bool) -> QueryResult<()> {
    diesel::update(posts::table.find(post_id))
        .set(posts::held.eq(held))
        .execute(conn)?;
    Ok(())
}

/// Whether `author` has a post other than `except` in a thread of `board` that is not held.
pub fn has_approved_post_in_board(
    conn: &mut Conn,
    author: i64,
    board: i64,
    except: i64,
) -> QueryResult<bool> {
    let roots = crate::schema::thread_boards::table
        .filter(crate::schema::thread_boards::board_id.eq(board))
        .select(crate::schema::thread_boards::post_id);
    let contexts: Vec<Option<String>> = posts::table
        .filter(posts::id.eq_any(roots))
        .select(posts::context)
        .load(conn)?;
    let contexts: Vec<String> = contexts.into_iter().flatten().collect();
    diesel::select(diesel::dsl::exists(
        posts::table
            .filter(posts::author_id.eq(author))
            .filter(posts::id.ne(except))
            .filter(posts::held.eq(false))
            .filter(posts::context.eq_any(contexts)),
    ))
    .get_result(conn)
}

/// Held posts in threads of `board` (by thread context), oldest first.
pub fn held_in_board(conn: &mut Conn, board: i64) -> QueryResult<Vec<Post>> {
    let roots = crate::schema::thread_boards::table
        .filter(crate::schema::thread_boards::board_id.eq(board))
        .select(crate::schema::thread_boards::post_id);
    let contexts: Vec<Option<String>> = posts::table
        .filter(posts::id.eq_any(roots))
        .select(posts::context)
        .load(conn)?;
    let contexts: Vec<String> = contexts.into_iter().flatten().collect();
    // A held post a moderator removed instead of approving waits no more.
    let removed = crate::schema::post_removals::table
        .filter(crate::schema::post_removals::board_id.eq(board))
        .select(crate::schema::post_removals::post_id);
    posts::table
        .filter(posts::held.eq(true))
        .filter(posts::deleted_at.is_null())
        .filter(posts::context.eq_any(contexts))
        .filter(posts::id.ne_all(removed))
        .order(posts::id.asc())
        .select(Post::as_select())
        .load(conn)
}

pub fn set_source(conn: &mut Conn, post_id: i64, source: &str) -> QueryResult<()> {
    diesel::update(posts::table.find(post_id))
        .set(posts::source.eq(source))
        .execute(conn)?;
    Ok(())
}

/// Posts an actor favourited, most recent favourite first, paged by the favourite's id.
pub fn favourites_of(
    conn: &mut Conn,
    actor: i64,
    max_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<(i64, Post)>> {
    let mut q = favourites::table
        .inner_join(posts::table)
        .filter(favourites::actor_id.eq(actor))
        .filter(posts::deleted_at.is_null())
        .select((favourites::id, Post::as_select()))
        .into_boxed();
    if let Some(max) = max_id {
        q = q.filter(favourites::id.lt(max));
    }
    q.order(favourites::id.desc())
        .limit(limit.clamp(1, 40))
        .load(conn)
}

/// Posts edited or deleted at or after `since` (for streaming `status.update` and `delete`).
pub fn changed_since(conn: &mut Conn, since: NaiveDateTime, limit: i64) -> QueryResult<Vec<Post>> {
    posts::table
        .filter(posts::updated_at.ge(since).or(posts::deleted_at.ge(since)))
        .order(posts::id.desc())
        .limit(limit)
        .select(Post::as_select())
        .load(conn)
}

/// The highest post id, where new posts start for a listener.
pub fn latest_id(conn: &mut Conn) -> QueryResult<i64> {
    use diesel::dsl::max;
    Ok(posts::table
        .select(max(posts::id))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0))
}

/// Hashtags in use that start with `prefix` (lowercase), most used first.
pub fn tags_starting_with(conn: &mut Conn, prefix: &str, limit: i64) -> QueryResult<Vec<String>> {
    use diesel::dsl::count_star;
    // `_` is a LIKE wildcard and tags may contain it: the prefix is checked again exactly.
    let rows: Vec<(String, i64)> = post_tags::table
        .filter(post_tags::tag.like(format!("{prefix}%")))
        .group_by(post_tags::tag)
        .select((post_tags::tag, count_star()))
        .order(count_star().desc())
        .limit(limit * 2)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(tag, _)| tag)
        .filter(|tag| tag.starts_with(prefix))
        .take(limit as usize)
        .collect())
}

/// Direct posts `viewer` wrote or is mentioned in, newest first, below `max_id`.
pub fn direct_for(
    conn: &mut Conn,
    viewer: i64,
    max_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Post>> {
    let mut mentioned = post_mentions::table
        .inner_join(posts::table.on(posts::id.eq(post_mentions::post_id)))
        .filter(post_mentions::actor_id.eq(viewer))
        .filter(posts::visibility.eq("direct"))
        .select(post_mentions::post_id)
        .order(post_mentions::post_id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(max) = max_id {
        mentioned = mentioned.filter(post_mentions::post_id.lt(max));
    }
    let mentioned: Vec<i64> = mentioned.load(conn)?;
    let mut q = posts::table
        .filter(posts::visibility.eq("direct"))
        .filter(posts::deleted_at.is_null())
        .filter(posts::author_id.eq(viewer).or(posts::id.eq_any(mentioned)))
        .select(Post::as_select())
        .into_boxed();
    if let Some(max) = max_id {
        q = q.filter(posts::id.lt(max));
    }
    q.order(posts::id.desc()).limit(limit).load(conn)
}
