//! Joining through the client API: sign-up as Mastodon apps do it (`POST /api/v1/accounts`),
//! invitations, e-mail domains and verified alumni (`/api/v1/tsunagu/...`), and staff's side
//! through Mastodon's admin accounts API.

use crate::auth::Auth;
use crate::error::{parse_id, ApiError, ApiResult};
use crate::params::Params;
use crate::views;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use tsunagu_db::queries::joining::MemberFilter;
use tsunagu_db::{Actor, Invite, User};
use tsunagu_service::accounts::{self, Role};
use tsunagu_service::joining::{self, SignUp, Standing};
use tsunagu_service::{alumni, oauth, Context, ServiceError};

/// The field a coded problem of a sign-up belongs to, and Mastodon's error name for it.
fn sign_up_detail(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "username-taken" => ("username", "ERR_TAKEN"),
        "username-invalid" => ("username", "ERR_INVALID"),
        "username-reserved" => ("username", "ERR_RESERVED"),
        "email-taken" => ("email", "ERR_TAKEN"),
        "email-invalid" => ("email", "ERR_INVALID"),
        "password-short" => ("password", "ERR_TOO_SHORT"),
        "password-long" => ("password", "ERR_TOO_LONG"),
        "agreement-missing" => ("agreement", "ERR_ACCEPTED"),
        "invite-invalid" => ("invite_code", "ERR_INVALID"),
        _ => return None,
    })
}

/// A refused sign-up: 422 with `details` per field, as Mastodon answers.
fn sign_up_error(e: ServiceError) -> Response {
    let problem = match &e {
        ServiceError::Invalid(p) | ServiceError::Conflict(p) => p.clone(),
        _ => return ApiError::from(e).into_response(),
    };
    let mut body = json!({ "error": format!("Validation failed: {}", problem.text) });
    if let Some((field, error)) = problem.code.and_then(sign_up_detail) {
        body["details"] = json!({ field: [{ "error": error, "description": problem.text }] });
    }
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// `POST /api/v1/accounts`: an app (with its own `client_credentials` token) signs someone
/// up; it gets the new account's token, which works once the address is confirmed and, if
/// asked for, staff approved.
pub async fn sign_up(auth: Auth, State(ctx): State<Context>, p: Params) -> Response {
    if let Err(e) = auth.require("write:accounts") {
        return e.into_response();
    }
    let new = SignUp {
        username: p.str("username").unwrap_or_default(),
        email: p.str("email").unwrap_or_default(),
        password: p.str("password").unwrap_or_default(),
        agreement: matches!(p.bool("agreement"), Ok(Some(true))),
        locale: p.str("locale").unwrap_or_default(),
        reason: p.str("reason").unwrap_or_default(),
        invite_code: p.str("invite_code"),
    };
    let (user, _) = match joining::sign_up(&ctx, new).await {
        Ok(made) => made,
        Err(e) => return sign_up_error(e),
    };
    match oauth::sign_up_token(&ctx, &auth.token, user.id).await {
        Ok(t) => Json(json!({
            "access_token": t.access_token,
            "token_type": "Bearer",
            "scope": t.scopes,
            "created_at": t.created_at,
        }))
        .into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

fn staff<'a>(auth: &'a Auth, scope: &str) -> ApiResult<&'a User> {
    let (user, _) = auth.member(scope)?;
    if accounts::role_of(user).is_staff() {
        Ok(user)
    } else {
        Err(ApiError::forbidden("This action is not allowed"))
    }
}

/// The staff member behind `auth` (with `scope`) and the member behind account `id`.
async fn staff_and_member<'a>(
    auth: &'a Auth,
    ctx: &Context,
    scope: &str,
    id: &str,
) -> ApiResult<(&'a User, User)> {
    let staff = staff(auth, scope)?;
    let (user, _) = joining::member_by_account(ctx, parse_id(id)?).await?;
    Ok((staff, user))
}

fn invite_json(ctx: &Context, i: &Invite) -> Value {
    json!({
        "id": i.id.to_string(),
        "code": i.code,
        "url": joining::invite_url(ctx, i),
        "max_uses": i.max_uses,
        "uses": i.uses,
        "expires_at": i.expires_at.map(views::time),
        "created_at": views::time(i.created_at),
    })
}

