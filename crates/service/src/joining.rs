//! Joining: sign-up in the instance's mode (closed, approval, open), invitations and e-mail
//! domains that skip approval, confirming the address, staff approval, password reset.

use crate::accounts::{self, Admission, NewMember, Role};
use crate::error::{invalid, invalid_as};
use crate::mail::{self, Message};
use crate::oauth::hash_secret;
use crate::{alumni, Context, Problem, ServiceError, ServiceResult};
use std::fmt;
use std::str::FromStr;
use tsunagu_db::queries::{joining as q, oauth as tokens, users};
use tsunagu_db::{now, Actor, Invite, NewInvite, User};

/// Who may sign up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registrations {
    /// Nobody, except with an invitation.
    Closed,
    /// Anyone; staff approve each account (an invitation, an e-mail domain of the instance or
    /// the alumni roster skip approval).
    Approval,
    /// Anyone, once their address is confirmed.
    Open,
}

impl Registrations {
    pub fn as_str(self) -> &'static str {
        match self {
            Registrations::Closed => "closed",
            Registrations::Approval => "approval",
            Registrations::Open => "open",
        }
    }
}

impl fmt::Display for Registrations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Registrations {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "closed" => Ok(Registrations::Closed),
            "approval" => Ok(Registrations::Approval),
            "open" => Ok(Registrations::Open),
            _ => Err(format!("{s:?}: use closed, approval or open")),
        }
    }
}

/// Where an account stands, the first that applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Suspended,
    Disabled,
    /// The e-mail address is not confirmed yet.
    Unconfirmed,
    /// Waiting for staff.
    Pending,
    Active,
}

pub fn standing(user: &User) -> Standing {
    if user.suspended_at.is_some() {
        Standing::Suspended
    } else if user.disabled {
        Standing::Disabled
    } else if user.confirmed_at.is_none() {
        Standing::Unconfirmed
    } else if !user.approved {
        Standing::Pending
    } else {
        Standing::Active
    }
}

impl Standing {
    /// What a token of an account that is not active is told (Mastodon's wording).
    pub fn refusal(self) -> Option<ServiceError> {
        let (code, text) = match self {
            Standing::Active => return None,
            Standing::Suspended | Standing::Disabled => {
                ("account-disabled", "Your login is currently disabled")
            }
            Standing::Unconfirmed => (
                "account-unconfirmed",
                "Your login is missing a confirmed e-mail address",
            ),
            Standing::Pending => (
                "account-pending",
                "Your login is currently pending approval",
            ),
        };
        Some(ServiceError::Forbidden(Problem::coded(code, text)))
    }
}

/// Whether anyone may sign up now (without an invitation): not closed, and mail can be sent.
pub fn sign_up_open(ctx: &Context) -> bool {
    ctx.registrations != Registrations::Closed && mail::configured(ctx)
}

/// A sign-up as a person or an app sends it.
#[derive(Debug, Clone, Default)]
pub struct SignUp {
    pub username: String,
    pub email: String,
    pub password: String,
    /// They accepted the instance's rules.
    pub agreement: bool,
    /// The language of their e-mail (`ja`, `en`).
    pub locale: String,
    /// Why they want to join (read by staff when approval is asked for).
    pub reason: String,
    pub invite_code: Option<String>,
}

pub(crate) fn invite_invalid() -> ServiceError {
    invalid_as(
        "invite-invalid",
        "this invitation is not valid (unknown, used up, expired or withdrawn)",
    )
}

fn registrations_closed() -> ServiceError {
    ServiceError::Forbidden(Problem::coded(
        "registrations-closed",
        "registrations are closed on this server; ask its staff for an invitation",
    ))
}

/// The domain part of an address, if it is under one of `domains`.
fn under_domains(email: &str, domains: &[String]) -> bool {
    let Some((_, host)) = email.rsplit_once('@') else {
        return false;
    };
    domains
        .iter()
        .any(|d| host == d || host.ends_with(&format!(".{d}")))
}

