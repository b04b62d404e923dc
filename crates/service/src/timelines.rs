//! Reading: timelines, an account's posts, a thread.

use crate::posts::{filter_visible, visible_post};
use crate::{Context, ServiceResult};
use std::collections::HashMap;
use tsunagu_db::queries::{boards, posts, Page};
use tsunagu_db::Post;

/// Drops posts (and boosts of posts) by accounts the viewer blocks, mutes or is blocked by.
pub async fn without_hidden(
    ctx: &Context,
    viewer: Option<i64>,
    list: Vec<Post>,
) -> ServiceResult<Vec<Post>> {
    // What a board's moderators removed shows to its author only.
    let list = without_removed(ctx, viewer, list).await?;
    let Some(viewer) = viewer else {
        return Ok(list);
    };
    let hidden = crate::relations::hidden_from(ctx, viewer).await?;
    if hidden.is_empty() {
        return Ok(list);
    }
    let originals: Vec<i64> = list.iter().filter_map(|p| p.reblog_of_id).collect();
    let original_authors: Vec<(i64, i64)> = ctx
        .db
        .read(move |c| {
            Ok(posts::by_ids(c, &originals)?
                .into_iter()
                .map(|p| (p.id, p.author_id))
                .collect())
        })
        .await?;
    Ok(list
        .into_iter()
        .filter(|p| !hidden.contains(&p.author_id))
        .filter(|p| {
            p.reblog_of_id.is_none_or(|o| {
                original_authors
                    .iter()
                    .find(|(id, _)| *id == o)
                    .is_none_or(|(_, a)| !hidden.contains(a))
            })
        })
        .collect())
}

/// Drops posts (and boosts of posts) a board's moderators removed, except for their authors.
async fn without_removed(
    ctx: &Context,
    viewer: Option<i64>,
    list: Vec<Post>,
) -> ServiceResult<Vec<Post>> {
    let ids: Vec<i64> = list
        .iter()
        .flat_map(|p| [Some(p.id), p.reblog_of_id])
        .flatten()
        .collect();
    let removed = ctx.db.read(move |c| boards::removed_among(c, &ids)).await?;
    if removed.is_empty() {
        return Ok(list);
    }
    let authors: Vec<(i64, i64)> = {
        let ids = removed.clone();
        ctx.db
            .read(move |c| {
                Ok(posts::by_ids(c, &ids)?
                    .into_iter()
                    .map(|p| (p.id, p.author_id))
                    .collect())
            })
            .await?
    };
    let hidden = |id: i64| {
        authors
            .iter()
            .any(|(p, author)| *p == id && viewer != Some(*author))
    };
    Ok(list
        .into_iter()
        .filter(|p| !hidden(p.id) && p.reblog_of_id.is_none_or(|o| !hidden(o)))
        .collect())
}

pub async fn home(ctx: &Context, viewer: i64, page: Page) -> ServiceResult<Vec<Post>> {
    let list = ctx
        .db
        .read(move |c| posts::home_timeline(c, viewer, page))
        .await?;
    let list = crate::policy::without_hidden_authors(ctx, list, false).await?;
    without_hidden(ctx, Some(viewer), list).await
}

pub async fn public(
    ctx: &Context,
    viewer: Option<i64>,
    local: Option<bool>,
    page: Page,
) -> ServiceResult<Vec<Post>> {
    let list = ctx
        .db
        .read(move |c| posts::public_timeline(c, local, page))
        .await?;
    let list = crate::policy::without_hidden_authors(ctx, list, true).await?;
    without_hidden(ctx, viewer, list).await
}

pub async fn tag(
    ctx: &Context,
    viewer: Option<i64>,
    tag: &str,
    page: Page,
) -> ServiceResult<Vec<Post>> {
    let tag = tag.to_lowercase();
    let list = ctx
        .db
        .read(move |c| posts::tag_timeline(c, &tag, page))
        .await?;
    let list = crate::policy::without_hidden_authors(ctx, list, true).await?;
    without_hidden(ctx, viewer, list).await
}

pub struct AccountFilter {
    pub exclude_replies: bool,
    pub exclude_reblogs: bool,
    pub only_media: bool,
}

/// An account's posts as `viewer` may see them.
pub async fn account(
    ctx: &Context,
    viewer: Option<i64>,
    author: i64,
    filter: AccountFilter,
    page: Page,
) -> ServiceResult<Vec<Post>> {
    let public_only = viewer != Some(author);
    let rows = ctx
        .db
        .read(move |c| {
            let filter = posts::AuthorFilter {
                public_only,
                exclude_replies: filter.exclude_replies,
                exclude_reblogs: filter.exclude_reblogs,
                only_media: filter.only_media,
            };
            posts::by_author(c, author, filter, page)
        })
        .await?;
    without_removed(ctx, viewer, rows).await
}

