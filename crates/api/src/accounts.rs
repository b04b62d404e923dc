//! Accounts: the member's own, others', following, and the alumni profile.

use crate::auth::{Auth, MaybeAuth};
use crate::error::{parse_id, ApiError, ApiResult};
use crate::paging::{link_header, page};
use crate::params::Params;
use crate::views;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};
use tsunagu_db::queries::actors;
use tsunagu_service::accounts::{self, ProfileKey, Viewer, Visibility};
use tsunagu_service::posts::PostVisibility;
use tsunagu_service::relations;
use tsunagu_service::timelines::{self, AccountFilter};
use tsunagu_service::{Context, ServiceError};

pub async fn verify_credentials(auth: Auth, State(ctx): State<Context>) -> ApiResult<Json<Value>> {
    let (user, actor) = auth.member("read:accounts")?;
    Ok(Json(views::credential_account(&ctx, user, actor).await?))
}

/// `PATCH /api/v1/accounts/update_credentials`: `display_name`, `note`, `locked`,
/// `fields_attributes`, and `avatar` / `header` images (multipart).
pub async fn update_credentials(
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (user, actor) = auth.member("write:accounts")?;
    check_fixed_settings(&p)?;
    let source = p.object("source").unwrap_or_default();
    let privacy = match source.str("privacy").filter(|v| !v.is_empty()) {
        Some(v) => Some(v.parse::<PostVisibility>()?),
        None => None,
    };
    let sensitive = source.bool("sensitive")?;
    let language = source.str("language");
    let user = if privacy.is_some() || sensitive.is_some() || language.is_some() {
        &accounts::set_posting_defaults(&ctx, user, privacy, sensitive, language).await?
    } else {
        user
    };
    let update = accounts::ProfileUpdate {
        display_name: p.str("display_name"),
        note: p.str("note"),
        fields: fields_attributes(&p),
        locked: p.bool("locked")?,
        avatar: p.file("avatar").map(|f| f.bytes.to_vec()),
        header: p.file("header").map(|f| f.bytes.to_vec()),
    };
    let actor = accounts::update_profile(&ctx, actor, update).await?;
    Ok(Json(views::credential_account(&ctx, user, &actor).await?))
}

/// Account settings Mastodon has and this server keeps fixed: sending the fixed value is fine
/// (clients send the whole form), asking for another is refused.
fn check_fixed_settings(p: &Params) -> ApiResult<()> {
    for (key, fixed, why) in [
        ("bot", false, "bot accounts are not supported"),
        ("discoverable", true, "every account is listed in discovery"),
        (
            "indexable",
            true,
            "every account's public posts are searchable",
        ),
        ("hide_collections", false, "follower lists cannot be hidden"),
    ] {
        if p.bool(key)?.is_some_and(|v| v != fixed) {
            return Err(ApiError::unprocessable(format!("Validation failed: {why}")));
        }
    }
    Ok(())
}

/// `GET /api/v1/preferences`
pub async fn preferences(auth: Auth) -> ApiResult<Json<Value>> {
    let (user, _) = auth.member("read:accounts")?;
    Ok(Json(json!({
        "posting:default:visibility": user.default_visibility,
        "posting:default:sensitive": user.default_sensitive,
        "posting:default:language": (!user.default_language.is_empty()).then_some(&user.default_language),
        "reading:expand:media": "default",
        "reading:expand:spoilers": false,
    })))
}

/// `fields_attributes[0][name]=...` (an object keyed by position) or a JSON array of
/// `{name, value}`.
fn fields_attributes(p: &Params) -> Option<Vec<(String, String)>> {
    let raw = p.value("fields_attributes")?;
    let entries: Vec<&Value> = match raw {
        Value::Array(items) => items.iter().collect(),
        Value::Object(map) => {
            let mut keyed: Vec<(&String, &Value)> = map.iter().collect();
            keyed.sort_by_key(|(k, _)| k.parse::<usize>().unwrap_or(usize::MAX));
            keyed.into_iter().map(|(_, v)| v).collect()
        }
        _ => return None,
    };
    Some(
        entries
            .into_iter()
            .map(|e| {
                let text = |k: &str| e[k].as_str().unwrap_or_default().to_string();
                (text("name"), text("value"))
            })
            .collect(),
    )
}

async fn find_account(ctx: &Context, id: &str) -> ApiResult<tsunagu_db::Actor> {
    let id = parse_id(id)?;
    let actor = relations::get_actor(ctx, id).await?;
    // Deleted accounts (gone here or on their server) are not found.
    if actor.deleted || (actor.kind == "Application" && actor.local) {
        return Err(ApiError::not_found());
    }
    Ok(actor)
}

pub async fn show(Path(id): Path<String>, State(ctx): State<Context>) -> ApiResult<Json<Value>> {
    let actor = find_account(&ctx, &id).await?;
    Ok(Json(views::account(&ctx, &actor).await?))
}