/// Signs someone up: the account waits for its address to be confirmed (a link is e-mailed)
/// and, in approval mode, for staff, unless an invitation, an e-mail domain of the instance or
/// the alumni roster vouches for them.
pub async fn sign_up(ctx: &Context, new: SignUp) -> ServiceResult<(User, Actor)> {
    if !new.agreement {
        return Err(invalid_as(
            "agreement-missing",
            "agreement must be accepted (the server's rules)",
        ));
    }
    let invite = match new
        .invite_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(code) => Some(usable_invite(ctx, code).await?),
        None => None,
    };
    if ctx.registrations == Registrations::Closed && invite.is_none() {
        return Err(registrations_closed());
    }
    if !mail::configured(ctx) {
        return Err(mail::not_configured());
    }
    let email = accounts::validate_email(&new.email)?;
    let e = email.clone();
    let (domains, roster) = ctx
        .db
        .read(move |c| Ok((q::email_domains(c)?, q::roster_entry(c, &e)?)))
        .await?;
    let institutional = under_domains(&email, &domains);
    let approved = ctx.registrations == Registrations::Open
        || invite.is_some()
        || institutional
        || roster.is_some();
    let language = if new.locale.to_ascii_lowercase().starts_with("ja") {
        "ja"
    } else if new.locale.is_empty() {
        ""
    } else {
        "en"
    };
    // An address of the institution's own domain is a student's or staff's; anyone else
    // joining an alumni network is taken for a graduate until staff say otherwise.
    let role = if institutional && roster.is_none() {
        Role::Student
    } else {
        Role::Alumnus
    };
    let (user, actor) = accounts::create_member(
        ctx,
        NewMember {
            username: new.username.trim().to_string(),
            email,
            password: new.password,
            role,
            display_name: roster
                .as_ref()
                .map(|r| r.name.clone())
                .filter(|n| !n.is_empty()),
            admission: Admission {
                confirmed: false,
                approved,
                reason: new.reason,
                invite_id: invite.map(|i| i.id),
                language: language.into(),
            },
        },
    )
    .await?;
    // The account is made; a mail that fails is sent again on request.
    if let Err(e) = send_confirmation(ctx, &user).await {
        tracing::warn!("confirmation of {} not sent: {e}", actor.username);
    }
    Ok((user, actor))
}

/// An invitation that can take one more sign-up now.
pub async fn usable_invite(ctx: &Context, code: &str) -> ServiceResult<Invite> {
    let code = code.to_string();
    let invite = ctx
        .db
        .read(move |c| q::invite_by_code(c, &code))
        .await?
        .ok_or_else(invite_invalid)?;
    let at = now();
    let usable = invite.revoked_at.is_none()
        && invite.expires_at.is_none_or(|e| e > at)
        && invite.max_uses.is_none_or(|m| invite.uses < m);
    if usable {
        Ok(invite)
    } else {
        Err(invite_invalid())
    }
}

/// How long e-mailed links work.
const CONFIRM_FOR: chrono::Duration = chrono::Duration::days(3);
const RESET_FOR: chrono::Duration = chrono::Duration::hours(1);

async fn email_link(
    ctx: &Context,
    user_id: i64,
    purpose: &'static str,
    valid_for: chrono::Duration,
    path: &str,
) -> ServiceResult<String> {
    let token = crate::posts::random_token() + &crate::posts::random_token();
    let hash = hash_secret(&token);
    let expires = now() + valid_for;
    ctx.db
        .write(move |c| q::insert_email_token(c, &hash, user_id, purpose, expires))
        .await?;
    Ok(ctx.url(&format!("{path}?token={token}")))
}

/// E-mails the link that confirms the address.
pub async fn send_confirmation(ctx: &Context, user: &User) -> ServiceResult<()> {
    if user.confirmed_at.is_some() {
        return Err(invalid_as(
            "already-confirmed",
            "this e-mail address is already confirmed",
        ));
    }
    if !mail::configured(ctx) {
        return Err(mail::not_configured());
    }
    let link = email_link(ctx, user.id, "confirm", CONFIRM_FOR, "/auth/confirm").await?;
    mail::send(
        ctx,
        &user.email,
        &user.interface_language,
        Message::Confirm { link },
    )
    .await
}

