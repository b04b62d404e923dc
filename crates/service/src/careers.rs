//! Careers: job, internship, referral and company-visit offers, posted as threads of the
//! careers board with structured facts (company, place, deadline) and listed until they
//! expire: the day after the deadline, or 60 days after posting without one.

use crate::boards::{self, NewThread};
use crate::error::invalid;
use crate::{Context, ServiceError, ServiceResult};
use chrono::NaiveDate;
use tsunagu_db::queries::careers as q;
use tsunagu_db::{now, Actor, CareerOffer, Post};

/// The board offers go to.
pub const CAREERS: &str = "careers";
pub const KINDS: [&str; 4] = ["job", "internship", "referral", "visit"];
/// How long an offer without a deadline is listed.
const DEFAULT_DAYS: i64 = 60;

pub struct NewOffer {
    pub kind: String,
    pub title: String,
    /// Markdown.
    pub body: String,
    pub company: String,
    pub place: String,
    /// `YYYY-MM-DD`, or empty.
    pub deadline: String,
}

/// The careers board, made the first time an offer is posted.
async fn board(ctx: &Context) -> ServiceResult<Actor> {
    boards::ensure_board(
        ctx,
        CAREERS,
        "Careers · キャリア",
        "Jobs, internships, referrals and company visits offered by members.\n\n\
         卒業生からの求人・インターン・紹介・企業訪問の情報です。",
    )
    .await
}

fn check(new: &NewOffer) -> ServiceResult<Option<NaiveDate>> {
    if !KINDS.contains(&new.kind.as_str()) {
        return Err(invalid(format!(
            "kind {:?}: use job, internship, referral or visit",
            new.kind
        )));
    }
    let company = new.company.trim();
    if company.is_empty() || company.chars().count() > 200 || new.place.chars().count() > 200 {
        return Err(invalid(
            "company must be 1 to 200 characters, place at most 200",
        ));
    }
    let deadline = match new.deadline.trim() {
        "" => None,
        d => Some(
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| invalid("deadline must be a date such as 2027-03-31"))?,
        ),
    };
    let today = now().date();
    if let Some(d) = deadline {
        if d < today || d > today + chrono::Duration::days(366) {
            return Err(invalid("the deadline must be from today to a year ahead"));
        }
    }
    Ok(deadline)
}

/// Posts an offer as a thread of the careers board (the facts open its text, so other servers
/// and Mastodon apps show them too).
pub async fn post(
    ctx: &Context,
    author: &Actor,
    new: NewOffer,
) -> ServiceResult<(CareerOffer, Post)> {
    let deadline = check(&new)?;
    let board = board(ctx).await?;
    let (company, place) = (new.company.trim().to_string(), new.place.trim().to_string());
    let mut facts = format!("**{}** · {company}", kind_label(&new.kind));
    if !place.is_empty() {
        facts.push_str(&format!(" · {place}"));
    }
    if let Some(d) = deadline {
        facts.push_str(&format!(" · Deadline 締切 {d}"));
    }
    let post = boards::start_thread(
        ctx,
        author,
        NewThread {
            title: new.title,
            body: format!("{facts}\n\n{}", new.body),
            tags: vec![new.kind.clone()],
            question: false,
            boards: vec![board.id],
        },
    )
    .await?;
    let expires_at = match deadline {
        Some(d) => (d + chrono::Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .unwrap_or_else(now),
        None => post.created_at + chrono::Duration::days(DEFAULT_DAYS),
    };
    let offer = CareerOffer {
        post_id: post.id,
        kind: new.kind,
        company,
        place,
        deadline,
        expires_at,
    };
    let row = offer.clone();
    ctx.db.write(move |c| q::insert(c, &row)).await?;
    Ok((offer, post))
}

/// The English word of a kind, as it opens the offer's text.
pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "internship" => "Internship",
        "referral" => "Referral",
        "visit" => "Company visit",
        _ => "Job",
    }
}

/// Offers still listed (or every one with `include_expired`), newest first.
pub async fn list(
    ctx: &Context,
    kind: Option<String>,
    include_expired: bool,
    limit: i64,
) -> ServiceResult<Vec<(CareerOffer, Post)>> {
    if let Some(k) = kind.as_deref() {
        if !KINDS.contains(&k) {
            return Err(invalid(format!(
                "kind {k:?}: use job, internship, referral or visit"
            )));
        }
    }
    let at = (!include_expired).then(now);
    let found = ctx
        .db
        .read(move |c| q::list(c, kind.as_deref(), at, limit.clamp(1, 100)))
        .await?;
    // Offers whose thread the board's moderators removed are not listed.
    crate::posts::keep_visible(ctx, None, found).await
}

/// The author (or staff) closes an offer: it leaves listings now.
pub async fn close(
    ctx: &Context,
    who: &tsunagu_db::User,
    actor: &Actor,
    post_id: i64,
) -> ServiceResult<()> {
    let post = ctx
        .db
        .read(move |c| tsunagu_db::queries::posts::by_id(c, post_id))
        .await
        .map_err(|_| ServiceError::NotFound("offer"))?;
    if post.author_id != actor.id && !crate::accounts::role_of(who).is_staff() {
        return Err(ServiceError::Forbidden(crate::Problem::coded(
            "not-yours",
            "only its author or staff may close an offer",
        )));
    }
    let at = now();
    if ctx.db.write(move |c| q::set_expiry(c, post_id, at)).await? == 0 {
        return Err(ServiceError::NotFound("offer"));
    }
    Ok(())
}
