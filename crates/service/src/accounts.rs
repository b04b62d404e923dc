//! Members: registration, login, roles and the alumni profile.

use crate::error::{invalid, invalid_as};
use crate::Problem;
use crate::{keys, Context, Event, ServiceError, ServiceResult};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use tsunagu_db::queries::{actors, users};
use tsunagu_db::{now, Actor, NewActor, NewUser, ProfileField, User};

/// What a member is in the institution's eyes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Student,
    Alumnus,
    Staff,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Student => "student",
            Role::Alumnus => "alumnus",
            Role::Staff => "staff",
            Role::Admin => "admin",
        }
    }
    /// Staff and admins run the instance: boards, verification, moderation.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Staff | Role::Admin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ServiceError;
    fn from_str(s: &str) -> ServiceResult<Role> {
        match s {
            "student" => Ok(Role::Student),
            "alumnus" | "alumna" | "alumni" => Ok(Role::Alumnus),
            "staff" => Ok(Role::Staff),
            "admin" => Ok(Role::Admin),
            _ => Err(invalid(format!(
                "unknown role {s:?}: use student, alumnus, staff or admin"
            ))),
        }
    }
}

/// Names that would clash with routes or the instance actor.
const RESERVED_USERNAMES: &[&str] = &[
    "actor",
    "admin",
    "api",
    "inbox",
    "instance",
    "nodeinfo",
    "oauth",
    "root",
    "system",
    "tsunagu",
    "users",
    "boards",
    "well-known",
    "webmaster",
    "postmaster",
    "support",
];

/// 1 to 30 characters: lowercase letters, digits and underscores, not starting with `_`.
pub fn validate_username(name: &str) -> ServiceResult<()> {
    if name.is_empty() || name.len() > 30 {
        return Err(invalid_as(
            "username-invalid",
            "username must be 1 to 30 characters",
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(invalid_as(
            "username-invalid",
            "username may contain only lowercase letters a-z, digits and underscores",
        ));
    }
    if name.starts_with('_') {
        return Err(invalid_as(
            "username-invalid",
            "username must start with a letter or digit",
        ));
    }
    if RESERVED_USERNAMES.contains(&name) {
        return Err(invalid_as(
            "username-reserved",
            format!("username {name:?} is reserved"),
        ));
    }
    Ok(())
}

pub fn validate_email(email: &str) -> ServiceResult<String> {
    let email = email.trim().to_lowercase();
    let ok = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.chars().any(char::is_whitespace);
    if ok {
        Ok(email)
    } else {
        Err(invalid_as("email-invalid", "e-mail address is not valid"))
    }
}

pub fn validate_password(password: &str) -> ServiceResult<()> {
    match password.chars().count() {
        0..=7 => Err(invalid_as(
            "password-short",
            "password must be at least 8 characters",
        )),
        8..=1024 => Ok(()),
        _ => Err(invalid_as(
            "password-long",
            "password must be at most 1024 characters",
        )),
    }
}

pub async fn hash_password(password: String) -> ServiceResult<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ServiceError::Internal(format!("password hash: {e}")))
    })
    .await
    .map_err(|e| ServiceError::Internal(e.to_string()))?
}

pub(crate) async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

pub struct NewMember {
    pub username: String,
    pub email: String,
    pub password: String,
    pub role: Role,
    pub display_name: Option<String>,
    pub admission: Admission,
}

/// How a new account stands when made: made by an operator it is confirmed and approved; one
/// that signed up waits for its address to be confirmed and perhaps for staff.
#[derive(Debug, Clone)]
pub struct Admission {
    pub confirmed: bool,
    pub approved: bool,
    /// Why they want to join (for staff).
    pub reason: String,
    /// The invitation used; one of its uses is taken with the account, or nothing is made.
    pub invite_id: Option<i64>,
    /// The language of their e-mail and pages (`ja`, `en`), or empty.
    pub language: String,
}

impl Default for Admission {
    fn default() -> Admission {
        Admission {
            confirmed: true,
            approved: true,
            reason: String::new(),
            invite_id: None,
            language: String::new(),
        }
    }
}