/// `POST /api/v1/tsunagu/invites` (`max_uses`, `expires_in` seconds; both optional)
pub async fn create_invite(
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let staff = staff(&auth, "admin:write:accounts")?;
    let max_uses =
        match p.i64("max_uses")? {
            Some(n) => Some(i32::try_from(n).map_err(|_| {
                ApiError::unprocessable("Validation failed: max_uses is out of range")
            })?),
            None => None,
        };
    let invite = joining::create_invite(&ctx, staff, max_uses, p.i64("expires_in")?).await?;
    Ok(Json(invite_json(&ctx, &invite)))
}

/// `GET /api/v1/tsunagu/invites`: invitations not withdrawn, newest first.
pub async fn invites(auth: Auth, State(ctx): State<Context>) -> ApiResult<Json<Value>> {
    let staff = staff(&auth, "admin:read:accounts")?;
    let list = joining::invites(&ctx, staff).await?;
    Ok(Json(json!(list
        .iter()
        .map(|i| invite_json(&ctx, i))
        .collect::<Vec<_>>())))
}

/// `DELETE /api/v1/tsunagu/invites/:id`: withdraws an invitation.
pub async fn revoke_invite(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let staff = staff(&auth, "admin:write:accounts")?;
    joining::revoke_invite(&ctx, staff, parse_id(&id)?).await?;
    Ok(Json(json!({})))
}

/// `GET /api/v1/tsunagu/email_domains`
pub async fn email_domains(auth: Auth, State(ctx): State<Context>) -> ApiResult<Json<Value>> {
    let staff = staff(&auth, "admin:read:accounts")?;
    let list = joining::email_domains(&ctx, staff).await?;
    Ok(Json(json!(list
        .iter()
        .map(|d| json!({ "domain": d }))
        .collect::<Vec<_>>())))
}

/// `POST /api/v1/tsunagu/email_domains` (`domain`): addresses there skip approval.
pub async fn add_email_domain(
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let staff = staff(&auth, "admin:write:accounts")?;
    let domain = joining::add_email_domain(&ctx, staff, &p.require("domain")?).await?;
    Ok(Json(json!({ "domain": domain })))
}

/// `DELETE /api/v1/tsunagu/email_domains/:domain`
pub async fn remove_email_domain(
    Path(domain): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let staff = staff(&auth, "admin:write:accounts")?;
    joining::remove_email_domain(&ctx, staff, &domain).await?;
    Ok(Json(json!({})))
}

/// `POST /api/v1/tsunagu/accounts/:id/verify` (`graduation_year`, `department`): staff
/// verify a member's alumni status; answers the account.
pub async fn verify(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let staff = staff(&auth, "admin:write:accounts")?;
    let graduation_year = match p.i64("graduation_year")? {
        Some(y) => Some(i32::try_from(y).map_err(|_| {
            ApiError::unprocessable("Validation failed: graduation_year is out of range")
        })?),
        None => None,
    };
    let (actor, _) = alumni::verify(
        &ctx,
        staff,
        parse_id(&id)?,
        alumni::Verify {
            graduation_year,
            department: p.str("department").unwrap_or_default(),
        },
    )
    .await?;
    Ok(Json(views::account(&ctx, &actor).await?))
}

/// `POST /api/v1/tsunagu/accounts/:id/role` (`role`: student, alumnus, staff, admin)
pub async fn set_role(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let staff = staff(&auth, "admin:write:accounts")?;
    let role: Role = p.require("role")?.parse()?;
    let (user, _) = joining::member_by_account(&ctx, parse_id(&id)?).await?;
    accounts::change_role(&ctx, staff, user.id, role).await?;
    admin_account(&ctx, user.id).await.map(Json)
}

/// Mastodon's `Admin::Account` entity.
async fn admin_account_json(ctx: &Context, user: &User, actor: &Actor) -> ApiResult<Value> {
    Ok(admin_entity(user, actor, views::account(ctx, actor).await?))
}

