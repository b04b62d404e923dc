//! Reports: members report accounts and posts to their instance's staff and to the boards'
//! moderators, and (with `forward`) to the server the account lives on; other servers' reports
//! (`Flag`) arrive here the same way.

use crate::error::{invalid, invalid_as};
use crate::Problem;
use crate::{boards, Context, Event, ServiceError, ServiceResult};
use tsunagu_db::queries::{actors, posts, reports};
use tsunagu_db::{now, Actor, NewReport, Report};

pub struct NewReportRequest {
    pub target_id: i64,
    pub post_ids: Vec<i64>,
    pub comment: String,
    pub forward: bool,
}

/// The local board holding the first reported post that is in a board thread.
async fn board_of_posts(ctx: &Context, post_ids: &[i64]) -> ServiceResult<Option<i64>> {
    for id in post_ids {
        let post = crate::posts::get_post(ctx, *id).await?;
        if let Some((root, _)) = boards::thread_of(ctx, &post).await? {
            if let Some(b) = boards::boards_of_thread(ctx, root.id)
                .await?
                .into_iter()
                .find(|b| b.local)
            {
                return Ok(Some(b.id));
            }
        }
    }
    Ok(None)
}

/// A member reports an account (and some of its posts).
pub async fn create(
    ctx: &Context,
    reporter: &Actor,
    req: NewReportRequest,
) -> ServiceResult<Report> {
    if req.comment.chars().count() > 1000 {
        return Err(invalid("comment must be at most 1000 characters"));
    }
    let target = crate::relations::get_actor(ctx, req.target_id).await?;
    if target.id == reporter.id {
        return Err(invalid_as("report-self", "you cannot report yourself"));
    }
    for id in &req.post_ids {
        // Only what the reporter may see can be reported.
        let post = crate::posts::visible_post(ctx, Some(reporter.id), *id).await?;
        if post.author_id != target.id {
            return Err(invalid("reported statuses must be the reported account's"));
        }
    }
    let board_id = board_of_posts(ctx, &req.post_ids).await?;
    let forwarded = req.forward && !target.local;
    let row = NewReport {
        ap_id: None,
        reporter_id: reporter.id,
        target_id: target.id,
        post_ids: req
            .post_ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(" "),
        comment: req.comment,
        board_id,
        forwarded,
        created_at: now(),
    };
    let report = ctx
        .db
        .write(move |c| {
            let id = reports::insert(c, &row)?;
            reports::by_id(c, id)
        })
        .await?;
    if forwarded {
        ctx.publish(Event::ReportForwarded {
            report_id: report.id,
        })
        .await;
    }
    Ok(report)
}

/// Reports one remote account may file in a day, and all accounts of one server.
pub const REMOTE_REPORTS_PER_ACCOUNT_PER_DAY: i64 = 10;
pub const REMOTE_REPORTS_PER_SERVER_PER_DAY: i64 = 50;

/// A report from another server (`Flag`), about local accounts or posts.
pub async fn receive(
    ctx: &Context,
    reporter: &Actor,
    ap_id: &str,
    objects: &[String],
    comment: &str,
) -> ServiceResult<()> {
    let (rid, domain, since) = (
        reporter.id,
        reporter.domain.clone(),
        now() - chrono::Duration::days(1),
    );
    let (by_account, by_server) = ctx
        .db
        .read(move |c| {
            let on_server = actors::ids_on_domain(c, &domain)?;
            Ok((
                reports::count_by_reporters_since(c, &[rid], since)?,
                reports::count_by_reporters_since(c, &on_server, since)?,
            ))
        })
        .await?;
    if by_account >= REMOTE_REPORTS_PER_ACCOUNT_PER_DAY
        || by_server >= REMOTE_REPORTS_PER_SERVER_PER_DAY
    {
        return Err(ServiceError::RateLimited(Problem::coded(
            "too-many-reports",
            "too many reports from this account or server today",
        )));
    }
    let (ap, objs) = (ap_id.to_string(), objects.to_vec());
    let (target, post_ids) = ctx
        .db
        .read(move |c| {
            if reports::by_ap_id(c, &ap)?.is_some() {
                return Ok((None, Vec::new()));
            }
            let mut target = None;
            let mut post_ids = Vec::new();
            for url in &objs {
                // Reports from elsewhere are about our members and their posts only.
                if let Some(a) = actors::by_ap_id(c, url)?.filter(|a| a.local) {
                    target.get_or_insert(a.id);
                } else if let Some(p) = posts::by_ap_id(c, url)?.filter(|p| p.local) {
                    target.get_or_insert(p.author_id);
                    post_ids.push(p.id);
                }
            }
            Ok((target, post_ids))
        })
        .await?;
    let Some(target) = target else {
        return Ok(());
    };
    let board_id = board_of_posts(ctx, &post_ids).await?;
    let row = NewReport {
        ap_id: Some(ap_id.to_string()),
        reporter_id: reporter.id,
        target_id: target,
        post_ids: post_ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(" "),
        comment: comment.chars().take(1000).collect(),
        board_id,
        forwarded: false,
        created_at: now(),
    };
    ctx.db.write(move |c| reports::insert(c, &row)).await?;
    Ok(())
}

/// Open reports `who` may handle: all for staff, a board's for its moderators.
pub async fn open_reports(
    ctx: &Context,
    who: &Actor,
    is_staff: bool,
    board_id: Option<i64>,
) -> ServiceResult<Vec<Report>> {
    match board_id {
        Some(b) if boards::is_moderator(ctx, who, b).await? => {
            Ok(ctx.db.read(move |c| reports::open(c, Some(b), 100)).await?)
        }
        None if is_staff => Ok(ctx.db.read(|c| reports::open(c, None, 100)).await?),
        _ => Err(ServiceError::Forbidden(Problem::coded(
            "moderators-only",
            "only staff and the board's moderators see reports",
        ))),
    }
}

pub async fn resolve(
    ctx: &Context,
    who: &Actor,
    is_staff: bool,
    report_id: i64,
) -> ServiceResult<()> {
    let report = ctx
        .db
        .read(move |c| reports::by_id(c, report_id))
        .await
        .map_err(|_| ServiceError::NotFound("report"))?;
    let allowed = is_staff
        || match report.board_id {
            Some(b) => boards::is_moderator(ctx, who, b).await?,
            None => false,
        };
    if !allowed {
        return Err(ServiceError::Forbidden(Problem::coded(
            "moderators-only",
            "not yours to resolve",
        )));
    }
    ctx.db
        .write(move |c| reports::resolve(c, report_id, now()))
        .await?;
    Ok(())
}

pub fn post_ids(report: &Report) -> Vec<i64> {
    report
        .post_ids
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect()
}
