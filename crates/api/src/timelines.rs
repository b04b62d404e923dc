//! Timelines, notifications and search.

use crate::auth::{Auth, MaybeAuth};
use crate::error::{parse_id, ApiResult};
use crate::paging::{link_header, page};
use crate::params::Params;
use crate::views;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};
use tsunagu_db::queries::{actors, posts};
use tsunagu_db::Post;
use tsunagu_service::{notifications as notes, timelines, Context, Resolved, ServiceError};

async fn respond(
    ctx: &Context,
    viewer: Option<i64>,
    path: &str,
    extra: &str,
    list: Vec<Post>,
) -> ApiResult<(HeaderMap, Json<Value>)> {
    let ids: Vec<i64> = list.iter().map(|p| p.id).collect();
    let views = views::statuses(ctx, viewer, list).await?;
    Ok((link_header(ctx, path, extra, &ids), Json(json!(views))))
}

pub async fn home(
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<(HeaderMap, Json<Value>)> {
    let (_, me) = auth.member("read:statuses")?;
    let list = timelines::home(&ctx, me.id, page(&p)?).await?;
    respond(&ctx, Some(me.id), "/api/v1/timelines/home", "", list).await
}

pub async fn public(
    viewer: MaybeAuth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<(HeaderMap, Json<Value>)> {
    let viewer = viewer.viewer("read:statuses")?;
    let local = match (
        p.bool("local")?.unwrap_or(false),
        p.bool("remote")?.unwrap_or(false),
    ) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        _ => None,
    };
    let extra = match local {
        Some(true) => "local=true",
        Some(false) => "remote=true",
        None => "",
    };
    let list = timelines::public(&ctx, viewer, local, page(&p)?).await?;
    respond(&ctx, viewer, "/api/v1/timelines/public", extra, list).await
}

pub async fn tag(
    Path(tag): Path<String>,
    viewer: MaybeAuth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<(HeaderMap, Json<Value>)> {
    let viewer = viewer.viewer("read:statuses")?;
    let list = timelines::tag(&ctx, viewer, &tag, page(&p)?).await?;
    respond(
        &ctx,
        viewer,
        &format!("/api/v1/timelines/tag/{tag}"),
        "",
        list,
    )
    .await
}

pub async fn notifications(
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<(HeaderMap, Json<Value>)> {
    let (_, me) = auth.member("read:notifications")?;
    let types = Some(p.list("types")).filter(|t| !t.is_empty());
    let list = notes::list(&ctx, me.id, types, p.list("exclude_types"), page(&p)?).await?;
    let ids: Vec<i64> = list.iter().map(|n| n.id).collect();
    let views = views::notifications(&ctx, me.id, list).await?;
    Ok((
        link_header(&ctx, "/api/v1/notifications", "", &ids),
        Json(json!(views)),
    ))
}

pub async fn notification(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("read:notifications")?;
    let id = parse_id(&id)?;
    let n = notes::get(&ctx, me.id, id).await?;
    let mut views = views::notifications(&ctx, me.id, vec![n]).await?;
    Ok(Json(views.pop().unwrap_or(Value::Null)))
}

pub async fn dismiss_notification(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:notifications")?;
    let id = parse_id(&id)?;
    notes::dismiss(&ctx, me.id, id).await?;
    Ok(Json(json!({})))
}

pub async fn clear_notifications(auth: Auth, State(ctx): State<Context>) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:notifications")?;
    notes::clear(&ctx, me.id).await?;
    Ok(Json(json!({})))
}

/// `GET /api/v2/search`: accounts (also `@name@host` elsewhere, with `resolve=true`), statuses
/// (also by URL), and hashtags.
pub async fn search(
    viewer: MaybeAuth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let viewer_id = viewer.viewer("read:search")?;
    let q = p.require("q")?.trim().to_string();
    let kind = p.str("type");
    let wants = |t: &str| kind.as_deref().is_none_or(|k| k == t);
    let resolve = p.bool("resolve")?.unwrap_or(false) && viewer_id.is_some();
    let limit = p.i64("limit")?.unwrap_or(20).clamp(1, 40);
    let mut found_accounts = Vec::new();
    let mut found_statuses = Vec::new();

    let handle = q.trim_start_matches('@');
    let looks_like_handle = handle.contains('@') && !handle.contains(' ') && !q.starts_with("http");
    if q.starts_with("https://") || q.starts_with("http://") {
        let url = q.clone();
        let (a, s) = ctx
            .db
            .read(move |c| Ok((actors::by_ap_id(c, &url)?, posts::by_ap_id(c, &url)?)))
            .await
            .map_err(ServiceError::from)?;
        match (a, s) {
            (Some(a), _) => found_accounts.push(a),
            (_, Some(s)) => found_statuses.push(s),
            _ if resolve => match ctx.federator()?.resolve_url(&q).await {
                Ok(Resolved::Actor(a)) => found_accounts.push(a),
                Ok(Resolved::Post(s)) => found_statuses.push(s),
                Err(e) => tracing::info!("search could not resolve {q}: {e}"),
            },
            _ => {}
        }
    } else if looks_like_handle && wants("accounts") {
        match tsunagu_service::relations::find_by_handle(&ctx, handle, resolve).await {
            Ok(found) => found_accounts.extend(found),
            Err(e) => tracing::info!("search could not resolve {handle}: {e}"),
        }
    } else {
        if wants("accounts") {
            let term = handle.to_string();
            found_accounts = ctx
                .db
                .read(move |c| actors::search(c, &term, limit))
                .await
                .map_err(ServiceError::from)?;
        }
        if wants("statuses") && viewer_id.is_some() {
            let tag = q
                .strip_prefix('#')
                .and_then(|t| tsunagu_service::html::parse_hashtag(&format!("#{t}")));
            found_statuses = match tag {
                // `#tag`: the posts tagged so (their text holds the tag as a link).
                Some(tag) => {
                    let page = tsunagu_db::queries::Page::first(limit);
                    tsunagu_service::timelines::tag(&ctx, viewer_id, &tag, page).await?
                }
                None => {
                    let term = q.clone();
                    let found = ctx
                        .db
                        .read(move |c| posts::search(c, &term, limit))
                        .await
                        .map_err(ServiceError::from)?;
                    tsunagu_service::policy::without_hidden_authors(&ctx, found, true).await?
                }
            };
        }
    }
    found_accounts.retain(|a| a.kind != "Application" && !a.deleted);
    let mut visible = Vec::with_capacity(found_statuses.len());
    for post in found_statuses {
        if tsunagu_service::posts::can_see(&ctx, viewer_id, &post).await? {
            visible.push(post);
        }
    }
    let found_statuses = visible;
    let hashtags: Vec<Value> = if wants("hashtags") {
        // The tag asked for, then tags in use that begin with it, most used first.
        let mut names: Vec<String> =
            tsunagu_service::html::parse_hashtag(&format!("#{}", q.trim_start_matches('#')))
                .into_iter()
                .collect();
        if let Some(prefix) = names.first().cloned() {
            let lower = prefix.to_lowercase();
            let limit = p.i64("limit")?.unwrap_or(20).clamp(1, 40);
            let known = ctx
                .db
                .read(move |c| posts::tags_starting_with(c, &lower, limit))
                .await?;
            names.extend(
                known
                    .into_iter()
                    .filter(|t| !t.eq_ignore_ascii_case(&prefix)),
            );
        }
        names
            .iter()
            .map(|t| json!({ "name": t, "url": ctx.url(&format!("/tags/{t}")), "history": [] }))
            .collect()
    } else {
        Vec::new()
    };
    Ok(Json(json!({
        "accounts": if wants("accounts") { views::accounts(&ctx, &found_accounts).await? } else { Vec::new() },
        "statuses": if wants("statuses") { views::statuses(&ctx, viewer_id, found_statuses).await? } else { Vec::new() },
        "hashtags": hashtags,
    })))
}

/// `GET /api/v1/conversations`: private conversations, latest first (`max_id`, `limit` 20, at
/// most 40). `unread` is not tracked: always false.
pub async fn conversations(
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<(HeaderMap, Json<Value>)> {
    let (_, me) = auth.member("read:statuses")?;
    let limit = p.i64("limit")?.unwrap_or(20).clamp(1, 40) as usize;
    let list = timelines::conversations(&ctx, me.id, p.i64("max_id")?, limit).await?;
    let people: Vec<i64> = list.iter().flat_map(|c| c.participants.clone()).collect();
    let account_views = views::accounts_by_id(&ctx, people).await?;
    let statuses = views::statuses(
        &ctx,
        Some(me.id),
        list.iter().map(|c| c.last.clone()).collect(),
    )
    .await?;
    let out: Vec<Value> = list
        .iter()
        .zip(statuses)
        .map(|(conv, status)| {
            let accounts: Vec<Value> = conv
                .participants
                .iter()
                .filter_map(|id| account_views.get(id).cloned())
                .collect();
            json!({
                "id": conv.id.to_string(),
                "unread": false,
                "accounts": accounts,
                "last_status": status,
            })
        })
        .collect();
    let last = list.last().map(|c| c.last.id);
    Ok((
        crate::paging::next_link(&ctx, "/api/v1/conversations", last),
        Json(json!(out)),
    ))
}