/// Mastodon's `Admin::Account` around the account entity `account`.
fn admin_entity(user: &User, actor: &Actor, account: Value) -> Value {
    let standing = joining::standing(user);
    let role = accounts::role_of(user);
    json!({
        "id": actor.id.to_string(),
        "username": actor.username,
        "domain": null,
        "created_at": views::time(user.created_at),
        "email": user.email,
        "ip": null,
        "ips": [],
        "locale": user.interface_language,
        "invite_request": (!user.sign_up_reason.is_empty()).then_some(&user.sign_up_reason),
        "role": {
            "id": role_id(role),
            "name": role.as_str(),
            "color": "",
            "permissions": if role.is_staff() { "1" } else { "0" },
            "highlighted": role.is_staff(),
        },
        "confirmed": user.confirmed_at.is_some(),
        "approved": user.approved,
        "disabled": user.disabled,
        "silenced": false,
        "suspended": standing == Standing::Suspended,
        "sensitized": false,
        "account": account,
        "invited_by_account_id": null,
        "tsunagu": { "invite_id": user.invite_id.map(|i| i.to_string()) },
    })
}

fn role_id(role: Role) -> &'static str {
    match role {
        Role::Student => "-99",
        Role::Alumnus => "0",
        Role::Staff => "2",
        Role::Admin => "3",
    }
}

async fn admin_account(ctx: &Context, user_id: i64) -> ApiResult<Value> {
    let (user, actor) = accounts::member_by_id(ctx, user_id).await?;
    admin_account_json(ctx, &user, &actor).await
}

async fn admin_list(ctx: &Context, staff: &User, filter: MemberFilter) -> ApiResult<Response> {
    let limit = filter.limit;
    let rows = joining::members(ctx, staff, filter).await?;
    // The account entities in one batch.
    let actors: Vec<Actor> = rows.iter().map(|(_, a)| a.clone()).collect();
    let entities = views::accounts(ctx, &actors).await?;
    let list: Vec<Value> = rows
        .iter()
        .zip(entities)
        .map(|((user, actor), account)| admin_entity(user, actor, account))
        .collect();
    let ids: Vec<i64> = rows.iter().map(|(_, a)| a.id).collect();
    let headers = if (ids.len() as i64) < limit {
        axum::http::HeaderMap::new()
    } else {
        crate::paging::next_link(ctx, "/api/v2/admin/accounts", ids.last().copied())
    };
    Ok((headers, Json(json!(list))).into_response())
}

fn filter_page(p: &Params) -> ApiResult<MemberFilter> {
    Ok(MemberFilter {
        max_id: p.i64("max_id")?,
        since_id: p.i64("since_id")?,
        limit: p.i64("limit")?.unwrap_or(100).clamp(1, 200),
        username: p.str("username").filter(|s| !s.is_empty()),
        email: p.str("email").filter(|s| !s.is_empty()),
        ..MemberFilter::default()
    })
}

/// `GET /api/v2/admin/accounts`: `origin` (local; remote lists nothing here), `status`
/// (pending, active, disabled, suspended; silenced lists nothing), `permissions=staff`,
/// `username`, `email`, `max_id`, `since_id`, `limit` (100, at most 200).
pub async fn list_v2(auth: Auth, State(ctx): State<Context>, p: Params) -> ApiResult<Response> {
    let staff = staff(&auth, "admin:read:accounts")?;
    let mut filter = filter_page(&p)?;
    if p.str("origin").as_deref() == Some("remote") {
        return Ok(Json(json!([])).into_response());
    }
    filter.status = match p.str("status").as_deref() {
        None | Some("") => None,
        Some(s @ ("pending" | "active" | "disabled" | "suspended")) => Some(s.to_string()),
        Some("silenced") => return Ok(Json(json!([])).into_response()),
        Some(other) => {
            return Err(ApiError::unprocessable(format!(
                "Validation failed: status {other:?}: use pending, active, disabled, silenced or suspended"
            )))
        }
    };
    filter.staff_only = p.str("permissions").as_deref() == Some("staff");
    admin_list(&ctx, staff, filter).await
}