/// The ActivityPub row of a local actor at `path` (`/users/NAME`).
pub(crate) fn local_actor_row(
    ctx: &Context,
    kind: &str,
    username: &str,
    path: &str,
    display_name: String,
    keys: keys::Keypair,
) -> NewActor {
    let at = now();
    NewActor {
        ap_id: ctx.url(path),
        kind: kind.into(),
        username: username.into(),
        domain: ctx.domain.clone(),
        local: true,
        display_name,
        summary: String::new(),
        url: Some(ctx.url(&format!("/@{username}"))),
        inbox_url: ctx.url(&format!("{path}/inbox")),
        shared_inbox_url: Some(ctx.url("/inbox")),
        outbox_url: Some(ctx.url(&format!("{path}/outbox"))),
        followers_url: Some(ctx.url(&format!("{path}/followers"))),
        following_url: Some(ctx.url(&format!("{path}/following"))),
        public_key_pem: keys.public_pem,
        private_key_pem: Some(keys.private_pem),
        avatar_url: None,
        header_url: None,
        manually_approves_followers: false,
        fields_json: "[]".into(),
        published_at: at,
        refreshed_at: at,
    }
}

/// Registers a member and returns the new account.
pub async fn create_member(ctx: &Context, new: NewMember) -> ServiceResult<(User, Actor)> {
    validate_username(&new.username)?;
    let email = validate_email(&new.email)?;
    validate_password(&new.password)?;
    let display_name = new
        .display_name
        .unwrap_or_else(|| new.username.clone())
        .chars()
        .take(100)
        .collect();
    let (username, domain) = (new.username.clone(), ctx.domain.clone());
    let taken = ctx
        .db
        .read(move |c| actors::by_handle(c, &username, &domain))
        .await?;
    if taken.is_some() {
        return Err(ServiceError::Conflict(Problem::coded(
            "username-taken",
            format!("username {:?} is taken", new.username),
        )));
    }
    let email_check = email.clone();
    if ctx
        .db
        .read(move |c| users::by_email(c, &email_check))
        .await?
        .is_some()
    {
        return Err(ServiceError::Conflict(Problem::coded(
            "email-taken",
            "e-mail address is already registered",
        )));
    }
    let password_hash = hash_password(new.password).await?;
    let keys = keys::generate_async().await?;
    let actor = local_actor_row(
        ctx,
        "Person",
        &new.username,
        &format!("/users/{}", new.username),
        display_name,
        keys,
    );
    let role = new.role.as_str().to_string();
    let admission = new.admission;
    let user_id = ctx
        .db
        .write(move |c| {
            let at = now();
            if let Some(invite) = admission.invite_id {
                if !tsunagu_db::queries::joining::use_invite(c, invite, at)? {
                    // Used up or expired meanwhile: nothing is made.
                    return Err(diesel_rollback());
                }
            }
            let actor_id = actors::insert(c, &actor)?;
            users::insert(
                c,
                &NewUser {
                    actor_id,
                    email,
                    password_hash,
                    role,
                    created_at: at,
                    confirmed_at: admission.confirmed.then_some(at),
                    approved: admission.approved,
                    sign_up_reason: admission.reason.chars().take(1000).collect(),
                    invite_id: admission.invite_id,
                    interface_language: admission.language,
                },
            )
        })
        .await
        .map_err(|e| {
            if e.is_unique_violation() {
                ServiceError::Conflict(Problem::coded(
                    "username-taken",
                    "username or e-mail address is taken",
                ))
            } else if e.is_rollback() {
                crate::joining::invite_invalid()
            } else {
                e.into()
            }
        })?;
    Ok(ctx.db.read(move |c| users::with_actor(c, user_id)).await?)
}

/// Checks a login (e-mail address or username) and password.
pub async fn authenticate(
    ctx: &Context,
    login: &str,
    password: &str,
) -> ServiceResult<(User, Actor)> {
    let login = login.trim().to_lowercase();
    ctx.sign_ins.check(&login)?;
    let l = login.clone();
    let found = ctx
        .db
        .read(move |c| {
            if l.contains('@') {
                users::by_email(c, &l)
            } else {
                users::by_username(c, &l)
            }
        })
        .await?;
    // Every refusal reads the same and takes as long, so sign-in tells nobody which
    // accounts exist or are disabled.
    let hash = match &found {
        Some((user, _)) => user.password_hash.clone(),
        None => dummy_hash().await?,
    };
    let password_ok = verify_password(password.to_string(), hash).await;
    match found {
        Some((user, actor)) if password_ok && !user.disabled && user.suspended_at.is_none() => {
            ctx.sign_ins.succeeded(&login);
            Ok((user, actor))
        }
        _ => {
            ctx.sign_ins.failed(&login);
            Err(ServiceError::Unauthorized(Problem::coded(
                "login-failed",
                "invalid login or password",
            )))
        }
    }
}

