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
        .get_result(conn)
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

pub fn set_email(conn: &mut Conn, user_id: i64, email: &str) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::email.eq(email))
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
            super::actors::lower(actors::username)
                .like(super::containing(name))
                .escape('\\'),
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
        .get_result(conn)
        .optional()
}

pub fn verification(conn: &mut Conn, actor_id: i64) -> QueryResult<Option<AlumniVerification>> {
    alumni_verifications::table
        .find(actor_id)
        .select(AlumniVerification::as_select())
        .get_result(conn)
        .optional()
}

pub fn verifications_of(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<AlumniVerification>> {
    alumni_verifications::table
        .filter(super::id_in(conn, "alumni_verifications.actor_id", ids))
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
        .filter(super::id_in(conn, "remote_profile_fields.actor_id", ids))
        .select((
            remote_profile_fields::actor_id,
            remote_profile_fields::field,
            remote_profile_fields::value,
        ))
        .load(conn)
}

/// A search of the member directory.
#[derive(Debug, Clone, Default)]
pub struct DirectoryQuery {
    /// Members of this instance only.
    pub local_only: bool,
    /// Newest accounts first; otherwise the most recently active first.
    pub newest_first: bool,
    pub offset: i64,
    pub limit: i64,
    /// The visibilities of this instance's profile fields the viewer may see.
    pub visible: Vec<String>,
    /// Each `(field, LIKE pattern over the lower-cased value)` must match a field the viewer
    /// may see (members elsewhere: their public fields).
    pub fields: Vec<(String, String)>,
    /// A LIKE pattern over the lower-cased name, display name or any field the viewer sees.
    pub text: Option<String>,
}

/// People in the directory: active members here and people elsewhere, as `q` asks. Written
/// in SQL both backends speak, with placeholders in each one's style.
pub fn directory(conn: &mut Conn, q: &DirectoryQuery) -> QueryResult<Vec<Actor>> {
    let mut sql = Sql::new(matches!(conn, Conn::Postgresql(_)));
    sql.push(
        "SELECT a.id AS id FROM actors a LEFT JOIN users u ON u.actor_id = a.id \
         WHERE a.kind = 'Person' AND a.deleted = FALSE AND ((u.id IS NULL AND a.local = FALSE) \
         OR (u.approved = TRUE AND u.disabled = FALSE AND u.suspended_at IS NULL \
         AND u.confirmed_at IS NOT NULL))",
    );
    if q.local_only {
        sql.push(" AND a.local = TRUE");
    }
    for (field, pattern) in &q.fields {
        sql.push(" AND (");
        sql.fields_like(Some(field), pattern, &q.visible);
        sql.push(")");
    }
    if let Some(pattern) = &q.text {
        sql.push(" AND (LOWER(a.username) LIKE ");
        sql.bind(pattern);
        sql.push(" ESCAPE '\\' OR LOWER(a.display_name) LIKE ");
        sql.bind(pattern);
        sql.push(" ESCAPE '\\' OR ");
        sql.fields_like(None, pattern, &q.visible);
        sql.push(")");
    }
    sql.push(if q.newest_first {
        " ORDER BY a.id DESC"
    } else {
        // The latest post first (the posts_author index answers it), then the newest account.
        " ORDER BY (SELECT MAX(p.id) FROM posts p WHERE p.author_id = a.id) DESC NULLS LAST, a.id DESC"
    });
    sql.push(&format!(
        " LIMIT {} OFFSET {}",
        q.limit.clamp(1, 80),
        q.offset.max(0)
    ));
    let ids: Vec<i64> = sql.load_ids(conn)?;
    let mut found: Vec<Actor> = actors::table
        .filter(actors::id.eq_any(&ids))
        .select(Actor::as_select())
        .load(conn)?;
    found.sort_by_key(|a| ids.iter().position(|id| *id == a.id));
    Ok(found)
}

/// SQL text with its text parameters, numbered for PostgreSQL.
struct Sql {
    text: String,
    binds: Vec<String>,
    numbered: bool,
}

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

impl Sql {
    fn new(numbered: bool) -> Sql {
        Sql {
            text: String::new(),
            binds: Vec::new(),
            numbered,
        }
    }

    fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    fn bind(&mut self, value: &str) {
        self.binds.push(value.to_string());
        if self.numbered {
            self.text.push_str(&format!("${}", self.binds.len()));
        } else {
            self.text.push('?');
        }
    }

    /// `a` has a field (named `field`, or any) whose lower-cased value is LIKE `pattern`: one
    /// of this instance's profile fields with a visibility in `visible`, or a public field of
    /// a member elsewhere.
    fn fields_like(&mut self, field: Option<&str>, pattern: &str, visible: &[String]) {
        self.push("a.id IN (SELECT u2.actor_id FROM profile_fields f JOIN users u2 ON u2.id = f.user_id WHERE LOWER(f.value) LIKE ");
        self.bind(pattern);
        self.push(" ESCAPE '\\'");
        if let Some(field) = field {
            self.push(" AND f.field = ");
            self.bind(field);
        }
        self.push(" AND f.visibility IN (");
        for (i, v) in visible.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v);
        }
        if visible.is_empty() {
            self.push("''");
        }
        self.push(")) OR a.id IN (SELECT r.actor_id FROM remote_profile_fields r WHERE LOWER(r.value) LIKE ");
        self.bind(pattern);
        self.push(" ESCAPE '\\'");
        if let Some(field) = field {
            self.push(" AND r.field = ");
            self.bind(field);
        }
        self.push(")");
    }

    fn load_ids(self, conn: &mut Conn) -> QueryResult<Vec<i64>> {
        use diesel::sql_types::Text;
        // Boxed binds only compile per backend, not through the MultiConnection.
        let rows: Vec<Id> = super::on_backend!(conn, |c| {
            let mut query = diesel::sql_query(self.text).into_boxed();
            for b in self.binds {
                query = query.bind::<Text, _>(b);
            }
            query.load(c)
        })?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }
}

