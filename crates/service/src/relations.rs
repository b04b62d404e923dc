//! Following: asking, accepting, undoing, and what one account is to another.

use crate::posts::{notify, random_token};
use crate::Problem;
use crate::{Context, Event, ServiceError, ServiceResult};
use tsunagu_db::queries::{actors, blocks, follows};
use tsunagu_db::{now, Actor, NewFollow};

/// How two accounts relate, from the viewer's side.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Relationship {
    pub target_id: i64,
    pub following: bool,
    pub requested: bool,
    /// Boosts by the followed account show in the home timeline.
    pub showing_reblogs: bool,
    /// A notification comes for each of their new statuses.
    pub notifying: bool,
    pub followed_by: bool,
    pub requested_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    pub muting: bool,
}

pub async fn relationship(ctx: &Context, viewer: i64, target: i64) -> ServiceResult<Relationship> {
    Ok(ctx
        .db
        .read(move |c| {
            let out = follows::find(c, viewer, target)?;
            let back = follows::find(c, target, viewer)?;
            Ok(Relationship {
                target_id: target,
                following: out.as_ref().is_some_and(|f| f.accepted),
                requested: out.as_ref().is_some_and(|f| !f.accepted),
                showing_reblogs: out.as_ref().is_some_and(|f| f.show_reblogs),
                notifying: out.as_ref().is_some_and(|f| f.notify),
                followed_by: back.as_ref().is_some_and(|f| f.accepted),
                requested_by: back.as_ref().is_some_and(|f| !f.accepted),
                blocking: blocks::block_of(c, viewer, target)?.is_some(),
                blocked_by: blocks::block_of(c, target, viewer)?.is_some(),
                muting: blocks::is_muting(c, viewer, target)?,
            })
        })
        .await?)
}

pub async fn get_actor(ctx: &Context, actor_id: i64) -> ServiceResult<Actor> {
    let actor = ctx
        .db
        .read(move |c| actors::by_id(c, actor_id))
        .await
        .map_err(|e| {
            if e.is_not_found() {
                ServiceError::NotFound("account")
            } else {
                e.into()
            }
        })?;
    if actor.deleted {
        return Err(ServiceError::NotFound("account"));
    }
    Ok(actor)
}

/// How one follows: with a notification for each new status, with or without boosts.
/// `None` keeps what was chosen before (or the default: boosts, no notifications).
#[derive(Debug, Clone, Copy, Default)]
pub struct FollowOptions {
    pub notify: Option<bool>,
    pub reblogs: Option<bool>,
}

/// `follower` (a local member) follows `target_id`. Local targets answer at once unless they
/// approve followers; remote ones get a `Follow` and the request stays pending until their
/// `Accept` arrives. Following again changes the options only.
pub async fn follow(
    ctx: &Context,
    follower: &Actor,
    target_id: i64,
    options: FollowOptions,
) -> ServiceResult<Relationship> {
    let target = get_actor(ctx, target_id).await?;
    if target.id == follower.id {
        return Err(ServiceError::Invalid("you cannot follow yourself".into()));
    }
    if target.kind == "Application" {
        return Err(ServiceError::Invalid(
            "this account cannot be followed".into(),
        ));
    }
    let follower_id = follower.id;
    let blocked = ctx
        .db
        .read(move |c| {
            Ok(blocks::block_of(c, follower_id, target_id)?.is_some()
                || blocks::block_of(c, target_id, follower_id)?.is_some())
        })
        .await?;
    if blocked {
        return Err(ServiceError::Forbidden(Problem::coded(
            "blocked",
            "one of you blocks the other",
        )));
    }
    let existing = ctx
        .db
        .read(move |c| follows::find(c, follower_id, target_id))
        .await?;
    if existing.is_none() {
        let accepted = target.local && !target.manually_approves_followers;
        let ap_id = ctx.url(&format!("/activities/follow/{}", random_token()));
        let target_local = target.local;
        let follow_id = ctx
            .db
            .write(move |c| {
                let id = follows::insert(
                    c,
                    &NewFollow {
                        follower_id,
                        followee_id: target_id,
                        ap_id: Some(ap_id),
                        accepted,
                        created_at: now(),
                    },
                )?;
                if target_local {
                    let kind = if accepted { "follow" } else { "follow_request" };
                    notify(c, target_id, kind, follower_id, None)?;
                }
                Ok(id)
            })
            .await?;
        if !target.local {
            ctx.publish(Event::FollowRequested { follow_id }).await;
        }
    }
    if options.notify.is_some() || options.reblogs.is_some() {
        ctx.db
            .write(move |c| {
                let Some(f) = follows::find(c, follower_id, target_id)? else {
                    return Ok(());
                };
                follows::set_options(
                    c,
                    f.id,
                    options.notify.unwrap_or(f.notify),
                    options.reblogs.unwrap_or(f.show_reblogs),
                )
            })
            .await?;
    }
    relationship(ctx, follower.id, target_id).await
}