fn diesel_rollback() -> tsunagu_db::QueryError {
    tsunagu_db::QueryError::RollbackTransaction
}

/// A hash to check passwords against when the account does not exist.
async fn dummy_hash() -> ServiceResult<String> {
    static HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    HASH.get_or_try_init(|| hash_password(crate::posts::random_token()))
        .await
        .cloned()
}

/// Failed sign-ins per login, in this process: past [`MAX_FAILED_SIGN_INS`] within
/// [`SIGN_IN_WINDOW`], the login is refused until the window passes, right password or not.
#[derive(Default)]
pub struct SignInThrottle {
    failures: std::sync::Mutex<HashMap<String, (std::time::Instant, u32)>>,
}

pub const MAX_FAILED_SIGN_INS: u32 = 5;
pub const SIGN_IN_WINDOW: std::time::Duration = std::time::Duration::from_secs(15 * 60);
/// Logins remembered at most; past it the oldest windows are dropped.
const SIGN_IN_MEMORY: usize = 10_000;

impl SignInThrottle {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (std::time::Instant, u32)>> {
        self.failures.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn check(&self, login: &str) -> ServiceResult<()> {
        match self.lock().get(login) {
            Some((since, n)) if *n >= MAX_FAILED_SIGN_INS && since.elapsed() < SIGN_IN_WINDOW => {
                Err(ServiceError::RateLimited(Problem::coded(
                    "sign-in-throttled",
                    "too many failed sign-ins for this account; try again later",
                )))
            }
            _ => Ok(()),
        }
    }

    fn failed(&self, login: &str) {
        let mut failures = self.lock();
        if failures.len() >= SIGN_IN_MEMORY {
            failures.retain(|_, (since, _)| since.elapsed() < SIGN_IN_WINDOW);
            if failures.len() >= SIGN_IN_MEMORY {
                failures.clear();
            }
        }
        let entry = failures
            .entry(login.to_string())
            .or_insert((std::time::Instant::now(), 0));
        if entry.0.elapsed() >= SIGN_IN_WINDOW {
            *entry = (std::time::Instant::now(), 0);
        }
        entry.1 += 1;
    }

