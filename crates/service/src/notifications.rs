//! A member's notifications.

use crate::{Context, ServiceError, ServiceResult};
use tsunagu_db::queries::{notifications, Page};
use tsunagu_db::Notification;

pub async fn list(
    ctx: &Context,
    recipient: i64,
    types: Option<Vec<String>>,
    exclude: Vec<String>,
    page: Page,
) -> ServiceResult<Vec<Notification>> {
    let list = ctx
        .db
        .read(move |c| notifications::list(c, recipient, types.as_deref(), &exclude, page))
        .await?;
    let hidden = crate::relations::hidden_from(ctx, recipient).await?;
    Ok(list
        .into_iter()
        .filter(|n| !hidden.contains(&n.from_actor_id))
        .collect())
}

pub async fn get(ctx: &Context, recipient: i64, id: i64) -> ServiceResult<Notification> {
    ctx.db
        .read(move |c| notifications::by_id(c, recipient, id))
        .await
        .map_err(|_| ServiceError::NotFound("notification"))
}

pub async fn dismiss(ctx: &Context, recipient: i64, id: i64) -> ServiceResult<()> {
    let n = ctx
        .db
        .write(move |c| notifications::dismiss(c, recipient, id))
        .await?;
    if n == 0 {
        return Err(ServiceError::NotFound("notification"));
    }
    Ok(())
}

pub async fn clear(ctx: &Context, recipient: i64) -> ServiceResult<()> {
    ctx.db
        .write(move |c| notifications::clear(c, recipient))
        .await?;
    Ok(())
}

/// The types Mastodon groups: the same kind about the same status (or, for follows, none) on
/// the same day (UTC) make one group.
pub const GROUPABLE: [&str; 3] = ["favourite", "reblog", "follow"];

/// Notifications shown as one.
#[derive(Debug, Clone)]
pub struct Group {
    /// `favourite-POST-DAY`, `follow-0-DAY`, or `ungrouped-ID`.
    pub key: String,
    /// The group's notifications within the page asked for, newest first.
    pub in_page: Vec<Notification>,
    /// All of the group's notifications.
    pub total: usize,
    /// The group's accounts, most recent first, at most eight.
    pub sample_accounts: Vec<i64>,
}

const SECONDS_PER_DAY: i64 = 86_400;
/// Accounts shown for a group, as Mastodon.
const SAMPLE_ACCOUNTS: usize = 8;

fn group_key(n: &Notification, grouped: &[String]) -> String {
    if grouped.iter().any(|g| g == &n.kind) && GROUPABLE.contains(&n.kind.as_str()) {
        let day = n
            .created_at
            .and_utc()
            .timestamp()
            .div_euclid(SECONDS_PER_DAY);
        format!("{}-{}-{day}", n.kind, n.post_id.unwrap_or(0))
    } else {
        format!("ungrouped-{}", n.id)
    }
}

/// The notifications a group key names (hidden accounts left out), newest first.
pub async fn group(ctx: &Context, recipient: i64, key: &str) -> ServiceResult<Vec<Notification>> {
    let not_found = || ServiceError::NotFound("notification group");
    if let Some(id) = key.strip_prefix("ungrouped-") {
        let id: i64 = id.parse().map_err(|_| not_found())?;
        return Ok(vec![get(ctx, recipient, id).await?]);
    }
    let mut parts = key.splitn(3, '-');
    let (Some(kind), Some(post), Some(day)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(not_found());
    };
    if !GROUPABLE.contains(&kind) {
        return Err(not_found());
    }
    let post: i64 = post.parse().map_err(|_| not_found())?;
    let day: i64 = day.parse().map_err(|_| not_found())?;
    let from = chrono::DateTime::from_timestamp(day.saturating_mul(SECONDS_PER_DAY), 0)
        .ok_or_else(not_found)?
        .naive_utc();
    let to = from + chrono::Duration::days(1);
    let kind = kind.to_string();
    let post = (post != 0).then_some(post);
    let list = ctx
        .db
        .read(move |c| notifications::in_group(c, recipient, &kind, post, from, to))
        .await?;
    let hidden = crate::relations::hidden_from(ctx, recipient).await?;
    let list: Vec<Notification> = list
        .into_iter()
        .filter(|n| !hidden.contains(&n.from_actor_id))
        .collect();
    if list.is_empty() {
        return Err(not_found());
    }
    Ok(list)
}

