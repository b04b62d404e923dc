use crate::schema::{actors, profile_fields, users};
use crate::{Actor, Conn, NewUser, ProfileField, QueryResult, User};
use diesel::prelude::*;

pub fn insert(conn: &mut Conn, new: &NewUser) -> QueryResult<i64> {
    diesel::insert_into(users::table)
        .values(new)
        .returning(users::id)
        .get_result(conn)
}

pub fn by_id(conn: &mut Conn, user_id: i64) -> QueryResult<User> {
    users::table
        .find(user_id)
        .select(User::as_select())
        .get_result(conn)
}

pub fn by_actor(conn: &mut Conn, actor_id: i64) -> QueryResult<Option<User>> {
    users::table
        .filter(users::actor_id.eq(actor_id))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn by_email(conn: &mut Conn, email: &str) -> QueryResult<Option<(User, Actor)>> {
    users::table
        .inner_join(actors::table)
        .filter(users::email.eq(email.to_lowercase()))
        .select((User::as_select(), Actor::as_select()))
        .first(conn)
        .optional()
}

/// A local member by username (case-insensitive).
pub fn by_username(conn: &mut Conn, name: &str) -> QueryResult<Option<(User, Actor)>> {
    users::table
        .inner_join(actors::table)
        .filter(super::actors::lower(actors::username).eq(name.to_lowercase()))
        .filter(actors::local.eq(true))
        .select((User::as_select(), Actor::as_select()))
        .first(conn)
        .optional()
}

pub fn with_actor(conn: &mut Conn, user_id: i64) -> QueryResult<(User, Actor)> {
    users::table
        .inner_join(actors::table)
        .filter(users::id.eq(user_id))
        .select((User::as_select(), Actor::as_select()))
        .first(conn)
}

pub fn list(conn: &mut Conn, limit: i64, offset: i64) -> QueryResult<Vec<(User, Actor)>> {
    users::table
        .inner_join(actors::table)
        .order(users::id.asc())
        .limit(limit)
        .offset(offset)
        .select((User::as_select(), Actor::as_select()))
        .load(conn)
}

pub fn set_disabled(conn: &mut Conn, user_id: i64, value: bool) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::disabled.eq(value))
        .execute(conn)?;
    Ok(())
}

pub fn set_role(conn: &mut Conn, user_id: i64, value: &str) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::role.eq(value))
        .execute(conn)?;
    Ok(())
}

pub fn set_password_hash(conn: &mut Conn, user_id: i64, hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::password_hash.eq(hash))
        .execute(conn)?;
    Ok(())
}

pub fn profile(conn: &mut Conn, user_id: i64) -> QueryResult<Vec<ProfileField>> {
    profile_fields::table
        .filter(profile_fields::user_id.eq(user_id))
        .select(ProfileField::as_select())
        .load(conn)
}

/// Replaces one profile field; an empty value removes it.
pub fn set_profile_field(conn: &mut Conn, field: &ProfileField) -> QueryResult<()> {
    diesel::delete(
        profile_fields::table
            .filter(profile_fields::user_id.eq(field.user_id))
            .filter(profile_fields::field.eq(&field.field)),
    )
    .execute(conn)?;
    if !field.value.is_empty() {
        diesel::insert_into(profile_fields::table)
            .values(field)
            .execute(conn)?;
    }
    Ok(())
}

/// Members behind several actors, with their profile fields.
pub fn by_actors_with_profiles(
    conn: &mut Conn,
    actor_ids: &[i64],
) -> QueryResult<(Vec<User>, Vec<ProfileField>)> {
    let members: Vec<User> = users::table
        .filter(super::id_in(conn, "users.actor_id", actor_ids))
        .select(User::as_select())
        .load(conn)?;
    let ids: Vec<i64> = members.iter().map(|u| u.id).collect();
    let fields = profile_fields::table
        .filter(super::id_in(conn, "profile_fields.user_id", &ids))
        .select(ProfileField::as_select())
        .load(conn)?;
    Ok((members, fields))
}

/// What new statuses get when the client does not say.
pub fn set_posting_defaults(
    conn: &mut Conn,
    user_id: i64,
    visibility: &str,
    sensitive: bool,
    language: &str,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::default_visibility.eq(visibility),
            users::default_sensitive.eq(sensitive),
            users::default_language.eq(language),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_interface_language(conn: &mut Conn, user_id: i64, language: &str) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::interface_language.eq(language))
        .execute(conn)?;
    Ok(())
}
