//! The alumni office's roster: a CSV file (`email`, `name`, `graduation_year`, `department`)
//! of the people who graduated. Importing it again changes only what changed. Whoever joins,
//! or joined, with a roster address is a verified graduate; those who have not joined may be
//! invited by e-mail, once each.

use crate::accounts::validate_email;
use crate::mail::{self, Message};
use crate::{alumni, Context, ServiceError, ServiceResult};
use std::collections::HashMap;
use tsunagu_db::queries::{joining as q, users};
use tsunagu_db::{now, RosterEntry};

/// At most this many rows in one file.
pub const MAX_ROWS: usize = 200_000;

/// A valid row, with the line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub email: String,
    pub name: String,
    pub graduation_year: Option<i32>,
    pub department: String,
}

impl Row {
    /// The roster entry this row makes at `at`.
    fn entry(&self, at: chrono::NaiveDateTime) -> RosterEntry {
        RosterEntry {
            email: self.email.clone(),
            name: self.name.clone(),
            graduation_year: self.graduation_year,
            department: self.department.clone(),
            imported_at: at,
            updated_at: at,
            invited_at: None,
        }
    }
}

/// A row that was left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub line: u64,
    pub reason: String,
}

/// A roster file, read.
#[derive(Debug, Default)]
pub struct Parsed {
    pub rows: Vec<Row>,
    pub invalid: Vec<Invalid>,
}

const COLUMNS: [&str; 4] = ["email", "name", "graduation_year", "department"];

/// Reads a roster file: UTF-8 (a byte-order mark is skipped), a header row naming the
/// columns in any order (`email` is required), one graduate per row.
pub fn parse(bytes: &[u8]) -> ServiceResult<Parsed> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes)
        .map_err(|e| ServiceError::Invalid(format!("the file is not UTF-8 text ({e})").into()))?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| ServiceError::Invalid(format!("the header row: {e}").into()))?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let column = |name: &str| header.iter().position(|h| h == name);
    let email_at = column("email").ok_or_else(|| {
        ServiceError::Invalid(
            format!(
                "the header row must name an email column (columns: {})",
                COLUMNS.join(", ")
            )
            .into(),
        )
    })?;
    let (name_at, year_at, department_at) = (
        column("name"),
        column("graduation_year"),
        column("department"),
    );
    let mut parsed = Parsed::default();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                parsed.invalid.push(Invalid {
                    line,
                    reason: format!("not CSV: {e}"),
                });
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if parsed.rows.len() + parsed.invalid.len() >= MAX_ROWS {
            return Err(ServiceError::Invalid(
                format!("the file has more than {MAX_ROWS} rows; split it").into(),
            ));
        }
        let field = |at: Option<usize>| at.and_then(|i| record.get(i)).unwrap_or("").to_string();
        match check_row(
            line,
            &field(Some(email_at)),
            field(name_at),
            &field(year_at),
            field(department_at),
        ) {
            Ok(row) => match seen.get(&row.email) {
                Some(first) => parsed.invalid.push(Invalid {
                    line,
                    reason: format!("{} is already on line {first}", row.email),
                }),
                None => {
                    seen.insert(row.email.clone(), line);
                    parsed.rows.push(row);
                }
            },
            Err(reason) => parsed.invalid.push(Invalid { line, reason }),
        }
    }
    Ok(parsed)
}

fn check_row(
    line: u64,
    email: &str,
    name: String,
    year: &str,
    department: String,
) -> Result<Row, String> {
    let email = validate_email(email).map_err(|_| format!("{email:?} is not an e-mail address"))?;
    let graduation_year = match year {
        "" => None,
        y => match y.parse::<i32>() {
            Ok(y) if (1900..=2100).contains(&y) => Some(y),
            _ => {
                return Err(format!(
                    "graduation_year {y:?} is not a year from 1900 to 2100"
                ))
            }
        },
    };
    if name.chars().count() > 200 || department.chars().count() > 200 {
        return Err("name and department must be at most 200 characters".into());
    }
    Ok(Row {
        line,
        email,
        name,
        graduation_year,
        department,
    })
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub new: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Members who joined with a roster address and are now verified from it.
    pub verified: usize,
    /// Invitations e-mailed (with `invite`).
    pub invited: usize,
    /// Invitations that could not be sent, with why.
    pub not_invited: Vec<(String, String)>,
}

/// Options of an import.
#[derive(Debug, Clone, Copy, Default)]
pub struct Import {
    /// Only count: change nothing, send nothing.
    pub dry_run: bool,
    /// E-mail an invitation to each graduate on the roster who has not joined and was not
    /// invited before.
    pub invite: bool,
}

/// How long an e-mailed invitation works.
const INVITATION_DAYS: i64 = 30;

