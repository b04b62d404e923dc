//! Statuses: writing, deleting, favouriting and boosting.

use crate::error::{invalid, invalid_as};
use crate::html::{self, Linker, MentionToken};
use crate::Problem;
use crate::{boards, Context, Event, ServiceError, ServiceResult};
use std::fmt;
use std::str::FromStr;
use tsunagu_db::queries::{actors, notifications, posts};
use tsunagu_db::{now, Actor, NewFavourite, NewNotification, NewPost, Post};

pub const MAX_STATUS_CHARS: usize = 5000;

/// Who may see a post, with Mastodon's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostVisibility {
    Public,
    Unlisted,
    Private,
    Direct,
}

impl PostVisibility {
    pub fn as_str(self) -> &'static str {
        match self {
            PostVisibility::Public => "public",
            PostVisibility::Unlisted => "unlisted",
            PostVisibility::Private => "private",
            PostVisibility::Direct => "direct",
        }
    }
}

impl fmt::Display for PostVisibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PostVisibility {
    type Err = ServiceError;
    fn from_str(s: &str) -> ServiceResult<Self> {
        match s {
            "public" => Ok(PostVisibility::Public),
            "unlisted" => Ok(PostVisibility::Unlisted),
            "private" => Ok(PostVisibility::Private),
            "direct" => Ok(PostVisibility::Direct),
            _ => Err(invalid(format!("unknown visibility {s:?}"))),
        }
    }
}