/// `acct` is `name` (here) or `name@host`; remote accounts are looked up when unknown.
pub async fn lookup(
    viewer: MaybeAuth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let acct = p.require("acct")?;
    // Looking up other servers costs requests: only for signed-in members.
    let resolve = viewer.viewer("read:accounts")?.is_some();
    let actor = relations::find_by_handle(&ctx, &acct, resolve)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if actor.kind == "Application" {
        return Err(ApiError::not_found());
    }
    Ok(Json(views::account(&ctx, &actor).await?))
}

pub async fn search(auth: Auth, State(ctx): State<Context>, p: Params) -> ApiResult<Json<Value>> {
    auth.require("read:accounts")?;
    let q = p.require("q")?;
    let limit = p.i64("limit")?.unwrap_or(40).clamp(1, 80);
    let found = ctx
        .db
        .read(move |c| actors::search(c, &q, limit))
        .await
        .map_err(ServiceError::from)?;
    Ok(Json(json!(views::accounts(&ctx, &found).await?)))
}

pub async fn statuses(
    Path(id): Path<String>,
    viewer: MaybeAuth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<(HeaderMap, Json<Value>)> {
    let viewer = viewer.viewer("read:statuses")?;
    let actor = find_account(&ctx, &id).await?;
    if p.bool("pinned")?.unwrap_or(false) {
        let pinned = tsunagu_service::posts::pinned(&ctx, actor.id).await?;
        let pinned = tsunagu_service::timelines::without_hidden(&ctx, viewer, pinned).await?;
        return Ok((
            HeaderMap::new(),
            Json(json!(views::statuses(&ctx, viewer, pinned).await?)),
        ));
    }
    let filter = AccountFilter {
        exclude_replies: p.bool("exclude_replies")?.unwrap_or(false),
        exclude_reblogs: p.bool("exclude_reblogs")?.unwrap_or(false),
        only_media: p.bool("only_media")?.unwrap_or(false),
    };
    let posts = timelines::account(&ctx, viewer, actor.id, filter, page(&p)?).await?;
    let ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
    let views = views::statuses(&ctx, viewer, posts).await?;
    let path = format!("/api/v1/accounts/{}/statuses", actor.id);
    Ok((link_header(&ctx, &path, "", &ids), Json(json!(views))))
}

async fn follow_list(
    ctx: &Context,
    id: &str,
    outgoing: bool,
    p: &Params,
) -> ApiResult<(HeaderMap, Json<Value>)> {
    let actor = find_account(ctx, id).await?;
    let limit = p.i64("limit")?.unwrap_or(40).clamp(1, 80);
    let rows = relations::list_follows(ctx, actor.id, outgoing, p.i64("max_id")?, limit).await?;
    let cursor: Vec<i64> = rows.iter().map(|(f, _)| *f).collect();
    let list: Vec<tsunagu_db::Actor> = rows.into_iter().map(|(_, a)| a).collect();
    let path = format!(
        "/api/v1/accounts/{}/{}",
        actor.id,
        if outgoing { "following" } else { "followers" }
    );
    let headers = crate::paging::next_link(ctx, &path, cursor.last().copied());
    Ok((headers, Json(json!(views::accounts(ctx, &list).await?))))
}

pub async fn followers(
    Path(id): Path<String>,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<(HeaderMap, Json<Value>)> {
    follow_list(&ctx, &id, false, &p).await
}

pub async fn following(
    Path(id): Path<String>,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<(HeaderMap, Json<Value>)> {
    follow_list(&ctx, &id, true, &p).await
}

pub async fn follow(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:follows")?;
    let target = find_account(&ctx, &id).await?;
    let options = relations::FollowOptions {
        notify: p.bool("notify")?,
        reblogs: p.bool("reblogs")?,
    };
    let r = relations::follow(&ctx, me, target.id, options).await?;
    Ok(Json(views::relationship(&r)))
}

pub async fn unfollow(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:follows")?;
    let target = find_account(&ctx, &id).await?;
    let r = relations::unfollow(&ctx, me, target.id).await?;
    Ok(Json(views::relationship(&r)))
}

pub async fn remove_from_followers(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:follows")?;
    let target = find_account(&ctx, &id).await?;
    let r = relations::remove_follower(&ctx, me, target.id).await?;
    Ok(Json(views::relationship(&r)))
}

pub async fn relationships(
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("read:follows")?;
    let mut out = Vec::new();
    for id in p.list("id") {
        if let Ok(id) = id.parse::<i64>() {
            if relations::get_actor(&ctx, id).await.is_ok() {
                out.push(views::relationship(
                    &relations::relationship(&ctx, me.id, id).await?,
                ));
            }
        }
    }
    Ok(Json(json!(out)))
}

pub async fn follow_requests(auth: Auth, State(ctx): State<Context>) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("read:follows")?;
    let list = relations::follow_requests(&ctx, me).await?;
    Ok(Json(json!(views::accounts(&ctx, &list).await?)))
}

pub async fn authorize_follow(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:follows")?;
    let target = find_account(&ctx, &id).await?;
    Ok(Json(views::relationship(
        &relations::authorize_follow(&ctx, me, target.id).await?,
    )))
}

pub async fn reject_follow(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:follows")?;
    let target = find_account(&ctx, &id).await?;
    Ok(Json(views::relationship(
        &relations::reject_follow(&ctx, me, target.id).await?,
    )))
}

fn profile_json(entries: &[accounts::ProfileEntry]) -> Value {
    json!(entries
        .iter()
        .map(|e| json!({
            "field": e.key.as_str(),
            "label": e.key.label(),
            "value": e.value,
            "visibility": e.visibility.as_str(),
        }))
        .collect::<Vec<_>>())
}

/// `GET /api/v1/tsunagu/profile`: every field of one's own alumni profile.
pub async fn own_profile(auth: Auth, State(ctx): State<Context>) -> ApiResult<Json<Value>> {
    let (user, _) = auth.member("read:accounts")?;
    let entries = accounts::profile(&ctx, user.id, Viewer::OwnerOrStaff).await?;
    Ok(Json(profile_json(&entries)))
}

/// `PUT /api/v1/tsunagu/profile`: `{"fields": [{"field", "value", "visibility"}]}`.
pub async fn set_profile(
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (user, _) = auth.member("write:accounts")?;
    let fields = match p.value("fields") {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::Object(map)) => map.values().cloned().collect(),
        _ => {
            return Err(ApiError::unprocessable(
                "Validation failed: fields must be a list",
            ))
        }
    };
    let mut parsed = Vec::new();
    for f in &fields {
        let key = ProfileKey::parse(f.get("field").and_then(Value::as_str).unwrap_or(""))?;
        let value = f
            .get("value")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let visibility = Visibility::parse(
            f.get("visibility")
                .and_then(Value::as_str)
                .unwrap_or("public"),
        )?;
        parsed.push((key, value, visibility));
    }
    accounts::set_profile_fields(&ctx, user, &parsed).await?;
    own_profile(auth, State(ctx)).await
}

/// `GET /api/v1/tsunagu/accounts/:id/profile`: the fields the viewer may see.
pub async fn member_profile(
    Path(id): Path<String>,
    viewer: MaybeAuth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let actor = find_account(&ctx, &id).await?;
    let aid = actor.id;
    let user = ctx
        .db
        .read(move |c| tsunagu_db::queries::users::by_actor(c, aid))
        .await
        .map_err(ServiceError::from)?
        .ok_or_else(ApiError::not_found)?;
    let who = match &viewer.0 {
        None => Viewer::Anonymous,
        Some(auth) => match &auth.user {
            Some((u, a)) if a.id == aid || accounts::role_of(u).is_staff() => Viewer::OwnerOrStaff,
            Some(_) => Viewer::Member,
            None => Viewer::Anonymous,
        },
    };
    let entries = accounts::profile(&ctx, user.id, who).await?;
    Ok(Json(profile_json(&entries)))
}

pub async fn block(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:blocks")?;
    let target = find_account(&ctx, &id).await?;
    Ok(Json(views::relationship(
        &relations::block(&ctx, me, target.id).await?,
    )))
}

pub async fn unblock(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:blocks")?;
    let target = find_account(&ctx, &id).await?;
    Ok(Json(views::relationship(
        &relations::unblock(&ctx, me, target.id).await?,
    )))
}

/// `POST /api/v1/accounts/:id/mute` with `notifications` (default true).
pub async fn mute(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:mutes")?;
    let target = find_account(&ctx, &id).await?;
    let notifications = p.bool("notifications")?.unwrap_or(true);
    Ok(Json(views::relationship(
        &relations::mute(&ctx, me, target.id, notifications).await?,
    )))
}

pub async fn unmute(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:mutes")?;
    let target = find_account(&ctx, &id).await?;
    Ok(Json(views::relationship(
        &relations::unmute(&ctx, me, target.id).await?,
    )))
}

pub async fn blocks(auth: Auth, State(ctx): State<Context>) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("read:blocks")?;
    let list = relations::blocked_or_muted(&ctx, me, false).await?;
    Ok(Json(json!(views::accounts(&ctx, &list).await?)))
}

pub async fn mutes(auth: Auth, State(ctx): State<Context>) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("read:mutes")?;
    let list = relations::blocked_or_muted(&ctx, me, true).await?;
    Ok(Json(json!(views::accounts(&ctx, &list).await?)))
}
