//! Read models: accounts and statuses as a viewer may see them, built in batches (a page of
//! statuses costs a handful of queries whatever its length). The client API renders them as
//! Mastodon's JSON entities, the web pages as HTML; the rules of what shows are here, once.

use crate::accounts::{self, Viewer};
use crate::polls::PollState;
use crate::{html, Context, ServiceResult};
use std::collections::HashMap;
use tsunagu_db::queries::{actors, follows, posts, users};
use tsunagu_db::{Actor, Media, Post, User};

/// One name/value field of a profile: an alumni profile field (with its key) or one the
/// account wrote itself (or its server sent).
#[derive(Debug, Clone)]
pub struct FieldView {
    pub name: String,
    /// Safe HTML.
    pub value_html: String,
    pub key: Option<accounts::ProfileKey>,
}

/// An account as a viewer may see it.
#[derive(Debug, Clone)]
pub struct AccountView {
    pub actor: Actor,
    /// The member behind a local account.
    pub member: Option<User>,
    /// The fields the viewer may see.
    pub fields: Vec<FieldView>,
    pub followers: i64,
    pub following: i64,
    pub statuses: i64,
    /// Verified alumni status, as this server (for members here) or theirs states it.
    pub alumni: Option<tsunagu_db::AlumniVerification>,
}

impl AccountView {
    /// `name` here, `name@host` elsewhere.
    pub fn acct(&self, ctx: &Context) -> String {
        acct(ctx, &self.actor)
    }

    /// Where a person opens the account: its profile page.
    pub fn url(&self) -> &str {
        self.actor.url.as_deref().unwrap_or(&self.actor.ap_id)
    }
}

/// `name` for accounts here, `name@host` for others.
pub fn acct(ctx: &Context, actor: &Actor) -> String {
    if actor.local && actor.domain == ctx.domain {
        actor.username.clone()
    } else {
        format!("{}@{}", actor.username, actor.domain)
    }
}

/// Account views of several actors, with the profile fields `viewer` may see.
pub async fn accounts(
    ctx: &Context,
    list: &[Actor],
    viewer: Viewer,
) -> ServiceResult<Vec<AccountView>> {
    let ids: Vec<i64> = list.iter().map(|a| a.id).collect();
    let local_ids: Vec<i64> = list.iter().filter(|a| a.local).map(|a| a.id).collect();
    let (statuses, follow_counts, (members, fields), verified) = ctx
        .db
        .read(move |c| {
            Ok((
                posts::counts_by_authors(c, &ids)?,
                follows::counts_of(c, &ids)?,
                users::by_actors_with_profiles(c, &local_ids)?,
                tsunagu_db::queries::joining::verifications_of(c, &ids)?,
            ))
        })
        .await?;
    let mut verified: HashMap<i64, tsunagu_db::AlumniVerification> =
        verified.into_iter().map(|v| (v.actor_id, v)).collect();
    let statuses: HashMap<i64, i64> = statuses.into_iter().collect();
    let follow_counts: HashMap<i64, (i64, i64)> = follow_counts
        .into_iter()
        .map(|(id, a, b)| (id, (a, b)))
        .collect();
    let members: HashMap<i64, User> = members.into_iter().map(|u| (u.actor_id, u)).collect();
    Ok(list
        .iter()
        .map(|actor| {
            let member = members.get(&actor.id).cloned();
            let mut shown: Vec<FieldView> = Vec::new();
            let alumni = verified.remove(&actor.id);
            if let Some(v) = alumni.as_ref().filter(|_| actor.local) {
                shown.push(crate::alumni::field(v));
            }
            if let Some(user) = &member {
                let rows = fields
                    .iter()
                    .filter(|f| f.user_id == user.id)
                    .cloned()
                    .collect();
                shown.extend(
                    accounts::visible_entries(rows, viewer)
                        .into_iter()
                        .map(|e| FieldView {
                            name: e.key.label().to_string(),
                            value_html: html::escape(&e.value),
                            key: Some(e.key),
                        }),
                );
            }
            shown.extend(own_fields(&actor.fields_json, actor.local));
            let (followers, following) = follow_counts.get(&actor.id).copied().unwrap_or_default();
            AccountView {
                actor: actor.clone(),
                member,
                fields: shown,
                followers,
                following,
                statuses: statuses.get(&actor.id).copied().unwrap_or(0),
                alumni,
            }
        })
        .collect())
}

/// Fields stored with an account: written by a member here (kept as typed, so escaped), or
/// sent by its server (kept as sanitised HTML).
fn own_fields(fields_json: &str, local: bool) -> Vec<FieldView> {
    serde_json::from_str::<Vec<serde_json::Value>>(fields_json)
        .unwrap_or_default()
        .into_iter()
        .map(|f| {
            let value = f["value"].as_str().unwrap_or_default();
            FieldView {
                name: f["name"].as_str().unwrap_or_default().to_string(),
                value_html: if local {
                    html::escape(value)
                } else {
                    value.to_string()
                },
                key: None,
            }
        })
        .collect()
}

