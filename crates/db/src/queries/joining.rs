//! Joining and verified alumni: invitations, e-mail domains that skip approval, e-mailed links,
//! the alumni office's roster, verifications, and the public alumni fields of members elsewhere.

use crate::schema::{
    actors, alumni_verifications, email_domains, email_tokens, invites, remote_profile_fields,
    roster_entries, users,
};
use crate::{Actor, AlumniVerification, Conn, Invite, NewInvite, QueryResult, RosterEntry, User};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub fn insert_invite(conn: &mut Conn, new: &NewInvite) -> QueryResult<Invite> {
    let id: i64 = diesel::insert_into(invites::table)
        .values(new)
        .returning(invites::id)
        .get_result(conn)?;
    invite(conn, id)
}

pub fn invite(conn: &mut Conn, id: i64) -> QueryResult<Invite> {
    invites::table
        .find(id)
        .select(Invite::as_select())
        .first(conn)
}

pub fn invite_by_code(conn: &mut Conn, code: &str) -> QueryResult<Option<Invite>> {
    invites::table
        .filter(invites::code.eq(code))
        .select(Invite::as_select())
        .first(conn)
        .optional()
}

/// Invitations not revoked, newest first.
pub fn live_invites(conn: &mut Conn) -> QueryResult<Vec<Invite>> {
    invites::table
        .filter(invites::revoked_at.is_null())
        .order(invites::id.desc())
        .select(Invite::as_select())
        .load(conn)
}

/// Takes one use of an invitation if it has one left at `at`; false if not.
pub fn use_invite(conn: &mut Conn, id: i64, at: NaiveDateTime) -> QueryResult<bool> {
    let taken = diesel::update(
        invites::table
            .find(id)
            .filter(invites::revoked_at.is_null())
            .filter(invites::expires_at.is_null().or(invites::expires_at.gt(at)))
            .filter(
                invites::max_uses
                    .is_null()
                    .or(invites::max_uses.gt(invites::uses.nullable())),
            ),
    )
    .set(invites::uses.eq(invites::uses + 1))
    .execute(conn)?;
    Ok(taken == 1)
}

pub fn revoke_invite(conn: &mut Conn, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        invites::table
            .find(id)
            .filter(invites::revoked_at.is_null()),
    )
    .set(invites::revoked_at.eq(at))
    .execute(conn)
}

pub fn email_domains(conn: &mut Conn) -> QueryResult<Vec<String>> {
    email_domains::table
        .order(email_domains::domain.asc())
        .select(email_domains::domain)
        .load(conn)
}

pub fn add_email_domain(conn: &mut Conn, domain: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(email_domains::table)
        .values((
            email_domains::domain.eq(domain),
            email_domains::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn remove_email_domain(conn: &mut Conn, domain: &str) -> QueryResult<usize> {
    diesel::delete(email_domains::table.filter(email_domains::domain.eq(domain))).execute(conn)
}

pub fn insert_email_token(
    conn: &mut Conn,
    hash: &str,
    user_id: i64,
    purpose: &str,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(email_tokens::table)
        .values((
            email_tokens::token_hash.eq(hash),
            email_tokens::user_id.eq(user_id),
            email_tokens::purpose.eq(purpose),
            email_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Uses an e-mailed link once: the user it was for, if it is unused and not expired.
pub fn take_email_token(
    conn: &mut Conn,
    hash: &str,
    purpose: &str,
    at: NaiveDateTime,
) -> QueryResult<Option<i64>> {
    let user: Option<i64> = email_tokens::table
        .filter(email_tokens::token_hash.eq(hash))
        .filter(email_tokens::purpose.eq(purpose))
        .filter(email_tokens::used_at.is_null())
        .filter(email_tokens::expires_at.gt(at))
        .select(email_tokens::user_id)
        .first(conn)
        .optional()?;
    let Some(user) = user else { return Ok(None) };
    let taken = diesel::update(
        email_tokens::table
            .filter(email_tokens::token_hash.eq(hash))
            .filter(email_tokens::used_at.is_null()),
    )
    .set(email_tokens::used_at.eq(at))
    .execute(conn)?;
    Ok((taken == 1).then_some(user))
}

/// Whether an e-mailed link is still good, without using it (to show its form).
pub fn email_token_valid(
    conn: &mut Conn,
    hash: &str,
    purpose: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        email_tokens::table
            .filter(email_tokens::token_hash.eq(hash))
            .filter(email_tokens::purpose.eq(purpose))
            .filter(email_tokens::used_at.is_null())
            .filter(email_tokens::expires_at.gt(at)),
    ))
    .get_result(conn)
}

pub fn confirm_email(conn: &mut Conn, user_id: i64, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(
        users::table
            .find(user_id)
            .filter(users::confirmed_at.is_null()),
    )
    .set(users::confirmed_at.eq(at))
    .execute(conn)?;
    Ok(())
}

pub fn set_approved(conn: &mut Conn, user_id: i64) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id).filter(users::approved.eq(false)))
        .set(users::approved.eq(true))
        .execute(conn)
}

pub fn set_suspended(conn: &mut Conn, user_id: i64, at: Option<NaiveDateTime>) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::suspended_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// Members as staff list them, with filters, newest account first; `max_id` and `since_id`
/// are account (actor) ids.
#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    /// `pending`, `active`, `disabled`, `suspended`, or none for all.
    pub status: Option<String>,
    pub staff_only: bool,
    pub username: Option<String>,
    pub email: Option<String>,
    pub max_id: Option<i64>,
    pub since_id: Option<i64>,
    pub limit: i64,
}

