//! A member's own data: everything they put here exported (JSON, or CSV per part), and the
//! account deleted, here and, through an actor `Delete`, on every server that knew it. Staff
//! may do both for a member.

use crate::accounts::{self, ProfileEntry, Viewer};
use crate::{html, Context, Event, Problem, ServiceError, ServiceResult};
use tsunagu_db::queries::{follows, joining as q};
use tsunagu_db::{now, Actor, AlumniVerification, Post, User};

/// Everything exported of one member.
#[derive(Debug, Clone)]
pub struct Export {
    pub user: User,
    pub actor: Actor,
    pub profile: Vec<ProfileEntry>,
    pub alumni: Option<AlumniVerification>,
    pub posts: Vec<Post>,
    pub following: Vec<Actor>,
    pub followers: Vec<Actor>,
}

/// The parts of an export that come as CSV.
pub const CSV_PARTS: [&str; 4] = ["profile", "posts", "following", "followers"];

/// `who` (the member, or staff) may act for the member `user_id`.
async fn member_for(ctx: &Context, who: &User, user_id: i64) -> ServiceResult<(User, Actor)> {
    let (user, actor) = accounts::member_by_id(ctx, user_id).await?;
    if who.id != user.id {
        accounts::check_staff_over(who, &user, None)?;
    }
    Ok((user, actor))
}

pub async fn export(ctx: &Context, who: &User, user_id: i64) -> ServiceResult<Export> {
    let (user, actor) = member_for(ctx, who, user_id).await?;
    let profile = accounts::profile(ctx, user.id, Viewer::OwnerOrStaff).await?;
    let alumni = crate::alumni::of(ctx, actor.id).await?;
    let aid = actor.id;
    let (posts, following, followers) = ctx
        .db
        .read(move |c| {
            let mut posts = Vec::new();
            let mut after = 0;
            loop {
                let page = q::posts_of_author(c, aid, after, 1000)?;
                let Some(last) = page.last() else { break };
                after = last.id;
                posts.extend(page);
            }
            let all = i64::MAX;
            let following = follows::following(c, aid, None, all)?;
            let followers = follows::followers(c, aid, None, all)?;
            Ok((
                posts,
                following.into_iter().map(|(_, a)| a).collect(),
                followers.into_iter().map(|(_, a)| a).collect(),
            ))
        })
        .await?;
    Ok(Export {
        user,
        actor,
        profile,
        alumni,
        posts,
        following,
        followers,
    })
}

fn time(t: chrono::NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The whole export as JSON.
pub fn to_json(ctx: &Context, e: &Export) -> serde_json::Value {
    use serde_json::json;
    let account = |a: &Actor| json!({ "address": address(a), "uri": a.ap_id });
    json!({
        "account": {
            "id": e.actor.id.to_string(),
            "username": e.actor.username,
            "address": address(&e.actor),
            "uri": e.actor.ap_id,
            "display_name": e.actor.display_name,
            "note": e.actor.summary,
            "email": e.user.email,
            "role": e.user.role,
            "created_at": time(e.user.created_at),
            "fields": serde_json::from_str::<serde_json::Value>(&e.actor.fields_json).unwrap_or(json!([])),
        },
        "profile": e.profile.iter().map(|f| json!({
            "field": f.key.as_str(),
            "value": f.value,
            "visibility": f.visibility.as_str(),
        })).collect::<Vec<_>>(),
        "alumni": e.alumni.as_ref().map(|v| json!({
            "graduation_year": v.graduation_year,
            "department": v.department,
            "institution": v.institution,
            "verified_at": time(v.verified_at),
        })),
        "posts": e.posts.iter().map(|p| json!({
            "id": p.id.to_string(),
            "uri": p.ap_id,
            "created_at": time(p.created_at),
            "visibility": p.visibility,
            "in_reply_to": p.in_reply_to_ap_id,
            "title": p.name,
            "text": text_of(p),
            "content": p.content,
        })).collect::<Vec<_>>(),
        "following": e.following.iter().map(account).collect::<Vec<_>>(),
        "followers": e.followers.iter().map(account).collect::<Vec<_>>(),
        "exported_at": time(now()),
        "server": ctx.domain,
    })
}

/// `name@host`, the address another server's import understands.
fn address(a: &Actor) -> String {
    format!("{}@{}", a.username, a.domain)
}

/// What a member wrote, as they wrote it when known.
pub fn text_of(p: &Post) -> String {
    p.source
        .clone()
        .unwrap_or_else(|| html::to_text(&p.content))
}

/// One part of an export as CSV (see [`CSV_PARTS`]).
pub fn csv(export: &Export, part: &str) -> ServiceResult<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut row = |fields: &[&str]| {
        w.write_record(fields)
            .map_err(|e| ServiceError::Internal(format!("csv: {e}")))
    };
    match part {
        "profile" => {
            row(&["field", "value", "visibility"])?;
            for e in &export.profile {
                row(&[e.key.as_str(), &e.value, e.visibility.as_str()])?;
            }
        }
        "posts" => {
            row(&[
                "id",
                "url",
                "created_at",
                "visibility",
                "in_reply_to",
                "title",
                "text",
            ])?;
            for p in &export.posts {
                row(&[
                    &p.id.to_string(),
                    &p.ap_id,
                    &p.created_at.and_utc().to_rfc3339(),
                    &p.visibility,
                    p.in_reply_to_ap_id.as_deref().unwrap_or(""),
                    p.name.as_deref().unwrap_or(""),
                    &text_of(p),
                ])?;
            }
        }
        // Mastodon's own columns, so its import (and ours) reads the file.
        "following" => {
            row(&[
                "Account address",
                "Show boosts",
                "Notify on new posts",
                "Languages",
            ])?;
            for a in &export.following {
                row(&[&address(a), "true", "false", ""])?;
            }
        }
        "followers" => {
            row(&["Account address"])?;
            for a in &export.followers {
                row(&[&address(a)])?;
            }
        }
        _ => return Err(ServiceError::NotFound("export part")),
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ServiceError::Internal(format!("csv: {e}")))?;
    String::from_utf8(bytes).map_err(|e| ServiceError::Internal(e.to_string()))
}

/// Deletes a member's account. The member confirms with their password; staff need none.
/// What they wrote is erased here at once, and other servers are told to forget the account.
pub async fn delete_account(
    ctx: &Context,
    who: &User,
    user_id: i64,
    password: Option<&str>,
) -> ServiceResult<Actor> {
    let (user, actor) = member_for(ctx, who, user_id).await?;
    if who.id == user.id {
        let ok = match password {
            Some(p) => accounts::verify_password(p.to_string(), user.password_hash.clone()).await,
            None => false,
        };
        if !ok {
            return Err(ServiceError::Forbidden(Problem::coded(
                "password-wrong",
                "the password is not right",
            )));
        }
    }
    let aid = actor.id;
    let inboxes = ctx.db.read(move |c| q::related_inboxes(c, aid)).await?;
    // Built (and signed later) from the actor, which stays as a deleted shell.
    ctx.publish(Event::AccountDeleted {
        actor_id: aid,
        inboxes,
    })
    .await;
    let uid = user.id;
    ctx.db
        .write(move |c| q::erase_account(c, uid, aid, now()))
        .await?;
    Ok(actor)
}