/// Stops following (or withdraws a request).
pub async fn unfollow(
    ctx: &Context,
    follower: &Actor,
    target_id: i64,
) -> ServiceResult<Relationship> {
    let target = get_actor(ctx, target_id).await?;
    let follower_id = follower.id;
    let existing = ctx
        .db
        .read(move |c| follows::find(c, follower_id, target_id))
        .await?;
    if let Some(f) = existing {
        ctx.db.write(move |c| follows::delete(c, f.id)).await?;
        if !target.local {
            ctx.publish(Event::Unfollowed {
                follower_id,
                followee_id: target_id,
                follow_ap_id: f.ap_id,
            })
            .await;
        }
    }
    relationship(ctx, follower.id, target_id).await
}

/// Removes `follower_id` from the followers of `me`, telling their server.
pub async fn remove_follower(
    ctx: &Context,
    me: &Actor,
    follower_id: i64,
) -> ServiceResult<Relationship> {
    let follower = get_actor(ctx, follower_id).await?;
    let me_id = me.id;
    if let Some(f) = ctx
        .db
        .read(move |c| follows::find(c, follower_id, me_id))
        .await?
    {
        ctx.db.write(move |c| follows::delete(c, f.id)).await?;
        if !follower.local {
            ctx.publish(Event::FollowRejected {
                follower_id,
                followee_id: me_id,
                follow_ap_id: f.ap_id,
            })
            .await;
        }
    }
    relationship(ctx, me.id, follower_id).await
}

/// Accepts a pending follow request towards `me`.
pub async fn authorize_follow(
    ctx: &Context,
    me: &Actor,
    follower_id: i64,
) -> ServiceResult<Relationship> {
    let me_id = me.id;
    let f = ctx
        .db
        .read(move |c| follows::find(c, follower_id, me_id))
        .await?
        .ok_or(ServiceError::NotFound("follow request"))?;
    if !f.accepted {
        let fid = f.id;
        let follower_local = get_actor(ctx, follower_id).await?.local;
        ctx.db.write(move |c| follows::accept(c, fid)).await?;
        if !follower_local {
            ctx.publish(Event::FollowAccepted { follow_id: fid }).await;
        }
    }
    relationship(ctx, me.id, follower_id).await
}

/// Refuses a pending follow request towards `me`.
pub async fn reject_follow(
    ctx: &Context,
    me: &Actor,
    follower_id: i64,
) -> ServiceResult<Relationship> {
    remove_follower(ctx, me, follower_id).await
}

/// Pending requests towards `me`.
pub async fn follow_requests(ctx: &Context, me: &Actor) -> ServiceResult<Vec<Actor>> {
    let me_id = me.id;
    Ok(ctx
        .db
        .read(move |c| follows::pending_for(c, me_id))
        .await?
        .into_iter()
        .map(|(_, a)| a)
        .collect())
}

pub struct FollowCounts {
    pub followers: i64,
    pub following: i64,
    pub statuses: i64,
}

pub async fn counts(ctx: &Context, actor_id: i64) -> ServiceResult<FollowCounts> {
    Ok(ctx
        .db
        .read(move |c| {
            Ok(FollowCounts {
                followers: follows::count_followers(c, actor_id)?,
                following: follows::count_following(c, actor_id)?,
                statuses: tsunagu_db::queries::posts::count_by_author(c, actor_id)?,
            })
        })
        .await?)
}

/// Followers (or followed accounts, when `outgoing`) of an actor, newest first.
pub async fn list_follows(
    ctx: &Context,
    actor_id: i64,
    outgoing: bool,
    before: Option<i64>,
    limit: i64,
) -> ServiceResult<Vec<(i64, Actor)>> {
    let limit = limit.clamp(1, 80);
    Ok(ctx
        .db
        .read(move |c| {
            if outgoing {
                follows::following(c, actor_id, before, limit)
            } else {
                follows::followers(c, actor_id, before, limit)
            }
        })
        .await?
        .into_iter()
        .map(|(f, a)| (f.id, a))
        .collect())
}