/// The posts above and below one post in its thread, as `viewer` may see them. Replies by
/// accounts banned from the thread's boards are left out.
pub async fn context(
    ctx: &Context,
    viewer: Option<i64>,
    post_id: i64,
) -> ServiceResult<(Vec<Post>, Vec<Post>)> {
    let post = visible_post(ctx, viewer, post_id).await?;
    let mut ancestors = Vec::new();
    let mut parent = post.in_reply_to_id;
    while let Some(pid) = parent {
        if ancestors.len() >= 200 {
            break;
        }
        let Ok(p) = ctx.db.read(move |c| posts::by_id(c, pid)).await else {
            break;
        };
        parent = p.in_reply_to_id;
        ancestors.push(p);
    }
    ancestors.reverse();
    let root = ancestors.first().unwrap_or(&post).id;
    let ancestors = filter_visible(ctx, viewer, ancestors).await?;
    let descendants = without_hidden(ctx, viewer, descendants(ctx, post.id, 1000).await?).await?;
    let descendants = without_banned(ctx, root, descendants).await?;
    Ok((ancestors, filter_visible(ctx, viewer, descendants).await?))
}

/// Drops replies whose authors are banned from a board holding the thread `root`.
pub async fn without_banned(ctx: &Context, root: i64, list: Vec<Post>) -> ServiceResult<Vec<Post>> {
    let authors: Vec<i64> = list.iter().map(|p| p.author_id).collect();
    let banned = ctx
        .db
        .read(move |c| {
            let boards: Vec<i64> = boards::boards_of_thread(c, root)?
                .iter()
                .map(|b| b.id)
                .collect();
            if boards.is_empty() {
                return Ok(Vec::new());
            }
            boards::banned_among(c, &boards, &authors)
        })
        .await?;
    Ok(list
        .into_iter()
        .filter(|p| !banned.contains(&p.author_id))
        .collect())
}

/// Every live reply below `root`, depth first in the order they were written.
pub async fn descendants(ctx: &Context, root: i64, limit: usize) -> ServiceResult<Vec<Post>> {
    let below = ctx
        .db
        .read(move |c| posts::replies_below(c, root, limit as i64))
        .await?;
    // Depth-first order: each reply followed by its own replies (oldest first at each level).
    let mut children: HashMap<i64, Vec<Post>> = HashMap::new();
    for post in below {
        if let Some(parent) = post.in_reply_to_id {
            children.entry(parent).or_default().push(post);
        }
    }
    let mut ordered = Vec::new();
    let mut stack: Vec<Post> = children.remove(&root).unwrap_or_default();
    stack.reverse();
    while let Some(post) = stack.pop() {
        let mut below = children.remove(&post.id).unwrap_or_default();
        below.reverse();
        stack.extend(below);
        ordered.push(post);
    }
    Ok(ordered)
}

/// Posts found by text (`#tag` finds the tag's posts), as `viewer` may see them, newest first.
pub async fn search(
    ctx: &Context,
    viewer: Option<i64>,
    query: &str,
    limit: i64,
) -> ServiceResult<Vec<Post>> {
    let query = query.trim().to_string();
    if let Some(tag) = query
        .strip_prefix('#')
        .and_then(|t| crate::html::parse_hashtag(&format!("#{t}")))
    {
        return self::tag(ctx, viewer, &tag, Page::first(limit)).await;
    }
    if query.chars().count() < 2 {
        return Ok(Vec::new());
    }
    let found = ctx
        .db
        .read(move |c| posts::search(c, &query, limit))
        .await?;
    let found = crate::policy::without_hidden_authors(ctx, found, true).await?;
    let found = without_hidden(ctx, viewer, found).await?;
    filter_visible(ctx, viewer, found).await
}

/// A private conversation as Mastodon lists it: its latest message and the other people in it.
#[derive(Debug, Clone)]
pub struct Conversation {
    /// The id of its earliest message seen (for a thread started here, its first message).
    pub id: i64,
    pub last: Post,
    pub participants: Vec<i64>,
}

/// How many recent private messages are grouped into conversations per page.
const CONVERSATION_SCAN: i64 = 400;

/// `viewer`'s private conversations (direct messages grouped by thread), latest first, with
/// latest messages below `max_id`.
pub async fn conversations(
    ctx: &Context,
    viewer: i64,
    max_id: Option<i64>,
    limit: usize,
) -> ServiceResult<Vec<Conversation>> {
    let found = ctx
        .db
        .read(move |c| posts::direct_for(c, viewer, max_id, CONVERSATION_SCAN))
        .await?;
    let found = crate::posts::filter_visible(ctx, Some(viewer), found).await?;
    let ids: Vec<i64> = found.iter().map(|p| p.id).collect();
    let mentions = ctx.db.read(move |c| posts::mentions_of(c, &ids)).await?;
    let mut out: Vec<(String, Conversation)> = Vec::new();
    // Newest first: the first message seen of a thread is its latest.
    for post in found {
        let key = post
            .context
            .clone()
            .unwrap_or_else(|| format!("post-{}", post.id));
        let mut people: Vec<i64> = mentions
            .iter()
            .filter(|(p, _)| *p == post.id)
            .map(|(_, a)| *a)
            .chain([post.author_id])
            .filter(|a| *a != viewer)
            .collect();
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, conv)) => {
                conv.id = conv.id.min(post.id);
                conv.participants.append(&mut people);
            }
            None => out.push((
                key,
                Conversation {
                    id: post.id,
                    last: post,
                    participants: people,
                },
            )),
        }
    }
    Ok(out
        .into_iter()
        .map(|(_, mut conv)| {
            conv.participants.sort();
            conv.participants.dedup();
            conv
        })
        .take(limit)
        .collect())
}
