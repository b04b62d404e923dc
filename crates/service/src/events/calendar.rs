//! A member's calendar feed: the events it holds and the secret address calendar apps
//! subscribe to (the web site writes them as iCalendar).

use super::{list, EventView, PENDING};
use crate::posts::random_token;
use crate::{Context, ServiceError, ServiceResult};
use tsunagu_db::queries::events::{self as q, Scope};

/// A member's calendar feed address token, made on first use (or anew with `renew`).
pub async fn feed_token(ctx: &Context, user_id: i64, renew: bool) -> ServiceResult<String> {
    Ok(ctx
        .db
        .write(move |c| {
            if !renew {
                if let Some(t) = q::feed_token(c, user_id)? {
                    return Ok(t);
                }
            }
            let token = random_token();
            q::set_feed_token(c, user_id, &token)?;
            Ok(token)
        })
        .await?)
}

/// The events in the calendar feed at `token`: what its member organises or takes part in.
pub async fn feed(ctx: &Context, token: &str) -> ServiceResult<Vec<EventView>> {
    let token = token.to_string();
    let user_id = ctx
        .db
        .read(move |c| q::feed_owner(c, &token))
        .await?
        .ok_or(ServiceError::NotFound("calendar"))?;
    let user = ctx
        .db
        .read(move |c| tsunagu_db::queries::users::by_id(c, user_id))
        .await?;
    let actor = user.actor_id;
    let mut all = list(ctx, Some(actor), Scope::Mine(actor), false, 0, 100).await?;
    all.retain(|v| v.participation.as_deref() != Some(PENDING));
    Ok(all)
}