    fn succeeded(&self, login: &str) {
        self.lock().remove(login);
    }
}

pub async fn set_password(ctx: &Context, user_id: i64, password: &str) -> ServiceResult<()> {
    validate_password(password)?;
    let hash = hash_password(password.to_string()).await?;
    ctx.db
        .write(move |c| users::set_password_hash(c, user_id, &hash))
        .await?;
    Ok(())
}

pub async fn set_role(ctx: &Context, user_id: i64, role: Role) -> ServiceResult<()> {
    ctx.db
        .write(move |c| users::set_role(c, user_id, role.as_str()))
        .await?;
    Ok(())
}

pub async fn set_disabled(ctx: &Context, user_id: i64, disabled: bool) -> ServiceResult<()> {
    ctx.db
        .write(move |c| users::set_disabled(c, user_id, disabled))
        .await?;
    Ok(())
}

/// Whether `staff` may change `target`'s account: staff change members' accounts, only
/// admins change admins' (or make admins), and nobody changes their own here.
pub fn check_staff_over(staff: &User, target: &User, new_role: Option<Role>) -> ServiceResult<()> {
    let by = role_of(staff);
    if !by.is_staff() {
        return Err(ServiceError::Forbidden(Problem::coded(
            "staff-only",
            "only staff manage members",
        )));
    }
    if staff.id == target.id {
        return Err(ServiceError::Forbidden(Problem::coded(
            "staff-own-account",
            "staff do not change their own account here",
        )));
    }
    let touches_admin = role_of(target) == Role::Admin || new_role == Some(Role::Admin);
    if touches_admin && by != Role::Admin {
        return Err(ServiceError::Forbidden(Problem::coded(
            "admins-only",
            "only admins change admins' accounts",
        )));
    }
    Ok(())
}

/// A member's account as staff change it.
pub async fn member_by_id(ctx: &Context, user_id: i64) -> ServiceResult<(User, Actor)> {
    ctx.db
        .read(move |c| users::with_actor(c, user_id))
        .await
        .map_err(|_| ServiceError::NotFound("member"))
}

/// Staff give a member a new, random password (shown once to staff to pass on) and end
/// every session and app access the member had.
pub async fn reset_password(ctx: &Context, staff: &User, user_id: i64) -> ServiceResult<String> {
    let (target, _) = member_by_id(ctx, user_id).await?;
    check_staff_over(staff, &target, None)?;
    let password = crate::posts::random_token();
    let hash = hash_password(password.clone()).await?;
    ctx.db
        .write(move |c| {
            users::set_password_hash(c, user_id, &hash)?;
            tsunagu_db::queries::oauth::revoke_all_of_user(c, user_id, now())?;
            Ok(())
        })
        .await?;
    Ok(password)
}

/// The language a member wants the web site in: a two-letter ISO 639-1 code, or empty for
/// whatever their browser asks for.
pub async fn set_interface_language(
    ctx: &Context,
    user_id: i64,
    language: &str,
) -> ServiceResult<()> {
    let language = language.trim().to_ascii_lowercase();
    if !(language.is_empty()
        || (language.len() == 2 && language.bytes().all(|b| b.is_ascii_lowercase())))
    {
        return Err(invalid(format!(
            "{language:?} is not a two-letter language code"
        )));
    }
    ctx.db
        .write(move |c| users::set_interface_language(c, user_id, &language))
        .await?;
    Ok(())
}

/// Staff change a member's role.
pub async fn change_role(
    ctx: &Context,
    staff: &User,
    user_id: i64,
    role: Role,
) -> ServiceResult<()> {
    let (target, _) = member_by_id(ctx, user_id).await?;
    check_staff_over(staff, &target, Some(role))?;
    set_role(ctx, user_id, role).await
}

/// Staff disable a member's account (their tokens stop working) or enable it again.
pub async fn change_disabled(
    ctx: &Context,
    staff: &User,
    user_id: i64,
    disabled: bool,
) -> ServiceResult<()> {
    let (target, _) = member_by_id(ctx, user_id).await?;
    check_staff_over(staff, &target, None)?;
    set_disabled(ctx, user_id, disabled).await
}

pub async fn find_member(ctx: &Context, username: &str) -> ServiceResult<(User, Actor)> {
    let name = username.to_string();
    ctx.db
        .read(move |c| users::by_username(c, &name))
        .await?
        .ok_or(ServiceError::NotFound("member"))
}

/// The instance's own actor (`Application`), created on first use. It signs fetches.
pub async fn instance_actor(ctx: &Context) -> ServiceResult<Actor> {
    let ap_id = ctx.url("/actor");
    let lookup = ap_id.clone();
    if let Some(actor) = ctx.db.read(move |c| actors::by_ap_id(c, &lookup)).await? {
        return Ok(actor);
    }
    let keys = keys::generate_async().await?;
    let mut row = local_actor_row(
        ctx,
        "Application",
        INSTANCE_ACTOR_USERNAME,
        "/actor",
        ctx.domain.clone(),
        keys,
    );
    row.url = Some(ctx.url("/about"));
    row.manually_approves_followers = true;
    let ap_id = row.ap_id.clone();
    let inserted = ctx
        .db
        .write(move |c| match actors::by_ap_id(c, &row.ap_id)? {
            Some(existing) => Ok(existing),
            None => {
                let id = actors::insert(c, &row)?;
                actors::by_id(c, id)
            }
        })
        .await;
    match inserted {
        Ok(actor) => Ok(actor),
        // Another process sharing the database created it at the same moment.
        Err(e) if e.is_unique_violation() => Ok(ctx
            .db
            .read(move |c| actors::by_ap_id(c, &ap_id))
            .await?
            .ok_or(ServiceError::NotFound("instance actor"))?),
        Err(e) => Err(e.into()),
    }
}

/// The instance actor's username; it contains a dot, which member names cannot.
pub const INSTANCE_ACTOR_USERNAME: &str = "instance.actor";

/// One field of the alumni profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileKey {
    GraduationYear,
    Department,
    Industry,
    Employer,
    Skills,
    Interests,
    Mentoring,
    Introduction,
}

