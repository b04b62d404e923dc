//! Federation policy: which servers this instance federates with. Staff block a server
//! (`suspend`: nothing is accepted from it, fetched from it or sent to it, and what it sent
//! before is hidden; `silence`: it federates, but its posts stay out of public timelines and
//! search) or, in allow-list mode, federate only with the servers they allow. A rule for a
//! domain covers its subdomains.
//!
//! The rules are read on every incoming activity, so each process keeps a copy for a few
//! seconds; a change made here is seen at once, one made by another process within
//! [`POLICY_TTL`].

use crate::error::invalid;
use crate::Problem;
use crate::{Context, ServiceError, ServiceResult};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tsunagu_db::queries::{policy as q, settings};
use tsunagu_db::{now, DomainAllow, DomainBlock, NewDomainBlock};

/// How long a process trusts its copy of the rules.
pub const POLICY_TTL: Duration = Duration::from_secs(10);

const MODE_KEY: &str = "federation_mode";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Federates, but its content stays out of public timelines and search.
    Silence,
    /// Refused in both directions; its content is hidden.
    Suspend,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Silence => "silence",
            Severity::Suspend => "suspend",
        }
    }

    pub fn parse(s: &str) -> ServiceResult<Severity> {
        match s {
            "silence" => Ok(Severity::Silence),
            "suspend" => Ok(Severity::Suspend),
            "noop" => Err(invalid(
                "severity noop is not supported: use silence or suspend",
            )),
            other => Err(invalid(format!(
                "unknown severity {other:?}: use silence or suspend"
            ))),
        }
    }
}

/// What the policy says of one server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Federates,
    Silenced,
    /// Suspended, or not on the allow-list in allow-list mode.
    Refused,
}

/// The rules as one process holds them.
#[derive(Debug, Default)]
struct Rules {
    blocks: Vec<(String, Severity)>,
    allows: Vec<String>,
    allow_list_mode: bool,
}

/// Whether `domain` (`host` or `host:port`) is `rule` or one of its subdomains.
fn covers(rule: &str, domain: &str) -> bool {
    let host = domain.split(':').next().unwrap_or(domain);
    let rule_host = rule.split(':').next().unwrap_or(rule);
    let matches_host = host == rule_host || host.ends_with(&format!(".{rule_host}"));
    // A rule with a port names that port only.
    matches_host && (!rule.contains(':') || rule == domain)
}

impl Rules {
    fn verdict(&self, own_domain: &str, domain: &str) -> Verdict {
        let domain = domain.to_ascii_lowercase();
        if domain == own_domain {
            return Verdict::Federates;
        }
        let severity = self
            .blocks
            .iter()
            .filter(|(rule, _)| covers(rule, &domain))
            .map(|(_, s)| *s)
            .max_by_key(|s| *s == Severity::Suspend);
        if severity == Some(Severity::Suspend) {
            return Verdict::Refused;
        }
        if self.allow_list_mode && !self.allows.iter().any(|rule| covers(rule, &domain)) {
            return Verdict::Refused;
        }
        if severity == Some(Severity::Silence) {
            return Verdict::Silenced;
        }
        Verdict::Federates
    }
}

/// A process's copy of the rules (see the module documentation).
#[derive(Default)]
pub struct PolicyCache {
    rules: Mutex<Option<(Instant, Arc<Rules>)>>,
}

