//! Grouped notifications (`/api/v2/notifications`, Mastodon 4.3) and unread counts.

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::paging::{link_header, page};
use crate::params::Params;
use crate::views;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};
use tsunagu_db::queries::{actors, posts};
use tsunagu_service::notifications::{self as notes, Group, GROUPABLE};
use tsunagu_service::Context;

/// The `GroupedNotificationsResults` entity: accounts and statuses once, then the groups.
async fn results(ctx: &Context, me: i64, groups: &[Group]) -> ApiResult<Value> {
    let mut account_ids: Vec<i64> = groups
        .iter()
        .flat_map(|g| g.sample_accounts.iter().copied())
        .collect();
    account_ids.sort();
    account_ids.dedup();
    let mut post_ids: Vec<i64> = groups
        .iter()
        .filter_map(|g| g.in_page.first().and_then(|n| n.post_id))
        .collect();
    post_ids.sort();
    post_ids.dedup();
    let (accounts, statuses) = ctx
        .db
        .read(move |c| {
            Ok((
                actors::by_ids(c, &account_ids)?,
                posts::by_ids(c, &post_ids)?,
            ))
        })
        .await?;
    let statuses = tsunagu_service::timelines::without_hidden(ctx, Some(me), statuses).await?;
    let statuses = tsunagu_service::posts::filter_visible(ctx, Some(me), statuses).await?;
    let visible: Vec<i64> = statuses.iter().map(|p| p.id).collect();
    let notification_groups: Vec<Value> = groups
        .iter()
        // A group about a status the member can no longer see (deleted, removed) goes.
        .filter(|g| {
            g.in_page
                .first()
                .and_then(|n| n.post_id)
                .is_none_or(|p| visible.contains(&p))
        })
        .filter_map(|g| {
            let newest = g.in_page.first()?;
            let oldest = g.in_page.last()?;
            Some(json!({
                "group_key": g.key,
                "notifications_count": g.total,
                "type": newest.kind,
                "most_recent_notification_id": newest.id.to_string(),
                "page_min_id": oldest.id.to_string(),
                "page_max_id": newest.id.to_string(),
                "latest_page_notification_at": views::time(newest.created_at),
                "sample_account_ids": g.sample_accounts.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
                "status_id": newest.post_id.filter(|p| visible.contains(p)).map(|p| p.to_string()),
            }))
        })
        .collect();
    Ok(json!({
        "accounts": views::accounts(ctx, &accounts).await?,
        "statuses": views::statuses(ctx, Some(me), statuses).await?,
        "notification_groups": notification_groups,
    }))
}

/// `grouped_types[]`, or every type that can be grouped.
fn grouped_types(p: &Params) -> Vec<String> {
    let asked = p.list("grouped_types");
    if asked.is_empty() {
        GROUPABLE.iter().map(|t| t.to_string()).collect()
    } else {
        asked
    }
}

/// `GET /api/v2/notifications`
pub async fn list(
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<(HeaderMap, Json<Value>)> {
    let (_, me) = auth.member("read:notifications")?;
    let types = Some(p.list("types")).filter(|t| !t.is_empty());
    let mut page = page(&p)?;
    page.limit = p.i64("limit")?.unwrap_or(40).clamp(1, 80);
    let groups = notes::list_grouped(
        &ctx,
        me.id,
        types,
        p.list("exclude_types"),
        grouped_types(&p),
        page,
    )
    .await?;
    let mut ids: Vec<i64> = groups
        .iter()
        .flat_map(|g| g.in_page.iter().map(|n| n.id))
        .collect();
    ids.sort_by(|a, b| b.cmp(a));
    let body = results(&ctx, me.id, &groups).await?;
    Ok((
        link_header(&ctx, "/api/v2/notifications", "", &ids),
        Json(body),
    ))
}

/// `GET /api/v2/notifications/:group_key`
pub async fn show(
    Path(key): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("read:notifications")?;
    let group = notes::whole_group(&ctx, me.id, &key).await?;
    Ok(Json(results(&ctx, me.id, &[group]).await?))
}

/// `GET /api/v2/notifications/:group_key/accounts`: everyone in the group, most recent first.
pub async fn accounts(
    Path(key): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("read:notifications")?;
    let members = notes::group(&ctx, me.id, &key).await?;
    let ids = notes::accounts_of(&members, usize::MAX);
    let wanted = ids.clone();
    let mut found = ctx.db.read(move |c| actors::by_ids(c, &wanted)).await?;
    found.sort_by_key(|a| ids.iter().position(|id| *id == a.id));
    Ok(Json(json!(views::accounts(&ctx, &found).await?)))
}

/// `POST /api/v2/notifications/:group_key/dismiss`
pub async fn dismiss(
    Path(key): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:notifications")?;
    notes::dismiss_group(&ctx, me.id, &key).await?;
    Ok(Json(json!({})))
}

/// `GET /api/v1/notifications/unread_count` and `/api/v2/...` (groups counted once).
async fn unread(auth: Auth, ctx: Context, p: Params, grouped: bool) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("read:notifications")?;
    let limit = p.i64("limit")?.unwrap_or(100).clamp(1, 200);
    let grouped = grouped.then(|| grouped_types(&p));
    let count = notes::unread_count(&ctx, me.id, grouped, limit).await?;
    Ok(Json(json!({ "count": count })))
}

pub async fn unread_v1(
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    unread(auth, ctx, p, false).await
}

pub async fn unread_v2(
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    unread(auth, ctx, p, true).await
}