impl ProfileKey {
    pub const ALL: [ProfileKey; 8] = [
        ProfileKey::GraduationYear,
        ProfileKey::Department,
        ProfileKey::Industry,
        ProfileKey::Employer,
        ProfileKey::Skills,
        ProfileKey::Interests,
        ProfileKey::Mentoring,
        ProfileKey::Introduction,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileKey::GraduationYear => "graduation_year",
            ProfileKey::Department => "department",
            ProfileKey::Industry => "industry",
            ProfileKey::Employer => "employer",
            ProfileKey::Skills => "skills",
            ProfileKey::Interests => "interests",
            ProfileKey::Mentoring => "mentoring",
            ProfileKey::Introduction => "introduction",
        }
    }
    /// The label shown to people (and to Mastodon as the `PropertyValue` name).
    pub fn label(self) -> &'static str {
        match self {
            ProfileKey::GraduationYear => "Graduation year",
            ProfileKey::Department => "Department",
            ProfileKey::Industry => "Industry",
            ProfileKey::Employer => "Employer",
            ProfileKey::Skills => "Skills",
            ProfileKey::Interests => "Interests",
            ProfileKey::Mentoring => "Mentoring",
            ProfileKey::Introduction => "Introduction",
        }
    }
    pub fn parse(s: &str) -> ServiceResult<ProfileKey> {
        ProfileKey::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| invalid(format!("unknown profile field {s:?}")))
    }
    fn max_len(self) -> usize {
        match self {
            ProfileKey::Introduction => 2000,
            _ => 200,
        }
    }
}

/// Who may see a profile field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Visibility {
    /// Everyone, and federated on the actor as a `PropertyValue`.
    Public,
    /// Signed-in members of this instance and of instances we federate with.
    Federated,
    /// Signed-in members of this instance.
    Local,
    /// The member and staff only.
    Hidden,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Federated => "federated",
            Visibility::Local => "local",
            Visibility::Hidden => "hidden",
        }
    }
    pub fn parse(s: &str) -> ServiceResult<Visibility> {
        match s {
            "public" => Ok(Visibility::Public),
            "federated" => Ok(Visibility::Federated),
            "local" | "instance" => Ok(Visibility::Local),
            "hidden" | "private" => Ok(Visibility::Hidden),
            _ => Err(invalid(format!(
                "unknown visibility {s:?}: use public, federated, local or hidden"
            ))),
        }
    }
}

/// Who is looking at a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Anonymous,
    RemoteServer,
    Member,
    OwnerOrStaff,
}

impl Viewer {
    pub fn may_see(self, v: Visibility) -> bool {
        match self {
            Viewer::Anonymous => v == Visibility::Public,
            Viewer::RemoteServer => v <= Visibility::Federated,
            Viewer::Member => v <= Visibility::Local,
            Viewer::OwnerOrStaff => true,
        }
    }
}

/// A profile field as stored, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileEntry {
    pub key: ProfileKey,
    pub value: String,
    pub visibility: Visibility,
}

/// The fields of a member's profile that `viewer` may see, in the canonical order.
pub async fn profile(
    ctx: &Context,
    user_id: i64,
    viewer: Viewer,
) -> ServiceResult<Vec<ProfileEntry>> {
    let rows = ctx.db.read(move |c| users::profile(c, user_id)).await?;
    Ok(visible_entries(rows, viewer))
}

/// The stored fields `viewer` may see, parsed, in the canonical order.
pub fn visible_entries(rows: Vec<ProfileField>, viewer: Viewer) -> Vec<ProfileEntry> {
    let mut entries: Vec<ProfileEntry> = rows
        .into_iter()
        .filter_map(|r| {
            Some(ProfileEntry {
                key: ProfileKey::parse(&r.field).ok()?,
                value: r.value,
                visibility: Visibility::parse(&r.visibility).ok()?,
            })
        })
        .filter(|e| viewer.may_see(e.visibility))
        .collect();
    entries.sort_by_key(|e| ProfileKey::ALL.iter().position(|k| *k == e.key));
    entries
}