/// A poll as the viewer may see it.
#[derive(Debug, Clone)]
pub struct PollView {
    pub state: PollState,
    /// The options the viewer chose.
    pub own_votes: Vec<i32>,
    /// Whether the viewer may see the counts (hidden totals show to the author and once ended).
    pub counts_shown: bool,
    /// Whether the viewer voted (or, being the author, cannot).
    pub voted: Option<bool>,
}

/// A status as a viewer may see it.
#[derive(Debug, Clone)]
pub struct StatusView {
    pub post: Post,
    /// Shared by the statuses of one author in a list.
    pub author: std::sync::Arc<AccountView>,
    /// The text as HTML, a title shown first when the text does not open with it.
    pub content_html: String,
    pub mentions: Vec<Actor>,
    pub tags: Vec<String>,
    pub replies: i64,
    pub reblogs: i64,
    pub favourites: i64,
    pub favourited: bool,
    pub reblogged: bool,
    pub bookmarked: bool,
    pub pinned: bool,
    pub media: Vec<Media>,
    pub poll: Option<PollView>,
    pub in_reply_to_account_id: Option<i64>,
    /// The boosted status, for a boost.
    pub reblog: Option<Box<StatusView>>,
}

impl StatusView {
    /// Where a person opens the status: its page.
    pub fn url(&self) -> &str {
        self.post.url.as_deref().unwrap_or(&self.post.ap_id)
    }
}

/// A post's text as HTML, its title shown first when the text does not open with it (apps
/// show no title of their own).
pub fn content_html(post: &Post) -> String {
    match &post.name {
        Some(name) if !crate::boards::text_opens_with_title(post) => format!(
            "<p><strong>{}</strong></p>{}",
            html::escape(name),
            post.content
        ),
        _ => post.content.clone(),
    }
}

/// Status views for a list of posts, in the same order. A boost whose original the viewer
/// may not see is left out; the rest is taken as given (the caller chose what to show).
pub async fn statuses(
    ctx: &Context,
    viewer: Option<i64>,
    list: Vec<Post>,
) -> ServiceResult<Vec<StatusView>> {
    let list = crate::posts::without_hidden_originals(ctx, viewer, list).await?;
    // The posts as given (just read by the caller) and the originals of boosts.
    let mut map: HashMap<i64, Post> = list.iter().map(|p| (p.id, p.clone())).collect();
    let batch = ctx
        .db
        .read(move |c| {
            let originals: Vec<i64> = map.values().filter_map(|p| p.reblog_of_id).collect();
            if !originals.is_empty() {
                for p in posts::by_ids(c, &originals)? {
                    map.insert(p.id, p);
                }
            }
            let ids: Vec<i64> = map.keys().copied().collect();
            let mut mentions: HashMap<i64, Vec<i64>> = HashMap::new();
            let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
            let mut actor_ids: Vec<i64> = map.values().map(|p| p.author_id).collect();
            for (post, actor) in posts::mentions_of(c, &ids)? {
                actor_ids.push(actor);
                mentions.entry(post).or_default().push(actor);
            }
            for (post, tag) in posts::tags_of(c, &ids)? {
                tags.entry(post).or_default().push(tag);
            }
            // Parents in the list are known; the others are read.
            let mut parent_authors: HashMap<i64, i64> = HashMap::new();
            let mut unknown = Vec::new();
            for parent in map.values().filter_map(|p| p.in_reply_to_id) {
                match map.get(&parent) {
                    Some(p) => {
                        parent_authors.insert(parent, p.author_id);
                    }
                    None => unknown.push(parent),
                }
            }
            if !unknown.is_empty() {
                for p in posts::by_ids(c, &unknown)? {
                    parent_authors.insert(p.id, p.author_id);
                }
            }
            actor_ids.sort();
            actor_ids.dedup();
            let actors = actors::by_ids(c, &actor_ids)?
                .into_iter()
                .map(|a| (a.id, a))
                .collect();
            let counts = posts::counts(c, &ids)?
                .into_iter()
                .map(|(id, r, b, f)| (id, (r, b, f)))
                .collect();
            let (favourited, reblogged, bookmarked, pinned) = match viewer {
                Some(v) => (
                    posts::favourited_among(c, v, &ids)?,
                    posts::reblogged_among(c, v, &ids)?,
                    tsunagu_db::queries::bookmarks::among(c, v, &ids)?,
                    tsunagu_db::queries::bookmarks::pinned(c, v)?
                        .into_iter()
                        .map(|p| p.id)
                        .collect(),
                ),
                None => (Vec::new(), Vec::new(), Vec::new(), Vec::new()),
            };
            let mut media: HashMap<i64, Vec<Media>> = HashMap::new();
            for m in tsunagu_db::queries::media::of_posts(c, &ids)? {
                if let Some(post) = m.post_id {
                    media.entry(post).or_default().push(m);
                }
            }
            let own_votes = match viewer {
                Some(v) => tsunagu_db::queries::polls::choices_of(c, v, &ids)?,
                None => Vec::new(),
            };
            let polls = tsunagu_db::queries::polls::of_posts(c, &ids)?
                .into_iter()
                .map(|poll| {
                    let id = poll.post_id;
                    let mine: Vec<i32> = own_votes
                        .iter()
                        .filter(|(p, _)| *p == id)
                        .map(|(_, choice)| *choice)
                        .collect();
                    let author = map.get(&id).map(|p| p.author_id);
                    (
                        id,
                        poll_view(PollState::from_row(poll), viewer, author, mine),
                    )
                })
                .collect();
            Ok(Batch {
                media,
                polls,
                posts: map,
                actors,
                mentions,
                tags,
                counts,
                favourited,
                reblogged,
                bookmarked,
                pinned,
                parent_authors,
            })
        })
        .await?;
    let actor_list: Vec<Actor> = batch.actors.values().cloned().collect();
    let account_views: HashMap<i64, std::sync::Arc<AccountView>> =
        accounts(ctx, &actor_list, Viewer::Anonymous)
            .await?
            .into_iter()
            .map(|a| (a.actor.id, std::sync::Arc::new(a)))
            .collect();
    let mut out = Vec::with_capacity(list.len());
    for p in &list {
        let Some(post) = batch.posts.get(&p.id) else {
            continue;
        };
        let Some(mut view) = batch.view(post, &account_views) else {
            continue;
        };
        if let Some(original) = post.reblog_of_id.and_then(|id| batch.posts.get(&id)) {
            view.reblog = batch.view(original, &account_views).map(Box::new);
        }
        out.push(view);
    }
    Ok(out)
}

