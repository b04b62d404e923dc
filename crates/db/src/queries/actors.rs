use crate::actor_cache::actors_changed;
use crate::schema::actors::dsl::*;
use crate::{Actor, Conn, NewActor, QueryResult};
use diesel::prelude::*;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

pub fn insert(conn: &mut Conn, new: &NewActor) -> QueryResult<i64> {
    let row = diesel::insert_into(actors)
        .values(new)
        .returning(id)
        .get_result(conn);
    actors_changed();
    row
}

pub fn by_id(conn: &mut Conn, actor_id: i64) -> QueryResult<Actor> {
    super::on_backend!(conn, |c| actors
        .find(actor_id)
        .select(Actor::as_select())
        .get_result(c))
}

pub fn by_ids(conn: &mut Conn, ids: &[i64]) -> QueryResult<Vec<Actor>> {
    actors
        .filter(super::id_in(conn, "actors.id", ids))
        .select(Actor::as_select())
        .load(conn)
}

pub fn by_ap_id(conn: &mut Conn, wanted: &str) -> QueryResult<Option<Actor>> {
    // `ap_id` is unique: no `LIMIT ?`, which makes SQLite plan the statement again at every
    // use (it plans with the bound limit), and this runs several times per inbound activity.
    super::on_backend!(conn, |c| actors
        .filter(ap_id.eq(wanted))
        .select(Actor::as_select())
        .get_result(c)
        .optional())
}

/// Ids of the stored actors of one server.
pub fn ids_on_domain(conn: &mut Conn, host: &str) -> QueryResult<Vec<i64>> {
    actors.filter(domain.eq(host)).select(id).load(conn)
}

/// Finds an actor by `username@domain`, ignoring the username's case.
pub fn by_handle(conn: &mut Conn, name: &str, host: &str) -> QueryResult<Option<Actor>> {
    actors
        .filter(lower(username).eq(name.to_lowercase()))
        .filter(domain.eq(host))
        .filter(deleted.eq(false))
        .select(Actor::as_select())
        .first(conn)
        .optional()
}

/// Inserts a remote actor or refreshes the stored copy, keyed by its ActivityPub id. Two
/// deliveries racing to store the same new actor both end with the one row.
pub fn upsert_remote(conn: &mut Conn, new: &NewActor) -> QueryResult<Actor> {
    if by_ap_id(conn, &new.ap_id)?.is_none() {
        super::on_backend!(conn, |c| diesel::insert_into(actors)
            .values(new)
            .on_conflict_do_nothing()
            .execute(c))?;
    }
    diesel::update(actors.filter(ap_id.eq(&new.ap_id)))
        .set((new, deleted.eq(false)))
        .execute(conn)?;
    actors_changed();
    by_ap_id(conn, &new.ap_id)?.ok_or(diesel::result::Error::NotFound)
}

pub fn update_profile(
    conn: &mut Conn,
    actor_id: i64,
    new_display_name: &str,
    new_summary: &str,
    new_fields_json: &str,
) -> QueryResult<()> {
    diesel::update(actors.find(actor_id))
        .set((
            display_name.eq(new_display_name),
            summary.eq(new_summary),
            fields_json.eq(new_fields_json),
        ))
        .execute(conn)?;
    actors_changed();
    Ok(())
}

/// Whether follow requests wait for approval, and the avatar and header images.
pub fn update_looks(
    conn: &mut Conn,
    actor_id: i64,
    locked: bool,
    avatar: Option<&str>,
    header: Option<&str>,
) -> QueryResult<()> {
    diesel::update(actors.find(actor_id))
        .set((
            manually_approves_followers.eq(locked),
            avatar_url.eq(avatar),
            header_url.eq(header),
        ))
        .execute(conn)?;
    actors_changed();
    Ok(())
}

pub fn mark_deleted(conn: &mut Conn, actor_id: i64) -> QueryResult<()> {
    diesel::update(actors.find(actor_id))
        .set(deleted.eq(true))
        .execute(conn)?;
    actors_changed();
    Ok(())
}

/// Removes an actor and everything that cascades from it (an account that never federated).
pub fn delete(conn: &mut Conn, actor_id: i64) -> QueryResult<()> {
    diesel::delete(actors.find(actor_id)).execute(conn)?;
    actors_changed();
    Ok(())
}

pub fn count_local(conn: &mut Conn, of_kind: &str) -> QueryResult<i64> {
    actors
        .filter(local.eq(true))
        .filter(kind.eq(of_kind))
        .filter(deleted.eq(false))
        .count()
        .get_result(conn)
}

/// Local or remote actors whose handle or display name contains `term`.
pub fn search(conn: &mut Conn, term: &str, limit: i64) -> QueryResult<Vec<Actor>> {
    let pattern = format!("%{}%", term.to_lowercase().replace(['%', '_'], ""));
    actors
        .filter(deleted.eq(false))
        .filter(kind.ne("Application"))
        .filter(
            lower(username)
                .like(pattern.clone())
                .or(lower(display_name).like(pattern)),
        )
        .order(local.desc())
        .limit(limit)
        .select(Actor::as_select())
        .load(conn)
}

/// Which of `urls` some actor uses as its avatar or header.
pub fn image_urls_in_use(conn: &mut Conn, urls: &[String]) -> QueryResult<Vec<String>> {
    let avatars: Vec<Option<String>> = actors
        .filter(avatar_url.eq_any(urls))
        .select(avatar_url)
        .load(conn)?;
    let headers: Vec<Option<String>> = actors
        .filter(header_url.eq_any(urls))
        .select(header_url)
        .load(conn)?;
    Ok(avatars.into_iter().chain(headers).flatten().collect())
}