impl PolicyCache {
    fn forget(&self) {
        *self.rules.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

async fn rules(ctx: &Context) -> ServiceResult<Arc<Rules>> {
    if let Some((at, rules)) = ctx
        .policy
        .rules
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
    {
        if at.elapsed() < POLICY_TTL {
            return Ok(rules.clone());
        }
    }
    let (blocks, allows, mode) = ctx
        .db
        .read(|c| Ok((q::blocks(c)?, q::allows(c)?, settings::get(c, MODE_KEY)?)))
        .await?;
    let rules = Arc::new(Rules {
        blocks: blocks
            .into_iter()
            .filter_map(|b| Some((b.domain, Severity::parse(&b.severity).ok()?)))
            .collect(),
        allows: allows.into_iter().map(|a| a.domain).collect(),
        allow_list_mode: mode.as_deref() == Some("allowlist"),
    });
    *ctx.policy.rules.lock().unwrap_or_else(|e| e.into_inner()) =
        Some((Instant::now(), rules.clone()));
    Ok(rules)
}

/// What the policy says of `domain`.
pub async fn verdict(ctx: &Context, domain: &str) -> ServiceResult<Verdict> {
    Ok(rules(ctx).await?.verdict(&ctx.domain, domain))
}

/// Refuses with `Forbidden` unless this instance federates with `domain`.
pub async fn require_federates(ctx: &Context, domain: &str) -> ServiceResult<()> {
    match verdict(ctx, domain).await? {
        Verdict::Refused => Err(ServiceError::Forbidden(Problem::coded(
            "not-federated",
            format!("this instance does not federate with {domain}"),
        ))),
        _ => Ok(()),
    }
}

/// The accounts among `authors` whose posts are hidden: those of refused servers, and, in
/// public views (public timelines, hashtags, search), those of silenced ones too.
pub async fn hidden_authors(
    ctx: &Context,
    authors: &[i64],
    public_view: bool,
) -> ServiceResult<Vec<i64>> {
    let rules = rules(ctx).await?;
    if rules.blocks.is_empty() && !rules.allow_list_mode {
        return Ok(Vec::new());
    }
    let ids = authors.to_vec();
    let actors = ctx
        .db
        .read(move |c| tsunagu_db::queries::actors::by_ids(c, &ids))
        .await?;
    Ok(actors
        .iter()
        .filter(|a| !a.local)
        .filter(|a| match rules.verdict(&ctx.domain, &a.domain) {
            Verdict::Refused => true,
            Verdict::Silenced => public_view,
            Verdict::Federates => false,
        })
        .map(|a| a.id)
        .collect())
}

/// `list` without the posts of hidden authors (see [`hidden_authors`]).
pub async fn without_hidden_authors(
    ctx: &Context,
    list: Vec<tsunagu_db::Post>,
    public_view: bool,
) -> ServiceResult<Vec<tsunagu_db::Post>> {
    let mut authors: Vec<i64> = list.iter().map(|p| p.author_id).collect();
    authors.sort();
    authors.dedup();
    let hidden = hidden_authors(ctx, &authors, public_view).await?;
    Ok(list
        .into_iter()
        .filter(|p| !hidden.contains(&p.author_id))
        .collect())
}

/// A domain as rules store it: lower case, no scheme, no path.
pub fn normalize_domain(input: &str) -> ServiceResult<String> {
    let d = input.trim().trim_end_matches('/').to_ascii_lowercase();
    let d = d
        .strip_prefix("https://")
        .or_else(|| d.strip_prefix("http://"))
        .unwrap_or(&d)
        .to_string();
    let valid = !d.is_empty()
        && d.len() <= 253
        && d.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
        && !d.starts_with('.')
        && !d.contains("..");
    if valid {
        Ok(d)
    } else {
        Err(invalid(format!("{input:?} is not a domain name")))
    }
}

pub struct NewBlock {
    pub domain: String,
    pub severity: Severity,
    pub public_comment: String,
    pub private_comment: String,
}

/// Blocks a server. Suspending one also ends every follow between its accounts and ours.
pub async fn block_domain(ctx: &Context, new: NewBlock) -> ServiceResult<DomainBlock> {
    let domain = normalize_domain(&new.domain)?;
    if domain == ctx.domain {
        return Err(invalid("an instance cannot block itself"));
    }
    let row = NewDomainBlock {
        domain: domain.clone(),
        severity: new.severity.as_str().into(),
        public_comment: new.public_comment.chars().take(1000).collect(),
        private_comment: new.private_comment.chars().take(1000).collect(),
        created_at: now(),
    };
    let block = ctx
        .db
        .write(move |c| {
            if q::block_by_domain(c, &row.domain)?.is_some() {
                return Ok(None);
            }
            let id = q::insert_block(c, &row)?;
            q::block_by_id(c, id)
        })
        .await?
        .ok_or_else(|| {
            ServiceError::Conflict(Problem::coded(
                "domain-already-blocked",
                format!("{domain} is already blocked"),
            ))
        })?;
    if new.severity == Severity::Suspend {
        sever_follows(ctx, &domain).await?;
    }
    ctx.policy.forget();
    Ok(block)
}

/// Ends the follows between local accounts and accounts on `domain` (and its subdomains).
async fn sever_follows(ctx: &Context, domain: &str) -> ServiceResult<()> {
    let domain = domain.to_string();
    ctx.db
        .write(move |c| tsunagu_db::queries::follows::delete_with_domain(c, &domain))
        .await?;
    Ok(())
}

pub async fn update_block(
    ctx: &Context,
    id: i64,
    severity: Option<Severity>,
    public_comment: Option<String>,
    private_comment: Option<String>,
) -> ServiceResult<DomainBlock> {
    let block = get_block(ctx, id).await?;
    let severity = severity
        .map(Severity::as_str)
        .unwrap_or(&block.severity)
        .to_string();
    let cut = |s: String| s.chars().take(1000).collect::<String>();
    let public = public_comment
        .map(cut)
        .unwrap_or(block.public_comment.clone());
    let private = private_comment
        .map(cut)
        .unwrap_or(block.private_comment.clone());
    let suspend = severity == "suspend" && block.severity != "suspend";
    let updated = ctx
        .db
        .write(move |c| {
            q::update_block(c, id, &severity, &public, &private)?;
            q::block_by_id(c, id)
        })
        .await?
        .ok_or(ServiceError::NotFound("domain block"))?;
    if suspend {
        sever_follows(ctx, &updated.domain).await?;
    }
    ctx.policy.forget();
    Ok(updated)
}

pub async fn get_block(ctx: &Context, id: i64) -> ServiceResult<DomainBlock> {
    ctx.db
        .read(move |c| q::block_by_id(c, id))
        .await?
        .ok_or(ServiceError::NotFound("domain block"))
}

pub async fn unblock_domain(ctx: &Context, id: i64) -> ServiceResult<()> {
    let n = ctx.db.write(move |c| q::delete_block(c, id)).await?;
    if n == 0 {
        return Err(ServiceError::NotFound("domain block"));
    }
    ctx.policy.forget();
    Ok(())
}

pub async fn list_blocks(ctx: &Context) -> ServiceResult<Vec<DomainBlock>> {
    Ok(ctx.db.read(q::blocks).await?)
}

pub async fn allow_domain(ctx: &Context, domain: &str) -> ServiceResult<DomainAllow> {
    let domain = normalize_domain(domain)?;
    let d = domain.clone();
    let allow = ctx
        .db
        .write(move |c| {
            if q::allow_by_domain(c, &d)?.is_some() {
                return Ok(None);
            }
            let id = q::insert_allow(c, &d, now())?;
            q::allow_by_id(c, id)
        })
        .await?
        .ok_or_else(|| ServiceError::Conflict(format!("{domain} is already allowed").into()))?;
    ctx.policy.forget();
    Ok(allow)
}

pub async fn get_allow(ctx: &Context, id: i64) -> ServiceResult<DomainAllow> {
    ctx.db
        .read(move |c| q::allow_by_id(c, id))
        .await?
        .ok_or(ServiceError::NotFound("domain allow"))
}

pub async fn disallow_domain(ctx: &Context, id: i64) -> ServiceResult<()> {
    let n = ctx.db.write(move |c| q::delete_allow(c, id)).await?;
    if n == 0 {
        return Err(ServiceError::NotFound("domain allow"));
    }
    ctx.policy.forget();
    Ok(())
}

pub async fn list_allows(ctx: &Context) -> ServiceResult<Vec<DomainAllow>> {
    Ok(ctx.db.read(q::allows).await?)
}

/// Turns allow-list mode on (federate only with allowed servers) or off.
pub async fn set_allow_list_mode(ctx: &Context, on: bool) -> ServiceResult<()> {
    let value = if on { "allowlist" } else { "open" };
    ctx.db
        .write(move |c| settings::set(c, MODE_KEY, value))
        .await?;
    ctx.policy.forget();
    Ok(())
}

pub async fn allow_list_mode(ctx: &Context) -> ServiceResult<bool> {
    Ok(rules(ctx).await?.allow_list_mode)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(blocks: &[(&str, Severity)], allows: &[&str], mode: bool) -> Rules {
        Rules {
            blocks: blocks.iter().map(|(d, s)| (d.to_string(), *s)).collect(),
            allows: allows.iter().map(|d| d.to_string()).collect(),
            allow_list_mode: mode,
        }
    }

    #[test]
    fn a_rule_covers_its_subdomains_but_not_lookalikes() {
        let r = rules(&[("spam.example", Severity::Suspend)], &[], false);
        assert_eq!(r.verdict("here.org", "spam.example"), Verdict::Refused);
        assert_eq!(r.verdict("here.org", "a.spam.example"), Verdict::Refused);
        assert_eq!(r.verdict("here.org", "SPAM.example"), Verdict::Refused);
        assert_eq!(r.verdict("here.org", "notspam.example"), Verdict::Federates);
        assert_eq!(r.verdict("here.org", "spam.example:8443"), Verdict::Refused);
    }

    #[test]
    fn suspension_wins_over_silence_and_allow_list_refuses_the_rest() {
        let r = rules(
            &[
                ("example", Severity::Silence),
                ("bad.example", Severity::Suspend),
            ],
            &["partner.ac.jp", "ok.example"],
            true,
        );
        assert_eq!(r.verdict("here.org", "bad.example"), Verdict::Refused);
        assert_eq!(r.verdict("here.org", "ok.example"), Verdict::Silenced);
        assert_eq!(r.verdict("here.org", "partner.ac.jp"), Verdict::Federates);
        assert_eq!(
            r.verdict("here.org", "www.partner.ac.jp"),
            Verdict::Federates
        );
        assert_eq!(r.verdict("here.org", "other.ac.jp"), Verdict::Refused);
        assert_eq!(r.verdict("here.org", "here.org"), Verdict::Federates);
    }

    #[test]
    fn domains_are_normalized_and_checked() {
        assert_eq!(
            normalize_domain(" https://Spam.Example/ ").ok(),
            Some("spam.example".into())
        );
        assert!(normalize_domain("spam example").is_err());
        assert!(normalize_domain("").is_err());
        assert!(normalize_domain("a..b").is_err());
    }
}