/// One status view, or `None` for a post whose author is unknown.
pub async fn status(
    ctx: &Context,
    viewer: Option<i64>,
    post: Post,
) -> ServiceResult<Option<StatusView>> {
    Ok(statuses(ctx, viewer, vec![post]).await?.pop())
}

fn poll_view(
    state: PollState,
    viewer: Option<i64>,
    author: Option<i64>,
    own_votes: Vec<i32>,
) -> PollView {
    let own = viewer.is_some() && viewer == author;
    PollView {
        counts_shown: !state.poll.hide_totals || state.expired() || own,
        voted: viewer.map(|_| own || !own_votes.is_empty()),
        own_votes,
        state,
    }
}

/// A poll on its own, as `viewer` may see it.
pub async fn poll(ctx: &Context, viewer: Option<i64>, state: PollState) -> ServiceResult<PollView> {
    let post_id = state.poll.post_id;
    let (author, mine) = ctx
        .db
        .read(move |c| {
            let author = posts::by_id(c, post_id)?.author_id;
            let mine = match viewer {
                Some(v) => tsunagu_db::queries::polls::choices_of(c, v, &[post_id])?,
                None => Vec::new(),
            };
            Ok((author, mine))
        })
        .await?;
    let mine: Vec<i32> = mine.into_iter().map(|(_, c)| c).collect();
    Ok(poll_view(state, viewer, Some(author), mine))
}

struct Batch {
    posts: HashMap<i64, Post>,
    actors: HashMap<i64, Actor>,
    mentions: HashMap<i64, Vec<i64>>,
    tags: HashMap<i64, Vec<String>>,
    counts: HashMap<i64, (i64, i64, i64)>,
    favourited: Vec<i64>,
    reblogged: Vec<i64>,
    bookmarked: Vec<i64>,
    pinned: Vec<i64>,
    parent_authors: HashMap<i64, i64>,
    media: HashMap<i64, Vec<Media>>,
    polls: HashMap<i64, PollView>,
}

impl Batch {
    fn view(
        &self,
        post: &Post,
        accounts: &HashMap<i64, std::sync::Arc<AccountView>>,
    ) -> Option<StatusView> {
        let author = accounts.get(&post.author_id)?.clone();
        let (replies, reblogs, favourites) = self.counts.get(&post.id).copied().unwrap_or_default();
        Some(StatusView {
            content_html: content_html(post),
            author,
            mentions: self
                .mentions
                .get(&post.id)
                .into_iter()
                .flatten()
                .filter_map(|id| self.actors.get(id).cloned())
                .collect(),
            tags: self.tags.get(&post.id).cloned().unwrap_or_default(),
            replies,
            reblogs,
            favourites,
            favourited: self.favourited.contains(&post.id),
            reblogged: self.reblogged.contains(&post.id),
            bookmarked: self.bookmarked.contains(&post.id),
            pinned: self.pinned.contains(&post.id),
            media: self.media.get(&post.id).cloned().unwrap_or_default(),
            poll: self.polls.get(&post.id).cloned(),
            in_reply_to_account_id: post
                .in_reply_to_id
                .and_then(|id| self.parent_authors.get(&id))
                .copied(),
            reblog: None,
            post: post.clone(),
        })
    }
}