/// Imports `rows`; `progress` is called after each row with how many are done.
pub async fn import(
    ctx: &Context,
    rows: &[Row],
    options: Import,
    progress: &(dyn Fn(u64) + Sync),
) -> ServiceResult<Summary> {
    if options.invite && !options.dry_run && !mail::configured(ctx) {
        return Err(mail::not_configured());
    }
    let mut summary = Summary::default();
    for (done, chunk) in rows.chunks(500).enumerate() {
        let emails: Vec<String> = chunk.iter().map(|r| r.email.clone()).collect();
        let before: HashMap<String, RosterEntry> = ctx
            .db
            .read(move |c| q::roster_entries_of(c, &emails))
            .await?
            .into_iter()
            .map(|e| (e.email.clone(), e))
            .collect();
        let at = now();
        let mut changed = Vec::new();
        for row in chunk {
            let entry = row.entry(at);
            match before.get(&row.email) {
                None => summary.new += 1,
                Some(old)
                    if old.name == entry.name
                        && old.graduation_year == entry.graduation_year
                        && old.department == entry.department =>
                {
                    summary.unchanged += 1
                }
                Some(_) => summary.updated += 1,
            }
            changed.push(entry);
        }
        if !options.dry_run {
            ctx.db
                .write(move |c| {
                    for entry in &changed {
                        q::upsert_roster_entry(c, entry)?;
                    }
                    Ok(())
                })
                .await?;
        }
        for row in chunk {
            handle_person(ctx, row, &before, options, &mut summary).await?;
        }
        progress(((done * 500) + chunk.len()) as u64);
    }
    Ok(summary)
}

/// Verifies a member with a roster address, or invites a graduate who has not joined.
async fn handle_person(
    ctx: &Context,
    row: &Row,
    before: &HashMap<String, RosterEntry>,
    options: Import,
    summary: &mut Summary,
) -> ServiceResult<()> {
    let email = row.email.clone();
    let member = ctx.db.read(move |c| users::by_email(c, &email)).await?;
    match member {
        Some((user, actor)) if user.confirmed_at.is_some() => {
            let verified = alumni::of(ctx, actor.id).await?;
            let same = verified.as_ref().is_some_and(|v| {
                v.verified_by.is_some()
                    || (v.graduation_year == row.graduation_year && v.department == row.department)
            });
            if !same {
                summary.verified += 1;
                if !options.dry_run {
                    alumni::apply_roster(ctx, &user, &actor, &row.entry(now())).await?;
                }
            }
        }
        Some(_) => {}
        None if options.invite => {
            let invited_before = before
                .get(&row.email)
                .is_some_and(|e| e.invited_at.is_some());
            if invited_before {
                return Ok(());
            }
            if options.dry_run {
                summary.invited += 1;
                return Ok(());
            }
            match invite(ctx, row).await {
                Ok(()) => summary.invited += 1,
                Err(e) => summary.not_invited.push((row.email.clone(), e.to_string())),
            }
        }
        None => {}
    }
    Ok(())
}

/// E-mails one graduate a single-use invitation.
async fn invite(ctx: &Context, row: &Row) -> ServiceResult<()> {
    let at = now();
    let new = tsunagu_db::NewInvite {
        code: crate::posts::random_token()[..12].to_string(),
        created_by: None,
        max_uses: Some(1),
        expires_at: Some(at + chrono::Duration::days(INVITATION_DAYS)),
        created_at: at,
    };
    let invite = ctx.db.write(move |c| q::insert_invite(c, &new)).await?;
    let name = if row.name.is_empty() {
        row.email.clone()
    } else {
        row.name.clone()
    };
    let link = crate::joining::invite_url(ctx, &invite);
    // Japanese unless the name is written in Latin letters only.
    let language = if row.name.is_ascii() && !row.name.is_empty() {
        "en"
    } else {
        "ja"
    };
    mail::send(
        ctx,
        &row.email,
        language,
        Message::Invitation { name, link },
    )
    .await?;
    let email = row.email.clone();
    ctx.db
        .write(move |c| q::set_roster_invited(c, &email, at))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_roster_with_a_bom_japanese_names_and_bad_rows() {
        let file = "\u{feff}email,name,graduation_year,department\n\
                    hana@mail.test,山田 花子,2019,工学部\n\
                    not-an-address,Ken,2018,Law\n\
                    ken@mail.test,Ken,1800,Law\n\
                    HANA@mail.test,Hana again,2019,Engineering\n\
                    mei@mail.test,,,\n";
        let parsed = parse(file.as_bytes()).expect("parse");
        assert_eq!(parsed.rows.len(), 2);
        assert_eq!(parsed.rows[0].name, "山田 花子");
        assert_eq!(parsed.rows[0].graduation_year, Some(2019));
        assert_eq!(parsed.rows[1].email, "mei@mail.test");
        let lines: Vec<u64> = parsed.invalid.iter().map(|i| i.line).collect();
        assert_eq!(lines, vec![3, 4, 5]);
        assert!(parsed.invalid[2].reason.contains("line 2"));
    }

    #[test]
    fn columns_in_any_order_but_email_is_required() {
        let parsed = parse(b"Department,EMAIL\nLaw,a@b.test\n").expect("parse");
        assert_eq!(parsed.rows[0].department, "Law");
        assert!(parse(b"name,year\nA,2000\n").is_err());
        assert!(parse(b"email\n\xff\xfe\n").is_err());
    }
}
