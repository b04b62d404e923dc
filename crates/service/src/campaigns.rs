//! Fundraising campaigns: staff post a campaign (a thread of the giving board) with a goal, a
//! deadline and a link to the institution's own payment page, and keep its progress figure;
//! each change of the figure edits the thread, so followers elsewhere see it. No payment is
//! handled here.

use crate::boards::{self, NewThread};
use crate::error::invalid;
use crate::{accounts, Context, Problem, ServiceError, ServiceResult};
use chrono::NaiveDate;
use tsunagu_db::queries::campaigns as q;
use tsunagu_db::{now, Actor, Campaign, Post, User};

/// The board campaigns go to.
pub const GIVING: &str = "giving";

pub struct NewCampaign {
    pub title: String,
    /// Markdown.
    pub body: String,
    pub goal: i64,
    /// `JPY`, `USD`...
    pub currency: String,
    /// `YYYY-MM-DD`, or empty.
    pub deadline: String,
    /// The institution's payment page (https).
    pub payment_url: String,
}

fn require_staff(user: &User) -> ServiceResult<()> {
    if accounts::role_of(user).is_staff() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(Problem::coded(
            "staff-only",
            "only staff may do this",
        )))
    }
}

/// The facts that open a campaign's text: goal, raised so far, deadline, where to give.
pub fn facts(c: &Campaign) -> String {
    let percent = if c.goal > 0 {
        c.raised * 100 / c.goal
    } else {
        0
    };
    let mut text = format!(
        "**{} {} / {} {} ({percent}%)**",
        c.currency, c.raised, c.currency, c.goal
    );
    if let Some(d) = c.deadline {
        text.push_str(&format!(" · Until 期限 {d}"));
    }
    text.push_str(&format!("\n\nGive · 寄付: {}", c.payment_url));
    text
}

fn body_of(c: &Campaign, body: &str) -> String {
    format!("{}\n\n{body}", facts(c))
}

/// Staff post a campaign.
pub async fn create(
    ctx: &Context,
    staff: &User,
    author: &Actor,
    new: NewCampaign,
) -> ServiceResult<(Campaign, Post)> {
    require_staff(staff)?;
    if !(1..=1_000_000_000_000).contains(&new.goal) {
        return Err(invalid("goal must be a positive whole amount"));
    }
    let currency = new.currency.trim().to_ascii_uppercase();
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(invalid("currency must be a three-letter code such as JPY"));
    }
    let url = url::Url::parse(new.payment_url.trim())
        .ok()
        .filter(|u| u.scheme() == "https")
        .ok_or_else(|| invalid("payment_url must be an https address"))?;
    let deadline = match new.deadline.trim() {
        "" => None,
        d => Some(
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| invalid("deadline must be a date such as 2027-03-31"))?,
        ),
    };
    if deadline.is_some_and(|d| d < now().date()) {
        return Err(invalid("the deadline is in the past"));
    }
    let mut campaign = Campaign {
        post_id: 0,
        goal: new.goal,
        raised: 0,
        currency,
        deadline,
        payment_url: url.to_string(),
    };
    let board = boards::ensure_board(
        ctx,
        GIVING,
        "Giving · 寄付",
        "Fundraising campaigns of the institution.\n\n大学・組織の寄付キャンペーンです。",
    )
    .await?;
    let post = boards::start_thread(
        ctx,
        author,
        NewThread {
            title: new.title,
            body: body_of(&campaign, &new.body),
            tags: vec!["giving".into()],
            question: false,
            boards: vec![board.id],
        },
    )
    .await?;
    campaign.post_id = post.id;
    let row = campaign.clone();
    ctx.db.write(move |c| q::insert(c, &row)).await?;
    Ok((campaign, post))
}

pub async fn list(ctx: &Context) -> ServiceResult<Vec<(Campaign, Post)>> {
    let found = ctx.db.read(|c| q::list(c, 100)).await?;
    // Threads the giving board's moderators removed are not shown.
    crate::posts::keep_visible(ctx, None, found).await
}

/// Staff record the amount raised so far; the thread's text follows.
pub async fn set_raised(
    ctx: &Context,
    staff: &User,
    post_id: i64,
    raised: i64,
) -> ServiceResult<(Campaign, Post)> {
    require_staff(staff)?;
    if !(0..=1_000_000_000_000).contains(&raised) {
        return Err(invalid("raised must be a whole amount, zero or more"));
    }
    let (mut campaign, post) = ctx
        .db
        .read(move |c| q::get(c, post_id))
        .await?
        .ok_or(ServiceError::NotFound("campaign"))?;
    let old_facts = facts(&campaign);
    campaign.raised = raised;
    ctx.db
        .write(move |c| q::set_raised(c, post_id, raised))
        .await?;
    // The thread is edited as its author (the staff member who posted it).
    let author = crate::relations::get_actor(ctx, post.author_id).await?;
    let source = post.source.clone().unwrap_or_default();
    let rest = source
        .strip_prefix(&old_facts)
        .unwrap_or(&source)
        .trim_start();
    let body = body_of(&campaign, rest);
    let post = boards::edit_thread(ctx, &author, post_id, None, Some(&body)).await?;
    Ok((campaign, post))
}
