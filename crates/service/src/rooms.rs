//! Talk rooms: small private rooms (a seminar, a club, a class year). A member opens one and
//! invites people here or elsewhere; a message in the room is a direct message to every other
//! member, each one answering the room's latest message, so people on other servers (Mastodon
//! included) read and answer them as an ordinary group conversation. Someone elsewhere is
//! invited by a direct message and joins by replying to it. Only members read the room.

use crate::error::invalid;
use crate::posts::{NewStatus, PostVisibility};
use crate::{Context, Problem, ServiceError, ServiceResult};
use tsunagu_db::queries::{actors, posts, rooms as q};
use tsunagu_db::{now, Actor, NewRoom, Post, Room, RoomMember};

pub const MAX_MEMBERS: usize = 50;
pub const MAX_TITLE_CHARS: usize = 100;
pub const MAX_DESCRIPTION_CHARS: usize = 1_000;
pub const MEMBER: &str = "member";
pub const INVITED: &str = "invited";

/// A member opens a room; they own it.
pub async fn create(
    ctx: &Context,
    owner: &Actor,
    title: &str,
    description: &str,
) -> ServiceResult<Room> {
    let title = title.trim().to_string();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return Err(ServiceError::Invalid(Problem::coded(
            "title-length",
            format!("title must be 1 to {MAX_TITLE_CHARS} characters"),
        )));
    }
    let description = description.trim().to_string();
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(invalid(format!(
            "description must be at most {MAX_DESCRIPTION_CHARS} characters"
        )));
    }
    let owner_id = owner.id;
    Ok(ctx
        .db
        .write(move |c| {
            let id = q::insert(
                c,
                &NewRoom {
                    owner_id,
                    title,
                    description,
                    created_at: now(),
                },
            )?;
            q::add_member(
                c,
                &RoomMember {
                    room_id: id,
                    actor_id: owner_id,
                    state: MEMBER.into(),
                    invited_by: None,
                    invitation_post_id: None,
                    created_at: now(),
                },
            )?;
            q::get(c, id)?.ok_or(tsunagu_db::QueryError::NotFound)
        })
        .await?)
}

/// The rooms `actor` is in or invited to.
pub async fn mine(ctx: &Context, actor: &Actor) -> ServiceResult<Vec<(Room, RoomMember)>> {
    let id = actor.id;
    Ok(ctx.db.read(move |c| q::of_actor(c, id)).await?)
}

/// A room with its members, for someone in it or invited to it (to anyone else it does not
/// exist).
pub async fn get(
    ctx: &Context,
    actor: &Actor,
    id: i64,
) -> ServiceResult<(Room, RoomMember, Vec<RoomMember>)> {
    let who = actor.id;
    let (room, me, members) = ctx
        .db
        .read(move |c| {
            let room = q::get(c, id)?;
            let me = q::member(c, id, who)?;
            Ok((room, me, q::members(c, id)?))
        })
        .await?;
    match (room, me) {
        (Some(room), Some(me)) => Ok((room, me, members)),
        _ => Err(ServiceError::NotFound("room")),
    }
}

async fn as_member(
    ctx: &Context,
    actor: &Actor,
    id: i64,
) -> ServiceResult<(Room, Vec<RoomMember>)> {
    let (room, me, members) = get(ctx, actor, id).await?;
    if me.state != MEMBER {
        return Err(ServiceError::Forbidden("join the room first".into()));
    }
    Ok((room, members))
}

async fn as_owner(ctx: &Context, actor: &Actor, id: i64) -> ServiceResult<(Room, Vec<RoomMember>)> {
    let (room, members) = as_member(ctx, actor, id).await?;
    if room.owner_id != actor.id {
        return Err(ServiceError::Forbidden(Problem::coded(
            "not-yours",
            "only the room's owner may do this",
        )));
    }
    Ok((room, members))
}

/// The owner invites someone, here or elsewhere. Members here are notified; someone elsewhere
/// gets a direct message, and replying to it joins.
pub async fn invite(
    ctx: &Context,
    owner: &Actor,
    id: i64,
    invitee_id: i64,
) -> ServiceResult<RoomMember> {
    let (room, members) = as_owner(ctx, owner, id).await?;
    let invitee = crate::relations::get_actor(ctx, invitee_id).await?;
    if invitee.kind != "Person" || invitee.deleted {
        return Err(invalid("only people can be invited"));
    }
    if members.iter().any(|m| m.actor_id == invitee.id) {
        return Err(ServiceError::Conflict(
            "already in the room or invited".into(),
        ));
    }
    if members.len() >= MAX_MEMBERS {
        return Err(room_full());
    }
    if !crate::policy::hidden_authors(ctx, &[invitee.id], false)
        .await?
        .is_empty()
        || crate::relations::hidden_from(ctx, owner.id)
            .await?
            .contains(&invitee.id)
    {
        return Err(ServiceError::NotFound("account"));
    }
    let member = RoomMember {
        room_id: id,
        actor_id: invitee.id,
        state: INVITED.into(),
        invited_by: Some(owner.id),
        invitation_post_id: None,
        created_at: now(),
    };
    let (row, owner_id, local) = (member.clone(), owner.id, invitee.local);
    ctx.db
        .write(move |c| {
            // Counted again under the room's lock: two invitations at once cannot pass the cap.
            q::lock(c, id)?;
            if q::members(c, id)?.len() >= MAX_MEMBERS {
                return Ok(Err(room_full()));
            }
            q::add_member(c, &row)?;
            if local {
                crate::posts::notify(c, row.actor_id, "room_invitation", owner_id, None)?;
            }
            Ok(Ok(()))
        })
        .await??;
    if !invitee.local {
        let handle = crate::read::acct(ctx, &invitee);
        let letter = crate::posts::create_status(
            ctx,
            owner,
            NewStatus {
                text: format!(
                    "@{handle} You are invited to the talk room “{}” on {}. Reply to this message \
                     to join.\nトークルーム「{}」への招待です。このメッセージに返信すると参加します。",
                    room.title, ctx.instance_name, room.title
                ),
                visibility: PostVisibility::Direct,
                in_reply_to_id: None,
                spoiler_text: String::new(),
                sensitive: false,
                media_ids: Vec::new(),
                poll: None,
            },
        )
        .await?;
        let (post, who) = (letter.id, invitee.id);
        ctx.db
            .write(move |c| q::set_invitation_post(c, id, who, post))
            .await?;
    }
    Ok(member)
}