/// Blocks an account: follows between the two end, neither sees the other, and the other
/// server is told (as Mastodon does).
pub async fn block(ctx: &Context, me: &Actor, target_id: i64) -> ServiceResult<Relationship> {
    let target = get_actor(ctx, target_id).await?;
    if target.id == me.id {
        return Err(ServiceError::Invalid("you cannot block yourself".into()));
    }
    let me_id = me.id;
    let ap_id = ctx.url(&format!("/activities/block/{}", random_token()));
    let block_ap = ap_id.clone();
    let (mine, theirs) = ctx
        .db
        .write(move |c| {
            blocks::block(c, me_id, target_id, &block_ap, now())?;
            let mine = follows::find(c, me_id, target_id)?;
            let theirs = follows::find(c, target_id, me_id)?;
            for f in mine.iter().chain(theirs.iter()) {
                follows::delete(c, f.id)?;
            }
            Ok((mine, theirs))
        })
        .await?;
    if !target.local {
        if let Some(f) = mine {
            ctx.publish(Event::Unfollowed {
                follower_id: me_id,
                followee_id: target_id,
                follow_ap_id: f.ap_id,
            })
            .await;
        }
        if let Some(f) = theirs {
            ctx.publish(Event::FollowRejected {
                follower_id: target_id,
                followee_id: me_id,
                follow_ap_id: f.ap_id,
            })
            .await;
        }
        ctx.publish(Event::Blocked {
            actor_id: me_id,
            target_id,
            block_ap_id: ap_id,
            blocked: true,
        })
        .await;
    }
    relationship(ctx, me.id, target_id).await
}

pub async fn unblock(ctx: &Context, me: &Actor, target_id: i64) -> ServiceResult<Relationship> {
    let target = get_actor(ctx, target_id).await?;
    let me_id = me.id;
    let existing = ctx
        .db
        .read(move |c| blocks::block_of(c, me_id, target_id))
        .await?;
    if let Some(ap_id) = existing {
        ctx.db
            .write(move |c| blocks::unblock(c, me_id, target_id))
            .await?;
        if !target.local {
            let block_ap_id = ap_id.unwrap_or_default();
            ctx.publish(Event::Blocked {
                actor_id: me_id,
                target_id,
                block_ap_id,
                blocked: false,
            })
            .await;
        }
    }
    relationship(ctx, me.id, target_id).await
}

/// Mutes an account: its posts (and, with `notifications`, its notifications) stop showing.
/// Nobody else is told.
pub async fn mute(
    ctx: &Context,
    me: &Actor,
    target_id: i64,
    notifications: bool,
) -> ServiceResult<Relationship> {
    let target = get_actor(ctx, target_id).await?;
    if target.id == me.id {
        return Err(ServiceError::Invalid("you cannot mute yourself".into()));
    }
    let me_id = me.id;
    ctx.db
        .write(move |c| blocks::mute(c, me_id, target_id, notifications, now()))
        .await?;
    relationship(ctx, me.id, target_id).await
}

pub async fn unmute(ctx: &Context, me: &Actor, target_id: i64) -> ServiceResult<Relationship> {
    let me_id = me.id;
    ctx.db
        .write(move |c| blocks::unmute(c, me_id, target_id))
        .await?;
    relationship(ctx, me.id, target_id).await
}

/// Accounts `me` blocks (or, with `muted`, mutes).
pub async fn blocked_or_muted(ctx: &Context, me: &Actor, muted: bool) -> ServiceResult<Vec<Actor>> {
    let me_id = me.id;
    Ok(ctx
        .db
        .read(move |c| blocks::listed(c, me_id, muted))
        .await?)
}

/// Accounts whose posts and notifications `viewer` should not see.
pub async fn hidden_from(ctx: &Context, viewer: i64) -> ServiceResult<Vec<i64>> {
    Ok(ctx.db.read(move |c| blocks::hidden_from(c, viewer)).await?)
}

/// An account by `name` or `name@host`: from what we know, or, with `resolve`, looked up on
/// its server by WebFinger. `None` when there is no such account (or it may not be looked up).
pub async fn find_by_handle(
    ctx: &Context,
    handle: &str,
    resolve: bool,
) -> ServiceResult<Option<Actor>> {
    // `@name@host`, and Lemmy's `!community@host` for a group.
    let handle = handle.trim().trim_start_matches(['@', '!']);
    let (name, host) = match handle.split_once('@') {
        Some((n, h)) => (n.to_string(), h.to_lowercase()),
        None => (handle.to_string(), ctx.domain.clone()),
    };
    let (n, h) = (name.clone(), host.clone());
    if let Some(actor) = ctx.db.read(move |c| actors::by_handle(c, &n, &h)).await? {
        return Ok(Some(actor));
    }
    if !resolve || host == ctx.domain {
        return Ok(None);
    }
    match ctx.federator()?.resolve_handle(&name, &host).await {
        Ok(actor) => Ok(Some(actor)),
        Err(ServiceError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Accounts (members, boards, known remote accounts) whose name contains `term`.
pub async fn search_accounts(ctx: &Context, term: &str, limit: i64) -> ServiceResult<Vec<Actor>> {
    let term = term.trim().trim_start_matches('@').to_string();
    if term.is_empty() {
        return Ok(Vec::new());
    }
    let found = ctx
        .db
        .read(move |c| actors::search(c, &term, limit))
        .await?;
    Ok(found
        .into_iter()
        .filter(|a| a.kind != "Application" && !a.deleted)
        .collect())
}
