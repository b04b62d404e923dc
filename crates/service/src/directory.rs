//! The member directory: people here (and, by their public alumni fields, elsewhere) found by
//! class year, department, industry, employer, skills, mentoring or free text. A field filters
//! only for viewers allowed to see it.

use crate::accounts::Visibility;
use crate::error::invalid;
use crate::{Context, ServiceResult};
use tsunagu_db::queries::containing;
use tsunagu_db::queries::joining::{self as q, DirectoryQuery};
use tsunagu_db::Actor;

/// Who is searching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Searcher {
    Visitor,
    Member,
    Staff,
}

impl Searcher {
    /// The visibilities of profile fields here this searcher may see.
    fn visible(self) -> Vec<String> {
        let levels: &[Visibility] = match self {
            Searcher::Visitor => &[Visibility::Public],
            Searcher::Member => &[Visibility::Public, Visibility::Federated, Visibility::Local],
            Searcher::Staff => &[
                Visibility::Public,
                Visibility::Federated,
                Visibility::Local,
                Visibility::Hidden,
            ],
        };
        levels.iter().map(|v| v.as_str().to_string()).collect()
    }
}

/// A directory search as a client sends it.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub local_only: bool,
    /// `active` (default) or `new`.
    pub order: Option<String>,
    pub offset: i64,
    /// 40 by default, at most 80.
    pub limit: Option<i64>,
    pub graduation_year: Option<String>,
    pub department: Option<String>,
    pub industry: Option<String>,
    pub employer: Option<String>,
    pub skills: Option<String>,
    /// `true` for anyone who wrote about mentoring; other text is searched for.
    pub mentoring: Option<String>,
    pub text: Option<String>,
}

pub const DEFAULT_LIMIT: i64 = 40;
pub const MAX_LIMIT: i64 = 80;

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

pub async fn search(ctx: &Context, who: Searcher, s: Search) -> ServiceResult<Vec<Actor>> {
    let newest_first = match given(&s.order) {
        None | Some("active") => false,
        Some("new") => true,
        Some(other) => return Err(invalid(format!("order {other:?}: use active or new"))),
    };
    let mut fields = Vec::new();
    if let Some(year) = given(&s.graduation_year) {
        let year: i32 = year
            .parse()
            .map_err(|_| invalid("graduation_year must be a year such as 2019"))?;
        fields.push(("graduation_year".to_string(), year.to_string()));
    }
    for (name, value) in [
        ("department", &s.department),
        ("industry", &s.industry),
        ("employer", &s.employer),
        ("skills", &s.skills),
    ] {
        if let Some(v) = given(value) {
            fields.push((name.to_string(), containing(v)));
        }
    }
    if let Some(m) = given(&s.mentoring) {
        let pattern = match m.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => "_%".to_string(),
            _ => containing(m),
        };
        fields.push(("mentoring".to_string(), pattern));
    }
    let query = DirectoryQuery {
        local_only: s.local_only,
        newest_first,
        offset: s.offset.max(0),
        limit: s.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
        visible: who.visible(),
        fields,
        text: given(&s.text).map(containing),
    };
    let found = ctx.db.read(move |c| q::directory(c, &query)).await?;
    // People of servers staff refused or silenced are not listed (the directory is public).
    let ids: Vec<i64> = found.iter().map(|a| a.id).collect();
    let hidden = crate::policy::hidden_authors(ctx, &ids, true).await?;
    Ok(found
        .into_iter()
        .filter(|a| !hidden.contains(&a.id))
        .collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn wildcards_in_searches_are_plain_characters() {
        assert_eq!(super::containing(" 100%_Done\\ "), "%100\\%\\_done\\\\%");
    }
}