fn room_full() -> ServiceError {
    invalid(format!(
        "a room has at most {MAX_MEMBERS} members and invitations"
    ))
}

/// Someone invited here joins.
pub async fn join(ctx: &Context, actor: &Actor, id: i64) -> ServiceResult<()> {
    let (_, me, _) = get(ctx, actor, id).await?;
    if me.state == INVITED {
        let who = actor.id;
        ctx.db
            .write(move |c| q::set_state(c, id, who, MEMBER))
            .await?;
    }
    Ok(())
}

/// A member leaves (or someone invited declines). The owner stays.
pub async fn leave(ctx: &Context, actor: &Actor, id: i64) -> ServiceResult<()> {
    let (room, _, _) = get(ctx, actor, id).await?;
    if room.owner_id == actor.id {
        return Err(invalid("the owner cannot leave their room"));
    }
    let who = actor.id;
    ctx.db.write(move |c| q::remove_member(c, id, who)).await?;
    Ok(())
}

/// The owner removes a member or withdraws an invitation.
pub async fn remove(ctx: &Context, owner: &Actor, id: i64, actor_id: i64) -> ServiceResult<()> {
    as_owner(ctx, owner, id).await?;
    if actor_id == owner.id {
        return Err(invalid("the owner cannot leave their room"));
    }
    let removed = ctx
        .db
        .write(move |c| q::remove_member(c, id, actor_id))
        .await?;
    if removed == 0 {
        return Err(ServiceError::NotFound("member"));
    }
    Ok(())
}

/// A member says something: a direct message to every other member, answering the room's
/// latest message they can see (so other software keeps one conversation).
pub async fn say(ctx: &Context, author: &Actor, id: i64, text: &str) -> ServiceResult<Post> {
    let (_, members) = as_member(ctx, author, id).await?;
    if text.trim().is_empty() {
        return Err(ServiceError::Invalid(Problem::coded(
            "text-blank",
            "text can't be blank",
        )));
    }
    let others: Vec<i64> = members
        .iter()
        .filter(|m| m.state == MEMBER && m.actor_id != author.id)
        .map(|m| m.actor_id)
        .collect();
    let people = ctx.db.read(move |c| actors::by_ids(c, &others)).await?;
    let handles: Vec<String> = people
        .iter()
        .map(|a| format!("@{}", crate::read::acct(ctx, a)))
        .collect();
    let recent = ctx
        .db
        .read(move |c| {
            let ids = q::messages(c, id, None, 20)?;
            posts::by_ids(c, &ids)
        })
        .await?;
    let mut visible = crate::posts::filter_visible(ctx, Some(author.id), recent).await?;
    visible.sort_by_key(|p| std::cmp::Reverse(p.id));
    let text = if handles.is_empty() {
        text.trim().to_string()
    } else {
        format!("{}\n{}", handles.join(" "), text.trim())
    };
    let post = crate::posts::create_status(
        ctx,
        author,
        NewStatus {
            text,
            visibility: PostVisibility::Direct,
            in_reply_to_id: visible.first().map(|p| p.id),
            spoiler_text: String::new(),
            sensitive: false,
            media_ids: Vec::new(),
            poll: None,
        },
    )
    .await?;
    let pid = post.id;
    ctx.db.write(move |c| q::add_message(c, id, pid)).await?;
    Ok(post)
}

/// The room's messages, newest first, for its members (including those said before they
/// joined).
pub async fn messages(
    ctx: &Context,
    actor: &Actor,
    id: i64,
    max_id: Option<i64>,
    limit: i64,
) -> ServiceResult<Vec<Post>> {
    as_member(ctx, actor, id).await?;
    let limit = limit.clamp(1, 100);
    let mut found = ctx
        .db
        .read(move |c| {
            let ids = q::messages(c, id, max_id, limit)?;
            posts::by_ids(c, &ids)
        })
        .await?;
    found.retain(|p| p.deleted_at.is_none());
    found.sort_by_key(|p| std::cmp::Reverse(p.id));
    Ok(found)
}

/// A direct message answering a room's: a reply to an invitation joins its room; a
/// member's answer to a room's message is said in that room.
pub async fn received(ctx: &Context, author: &Actor, post: &Post) -> ServiceResult<()> {
    let Some(parent) = post.in_reply_to_id else {
        return Ok(());
    };
    // Only private messages belong to a room (a public or followers-only reply stays what
    // it is).
    if post.visibility != "direct" {
        return Ok(());
    }
    let (author_id, post_id) = (author.id, post.id);
    ctx.db
        .write(move |c| {
            if let Some(invited) = q::invitation_by_post(c, parent)? {
                if invited.actor_id == author_id && invited.state == INVITED {
                    q::set_state(c, invited.room_id, author_id, MEMBER)?;
                }
                return Ok(());
            }
            if let Some(room) = q::room_of_message(c, parent)? {
                let member = q::member(c, room, author_id)?;
                if member.is_some_and(|m| m.state == MEMBER) {
                    q::add_message(c, room, post_id)?;
                }
            }
            Ok(())
        })
        .await?;
    Ok(())
}
