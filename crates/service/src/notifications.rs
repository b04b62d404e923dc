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