/// `GET /api/v1/admin/accounts`: `local`, `remote`, `pending`, `active`, `disabled`,
/// `suspended`, `staff` as flags, and the same paging.
pub async fn list_v1(auth: Auth, State(ctx): State<Context>, p: Params) -> ApiResult<Response> {
    let staff = staff(&auth, "admin:read:accounts")?;
    let mut filter = filter_page(&p)?;
    if p.bool("remote")? == Some(true) || p.bool("silenced")? == Some(true) {
        return Ok(Json(json!([])).into_response());
    }
    for status in ["pending", "active", "disabled", "suspended"] {
        if p.bool(status)? == Some(true) {
            filter.status = Some(status.into());
        }
    }
    filter.staff_only = p.bool("staff")? == Some(true);
    admin_list(&ctx, staff, filter).await
}

/// `GET /api/v1/admin/accounts/:id`
pub async fn show(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    staff(&auth, "admin:read:accounts")?;
    let (user, actor) = joining::member_by_account(&ctx, parse_id(&id)?).await?;
    Ok(Json(admin_account_json(&ctx, &user, &actor).await?))
}

/// `POST /api/v1/admin/accounts/:id/approve`
pub async fn approve(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (staff, user) = staff_and_member(&auth, &ctx, "admin:write:accounts", &id).await?;
    let (user, actor) = joining::approve(&ctx, staff, user.id).await?;
    Ok(Json(admin_account_json(&ctx, &user, &actor).await?))
}

/// `POST /api/v1/admin/accounts/:id/reject`: the account is removed; answers it as it was.
pub async fn reject(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (staff, user) = staff_and_member(&auth, &ctx, "admin:write:accounts", &id).await?;
    let before = admin_account(&ctx, user.id).await?;
    joining::reject(&ctx, staff, user.id).await?;
    Ok(Json(before))
}

/// `POST /api/v1/admin/accounts/:id/action` (`type`: none, disable, suspend; sensitive and
/// silence are not supported here).
pub async fn action(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (staff, user) = staff_and_member(&auth, &ctx, "admin:write:accounts", &id).await?;
    let kind = p.str("type").unwrap_or_else(|| "none".into());
    match kind.as_str() {
        "none" => accounts::check_staff_over(staff, &user, None)?,
        "disable" => accounts::change_disabled(&ctx, staff, user.id, true).await?,
        "suspend" => joining::set_suspended(&ctx, staff, user.id, true).await?,
        "sensitive" | "silence" => {
            return Err(ApiError::unprocessable(format!(
                "Validation failed: {kind} is not supported on this server; use disable or suspend"
            )))
        }
        _ => return Err(ApiError::unprocessable("Record invalid")),
    }
    Ok(Json(json!({})))
}

/// `POST /api/v1/admin/accounts/:id/enable`
pub async fn enable(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (staff, user) = staff_and_member(&auth, &ctx, "admin:write:accounts", &id).await?;
    accounts::change_disabled(&ctx, staff, user.id, false).await?;
    Ok(Json(admin_account(&ctx, user.id).await?))
}

/// `POST /api/v1/admin/accounts/:id/unsuspend`
pub async fn unsuspend(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (staff, user) = staff_and_member(&auth, &ctx, "admin:write:accounts", &id).await?;
    joining::set_suspended(&ctx, staff, user.id, false).await?;
    Ok(Json(admin_account(&ctx, user.id).await?))
}

/// `GET /api/v1/directory`: `local`, `order` (active, new), `offset`, `limit` (40, at most
/// 80), and Tsunagu's filters `graduation_year`, `department`, `industry`, `employer`,
/// `skills`, `mentoring`, `q`. Fields filter as far as the viewer may see them.
pub async fn directory(
    auth: crate::auth::MaybeAuth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    use tsunagu_service::directory::{self, Search, Searcher};
    let who = match &auth.0 {
        None => Searcher::Visitor,
        Some(a) => {
            a.require("read:accounts")?;
            match &a.user {
                Some((u, _)) if accounts::role_of(u).is_staff() => Searcher::Staff,
                Some(_) => Searcher::Member,
                None => Searcher::Visitor,
            }
        }
    };
    let search = Search {
        local_only: p.bool("local")?.unwrap_or(false),
        order: p.str("order"),
        offset: p.i64("offset")?.unwrap_or(0),
        limit: p.i64("limit")?,
        graduation_year: p.str("graduation_year"),
        department: p.str("department"),
        industry: p.str("industry"),
        employer: p.str("employer"),
        skills: p.str("skills"),
        mentoring: p.str("mentoring"),
        text: p.str("q"),
    };
    let found = directory::search(&ctx, who, search).await?;
    Ok(Json(json!(views::accounts(&ctx, &found).await?)))
}

