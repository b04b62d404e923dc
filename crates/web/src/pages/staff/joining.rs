//! Joining for staff: accounts waiting for approval (approve or decline, with the reason they
//! gave), invitation links, the e-mail domains whose addresses skip approval, and verifying a
//! member's alumni status.

use super::{staff, staff_form, staff_page};
use crate::i18n::{t, t_args};
use crate::pages::answer;
use crate::pages::member::{see, token_field};
use crate::render;
use crate::session::Visit;
use crate::Web;
use axum::extract::{RawForm, State};
use axum::response::Response;
use maud::html;
use tsunagu_db::queries::joining::MemberFilter;
use tsunagu_service::{accounts, alumni, joining, read, ServiceError};

pub async fn page(State(web): State<Web>, visit: Visit) -> Response {
    let me = match staff(&web, &visit) {
        Ok(me) => me,
        Err(r) => return r,
    };
    let result = async {
        let ctx = &web.ctx;
        let lang = visit.lang;
        let pending = joining::members(
            ctx,
            &me.user,
            MemberFilter {
                status: Some("pending".into()),
                limit: 200,
                ..MemberFilter::default()
            },
        )
        .await?;
        let invites = joining::invites(ctx, &me.user).await?;
        let domains = joining::email_domains(ctx, &me.user).await?;
        let body = html! {
            p { (t_args(lang, "joining-mode", &[("mode", t(lang, &format!("joining-mode-{}", ctx.registrations)).into())])) }
            h2 { (t(lang, "joining-pending")) }
            @if pending.is_empty() { p { (t(lang, "joining-no-pending")) } }
            @for (user, actor) in &pending {
                article.report {
                    h3 { (render::byline(&read::acct(ctx, actor), actor)) }
                    p.meta {
                        (user.email) " · " (render::time(lang, user.created_at))
                        " · "
                        @if user.confirmed_at.is_some() { (t(lang, "joining-confirmed")) } @else { (t(lang, "joining-unconfirmed")) }
                    }
                    @if !user.sign_up_reason.is_empty() { blockquote { (user.sign_up_reason) } }
                    form.inline method="post" action="/admin/joining" {
                        (token_field(&visit))
                        input type="hidden" name="account" value=(actor.id);
                        button type="submit" name="action" value="approve" { (t(lang, "staff-approve")) }
                        " "
                        button.secondary type="submit" name="action" value="reject" data-confirm=(t(lang, "joining-reject-confirm")) { (t(lang, "joining-reject")) }
                    }
                }
            }
            h2 { (t(lang, "joining-invites")) }
            @if invites.is_empty() { p { (t(lang, "joining-no-invites")) } }
            ul {
                @for invite in &invites {
                    li {
                        code { (joining::invite_url(ctx, invite)) }
                        " · "
                        @match invite.max_uses {
                            Some(max) => (t_args(lang, "joining-uses-of", &[("uses", invite.uses.into()), ("max", max.into())])),
                            None => (t_args(lang, "joining-uses", &[("uses", invite.uses.into())])),
                        }
                        @if let Some(at) = invite.expires_at {
                            " · " (t(lang, "joining-expires")) " " (render::time(lang, at))
                        }
                        form.inline method="post" action="/admin/joining" {
                            (token_field(&visit))
                            input type="hidden" name="invite" value=(invite.id);
                            button.secondary type="submit" name="action" value="revoke" { (t(lang, "joining-revoke")) }
                        }
                    }
                }
            }
            form method="post" action="/admin/joining" {
                (token_field(&visit))
                label for="max_uses" { (t(lang, "joining-max-uses")) }
                input #max_uses type="number" name="max_uses" min="1" max="10000";
                label for="expires_days" { (t(lang, "joining-expires-days")) }
                input #expires_days type="number" name="expires_days" min="1" max="366";
                p { button type="submit" name="action" value="invite" { (t(lang, "joining-invite")) } }
            }
            h2 { (t(lang, "joining-domains")) }
            p { (t(lang, "joining-domains-text")) }
            ul {
                @for domain in &domains {
                    li {
                        (domain) " "
                        form.inline method="post" action="/admin/joining" {
                            (token_field(&visit))
                            input type="hidden" name="domain" value=(domain);
                            button.secondary type="submit" name="action" value="remove-domain" { (t(lang, "joining-remove-domain")) }
                        }
                    }
                }
            }
            form.row method="post" action="/admin/joining" {
                (token_field(&visit))
                label for="domain" { (t(lang, "joining-domain")) }
                input #domain type="text" name="domain" required placeholder="alumni.example.ac.jp";
                button type="submit" name="action" value="add-domain" { (t(lang, "staff-add")) }
            }
            h2 { (t(lang, "joining-verify")) }
            form method="post" action="/admin/joining" {
                (token_field(&visit))
                label for="username" { (t(lang, "joining-verify-member")) }
                input #username type="text" name="username" required;
                label for="graduation_year" { (t(lang, "field-graduation_year")) }
                input #graduation_year type="number" name="graduation_year" min="1900" max="2100";
                label for="department" { (t(lang, "field-department")) }
                input #department type="text" name="department" maxlength="200";
                p { button type="submit" name="action" value="verify" { (t(lang, "joining-verify-button")) } }
            }
        };
        Ok(staff_page(&web, &visit, "/admin/joining", t(lang, "staff-joining"), body))
    }
    .await;
    answer(&web, &visit, result)
}

fn number<T: std::str::FromStr>(text: &str, what: &str) -> Result<Option<T>, ServiceError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| ServiceError::Invalid(format!("{what} must be a number").into()))
}

pub async fn change(State(web): State<Web>, visit: Visit, raw: RawForm) -> Response {
    let (me, form) = match staff_form(&web, &visit, &raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = async {
        let ctx = &web.ctx;
        let account = || number::<i64>(form.get("account"), "account");
        match form.get("action") {
            "approve" | "reject" => {
                let id = account()?.ok_or(ServiceError::NotFound("member"))?;
                let (user, _) = joining::member_by_account(ctx, id).await?;
                if form.get("action") == "approve" {
                    joining::approve(ctx, &me.user, user.id).await?;
                } else {
                    joining::reject(ctx, &me.user, user.id).await?;
                }
            }
            "invite" => {
                let days: Option<i64> = number(form.get("expires_days"), "days")?;
                let uses: Option<i32> = number(form.get("max_uses"), "uses")?;
                joining::create_invite(ctx, &me.user, uses, days.map(|d| d * 24 * 3600)).await?;
            }
            "revoke" => {
                let id = number::<i64>(form.get("invite"), "invite")?
                    .ok_or(ServiceError::NotFound("invite"))?;
                joining::revoke_invite(ctx, &me.user, id).await?;
            }
            "add-domain" => {
                joining::add_email_domain(ctx, &me.user, form.get("domain")).await?;
            }
            "remove-domain" => {
                joining::remove_email_domain(ctx, &me.user, form.get("domain")).await?
            }
            "verify" => {
                let (_, actor) = accounts::find_member(ctx, form.get("username").trim()).await?;
                alumni::verify(
                    ctx,
                    &me.user,
                    actor.id,
                    alumni::Verify {
                        graduation_year: number(form.get("graduation_year"), "graduation year")?,
                        department: form.get("department").to_string(),
                    },
                )
                .await?;
            }
            other => {
                return Err(ServiceError::Invalid(
                    format!("unknown action {other:?}").into(),
                ))
            }
        }
        Ok(see("/admin/joining"))
    }
    .await;
    answer(&web, &visit, result)
}