/// A page of notifications, grouped: groups in the order of their newest notification in the
/// page. `grouped` names the types that may be grouped (the others come one per group).
pub async fn list_grouped(
    ctx: &Context,
    recipient: i64,
    types: Option<Vec<String>>,
    exclude: Vec<String>,
    grouped: Vec<String>,
    page: Page,
) -> ServiceResult<Vec<Group>> {
    let page_list = list(ctx, recipient, types, exclude, page).await?;
    let mut groups: Vec<Group> = Vec::new();
    for n in page_list {
        let key = group_key(&n, &grouped);
        match groups.iter_mut().find(|g| g.key == key) {
            Some(g) => g.in_page.push(n),
            None => groups.push(Group {
                key,
                in_page: vec![n],
                total: 1,
                sample_accounts: Vec::new(),
            }),
        }
    }
    for g in &mut groups {
        let members = if g.key.starts_with("ungrouped-") {
            g.in_page.clone()
        } else {
            group(ctx, recipient, &g.key).await?
        };
        g.total = members.len();
        g.sample_accounts = accounts_of(&members, SAMPLE_ACCOUNTS);
    }
    Ok(groups)
}

/// One group whole: all its notifications count as the page.
pub async fn whole_group(ctx: &Context, recipient: i64, key: &str) -> ServiceResult<Group> {
    let members = group(ctx, recipient, key).await?;
    Ok(Group {
        key: key.to_string(),
        total: members.len(),
        sample_accounts: accounts_of(&members, SAMPLE_ACCOUNTS),
        in_page: members,
    })
}

/// The accounts behind notifications, most recent first, each once, at most `limit`.
pub fn accounts_of(members: &[Notification], limit: usize) -> Vec<i64> {
    let mut out = Vec::new();
    for n in members {
        if out.len() == limit {
            break;
        }
        if !out.contains(&n.from_actor_id) {
            out.push(n.from_actor_id);
        }
    }
    out
}

/// Dismisses every notification of a group.
pub async fn dismiss_group(ctx: &Context, recipient: i64, key: &str) -> ServiceResult<()> {
    let ids: Vec<i64> = group(ctx, recipient, key)
        .await?
        .iter()
        .map(|n| n.id)
        .collect();
    ctx.db
        .write(move |c| notifications::dismiss_many(c, recipient, &ids))
        .await?;
    Ok(())
}

/// Notifications newer than the member's `notifications` reading marker, counted up to
/// `limit`: one each, or one per group when `grouped` names types to group.
pub async fn unread_count(
    ctx: &Context,
    recipient: i64,
    grouped: Option<Vec<String>>,
    limit: i64,
) -> ServiceResult<usize> {
    let marker = ctx
        .db
        .read(move |c| tsunagu_db::queries::bookmarks::markers_of(c, recipient))
        .await?
        .into_iter()
        .find(|(timeline, ..)| timeline == "notifications")
        .and_then(|(_, last_read, ..)| last_read.parse::<i64>().ok())
        .unwrap_or(0);
    let page = Page {
        since_id: Some(marker),
        limit,
        ..Page::default()
    };
    let fresh = list(ctx, recipient, None, Vec::new(), page).await?;
    Ok(match grouped {
        Some(grouped) => {
            let mut keys: Vec<String> = fresh.iter().map(|n| group_key(n, &grouped)).collect();
            keys.sort();
            keys.dedup();
            keys.len()
        }
        None => fresh.len(),
    })
}
