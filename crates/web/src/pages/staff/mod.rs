//! What staff run from the browser under `/admin`: boards (and, for a board's moderators,
//! their board), reports, members and their roles, and federation health. Every page checks
//! who is asking; every form carries the visit's token.

pub mod boards;
pub mod federation;
pub mod joining;
pub mod members;

use super::answer;
use super::member::{refused, see, sign_in_first, token_field, Form};
use crate::i18n::{t, t_args};
use crate::layout::{self, Head};
use crate::render;
use crate::session::{Member, Visit};
use crate::Web;
use axum::extract::{Path, RawForm, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};
use tsunagu_service::{boards as board_cases, health, read, relations, reports, ServiceResult};

/// The signed-in member if they are staff; else the answer to give instead.
pub(crate) fn staff(web: &Web, visit: &Visit) -> Result<Member, Response> {
    match &visit.member {
        None => Err(sign_in_first(visit)),
        Some(m) if m.is_staff() => Ok(m.clone()),
        Some(_) => Err(forbidden(web, visit)),
    }
}

/// The signed-in member, for pages open to a board's moderators too (the use cases check).
pub(crate) fn moderator(visit: &Visit) -> Result<Member, Response> {
    visit.member.clone().ok_or_else(|| sign_in_first(visit))
}

pub(crate) fn forbidden(web: &Web, visit: &Visit) -> Response {
    layout::message(
        web,
        visit,
        StatusCode::FORBIDDEN,
        &t(visit.lang, "error-forbidden"),
        &t(visit.lang, "staff-only"),
    )
}

/// A staff form: the member if staff and the token is right, else the answer to give.
pub(crate) fn staff_form(
    web: &Web,
    visit: &Visit,
    raw: &RawForm,
) -> Result<(Member, Form), Response> {
    let me = staff(web, visit)?;
    let form = Form::parse(raw);
    match refused(web, visit, &form) {
        Some(refusal) => Err(refusal),
        None => Ok((me, form)),
    }
}

/// The tabs at the top of every staff page.
pub(crate) fn staff_nav(visit: &Visit, current: &str) -> Markup {
    let lang = visit.lang;
    let tabs = [
        ("/admin", "staff-overview"),
        ("/admin/boards", "staff-boards"),
        ("/admin/reports", "staff-reports"),
        ("/admin/members", "staff-members"),
        ("/admin/joining", "staff-joining"),
        ("/admin/federation", "staff-federation"),
    ];
    html! {
        nav.tabs aria-label=(t(lang, "nav-staff")) {
            ul {
                @for (href, key) in tabs {
                    li {
                        @if href == current {
                            a href=(href) aria-current="page" { (t(lang, key)) }
                        } @else {
                            a href=(href) { (t(lang, key)) }
                        }
                    }
                }
            }
        }
    }
}

/// A staff page: the tabs, then `body`.
pub(crate) fn staff_page(
    web: &Web,
    visit: &Visit,
    current: &str,
    title: String,
    body: Markup,
) -> Response {
    let main = html! {
        (staff_nav(visit, current))
        h1 { (title) }
        (body)
    };
    let head = Head {
        title,
        ..Head::default()
    };
    layout::page(web, visit, head, main)
}

pub async fn overview(State(web): State<Web>, visit: Visit) -> Response {
    let me = match staff(&web, &visit) {
        Ok(me) => me,
        Err(r) => return r,
    };
    let result = async {
        let ctx = &web.ctx;
        let lang = visit.lang;
        let boards = board_cases::list_boards(ctx).await?;
        let open = reports::open_reports(ctx, &me.actor, true, None).await?;
        let (totals, peers) = health::report(ctx).await?;
        let troubled = peers.iter().filter(|p| p.troubled()).count();
        let body = html! {
            ul.summary {
                li { a href="/admin/boards" { (t_args(lang, "staff-count-boards", &[("count", (boards.len() as i64).into())])) } }
                li { a href="/admin/reports" { (t_args(lang, "staff-count-reports", &[("count", (open.len() as i64).into())])) } }
                li { a href="/admin/federation" { (t_args(lang, "staff-count-pending", &[("count", totals.pending.into())])) } }
                li { a href="/admin/federation" { (t_args(lang, "staff-count-troubled", &[("count", (troubled as i64).into())])) } }
            }
        };
        Ok(staff_page(&web, &visit, "/admin", t(lang, "staff-overview"), body))
    }
    .await;
    answer(&web, &visit, result)
}

pub async fn reports_page(State(web): State<Web>, visit: Visit) -> Response {
    let me = match staff(&web, &visit) {
        Ok(me) => me,
        Err(r) => return r,
    };
    let result = async {
        let ctx = &web.ctx;
        let lang = visit.lang;
        let open = reports::open_reports(ctx, &me.actor, true, None).await?;
        let mut rows = Vec::new();
        for r in &open {
            let reporter = relations::get_actor(ctx, r.reporter_id).await?;
            let target = relations::get_actor(ctx, r.target_id).await?;
            let board = match r.board_id {
                Some(b) => Some(relations::get_actor(ctx, b).await?),
                None => None,
            };
            rows.push((r, reporter, target, board));
        }
        let body = html! {
            @if rows.is_empty() {
                p { (t(lang, "staff-no-reports")) }
            }
            @for (report, reporter, target, board) in &rows {
                article.report {
                    h2 {
                        (t_args(lang, "staff-report-about", &[("name", read::acct(ctx, target).into())]))
                    }
                    p.meta {
                        (t_args(lang, "staff-report-by", &[("name", read::acct(ctx, reporter).into())]))
                        " · " (render::time(lang, report.created_at))
                        @if let Some(b) = board {
                            " · " a href=(format!("/admin/boards/{}", b.username)) { (b.display_name) }
                        }
                    }
                    @if !report.comment.is_empty() { blockquote { (report.comment) } }
                    ul.inline-list {
                        @for id in reports::post_ids(report) {
                            li { a href=(format!("/posts/{id}")) { (t_args(lang, "staff-report-post", &[("id", id.into())])) } }
                        }
                        li { a href=(render::profile_href(target)) { (t(lang, "staff-report-profile")) } }
                    }
                    form.inline method="post" action=(format!("/admin/reports/{}/resolve", report.id)) {
                        (token_field(&visit))
                        button type="submit" { (t(lang, "staff-resolve")) }
                    }
                }
            }
        };
        Ok(staff_page(&web, &visit, "/admin/reports", t(lang, "staff-reports"), body))
    }
    .await;
    answer(&web, &visit, result)
}

pub async fn resolve_report(
    State(web): State<Web>,
    visit: Visit,
    Path(id): Path<i64>,
    raw: RawForm,
) -> Response {
    let (me, _) = match staff_form(&web, &visit, &raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result: ServiceResult<Response> = async {
        reports::resolve(&web.ctx, &me.actor, true, id).await?;
        Ok(see("/admin/reports"))
    }
    .await;
    answer(&web, &visit, result)
}
