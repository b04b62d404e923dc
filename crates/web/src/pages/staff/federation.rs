//! Federation health for staff: per receiving server the queue, the last success, failures and
//! the reason of the last refusal, with the last day as a small chart; and the servers staff
//! block.

use super::{staff, staff_form, staff_page};
use crate::i18n::{t, t_args};
use crate::pages::answer;
use crate::pages::member::{see, token_field};
use crate::render;
use crate::session::Visit;
use crate::Web;
use axum::extract::{Path, Query, RawForm, State};
use axum::response::Response;
use maud::{html, Markup};
use serde::Deserialize;
use tsunagu_service::health::{self, PeerHealth, HOURS};
use tsunagu_service::policy::{self, NewBlock, Severity};

/// Servers per page.
const PAGE: usize = 50;

#[derive(Deserialize, Default)]
pub struct HealthQuery {
    page: Option<usize>,
}

/// The last day as bars, one per hour: deliveries made, and above them the ones given up.
fn chart(lang: crate::i18n::Lang, peer: &PeerHealth) -> Markup {
    let (made, lost) = peer
        .hours
        .iter()
        .fold((0, 0), |(m, l), (a, b)| (m + a, l + b));
    let top = peer
        .hours
        .iter()
        .map(|(a, b)| a + b)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let (w, h) = (4.0, 24.0);
    let label = t_args(
        lang,
        "staff-chart-label",
        &[("made", made.into()), ("lost", lost.into())],
    );
    html! {
        svg.chart role="img" aria-label=(label) viewBox=(format!("0 0 {} {h}", HOURS as f64 * w)) width=(HOURS * 4) height="24" {
            title { (label) }
            @for (i, (ok, bad)) in peer.hours.iter().enumerate() {
                @let ok_h = *ok as f64 / top * h;
                @let bad_h = *bad as f64 / top * h;
                @if *ok > 0 {
                    rect.ok x=(i as f64 * w) y=(h - ok_h) width=(w - 1.0) height=(ok_h) {}
                }
                @if *bad > 0 {
                    rect.bad x=(i as f64 * w) y=(h - ok_h - bad_h) width=(w - 1.0) height=(bad_h) {}
                }
            }
        }
    }
}