/// Mastodon's `POST /api/v1/emails/confirmations`: the member of an unconfirmed account (by
/// its token, with `write:accounts`) has the confirmation mail sent again, to a corrected
/// address if given.
pub async fn resend_confirmation(
    ctx: &Context,
    token: &str,
    new_email: Option<&str>,
) -> ServiceResult<()> {
    let (t, user) = crate::oauth::token_owner(ctx, token).await?;
    let (user, _) = user.ok_or_else(|| {
        ServiceError::Forbidden("This method requires an authenticated user".into())
    })?;
    if !crate::oauth::scope_allows(&t.scopes, "write:accounts") {
        return Err(ServiceError::Forbidden(
            "This action is outside the authorized scopes".into(),
        ));
    }
    if user.confirmed_at.is_some() {
        return Err(ServiceError::Forbidden(
            "This method is only available while the e-mail is awaiting confirmation".into(),
        ));
    }
    let mut user = user;
    if let Some(email) = new_email.map(str::trim).filter(|e| !e.is_empty()) {
        let email = accounts::validate_email(email)?;
        let e = email.clone();
        if ctx
            .db
            .read(move |c| users::by_email(c, &e))
            .await?
            .is_some()
            && email != user.email
        {
            return Err(ServiceError::Conflict(Problem::coded(
                "email-taken",
                "e-mail address is already registered",
            )));
        }
        let (uid, e) = (user.id, email.clone());
        ctx.db.write(move |c| q::set_email(c, uid, &e)).await?;
        user.email = email;
    }
    send_confirmation(ctx, &user).await
}

/// Confirms an address with the link's token; the account as it stands now. A confirmed
/// account on the alumni roster is verified; one that needs no approval is welcomed.
pub async fn confirm(ctx: &Context, token: &str) -> ServiceResult<(User, Actor)> {
    let (hash, at) = (hash_secret(token), now());
    let user_id = ctx
        .db
        .write(move |c| {
            let user = q::take_email_token(c, &hash, "confirm", at)?;
            if let Some(id) = user {
                q::confirm_email(c, id, at)?;
            }
            Ok(user)
        })
        .await?
        .ok_or_else(link_invalid)?;
    let (user, actor) = accounts::member_by_id(ctx, user_id).await?;
    alumni::verify_from_roster(ctx, &user, &actor).await?;
    if user.approved {
        welcome(ctx, &user, false).await;
    }
    Ok((user, actor))
}

fn link_invalid() -> ServiceError {
    invalid_as(
        "link-invalid",
        "this link is not valid any more (used already or expired)",
    )
}

/// The welcome e-mail of an account that just became active.
async fn welcome(ctx: &Context, user: &User, by_staff: bool) {
    if let Err(e) = crate::boards::ensure_introductions(ctx).await {
        tracing::warn!("introductions board not made: {e}");
    }
    if !mail::configured(ctx) {
        return;
    }
    let introduce = ctx.url(&format!("/new?board={}", crate::boards::INTRODUCTIONS));
    let sign_in = ctx.url("/login");
    let message = if by_staff {
        Message::Approved { sign_in, introduce }
    } else {
        Message::Welcome { sign_in, introduce }
    };
    if let Err(e) = mail::send(ctx, &user.email, &user.interface_language, message).await {
        tracing::warn!("welcome e-mail not sent: {e}");
    }
}

fn require_staff(staff: &User) -> ServiceResult<()> {
    if accounts::role_of(staff).is_staff() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(Problem::coded(
            "staff-only",
            "only staff may do this",
        )))
    }
}

fn not_pending() -> ServiceError {
    ServiceError::Forbidden(Problem::coded(
        "not-pending",
        "this account is not waiting for approval",
    ))
}

/// Staff approve an account that waits for them.
pub async fn approve(ctx: &Context, staff: &User, user_id: i64) -> ServiceResult<(User, Actor)> {
    require_staff(staff)?;
    let changed = ctx.db.write(move |c| q::set_approved(c, user_id)).await?;
    if changed == 0 {
        accounts::member_by_id(ctx, user_id).await?;
        return Err(not_pending());
    }
    let (user, actor) = accounts::member_by_id(ctx, user_id).await?;
    if user.confirmed_at.is_some() {
        welcome(ctx, &user, true).await;
    }
    Ok((user, actor))
}