/// Checks one profile field's value, returning it trimmed.
pub fn validate_profile_field(key: ProfileKey, value: &str) -> ServiceResult<String> {
    let value = value.trim().to_string();
    if value.chars().count() > key.max_len() {
        return Err(invalid_as(
            "field-too-long",
            format!(
                "{} must be at most {} characters",
                key.label(),
                key.max_len()
            ),
        ));
    }
    if key == ProfileKey::GraduationYear && !value.is_empty() {
        let year: i32 = value
            .parse()
            .map_err(|_| invalid("graduation year must be a year such as 2019"))?;
        if !(1900..=2100).contains(&year) {
            return Err(invalid("graduation year must be between 1900 and 2100"));
        }
    }
    Ok(value)
}

/// Sets (or with an empty value, clears) profile fields, all or none, and tells followers'
/// servers once.
pub async fn set_profile_fields(
    ctx: &Context,
    user: &User,
    fields: &[(ProfileKey, String, Visibility)],
) -> ServiceResult<()> {
    let mut rows = Vec::with_capacity(fields.len());
    for (key, value, visibility) in fields {
        rows.push(ProfileField {
            user_id: user.id,
            field: key.as_str().into(),
            value: validate_profile_field(*key, value)?,
            visibility: visibility.as_str().into(),
        });
    }
    ctx.db
        .write(move |c| {
            for row in &rows {
                users::set_profile_field(c, row)?;
            }
            Ok(())
        })
        .await?;
    ctx.publish(Event::ProfileUpdated {
        actor_id: user.actor_id,
    })
    .await;
    Ok(())
}

/// What a member changes about their public profile; `None` leaves a part as it is.
#[derive(Debug, Clone, Default)]
pub struct ProfileUpdate {
    pub display_name: Option<String>,
    pub note: Option<String>,
    /// Name/value pairs shown on the profile (at most [`MAX_OWN_FIELDS`]), plain text: stored
    /// as written and escaped when shown.
    pub fields: Option<Vec<(String, String)>>,
    /// Follow requests must be approved.
    pub locked: Option<bool>,
    /// Image files for the avatar or the header, checked as uploads are
    /// ([`crate::media::upload`]) once the rest of the update is known to be valid.
    pub avatar: Option<Vec<u8>>,
    pub header: Option<Vec<u8>>,
}

pub const MAX_OWN_FIELDS: usize = 4;

/// Changes a member's public profile and tells their followers' servers.
pub async fn update_profile(
    ctx: &Context,
    actor: &Actor,
    update: ProfileUpdate,
) -> ServiceResult<Actor> {
    let name = match update.display_name {
        Some(n) if n.chars().count() > 100 => {
            return Err(invalid("display name must be at most 100 characters"))
        }
        Some(n) => n.trim().to_string(),
        None => actor.display_name.clone(),
    };
    let summary = match update.note {
        Some(n) if n.chars().count() > 2000 => {
            return Err(invalid_as(
                "note-too-long",
                "note must be at most 2000 characters",
            ))
        }
        Some(n) => crate::posts::render_text(ctx, &n).await?.0,
        None => actor.summary.clone(),
    };
    let fields = match update.fields {
        Some(list) => {
            let list: Vec<(String, String)> = list
                .into_iter()
                .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
                .filter(|(n, v)| !n.is_empty() || !v.is_empty())
                .collect();
            if list.len() > MAX_OWN_FIELDS {
                return Err(invalid(format!("at most {MAX_OWN_FIELDS} profile fields")));
            }
            if list
                .iter()
                .any(|(n, v)| n.chars().count() > 255 || v.chars().count() > 255)
            {
                return Err(invalid_as(
                    "field-too-long",
                    "profile field names and values are at most 255 characters",
                ));
            }
            let values: Vec<serde_json::Value> = list
                .iter()
                .map(|(n, v)| serde_json::json!({ "name": n, "value": v }))
                .collect();
            serde_json::Value::Array(values).to_string()
        }
        None => actor.fields_json.clone(),
    };
    let locked = update.locked.unwrap_or(actor.manually_approves_followers);
    let mut avatar = actor.avatar_url.clone();
    let mut header = actor.header_url.clone();
    for (file, slot) in [(update.avatar, &mut avatar), (update.header, &mut header)] {
        if let Some(bytes) = file {
            let image = crate::media::upload(ctx, actor, &bytes, "", None).await?;
            *slot = Some(crate::media::url_of(ctx, &image));
        }
    }
    let id = actor.id;
    let updated = ctx
        .db
        .write(move |c| {
            actors::update_profile(c, id, &name, &summary, &fields)?;
            actors::update_looks(c, id, locked, avatar.as_deref(), header.as_deref())?;
            actors::by_id(c, id)
        })
        .await?;
    ctx.publish(Event::ProfileUpdated { actor_id: id }).await;
    Ok(updated)
}