pub fn members(conn: &mut Conn, f: &MemberFilter) -> QueryResult<Vec<(User, Actor)>> {
    let mut q = users::table
        .inner_join(actors::table)
        .select((User::as_select(), Actor::as_select()))
        .into_boxed();
    match f.status.as_deref() {
        Some("pending") => q = q.filter(users::approved.eq(false)),
        Some("active") => {
            q = q
                .filter(users::approved.eq(true))
                .filter(users::disabled.eq(false))
                .filter(users::suspended_at.is_null())
        }
        Some("disabled") => q = q.filter(users::disabled.eq(true)),
        Some("suspended") => q = q.filter(users::suspended_at.is_not_null()),
        _ => {}
    }
    if f.staff_only {
        q = q.filter(users::role.eq_any(["staff", "admin"]));
    }
    if let Some(name) = &f.username {
        q = q.filter(
            super::actors::lower(actors::username).like(format!("%{}%", name.to_lowercase())),
        );
    }
    if let Some(email) = &f.email {
        q = q.filter(users::email.eq(email.to_lowercase()));
    }
    if let Some(max) = f.max_id {
        q = q.filter(actors::id.lt(max));
    }
    if let Some(since) = f.since_id {
        q = q.filter(actors::id.gt(since));
    }
    q.order(actors::id.desc())
        .limit(f.limit.clamp(1, 200))
        .load(conn)
}

/// Adds or updates a roster entry; the entry as it was before, if any.
pub fn upsert_roster_entry(
    conn: &mut Conn,
    entry: &RosterEntry,
) -> QueryResult<Option<RosterEntry>> {
    let before = roster_entry(conn, &entry.email)?;
    match &before {
        None => {
            diesel::insert_into(roster_entries::table)
                .values(entry)
                .execute(conn)?;
        }
        Some(_) => {
            diesel::update(roster_entries::table.find(&entry.email))
                .set((
                    roster_entries::name.eq(&entry.name),
                    roster_entries::graduation_year.eq(entry.graduation_year),
                    roster_entries::department.eq(&entry.department),
                    roster_entries::updated_at.eq(entry.updated_at),
                ))
                .execute(conn)?;
        }
    }
    Ok(before)
}

pub fn set_roster_invited(conn: &mut Conn, email: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(roster_entries::table.find(email))
        .set(roster_entries::invited_at.eq(at))
        .execute(conn)?;
    Ok(())
}

pub fn roster_entries_of(conn: &mut Conn, emails: &[String]) -> QueryResult<Vec<RosterEntry>> {
    roster_entries::table
        .filter(roster_entries::email.eq_any(emails))
        .select(RosterEntry::as_select())
        .load(conn)
}

pub fn roster_entry(conn: &mut Conn, email: &str) -> QueryResult<Option<RosterEntry>> {
    roster_entries::table
        .find(email.to_lowercase())
        .select(RosterEntry::as_select())
        .first(conn)
        .optional()
}

pub fn verification(conn: &mut Conn, actor_id: i64) -> QueryResult<Option<AlumniVerification>> {
    alumni_verifications::table
        .find(actor_id)
        .select(AlumniVerification::as_select())
        .first(conn)
        .optional()
}

pub fn verifications_of(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<AlumniVerification>> {
    alumni_verifications::table
        .filter(alumni_verifications::actor_id.eq_any(ids))
        .select(AlumniVerification::as_select())
        .load(conn)
}

pub fn set_verification(conn: &mut Conn, v: &AlumniVerification) -> QueryResult<()> {
    diesel::delete(alumni_verifications::table.find(v.actor_id)).execute(conn)?;
    diesel::insert_into(alumni_verifications::table)
        .values(v)
        .execute(conn)?;
    Ok(())
}

pub fn remove_verification(conn: &mut Conn, actor_id: i64) -> QueryResult<usize> {
    diesel::delete(alumni_verifications::table.find(actor_id)).execute(conn)
}

/// Replaces the public alumni fields of a member elsewhere.
pub fn set_remote_fields(
    conn: &mut Conn,
    actor_id: i64,
    fields: &[(String, String)],
) -> QueryResult<()> {
    diesel::delete(
        remote_profile_fields::table.filter(remote_profile_fields::actor_id.eq(actor_id)),
    )
    .execute(conn)?;
    for (field, value) in fields {
        diesel::insert_into(remote_profile_fields::table)
            .values((
                remote_profile_fields::actor_id.eq(actor_id),
                remote_profile_fields::field.eq(field),
                remote_profile_fields::value.eq(value),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn remote_fields_of(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<(i64, String, String)>> {
    remote_profile_fields::table
        .filter(remote_profile_fields::actor_id.eq_any(ids))
        .select((
            remote_profile_fields::actor_id,
            remote_profile_fields::field,
            remote_profile_fields::value,
        ))
        .load(conn)
}