/// Staff turn down an account that waits for them: it is told so and removed. Nothing of it
/// ever left this server.
pub async fn reject(ctx: &Context, staff: &User, user_id: i64) -> ServiceResult<(User, Actor)> {
    require_staff(staff)?;
    let (user, actor) = accounts::member_by_id(ctx, user_id).await?;
    if user.approved {
        return Err(not_pending());
    }
    if user.confirmed_at.is_some() && mail::configured(ctx) {
        if let Err(e) = mail::send(
            ctx,
            &user.email,
            &user.interface_language,
            Message::Rejected,
        )
        .await
        {
            tracing::warn!("rejection e-mail not sent: {e}");
        }
    }
    let actor_id = actor.id;
    ctx.db
        .write(move |c| tsunagu_db::queries::actors::delete(c, actor_id))
        .await?;
    Ok((user, actor))
}

/// E-mails a link to choose a new password, if the address is a member's. The answer is the
/// same either way, so nobody learns who is a member.
pub async fn request_password_reset(ctx: &Context, email: &str) -> ServiceResult<()> {
    if !mail::configured(ctx) {
        return Err(mail::not_configured());
    }
    let email = email.trim().to_lowercase();
    let found = ctx.db.read(move |c| users::by_email(c, &email)).await?;
    let Some((user, _)) = found else {
        return Ok(());
    };
    if matches!(standing(&user), Standing::Suspended | Standing::Disabled) {
        return Ok(());
    }
    let link = email_link(ctx, user.id, "reset", RESET_FOR, "/auth/reset").await?;
    mail::send(
        ctx,
        &user.email,
        &user.interface_language,
        Message::ResetPassword { link },
    )
    .await
}

/// Whether a password link can still be used (to show its form).
pub async fn reset_link_valid(ctx: &Context, token: &str) -> ServiceResult<bool> {
    let (hash, at) = (hash_secret(token), now());
    Ok(ctx
        .db
        .read(move |c| q::email_token_valid(c, &hash, "reset", at))
        .await?)
}

/// Sets a new password with an e-mailed link: every session and app is signed out, and the
/// address counts as confirmed (the link reached it).
pub async fn reset_password(ctx: &Context, token: &str, password: &str) -> ServiceResult<User> {
    accounts::validate_password(password)?;
    let hash = accounts::hash_password(password.to_string()).await?;
    let (token_hash, at) = (hash_secret(token), now());
    let user_id = ctx
        .db
        .write(move |c| {
            let user = q::take_email_token(c, &token_hash, "reset", at)?;
            if let Some(id) = user {
                users::set_password_hash(c, id, &hash)?;
                tokens::revoke_all_of_user(c, id, at)?;
                q::confirm_email(c, id, at)?;
            }
            Ok(user)
        })
        .await?
        .ok_or_else(link_invalid)?;
    Ok(accounts::member_by_id(ctx, user_id).await?.0)
}

/// At most this many sign-ups per invitation, and this long before it expires.
const MAX_INVITE_USES: i32 = 10_000;
const MAX_INVITE_SECS: i64 = 366 * 24 * 3600;

/// Staff make an invitation link: for `max_uses` sign-ups (any number when none), until
/// `expires_in` seconds from now (never when none).
pub async fn create_invite(
    ctx: &Context,
    staff: &User,
    max_uses: Option<i32>,
    expires_in: Option<i64>,
) -> ServiceResult<Invite> {
    require_staff(staff)?;
    if max_uses.is_some_and(|m| !(1..=MAX_INVITE_USES).contains(&m)) {
        return Err(invalid(format!(
            "max_uses must be from 1 to {MAX_INVITE_USES}"
        )));
    }
    if expires_in.is_some_and(|s| !(60..=MAX_INVITE_SECS).contains(&s)) {
        return Err(invalid(
            "expires_in must be from 60 seconds to a year (in seconds)",
        ));
    }
    let at = now();
    let new = NewInvite {
        code: crate::posts::random_token()[..12].to_string(),
        created_by: Some(staff.id),
        max_uses,
        expires_at: expires_in.map(|s| at + chrono::Duration::seconds(s)),
        created_at: at,
    };
    Ok(ctx.db.write(move |c| q::insert_invite(c, &new)).await?)
}