/// Everything a member wrote (not boosts, not deleted), oldest first, `limit` from `after`.
pub fn posts_of_author(
    conn: &mut Conn,
    author: i64,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<crate::Post>> {
    use crate::schema::posts;
    posts::table
        .filter(posts::author_id.eq(author))
        .filter(posts::reblog_of_id.is_null())
        .filter(posts::deleted_at.is_null())
        .filter(posts::id.gt(after))
        .order(posts::id.asc())
        .limit(limit)
        .select(crate::Post::as_select())
        .load(conn)
}

/// The inboxes of the servers of everyone a member follows or is followed by.
pub fn related_inboxes(conn: &mut Conn, actor_id: i64) -> QueryResult<Vec<String>> {
    use crate::schema::follows;
    let followers: Vec<(String, Option<String>)> = follows::table
        .inner_join(actors::table.on(actors::id.eq(follows::follower_id)))
        .filter(follows::followee_id.eq(actor_id))
        .filter(actors::local.eq(false))
        .select((actors::inbox_url, actors::shared_inbox_url))
        .load(conn)?;
    let followees: Vec<(String, Option<String>)> = follows::table
        .inner_join(actors::table.on(actors::id.eq(follows::followee_id)))
        .filter(follows::follower_id.eq(actor_id))
        .filter(actors::local.eq(false))
        .select((actors::inbox_url, actors::shared_inbox_url))
        .load(conn)?;
    let mut inboxes: Vec<String> = followers
        .into_iter()
        .chain(followees)
        .map(|(inbox, shared)| shared.unwrap_or(inbox))
        .collect();
    inboxes.sort();
    inboxes.dedup();
    Ok(inboxes)
}

/// Removes a member's account here: what they wrote is erased (tombstones stay, so replies
/// keep their place), their follows and the user row go; the actor stays, marked deleted and
/// emptied, so its name is never taken again and its Delete can still be signed.
pub fn erase_account(
    conn: &mut Conn,
    user_id: i64,
    actor_id: i64,
    at: NaiveDateTime,
) -> QueryResult<()> {
    use crate::schema::{favourites, follows, posts};
    let written: Vec<i64> = posts::table
        .filter(posts::author_id.eq(actor_id))
        .filter(posts::reblog_of_id.is_null())
        .select(posts::id)
        .load(conn)?;
    for id in written {
        super::posts::mark_deleted(conn, id, at)?;
    }
    diesel::delete(
        posts::table
            .filter(posts::author_id.eq(actor_id))
            .filter(posts::reblog_of_id.is_not_null()),
    )
    .execute(conn)?;
    diesel::delete(
        follows::table.filter(
            follows::follower_id
                .eq(actor_id)
                .or(follows::followee_id.eq(actor_id)),
        ),
    )
    .execute(conn)?;
    diesel::delete(favourites::table.filter(favourites::actor_id.eq(actor_id))).execute(conn)?;
    diesel::delete(alumni_verifications::table.find(actor_id)).execute(conn)?;
    diesel::delete(users::table.find(user_id)).execute(conn)?;
    diesel::update(actors::table.find(actor_id))
        .set((
            actors::deleted.eq(true),
            actors::display_name.eq(""),
            actors::summary.eq(""),
            actors::fields_json.eq("[]"),
            actors::avatar_url.eq(None::<String>),
            actors::header_url.eq(None::<String>),
        ))
        .execute(conn)?;
    crate::actor_cache::actors_changed();
    Ok(())
}

/// Articles (alumni blogs), newest first: of one author, or (with `local_only`) this instance's.
pub fn articles(
    conn: &mut Conn,
    author: Option<i64>,
    local_only: bool,
    max_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<crate::Post>> {
    use crate::schema::posts;
    let mut q = posts::table
        .filter(posts::kind.eq("Article"))
        .filter(posts::deleted_at.is_null())
        .filter(posts::reblog_of_id.is_null())
        .filter(posts::visibility.eq("public"))
        .select(crate::Post::as_select())
        .into_boxed();
    if let Some(a) = author {
        q = q.filter(posts::author_id.eq(a));
    }
    if local_only {
        q = q.filter(posts::local.eq(true));
    }
    if let Some(max) = max_id {
        q = q.filter(posts::id.lt(max));
    }
    q.order(posts::id.desc())
        .limit(limit.clamp(1, 80))
        .load(conn)
}

/// Points a local post's web address (`url`) at its own page.
pub fn set_post_url(conn: &mut Conn, post_id: i64, url: &str) -> QueryResult<()> {
    use crate::schema::posts;
    diesel::update(posts::table.find(post_id))
        .set(posts::url.eq(url))
        .execute(conn)?;
    Ok(())
}
