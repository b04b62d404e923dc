//! Federation policy: blocked domains and, for allow-list mode, allowed ones.

use crate::schema::{domain_allows, domain_blocks};
use crate::{Conn, DomainAllow, DomainBlock, NewDomainBlock, QueryResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub fn blocks(conn: &mut Conn) -> QueryResult<Vec<DomainBlock>> {
    domain_blocks::table
        .order(domain_blocks::id.asc())
        .select(DomainBlock::as_select())
        .load(conn)
}

pub fn block_by_id(conn: &mut Conn, id: i64) -> QueryResult<Option<DomainBlock>> {
    domain_blocks::table
        .find(id)
        .select(DomainBlock::as_select())
        .get_result(conn)
        .optional()
}

pub fn block_by_domain(conn: &mut Conn, domain: &str) -> QueryResult<Option<DomainBlock>> {
    domain_blocks::table
        .filter(domain_blocks::domain.eq(domain))
        .select(DomainBlock::as_select())
        .first(conn)
        .optional()
}

pub fn insert_block(conn: &mut Conn, new: &NewDomainBlock) -> QueryResult<i64> {
    diesel::insert_into(domain_blocks::table)
        .values(new)
        .returning(domain_blocks::id)
        .get_result(conn)
}

pub fn update_block(
    conn: &mut Conn,
    id: i64,
    severity: &str,
    public_comment: &str,
    private_comment: &str,
) -> QueryResult<()> {
    diesel::update(domain_blocks::table.find(id))
        .set((
            domain_blocks::severity.eq(severity),
            domain_blocks::public_comment.eq(public_comment),
            domain_blocks::private_comment.eq(private_comment),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn delete_block(conn: &mut Conn, id: i64) -> QueryResult<usize> {
    diesel::delete(domain_blocks::table.find(id)).execute(conn)
}

pub fn allows(conn: &mut Conn) -> QueryResult<Vec<DomainAllow>> {
    domain_allows::table
        .order(domain_allows::id.asc())
        .select(DomainAllow::as_select())
        .load(conn)
}

pub fn allow_by_id(conn: &mut Conn, id: i64) -> QueryResult<Option<DomainAllow>> {
    domain_allows::table
        .find(id)
        .select(DomainAllow::as_select())
        .get_result(conn)
        .optional()
}

pub fn allow_by_domain(conn: &mut Conn, domain: &str) -> QueryResult<Option<DomainAllow>> {
    domain_allows::table
        .filter(domain_allows::domain.eq(domain))
        .select(DomainAllow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_allow(conn: &mut Conn, domain: &str, at: NaiveDateTime) -> QueryResult<i64> {
    diesel::insert_into(domain_allows::table)
        .values((
            domain_allows::domain.eq(domain),
            domain_allows::created_at.eq(at),
        ))
        .returning(domain_allows::id)
        .get_result(conn)
}

pub fn delete_allow(conn: &mut Conn, id: i64) -> QueryResult<usize> {
    diesel::delete(domain_allows::table.find(id)).execute(conn)
}
