//! Fundraising campaigns on the site: each with its progress and the link to give; staff
//! update the amount raised here.

use super::answer;
use super::member::{see, token_field};
use crate::i18n::t;
use crate::layout::{self, Head};
use crate::session::Visit;
use crate::Web;
use axum::extract::{Path, RawForm, State};
use axum::response::Response;
use maud::html;
use tsunagu_service::campaigns;
use tsunagu_service::ServiceError;

/// `GET /campaigns`
pub async fn list(State(web): State<Web>, visit: Visit) -> Response {
    let result = async {
        let lang = visit.lang;
        let list = campaigns::list(&web.ctx).await?;
        let staff = visit.member.as_ref().is_some_and(|m| m.is_staff());
        let body = html! {
            h1 { (t(lang, "campaigns-heading")) }
            @if list.is_empty() { p { (t(lang, "campaigns-none")) } }
            @for (c, post) in &list {
                article.article-summary {
                    h2 { a href=(format!("/posts/{}", post.id)) { (post.name.clone().unwrap_or_default()) } }
                    @let label = format!("{} {} / {} {}", c.currency, c.raised, c.currency, c.goal);
                    p {
                        progress value=(c.raised.min(c.goal)) max=(c.goal) aria-label=(label) {}
                        " " (label)
                    }
                    @if let Some(d) = c.deadline { p.meta { (t(lang, "campaigns-until")) " " (d.to_string()) } }
                    p { a.button href=(c.payment_url) rel="noopener" { (t(lang, "campaigns-give")) } }
                    @if staff {
                        form.row method="post" action=(format!("/campaigns/{}", post.id)) {
                            (token_field(&visit))
                            label for=(format!("raised-{}", post.id)) { (t(lang, "campaigns-raised")) }
                            input id=(format!("raised-{}", post.id)) type="number" name="raised" min="0" value=(c.raised);
                            button type="submit" { (t(lang, "settings-save")) }
                        }
                    }
                }
            }
        };
        let head = Head {
            title: t(lang, "campaigns-heading"),
            ..Head::default()
        };
        Ok(layout::page(&web, &visit, head, body))
    }
    .await;
    answer(&web, &visit, result)
}

/// `POST /campaigns/ID` (staff): the amount raised so far.
pub async fn update(
    State(web): State<Web>,
    visit: Visit,
    Path(id): Path<i64>,
    raw: RawForm,
) -> Response {
    let (me, form) = match super::staff::staff_form(&web, &visit, &raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = async {
        let raised = form
            .get("raised")
            .trim()
            .parse()
            .map_err(|_| ServiceError::Invalid("raised must be a whole amount".into()))?;
        campaigns::set_raised(&web.ctx, &me.user, id, raised).await?;
        Ok(see("/campaigns"))
    }
    .await;
    answer(&web, &visit, result)
}