/// JSON of everything, or one part as CSV for `part` = `profile.csv`, `posts.csv`,
/// `following.csv` or `followers.csv`.
async fn export_answer(
    ctx: &Context,
    who: &User,
    user_id: i64,
    part: Option<&str>,
) -> ApiResult<Response> {
    use tsunagu_service::own_data;
    let csv_part = match part {
        None => None,
        Some(p) => Some(
            p.strip_suffix(".csv")
                .filter(|p| own_data::CSV_PARTS.contains(p))
                .ok_or_else(ApiError::not_found)?,
        ),
    };
    let export = own_data::export(ctx, who, user_id).await?;
    let file = |ext: &str| {
        format!(
            "attachment; filename=\"{}-{}.{ext}\"",
            export.actor.username,
            csv_part.unwrap_or("export")
        )
    };
    Ok(match csv_part {
        None => (
            [(axum::http::header::CONTENT_DISPOSITION, file("json"))],
            Json(own_data::to_json(ctx, &export)),
        )
            .into_response(),
        Some(p) => (
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "text/csv; charset=utf-8".to_string(),
                ),
                (axum::http::header::CONTENT_DISPOSITION, file("csv")),
            ],
            own_data::csv(&export, p)?,
        )
            .into_response(),
    })
}

/// `GET /api/v1/tsunagu/export` and `/api/v1/tsunagu/export/{part}.csv`: one's own data.
pub async fn export_own(auth: Auth, State(ctx): State<Context>) -> ApiResult<Response> {
    let (user, _) = auth.member("read:accounts")?;
    export_answer(&ctx, user, user.id, None).await
}

pub async fn export_own_part(
    Path(part): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Response> {
    let (user, _) = auth.member("read:accounts")?;
    export_answer(&ctx, user, user.id, Some(&part)).await
}

/// `GET /api/v1/tsunagu/accounts/:id/export[/{part}.csv]`: staff export a member's data.
pub async fn export_member(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Response> {
    let (staff, user) = staff_and_member(&auth, &ctx, "admin:read:accounts", &id).await?;
    export_answer(&ctx, staff, user.id, None).await
}

pub async fn export_member_part(
    Path((id, part)): Path<(String, String)>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Response> {
    let (staff, user) = staff_and_member(&auth, &ctx, "admin:read:accounts", &id).await?;
    export_answer(&ctx, staff, user.id, Some(&part)).await
}

/// `DELETE /api/v1/tsunagu/account` (`password`): a member deletes their own account.
pub async fn delete_own(
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (user, _) = auth.member("write:accounts")?;
    let password = p.str("password");
    tsunagu_service::own_data::delete_account(&ctx, user, user.id, password.as_deref()).await?;
    Ok(Json(json!({})))
}

/// `DELETE /api/v1/admin/accounts/:id`: staff delete a member's account and content.
pub async fn delete_member(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (staff, user) = staff_and_member(&auth, &ctx, "admin:write:accounts", &id).await?;
    let before = admin_account(&ctx, user.id).await?;
    tsunagu_service::own_data::delete_account(&ctx, staff, user.id, None).await?;
    Ok(Json(before))
}

/// `POST /api/v1/emails/confirmations` (`email` to correct the address): the token of an
/// account whose address is not confirmed yet has the mail sent again.
pub async fn resend_confirmation(
    State(ctx): State<Context>,
    headers: axum::http::HeaderMap,
    p: Params,
) -> ApiResult<Json<Value>> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or_else(ApiError::unauthorized)?;
    joining::resend_confirmation(&ctx, token, p.str("email").as_deref())
        .await
        .map_err(|e| match e {
            ServiceError::Unauthorized(_) => ApiError::unauthorized(),
            other => other.into(),
        })?;
    Ok(Json(json!({})))
}