/// A random token for ids that must not be guessable or must exist before their row.
pub fn random_token() -> String {
    use rand::Rng;
    let bytes: [u8; 16] = rand::thread_rng().gen();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub struct NewStatus {
    pub text: String,
    pub visibility: PostVisibility,
    pub in_reply_to_id: Option<i64>,
    pub spoiler_text: String,
    pub sensitive: bool,
    /// Uploads to attach, in order.
    pub media_ids: Vec<i64>,
    pub poll: Option<crate::polls::NewPoll>,
}

/// Accounts found for the mentions in a text, by token.
struct Mentions(Vec<(MentionToken, Actor)>);

impl Linker for (&Context, &Mentions) {
    fn mention(&self, token: &MentionToken) -> Option<String> {
        self.1
             .0
            .iter()
            .find(|(t, _)| t == token)
            .map(|(_, a)| a.url.clone().unwrap_or_else(|| a.ap_id.clone()))
    }
    fn hashtag(&self, tag: &str) -> String {
        self.0.tag_url(tag)
    }
}

/// Finds the account a mention names: here, already known, or looked up on its server.
pub async fn resolve_mention(ctx: &Context, token: &MentionToken) -> Option<Actor> {
    let host = token
        .host
        .clone()
        .filter(|h| *h != ctx.domain)
        .unwrap_or_else(|| ctx.domain.clone());
    let name = token.username.clone();
    let local = host == ctx.domain;
    let (n, h) = (name.clone(), host.clone());
    if let Ok(Some(actor)) = ctx.db.read(move |c| actors::by_handle(c, &n, &h)).await {
        return Some(actor);
    }
    if local {
        return None;
    }
    match ctx.federator().ok()?.resolve_handle(&name, &host).await {
        Ok(actor) => Some(actor),
        Err(e) => {
            tracing::info!("mention @{name}@{host} not resolved: {e}");
            None
        }
    }
}

/// Renders plain text to HTML, returning it with the accounts mentioned and the hashtags.
pub async fn render_text(
    ctx: &Context,
    text: &str,
) -> ServiceResult<(String, Vec<Actor>, Vec<String>)> {
    render_with(ctx, text, text, html::render_plain).await
}

/// Renders Markdown (a thread's body) to HTML, returning it with the accounts mentioned and
/// the hashtags, linked as in a status.
pub async fn render_markdown_text(
    ctx: &Context,
    source: &str,
) -> ServiceResult<(String, Vec<Actor>, Vec<String>)> {
    // Mentions and tags are found in the text as read, without Markdown's marks.
    let plain = html::to_text(&html::render_markdown(source));
    render_with(ctx, source, &plain, html::render_markdown_linked).await
}

async fn render_with(
    ctx: &Context,
    text: &str,
    plain: &str,
    render: fn(&str, &dyn html::Linker) -> String,
) -> ServiceResult<(String, Vec<Actor>, Vec<String>)> {
    let (tokens, tags) = html::scan(plain);
    let mut found = Vec::new();
    for token in tokens.into_iter().take(20) {
        if let Some(actor) = resolve_mention(ctx, &token).await {
            found.push((token, actor));
        }
    }
    let mentions = Mentions(found);
    let html = render(text, &(ctx, &mentions));
    let mut actors: Vec<Actor> = Vec::new();
    for (_, a) in mentions.0 {
        if !actors.iter().any(|x| x.id == a.id) {
            actors.push(a);
        }
    }
    Ok((html, actors, tags))
}

pub async fn get_post(ctx: &Context, post_id: i64) -> ServiceResult<Post> {
    ctx.db
        .read(move |c| posts::by_id(c, post_id))
        .await
        .map_err(|e| {
            if e.is_not_found() {
                ServiceError::NotFound("status")
            } else {
                e.into()
            }
        })
}

/// Whether `viewer` (an actor id, or nobody) may see `post`.
pub async fn can_see(ctx: &Context, viewer: Option<i64>, post: &Post) -> ServiceResult<bool> {
    Ok(!filter_visible(ctx, viewer, vec![post.clone()])
        .await?
        .is_empty())
}

/// The posts of `list` that `viewer` may see, in order, in a few queries whatever their
/// number. Deleted posts, posts waiting for a moderator and posts a board's moderators
/// removed show to their author only; followers-only posts to followers and mentioned
/// accounts; direct ones to mentioned accounts. A boost shows only with its original.
/// [`filter_visible`] for rows that come with their post (an offer, a campaign).
pub async fn keep_visible<T>(
    ctx: &Context,
    viewer: Option<i64>,
    rows: Vec<(T, Post)>,
) -> ServiceResult<Vec<(T, Post)>> {
    let posts = rows.iter().map(|(_, p)| p.clone()).collect();
    let shown: std::collections::HashSet<i64> = filter_visible(ctx, viewer, posts)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    Ok(rows
        .into_iter()
        .filter(|(_, p)| shown.contains(&p.id))
        .collect())
}

pub async fn filter_visible(
    ctx: &Context,
    viewer: Option<i64>,
    list: Vec<Post>,
) -> ServiceResult<Vec<Post>> {
    if list.is_empty() {
        return Ok(list);
    }
    let original_ids: Vec<i64> = list.iter().filter_map(|p| p.reblog_of_id).collect();
    let originals = if original_ids.is_empty() {
        Vec::new()
    } else {
        ctx.db
            .read(move |c| posts::by_ids(c, &original_ids))
            .await?
    };
    let all: Vec<&Post> = list.iter().chain(&originals).collect();
    let ids: Vec<i64> = all.iter().map(|p| p.id).collect();
    let restricted: Vec<i64> = all.iter().filter(|p| !is_public(p)).map(|p| p.id).collect();
    let private_authors: Vec<i64> = all
        .iter()
        .filter(|p| p.visibility == "private")
        .map(|p| p.author_id)
        .collect();
    let (removed, mentioned, followed) = ctx
        .db
        .read(move |c| {
            let removed = tsunagu_db::queries::boards::removed_among(c, &ids)?;
            let (mentioned, followed) = match viewer {
                Some(v) if !restricted.is_empty() => (
                    posts::mentioned_among(c, v, &restricted)?,
                    tsunagu_db::queries::follows::followed_among(c, v, &private_authors)?,
                ),
                _ => (Vec::new(), Vec::new()),
            };
            Ok((removed, mentioned, followed))
        })
        .await?;
    let sees = |p: &Post| {
        let own = viewer == Some(p.author_id);
        if p.deleted_at.is_some() || ((p.held || removed.contains(&p.id)) && !own) {
            return false;
        }
        match p.visibility.as_str() {
            "public" | "unlisted" => true,
            _ if own => true,
            "private" => mentioned.contains(&p.id) || followed.contains(&p.author_id),
            _ => mentioned.contains(&p.id),
        }
    };
    let visible_originals: Vec<i64> = originals.iter().filter(|p| sees(p)).map(|p| p.id).collect();
    let list = list
        .into_iter()
        .filter(|p| {
            sees(p)
                && p.reblog_of_id
                    .is_none_or(|o| visible_originals.contains(&o))
        })
        .collect();
    // Nothing of servers this instance refuses shows.
    crate::policy::without_hidden_authors(ctx, list, false).await
}

/// Drops the boosts in `list` whose original `viewer` may not see (the rest as it is).
pub async fn without_hidden_originals(
    ctx: &Context,
    viewer: Option<i64>,
    list: Vec<Post>,
) -> ServiceResult<Vec<Post>> {
    let ids: Vec<i64> = list.iter().filter_map(|p| p.reblog_of_id).collect();
    if ids.is_empty() {
        return Ok(list);
    }
    let originals = ctx.db.read(move |c| posts::by_ids(c, &ids)).await?;
    let visible: Vec<i64> = filter_visible(ctx, viewer, originals)
        .await?
        .iter()
        .map(|p| p.id)
        .collect();
    Ok(list
        .into_iter()
        .filter(|p| p.reblog_of_id.is_none_or(|o| visible.contains(&o)))
        .collect())
}

/// Public or unlisted: anyone may see it.
pub fn is_public(post: &Post) -> bool {
    matches!(post.visibility.as_str(), "public" | "unlisted")
}

/// A post the viewer may see, or not found.
pub async fn visible_post(ctx: &Context, viewer: Option<i64>, post_id: i64) -> ServiceResult<Post> {
    let post = get_post(ctx, post_id).await?;
    if can_see(ctx, viewer, &post).await? {
        Ok(post)
    } else {
        Err(ServiceError::NotFound("status"))
    }
}

/// Writes a status as `author` and sends it to followers and mentioned accounts.
pub async fn create_status(ctx: &Context, author: &Actor, new: NewStatus) -> ServiceResult<Post> {
    let text = new.text.trim();
    if text.is_empty() && new.media_ids.is_empty() {
        return Err(invalid_as("text-blank", "text can't be blank"));
    }
    if let Some(poll) = &new.poll {
        poll.check()?;
        if !new.media_ids.is_empty() {
            return Err(invalid("a status can't have both media and a poll"));
        }
    }
    crate::media::check_attachable(ctx, author, &new.media_ids, None).await?;
    if text.chars().count() > MAX_STATUS_CHARS {
        return Err(invalid_as(
            "text-too-long",
            format!("text is too long (at most {MAX_STATUS_CHARS} characters)"),
        ));
    }
    if new.spoiler_text.chars().count() > 500 {
        return Err(invalid(
            "content warning is too long (at most 500 characters)",
        ));
    }
    let parent = match new.in_reply_to_id {
        Some(id) => Some(
            visible_post(ctx, Some(author.id), id)
                .await
                .map_err(|_| ServiceError::NotFound("status being replied to"))?,
        ),
        None => None,
    };
    let (content, mut mentioned, tags) = render_text(ctx, text).await?;
    if let Some(parent) = &parent {
        if parent.author_id != author.id && !mentioned.iter().any(|a| a.id == parent.author_id) {
            let pa = parent.author_id;
            mentioned.push(ctx.db.read(move |c| actors::by_id(c, pa)).await?);
        }
        // A reply in a board thread is addressed to the thread's boards, so every board (and
        // every server following one) gets it; a locked thread takes no replies.
        if let Some((root, thread)) = boards::thread_of(ctx, parent).await? {
            if thread.locked {
                return Err(ServiceError::Forbidden(Problem::coded(
                    "thread-locked",
                    "this thread is locked",
                )));
            }
            for board in boards::boards_of_thread(ctx, root.id).await? {
                if board.local {
                    // Banned members and archived boards take no replies.
                    let (b, _) = boards::board_by_actor(ctx, board.id).await?;
                    boards::check_can_post(ctx, author, &b, true).await?;
                } else {
                    boards::check_not_banned(ctx, author, &board).await?;
                }
                if !mentioned.iter().any(|a| a.id == board.id) {
                    mentioned.push(board);
                }
            }
        }
    }
    // A post that mentions local boards and replies to nothing starts a thread there.
    let starts_thread = parent.is_none()
        && matches!(
            new.visibility,
            PostVisibility::Public | PostVisibility::Unlisted
        )
        && mentioned.iter().any(|a| a.local && a.kind == "Group");
    if starts_thread {
        let mut allowed = false;
        let mut refusal = None;
        for board in mentioned.iter().filter(|a| a.local && a.kind == "Group") {
            let (b, _) = boards::board_by_actor(ctx, board.id).await?;
            match boards::check_can_post(ctx, author, &b, false).await {
                Ok(()) => allowed = true,
                Err(e) => refusal = Some(e),
            }
        }
        if !allowed {
            return Err(refusal.unwrap_or(ServiceError::NotFound("board")));
        }
    }
    let row = NewPost {
        ap_id: ctx.url(&format!("/pending/{}", random_token())),
        author_id: author.id,
        kind: if new.poll.is_some() {
            "Question"
        } else {
            "Note"
        }
        .into(),
        in_reply_to_id: parent.as_ref().map(|p| p.id),
        in_reply_to_ap_id: parent.as_ref().map(|p| p.ap_id.clone()),
        reblog_of_id: None,
        context: parent
            .as_ref()
            .map(|p| p.context.clone().unwrap_or_else(|| p.ap_id.clone())),
        name: None,
        content,
        source: Some(text.to_string()),
        summary: html::escape(new.spoiler_text.trim()),
        sensitive: new.sensitive || !new.spoiler_text.trim().is_empty(),
        visibility: new.visibility.as_str().into(),
        url: None,
        local: true,
        created_at: now(),
    };
    let ctx2 = ctx.clone();
    let mention_ids: Vec<i64> = mentioned.iter().map(|a| a.id).collect();
    let local_mentions: Vec<i64> = mentioned
        .iter()
        .filter(|a| a.local && a.id != author.id)
        .map(|a| a.id)
        .collect();
    let author_id = author.id;
    let (media_ids, poll) = (new.media_ids.clone(), new.poll.clone());
    let post = ctx
        .db
        .write(move |c| {
            let id = posts::insert(c, &row)?;
            tsunagu_db::queries::media::attach(c, author_id, id, &media_ids)?;
            if let Some(poll) = &poll {
                tsunagu_db::queries::polls::upsert(c, &poll.row(id, row.created_at))?;
            }
            posts::set_ap_id(c, id, &ctx2.url(&format!("/posts/{id}")))?;
            if row.context.is_none() {
                posts::set_context(c, id, &ctx2.url(&format!("/contexts/{id}")))?;
            }
            posts::add_mentions(c, id, &mention_ids)?;
            posts::add_tags(c, id, &tags)?;
            for recipient in &local_mentions {
                notify(c, *recipient, "mention", author_id, Some(id))?;
            }
            notify_subscribers(c, author_id, id, &local_mentions)?;
            posts::by_id(c, id)
        })
        .await
        .map_err(crate::media::attach_failed)?;
    let post = if starts_thread {
        let local_boards: Vec<Actor> = mentioned
            .iter()
            .filter(|a| a.local && a.kind == "Group")
            .cloned()
            .collect();
        boards::file_into_boards(ctx, author, &post, &local_boards).await?;
        get_post(ctx, post.id).await?
    } else {
        if parent.is_some() {
            boards::file_into_boards(ctx, author, &post, &[]).await?;
            // A member's answer to a talk room's message (from any app) is said in the room.
            crate::rooms::received(ctx, author, &post).await?;
        }
        post
    };
    ctx.publish(Event::PostCreated { post_id: post.id }).await;
    Ok(post)
}

/// Stores a new local post that has a page of its own (`/articles/ID`, `/events/ID`): its
/// ids, thread context, mentions and tags, plus what `also` records with it in the same
/// transaction; then federates it.
pub(crate) async fn insert_with_page(
    ctx: &Context,
    row: NewPost,
    pages: &'static str,
    mention_ids: Vec<i64>,
    tags: Vec<String>,
    also: impl FnOnce(&mut tsunagu_db::Conn, i64) -> tsunagu_db::QueryResult<()> + Send + 'static,
) -> ServiceResult<Post> {
    let ctx2 = ctx.clone();
    let post = ctx
        .db
        .write(move |c| {
            let id = posts::insert(c, &row)?;
            posts::set_ap_id(c, id, &ctx2.url(&format!("/posts/{id}")))?;
            tsunagu_db::queries::joining::set_post_url(
                c,
                id,
                &ctx2.url(&format!("/{pages}/{id}")),
            )?;
            posts::set_context(c, id, &ctx2.url(&format!("/contexts/{id}")))?;
            posts::add_mentions(c, id, &mention_ids)?;
            posts::add_tags(c, id, &tags)?;
            also(c, id)?;
            posts::by_id(c, id)
        })
        .await?;
    ctx.publish(Event::PostCreated { post_id: post.id }).await;
    Ok(post)
}

/// A `status` notification for those who follow `author` with notifications on (unless the
/// status already notified them as a mention). Replies to others do not count, as on Mastodon,
/// nor do old posts fetched now (a thread's earlier posts, search results).
pub(crate) fn notify_subscribers(
    c: &mut tsunagu_db::Conn,
    author: i64,
    post_id: i64,
    already: &[i64],
) -> tsunagu_db::QueryResult<()> {
    let post = posts::by_id(c, post_id)?;
    let reply_to_other = match (post.in_reply_to_id, &post.in_reply_to_ap_id) {
        (Some(parent), _) => posts::by_id(c, parent)?.author_id != author,
        (None, Some(_)) => true,
        (None, None) => false,
    };
    let old = post.created_at < now() - chrono::Duration::hours(1);
    if reply_to_other || old || post.visibility == "direct" {
        return Ok(());
    }
    for follower in tsunagu_db::queries::follows::notify_subscribers(c, author)? {
        if !already.contains(&follower) {
            notify(c, follower, "status", author, Some(post_id))?;
        }
    }
    Ok(())
}

pub(crate) fn notify(
    c: &mut tsunagu_db::Conn,
    recipient: i64,
    kind: &str,
    from: i64,
    post_id: Option<i64>,
) -> tsunagu_db::QueryResult<()> {
    notifications::insert(
        c,
        &NewNotification {
            recipient_id: recipient,
            kind: kind.into(),
            from_actor_id: from,
            post_id,
            created_at: now(),
        },
    )?;
    Ok(())
}

/// Deletes one's own status; it answers 410 from then on and the deletion federates.
pub async fn delete_status(ctx: &Context, actor: &Actor, post_id: i64) -> ServiceResult<Post> {
    let post = get_post(ctx, post_id).await?;
    if post.deleted_at.is_some() {
        return Err(ServiceError::NotFound("status"));
    }
    if post.author_id != actor.id {
        return Err(ServiceError::Forbidden(Problem::coded(
            "not-yours",
            "this status is not yours",
        )));
    }
    if post.reblog_of_id.is_some() {
        return Err(invalid("this is a boost: undo it with unreblog"));
    }
    let boosters = ctx
        .db
        .write(move |c| {
            // Servers that saw the post only through a boost hear of its deletion too.
            let boosters = posts::reblogged_by(c, post_id)?;
            posts::mark_deleted(c, post_id, now())?;
            Ok(boosters)
        })
        .await?;
    ctx.publish(Event::PostDeleted { post_id, boosters }).await;
    Ok(post)
}

/// Favourites a status (idempotent).
pub async fn favourite(ctx: &Context, actor: &Actor, post_id: i64) -> ServiceResult<Post> {
    let post = visible_post(ctx, Some(actor.id), post_id).await?;
    let actor_id = actor.id;
    let existing = ctx
        .db
        .read(move |c| posts::favourite_by(c, actor_id, post_id))
        .await?;
    if existing.is_none() {
        let ap_id = ctx.url(&format!("/activities/like/{}", random_token()));
        let author = post.author_id;
        let fav_id = ctx
            .db
            .write(move |c| {
                let id = posts::add_favourite(
                    c,
                    &NewFavourite {
                        actor_id,
                        post_id,
                        ap_id: Some(ap_id),
                        created_at: now(),
                    },
                )?;
                if author != actor_id && actors::by_id(c, author)?.local {
                    notify(c, author, "favourite", actor_id, Some(post_id))?;
                }
                Ok(id)
            })
            .await?;
        ctx.publish(Event::Liked {
            favourite_id: fav_id,
        })
        .await;
    }
    Ok(post)
}

pub async fn unfavourite(ctx: &Context, actor: &Actor, post_id: i64) -> ServiceResult<Post> {
    let post = get_post(ctx, post_id).await?;
    let actor_id = actor.id;
    let fav = ctx
        .db
        .read(move |c| posts::favourite_by(c, actor_id, post_id))
        .await?;
    if let Some(fav) = fav {
        let fid = fav.id;
        ctx.db
            .write(move |c| posts::remove_favourite(c, fid))
            .await?;
        ctx.publish(Event::Unliked {
            actor_id,
            post_id,
            like_ap_id: fav.ap_id,
        })
        .await;
    }
    Ok(post)
}

/// Boosts a public or unlisted status (idempotent); returns the boost.
pub async fn reblog(ctx: &Context, actor: &Actor, post_id: i64) -> ServiceResult<Post> {
    let post = visible_post(ctx, Some(actor.id), post_id).await?;
    let post = match post.reblog_of_id {
        Some(original) => get_post(ctx, original).await?,
        None => post,
    };
    if !matches!(post.visibility.as_str(), "public" | "unlisted") {
        return Err(ServiceError::Forbidden(
            "only public and unlisted statuses can be boosted".into(),
        ));
    }
    let (actor_id, original) = (actor.id, post.id);
    if let Some(existing) = ctx
        .db
        .read(move |c| posts::reblog_by(c, actor_id, original))
        .await?
    {
        return Ok(existing);
    }
    let ap_id = ctx.url(&format!("/activities/announce/{}", random_token()));
    let author = post.author_id;
    let row = NewPost {
        ap_id,
        author_id: actor_id,
        kind: "Announce".into(),
        in_reply_to_id: None,
        in_reply_to_ap_id: None,
        reblog_of_id: Some(original),
        context: None,
        name: None,
        content: String::new(),
        source: None,
        summary: String::new(),
        sensitive: false,
        visibility: "public".into(),
        url: None,
        local: true,
        created_at: now(),
    };
    let reblog = ctx
        .db
        .write(move |c| {
            let id = posts::insert(c, &row)?;
            if author != actor_id && actors::by_id(c, author)?.local {
                notify(c, author, "reblog", actor_id, Some(original))?;
            }
            posts::by_id(c, id)
        })
        .await?;
    ctx.publish(Event::Announced {
        reblog_id: reblog.id,
    })
    .await;
    Ok(reblog)
}

pub async fn unreblog(ctx: &Context, actor: &Actor, post_id: i64) -> ServiceResult<Post> {
    let post = get_post(ctx, post_id).await?;
    let original = post.reblog_of_id.unwrap_or(post.id);
    let actor_id = actor.id;
    if let Some(boost) = ctx
        .db
        .read(move |c| posts::reblog_by(c, actor_id, original))
        .await?
    {
        let bid = boost.id;
        ctx.db.write(move |c| posts::delete_row(c, bid)).await?;
        ctx.publish(Event::Unannounced {
            actor_id,
            post_id: original,
            announce_ap_id: boost.ap_id,
        })
        .await;
    }
    get_post(ctx, original).await
}

/// Edits one's own status (Mastodon's edit): the earlier version is kept for its history.
pub async fn edit_status(
    ctx: &Context,
    actor: &Actor,
    post_id: i64,
    text: &str,
    spoiler_text: &str,
    sensitive: bool,
    media_ids: Option<Vec<i64>>,
) -> ServiceResult<Post> {
    let post = get_post(ctx, post_id).await?;
    if post.deleted_at.is_some() || post.reblog_of_id.is_some() {
        return Err(ServiceError::NotFound("status"));
    }
    if post.author_id != actor.id || !post.local {
        return Err(ServiceError::Forbidden(Problem::coded(
            "not-yours",
            "this status is not yours",
        )));
    }
    if post.kind == "Page" {
        return boards::edit_thread(ctx, actor, post_id, None, Some(text)).await;
    }
    let text = text.trim();
    if let Some(ids) = &media_ids {
        crate::media::check_attachable(ctx, actor, ids, Some(post_id)).await?;
    }
    let has_media = match &media_ids {
        Some(ids) => !ids.is_empty(),
        None => {
            let pid = post_id;
            !ctx.db
                .read(move |c| tsunagu_db::queries::media::of_posts(c, &[pid]))
                .await?
                .is_empty()
        }
    };
    if text.is_empty() && !has_media {
        return Err(invalid_as("text-blank", "text can't be blank"));
    }
    if text.chars().count() > MAX_STATUS_CHARS {
        return Err(invalid_as(
            "text-too-long",
            format!("text is too long (at most {MAX_STATUS_CHARS} characters)"),
        ));
    }
    let (content, _, _) = render_text(ctx, text).await?;
    let summary = html::escape(spoiler_text.trim());
    let sensitive = sensitive || !summary.is_empty();
    let source = text.to_string();
    let author_id = actor.id;
    let updated = ctx
        .db
        .write(move |c| {
            let at = now();
            posts::save_version(c, &post, at)?;
            posts::update_content(c, post_id, &content, &summary, sensitive, None, at)?;
            posts::set_source(c, post_id, &source)?;
            if let Some(ids) = &media_ids {
                tsunagu_db::queries::media::attach(c, author_id, post_id, ids)?;
            }
            posts::by_id(c, post_id)
        })
        .await
        .map_err(crate::media::attach_failed)?;
    ctx.publish(Event::PostUpdated { post_id }).await;
    Ok(updated)
}

/// Earlier versions of a post the viewer may see, oldest first.
pub async fn history(
    ctx: &Context,
    viewer: Option<i64>,
    post_id: i64,
) -> ServiceResult<(Post, Vec<tsunagu_db::PostEdit>)> {
    let post = visible_post(ctx, viewer, post_id).await?;
    let versions = ctx.db.read(move |c| posts::versions(c, post_id)).await?;
    Ok((post, versions))
}

/// Bookmarks a status the member may see (idempotent).
pub async fn bookmark(ctx: &Context, actor: &Actor, post_id: i64) -> ServiceResult<Post> {
    let post = visible_post(ctx, Some(actor.id), post_id).await?;
    let aid = actor.id;
    ctx.db
        .write(move |c| tsunagu_db::queries::bookmarks::add(c, aid, post_id, now()))
        .await?;
    Ok(post)
}

pub async fn unbookmark(ctx: &Context, actor: &Actor, post_id: i64) -> ServiceResult<Post> {
    let post = get_post(ctx, post_id).await?;
    let aid = actor.id;
    ctx.db
        .write(move |c| tsunagu_db::queries::bookmarks::remove(c, aid, post_id))
        .await?;
    Ok(post)
}

/// The member's bookmarks, newest first, as (bookmark id, post) for paging.
pub async fn bookmarks(
    ctx: &Context,
    actor: &Actor,
    max_id: Option<i64>,
    limit: i64,
) -> ServiceResult<Vec<(i64, Post)>> {
    let aid = actor.id;
    Ok(ctx
        .db
        .read(move |c| tsunagu_db::queries::bookmarks::list(c, aid, max_id, limit))
        .await?)
}

/// Timelines whose reading position clients may save.
pub const MARKER_TIMELINES: [&str; 2] = ["home", "notifications"];

/// Saves where the member stopped reading `timeline`.
pub async fn set_marker(
    ctx: &Context,
    actor: &Actor,
    timeline: &str,
    last_read_id: &str,
) -> ServiceResult<()> {
    if !MARKER_TIMELINES.contains(&timeline) {
        return Err(invalid(format!(
            "unknown timeline {timeline:?}: use home or notifications"
        )));
    }
    if last_read_id.is_empty() || last_read_id.len() > 40 {
        return Err(invalid("last_read_id can't be blank"));
    }
    let (aid, t, id) = (actor.id, timeline.to_string(), last_read_id.to_string());
    ctx.db
        .write(move |c| tsunagu_db::queries::bookmarks::set_marker(c, aid, &t, &id, now()))
        .await?;
    Ok(())
}

/// (timeline, last read id, version, updated at) of the member's markers.
pub async fn markers(
    ctx: &Context,
    actor: &Actor,
) -> ServiceResult<Vec<(String, String, i32, chrono::NaiveDateTime)>> {
    let aid = actor.id;
    Ok(ctx
        .db
        .read(move |c| tsunagu_db::queries::bookmarks::markers_of(c, aid))
        .await?)
}

/// How many statuses a member may pin to their profile, as on Mastodon.
pub const MAX_PINS: usize = 5;

/// Pins one's own public or unlisted status to one's profile.
pub async fn pin(ctx: &Context, actor: &Actor, post_id: i64) -> ServiceResult<Post> {
    let post = visible_post(ctx, Some(actor.id), post_id).await?;
    if post.author_id != actor.id || post.reblog_of_id.is_some() {
        return Err(invalid("only your own statuses can be pinned"));
    }
    if !matches!(post.visibility.as_str(), "public" | "unlisted") {
        return Err(invalid("only public and unlisted statuses can be pinned"));
    }
    let aid = actor.id;
    let pinned = ctx
        .db
        .read(move |c| tsunagu_db::queries::bookmarks::pinned(c, aid))
        .await?;
    if !pinned.iter().any(|p| p.id == post_id) && pinned.len() >= MAX_PINS {
        return Err(invalid(format!("you can pin at most {MAX_PINS} statuses")));
    }
    ctx.db
        .write(move |c| tsunagu_db::queries::bookmarks::pin(c, aid, post_id, now()))
        .await?;
    Ok(post)
}

pub async fn unpin(ctx: &Context, actor: &Actor, post_id: i64) -> ServiceResult<Post> {
    let post = get_post(ctx, post_id).await?;
    let aid = actor.id;
    ctx.db
        .write(move |c| tsunagu_db::queries::bookmarks::unpin(c, aid, post_id))
        .await?;
    Ok(post)
}

/// A member's pinned statuses.
pub async fn pinned(ctx: &Context, actor_id: i64) -> ServiceResult<Vec<Post>> {
    Ok(ctx
        .db
        .read(move |c| tsunagu_db::queries::bookmarks::pinned(c, actor_id))
        .await?)
}

/// What the member favourited, newest favourite first, as (favourite id, post) for paging.
pub async fn favourites(
    ctx: &Context,
    actor: &Actor,
    max_id: Option<i64>,
    limit: i64,
) -> ServiceResult<Vec<(i64, Post)>> {
    let aid = actor.id;
    Ok(ctx
        .db
        .read(move |c| posts::favourites_of(c, aid, max_id, limit))
        .await?)
}
