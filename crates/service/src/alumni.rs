//! Verified alumni: staff (or the alumni office's roster) state that a member graduated, in
//! which year and from which department. The member's actor carries it to other servers, which
//! believe it only for members of the server that states it.

use crate::accounts::{self, ProfileKey, Visibility};
use crate::error::invalid;
use crate::{Context, Event, Problem, ServiceError, ServiceResult};
use tsunagu_db::queries::{joining as q, users};
use tsunagu_db::{now, Actor, AlumniVerification, RosterEntry, User};

/// What staff state when verifying a member.
#[derive(Debug, Clone, Default)]
pub struct Verify {
    pub graduation_year: Option<i32>,
    pub department: String,
}

fn check(v: &Verify) -> ServiceResult<()> {
    if v.graduation_year
        .is_some_and(|y| !(1900..=2100).contains(&y))
    {
        return Err(invalid("graduation_year must be a year from 1900 to 2100"));
    }
    if v.department.chars().count() > 200 {
        return Err(invalid("department must be at most 200 characters"));
    }
    Ok(())
}

/// Staff verify the member whose account (actor) id is `actor_id`.
pub async fn verify(
    ctx: &Context,
    staff: &User,
    actor_id: i64,
    v: Verify,
) -> ServiceResult<(Actor, AlumniVerification)> {
    if !accounts::role_of(staff).is_staff() {
        return Err(ServiceError::Forbidden(Problem::coded(
            "staff-only",
            "only staff may do this",
        )));
    }
    check(&v)?;
    let user = ctx
        .db
        .read(move |c| users::by_actor(c, actor_id))
        .await?
        .ok_or(ServiceError::NotFound("member"))?;
    let (user, actor) = accounts::member_by_id(ctx, user.id).await?;
    let record = record(
        ctx,
        &actor,
        v.graduation_year,
        v.department.trim(),
        Some(staff.id),
    );
    store(ctx, &user, &record).await?;
    Ok((actor, record))
}

fn record(
    ctx: &Context,
    actor: &Actor,
    graduation_year: Option<i32>,
    department: &str,
    by: Option<i64>,
) -> AlumniVerification {
    AlumniVerification {
        actor_id: actor.id,
        graduation_year,
        department: department.to_string(),
        institution: ctx.instance_name.clone(),
        verified_at: now(),
        verified_by: by,
    }
}

/// Keeps a verification, fills the member's empty graduation year and department from it
/// (members-only, which they may widen), makes a graduate of a student, and tells other servers.
async fn store(ctx: &Context, user: &User, record: &AlumniVerification) -> ServiceResult<()> {
    let existing = accounts::profile(ctx, user.id, accounts::Viewer::OwnerOrStaff).await?;
    let has = |k: ProfileKey| existing.iter().any(|e| e.key == k && !e.value.is_empty());
    let mut fill = Vec::new();
    if let Some(year) = record
        .graduation_year
        .filter(|_| !has(ProfileKey::GraduationYear))
    {
        fill.push((
            ProfileKey::GraduationYear,
            year.to_string(),
            Visibility::Local,
        ));
    }
    if !record.department.is_empty() && !has(ProfileKey::Department) {
        fill.push((
            ProfileKey::Department,
            record.department.clone(),
            Visibility::Local,
        ));
    }
    let (row, user_id) = (record.clone(), user.id);
    let student = accounts::role_of(user) == accounts::Role::Student;
    ctx.db
        .write(move |c| {
            q::set_verification(c, &row)?;
            if student {
                users::set_role(c, user_id, accounts::Role::Alumnus.as_str())?;
            }
            Ok(())
        })
        .await?;
    if fill.is_empty() {
        ctx.publish(Event::ProfileUpdated {
            actor_id: record.actor_id,
        })
        .await;
        Ok(())
    } else {
        accounts::set_profile_fields(ctx, user, &fill).await
    }
}

/// A member whose confirmed address is on the roster is verified from it (once: staff's own
/// verification is not overwritten).
pub async fn verify_from_roster(ctx: &Context, user: &User, actor: &Actor) -> ServiceResult<()> {
    if user.confirmed_at.is_none() {
        return Ok(());
    }
    let (email, actor_id) = (user.email.clone(), actor.id);
    let (entry, existing) = ctx
        .db
        .read(move |c| Ok((q::roster_entry(c, &email)?, q::verification(c, actor_id)?)))
        .await?;
    match (entry, existing) {
        (Some(entry), None) => apply_roster(ctx, user, actor, &entry).await,
        _ => Ok(()),
    }
}

/// Verifies a member from a roster entry, unless staff verified them by hand.
pub async fn apply_roster(
    ctx: &Context,
    user: &User,
    actor: &Actor,
    entry: &RosterEntry,
) -> ServiceResult<()> {
    let actor_id = actor.id;
    let existing = ctx.db.read(move |c| q::verification(c, actor_id)).await?;
    if existing.as_ref().is_some_and(|v| v.verified_by.is_some()) {
        return Ok(());
    }
    let record = record(ctx, actor, entry.graduation_year, &entry.department, None);
    let unchanged = existing.is_some_and(|v| {
        v.graduation_year == record.graduation_year && v.department == record.department
    });
    if unchanged {
        return Ok(());
    }
    store(ctx, user, &record).await
}

/// The verification of an account (here or elsewhere), if any.
pub async fn of(ctx: &Context, actor_id: i64) -> ServiceResult<Option<AlumniVerification>> {
    Ok(ctx.db.read(move |c| q::verification(c, actor_id)).await?)
}

/// The profile field that shows a verification (to Mastodon and other servers too).
pub fn field(v: &AlumniVerification) -> crate::read::FieldView {
    crate::read::FieldView {
        name: FIELD_NAME.into(),
        value_html: crate::html::escape(&summary(v)),
        key: None,
    }
}

/// The name of that field.
pub const FIELD_NAME: &str = "Verified alumni";

/// `Kobe University · 2019 · Engineering ✓`
pub fn summary(v: &AlumniVerification) -> String {
    let mut parts = vec![v.institution.clone()];
    if let Some(year) = v.graduation_year {
        parts.push(year.to_string());
    }
    if !v.department.is_empty() {
        parts.push(v.department.clone());
    }
    format!("{} \u{2713}", parts.join(" \u{b7} "))
}