pub async fn list_members(
    ctx: &Context,
    limit: i64,
    offset: i64,
) -> ServiceResult<Vec<(User, Actor)>> {
    Ok(ctx.db.read(move |c| users::list(c, limit, offset)).await?)
}

pub fn role_of(user: &User) -> Role {
    user.role.parse().unwrap_or(Role::Student)
}

/// The base URL (`https://host`) the database's ids were made with, if any.
pub async fn stored_base_url(ctx: &Context) -> ServiceResult<Option<String>> {
    Ok(ctx
        .db
        .read(|c| tsunagu_db::queries::settings::get(c, "base_url"))
        .await?)
}

/// The instance's name as the server last ran with it (for command-line tasks).
pub async fn stored_title(ctx: &Context) -> ServiceResult<Option<String>> {
    Ok(ctx
        .db
        .read(|c| tsunagu_db::queries::settings::get(c, "title"))
        .await?)
}

/// Records the instance's name (see [`stored_title`]).
pub async fn store_title(ctx: &Context) -> ServiceResult<()> {
    let title = ctx.instance_name.clone();
    ctx.db
        .write(move |c| tsunagu_db::queries::settings::set(c, "title", &title))
        .await?;
    Ok(())
}

/// Makes the database's local ids match this instance's base URL. The first run records it;
/// a later change of domain or scheme (say, `admin create-user` before the first `serve --dev`)
/// moves the ids, with a warning, since peers that already know the old ones will be lost.
pub async fn adopt_base_url(ctx: &Context) -> ServiceResult<()> {
    let current = ctx.url("");
    match stored_base_url(ctx).await? {
        Some(stored) if stored == current => {}
        Some(stored) => {
            tracing::warn!("moving local ids from {stored} to {current}");
            let (cur, domain) = (current.clone(), ctx.domain.clone());
            ctx.db
                .write(move |c| {
                    tsunagu_db::queries::settings::rebase_local_ids(c, &stored, &cur, &domain)?;
                    tsunagu_db::queries::settings::set(c, "base_url", &cur)
                })
                .await?;
        }
        None => {
            ctx.db
                .write(move |c| tsunagu_db::queries::settings::set(c, "base_url", &current))
                .await?;
        }
    }
    Ok(())
}

/// Changes what a member's new statuses get when the client does not say; `None` keeps a part.
pub async fn set_posting_defaults(
    ctx: &Context,
    user: &User,
    visibility: Option<crate::posts::PostVisibility>,
    sensitive: Option<bool>,
    language: Option<String>,
) -> ServiceResult<User> {
    let visibility = visibility
        .map(|v| v.as_str().to_string())
        .unwrap_or_else(|| user.default_visibility.clone());
    let sensitive = sensitive.unwrap_or(user.default_sensitive);
    let language = match language {
        Some(l) => {
            let l = l.trim().to_ascii_lowercase();
            let valid = l.is_empty()
                || ((2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_lowercase()));
            if !valid {
                return Err(invalid(
                    "language must be an ISO 639 code such as \"en\" or \"ja\"",
                ));
            }
            l
        }
        None => user.default_language.clone(),
    };
    let id = user.id;
    Ok(ctx
        .db
        .write(move |c| {
            users::set_posting_defaults(c, id, &visibility, sensitive, &language)?;
            users::by_id(c, id)
        })
        .await?)
}
