//! Instance-wide settings, and moving local ids to a new base URL.

use crate::schema::{actors, favourites, follows, instance_settings, outgoing_activities, posts};
use crate::{Conn, QueryResult};
use diesel::prelude::*;

diesel::define_sql_function!(fn replace(s: diesel::sql_types::Text, from: diesel::sql_types::Text, to: diesel::sql_types::Text) -> diesel::sql_types::Text);
diesel::define_sql_function! {
    #[sql_name = "replace"]
    fn replace_nullable(s: diesel::sql_types::Nullable<diesel::sql_types::Text>, from: diesel::sql_types::Text, to: diesel::sql_types::Text) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

pub fn get(conn: &mut Conn, key: &str) -> QueryResult<Option<String>> {
    instance_settings::table
        .find(key)
        .select(instance_settings::value)
        .get_result(conn)
        .optional()
}

pub fn set(conn: &mut Conn, key: &str, value: &str) -> QueryResult<()> {
    diesel::delete(instance_settings::table.find(key)).execute(conn)?;
    diesel::insert_into(instance_settings::table)
        .values((
            instance_settings::key.eq(key),
            instance_settings::value.eq(value),
        ))
        .execute(conn)?;
    Ok(())
}

/// Moves every local id from `old` to `new` (both base URLs such as `https://host`). Only safe
/// before the instance federated, which is when a base URL is still changed.
pub fn rebase_local_ids(
    conn: &mut Conn,
    old: &str,
    new: &str,
    new_domain: &str,
) -> QueryResult<()> {
    let old_prefix = format!("{old}/");
    let local_like = format!("{old_prefix}%");
    let (o, n) = (old_prefix.as_str(), format!("{new}/"));
    let n = n.as_str();
    diesel::update(actors::table.filter(actors::local.eq(true)))
        .set((
            actors::domain.eq(new_domain),
            actors::ap_id.eq(replace(actors::ap_id, o, n)),
            actors::url.eq(replace_nullable(actors::url, o, n)),
            actors::inbox_url.eq(replace(actors::inbox_url, o, n)),
            actors::shared_inbox_url.eq(replace_nullable(actors::shared_inbox_url, o, n)),
            actors::outbox_url.eq(replace_nullable(actors::outbox_url, o, n)),
            actors::followers_url.eq(replace_nullable(actors::followers_url, o, n)),
            actors::following_url.eq(replace_nullable(actors::following_url, o, n)),
        ))
        .execute(conn)?;
    crate::actor_cache::actors_changed();
    diesel::update(posts::table.filter(posts::local.eq(true)))
        .set((
            posts::ap_id.eq(replace(posts::ap_id, o, n)),
            posts::url.eq(replace_nullable(posts::url, o, n)),
            posts::context.eq(replace_nullable(posts::context, o, n)),
        ))
        .execute(conn)?;
    diesel::update(posts::table.filter(posts::in_reply_to_ap_id.like(&local_like)))
        .set(posts::in_reply_to_ap_id.eq(replace_nullable(posts::in_reply_to_ap_id, o, n)))
        .execute(conn)?;
    diesel::update(follows::table.filter(follows::ap_id.like(&local_like)))
        .set(follows::ap_id.eq(replace_nullable(follows::ap_id, o, n)))
        .execute(conn)?;
    diesel::update(favourites::table.filter(favourites::ap_id.like(&local_like)))
        .set(favourites::ap_id.eq(replace_nullable(favourites::ap_id, o, n)))
        .execute(conn)?;
    diesel::update(outgoing_activities::table.filter(outgoing_activities::ap_id.like(&local_like)))
        .set((
            outgoing_activities::ap_id.eq(replace(outgoing_activities::ap_id, o, n)),
            outgoing_activities::body.eq(replace(outgoing_activities::body, o, n)),
        ))
        .execute(conn)?;
    Ok(())
}