pub async fn page(State(web): State<Web>, visit: Visit, Query(q): Query<HealthQuery>) -> Response {
    if let Err(r) = staff(&web, &visit) {
        return r;
    }
    let result = async {
        let ctx = &web.ctx;
        let lang = visit.lang;
        let (totals, mut peers) = health::report(ctx).await?;
        // Trouble first: servers failing now, then the longest queues.
        peers.sort_by(|a, b| {
            (b.troubled(), b.pending, b.failed).cmp(&(a.troubled(), a.pending, a.failed))
        });
        let page = q.page.unwrap_or(1).max(1);
        let shown: Vec<&PeerHealth> = peers.iter().skip((page - 1) * PAGE).take(PAGE).collect();
        let more = peers.len() > page * PAGE;
        let blocks = policy::list_blocks(ctx).await?;
        let body = html! {
            ul.summary {
                li { (t_args(lang, "staff-count-pending", &[("count", totals.pending.into())])) }
                li { (t_args(lang, "staff-count-delivered", &[("count", totals.delivered.into())])) }
                li { (t_args(lang, "staff-count-failed", &[("count", totals.failed.into())])) }
            }
            @if peers.is_empty() {
                p { (t(lang, "staff-no-peers")) }
            } @else {
                // Keyboard users scroll it too.
                div.table-scroll tabindex="0" role="region" aria-label=(t(lang, "staff-health-caption")) {
                    table.health {
                        caption { (t(lang, "staff-health-caption")) }
                        thead {
                            tr {
                                th scope="col" { (t(lang, "staff-server")) }
                                th scope="col" { (t(lang, "staff-pending")) }
                                th scope="col" { (t(lang, "staff-last-success")) }
                                th scope="col" { (t(lang, "staff-failed")) }
                                th scope="col" { (t(lang, "staff-last-refusal")) }
                                th scope="col" { (t(lang, "staff-last-day")) }
                            }
                        }
                        tbody {
                            @for p in &shown {
                                tr.troubled[p.troubled()] {
                                    th scope="row" { (p.server) }
                                    td { (p.pending) }
                                    td {
                                        @match p.last_delivered_at {
                                            Some(at) => (render::time(lang, at)),
                                            None => { (t(lang, "staff-never")) }
                                        }
                                    }
                                    td { (p.failed) }
                                    td {
                                        @if let Some(f) = &p.last_failure {
                                            @if let Some(status) = f.status { code { (status) } " " }
                                            (f.error.chars().take(200).collect::<String>())
                                            div.meta { (t(lang, "staff-next-try")) " " (render::time(lang, f.next_attempt_at)) }
                                        } @else { "–" }
                                    }
                                    td { (chart(lang, p)) }
                                }
                            }
                        }
                    }
                }
                nav.pagination aria-label=(t(lang, "pagination")) {
                    @if page > 1 { a href=(format!("/admin/federation?page={}", page - 1)) { (t(lang, "pagination-newer")) } } @else { span {} }
                    @if more { a href=(format!("/admin/federation?page={}", page + 1)) { (t(lang, "pagination-older")) } }
                }
            }

            h2 #blocks { (t(lang, "staff-blocks")) }
            @if blocks.is_empty() { p { (t(lang, "staff-no-blocks")) } }
            ul.inline-list {
                @for b in &blocks {
                    li {
                        strong { (b.domain) } " "
                        span.badge { (t(lang, &format!("staff-severity-{}", b.severity))) }
                        @if !b.public_comment.is_empty() { " — " (b.public_comment) }
                        " "
                        form.inline method="post" action=(format!("/admin/federation/blocks/{}/delete", b.id)) {
                            (token_field(&visit))
                            button.secondary type="submit" aria-label=(format!("{} {}", t(lang, "staff-unblock"), b.domain)) { (t(lang, "staff-unblock")) }
                        }
                    }
                }
            }
            form method="post" action="/admin/federation/blocks" {
                (token_field(&visit))
                label for="domain" { (t(lang, "staff-block-domain")) }
                input #domain type="text" name="domain" required placeholder="spam.example";
                label for="severity" { (t(lang, "staff-block-severity")) }
                select #severity name="severity" {
                    option value="silence" { (t(lang, "staff-severity-silence")) }
                    option value="suspend" { (t(lang, "staff-severity-suspend")) }
                }
                label for="public_comment" { (t(lang, "staff-block-comment")) }
                input #public_comment type="text" name="public_comment" maxlength="500";
                p { button type="submit" { (t(lang, "staff-block")) } }
            }
        };
        Ok(staff_page(&web, &visit, "/admin/federation", t(lang, "staff-federation"), body))
    }
    .await;
    answer(&web, &visit, result)
}

pub async fn block(State(web): State<Web>, visit: Visit, raw: RawForm) -> Response {
    let (_, form) = match staff_form(&web, &visit, &raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = async {
        policy::block_domain(
            &web.ctx,
            NewBlock {
                domain: form.get("domain").to_string(),
                severity: Severity::parse(form.get("severity"))?,
                public_comment: form.get("public_comment").to_string(),
                private_comment: String::new(),
            },
        )
        .await?;
        Ok(see("/admin/federation#blocks"))
    }
    .await;
    answer(&web, &visit, result)
}

pub async fn unblock(
    State(web): State<Web>,
    visit: Visit,
    Path(id): Path<i64>,
    raw: RawForm,
) -> Response {
    if let Err(r) = staff_form(&web, &visit, &raw) {
        return r;
    }
    let result = async {
        policy::unblock_domain(&web.ctx, id).await?;
        Ok(see("/admin/federation#blocks"))
    }
    .await;
    answer(&web, &visit, result)
}