/// The page an invitation leads to.
pub fn invite_url(ctx: &Context, invite: &Invite) -> String {
    ctx.url(&format!("/invite/{}", invite.code))
}

pub async fn invites(ctx: &Context, staff: &User) -> ServiceResult<Vec<Invite>> {
    require_staff(staff)?;
    Ok(ctx.db.read(q::live_invites).await?)
}

pub async fn revoke_invite(ctx: &Context, staff: &User, id: i64) -> ServiceResult<()> {
    require_staff(staff)?;
    if ctx
        .db
        .write(move |c| q::revoke_invite(c, id, now()))
        .await?
        == 0
    {
        return Err(ServiceError::NotFound("invite"));
    }
    Ok(())
}

pub async fn email_domains(ctx: &Context, staff: &User) -> ServiceResult<Vec<String>> {
    require_staff(staff)?;
    Ok(ctx.db.read(q::email_domains).await?)
}

/// Staff name an e-mail domain (the institution's) whose addresses skip approval.
pub async fn add_email_domain(ctx: &Context, staff: &User, domain: &str) -> ServiceResult<String> {
    require_staff(staff)?;
    let domain = crate::policy::normalize_domain(domain.trim().trim_start_matches('@'))?;
    let d = domain.clone();
    ctx.db
        .write(move |c| q::add_email_domain(c, &d, now()))
        .await
        .map_err(|e| {
            if e.is_unique_violation() {
                ServiceError::Conflict(format!("{domain} is already listed").into())
            } else {
                e.into()
            }
        })?;
    Ok(domain)
}

pub async fn remove_email_domain(ctx: &Context, staff: &User, domain: &str) -> ServiceResult<()> {
    require_staff(staff)?;
    let d = domain.trim().to_lowercase();
    if ctx.db.write(move |c| q::remove_email_domain(c, &d)).await? == 0 {
        return Err(ServiceError::NotFound("e-mail domain"));
    }
    Ok(())
}

/// Members as staff list them (see [`q::MemberFilter`]).
pub async fn members(
    ctx: &Context,
    staff: &User,
    filter: q::MemberFilter,
) -> ServiceResult<Vec<(User, Actor)>> {
    require_staff(staff)?;
    Ok(ctx.db.read(move |c| q::members(c, &filter)).await?)
}

/// The member behind account `actor_id`.
pub async fn member_by_account(ctx: &Context, actor_id: i64) -> ServiceResult<(User, Actor)> {
    let user = ctx
        .db
        .read(move |c| users::by_actor(c, actor_id))
        .await?
        .ok_or(ServiceError::NotFound("member"))?;
    accounts::member_by_id(ctx, user.id).await
}

/// Staff suspend a member (no sign-in, every token revoked, gone from the directory and
/// profile pages) or lift it.
pub async fn set_suspended(
    ctx: &Context,
    staff: &User,
    user_id: i64,
    suspended: bool,
) -> ServiceResult<()> {
    let (target, _) = accounts::member_by_id(ctx, user_id).await?;
    accounts::check_staff_over(staff, &target, None)?;
    let at = now();
    ctx.db
        .write(move |c| {
            q::set_suspended(c, user_id, suspended.then_some(at))?;
            if suspended {
                tokens::revoke_all_of_user(c, user_id, at)?;
            }
            Ok(())
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_mail_domains_cover_their_subdomains_only() {
        let d = vec!["kobe-u.ac.jp".to_string()];
        assert!(under_domains("a@kobe-u.ac.jp", &d));
        assert!(under_domains("a@mail.kobe-u.ac.jp", &d));
        assert!(!under_domains("a@evilkobe-u.ac.jp", &d));
        assert!(!under_domains("a@kobe-u.ac.jp.evil.example", &d));
    }
}
