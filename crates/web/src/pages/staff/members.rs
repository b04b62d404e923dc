//! Members for staff: every account here with its role, disabled or not; roles changed,
//! accounts disabled and enabled, passwords reset (the new one shown once, to pass on).

use super::{staff, staff_form, staff_page};
use crate::i18n::t;
use crate::pages::answer;
use crate::pages::member::{see, token_field};
use crate::render;
use crate::session::Visit;
use crate::Web;
use axum::extract::{Path, Query, RawForm, State};
use axum::response::Response;
use maud::html;
use serde::Deserialize;
use tsunagu_service::accounts::{self, Role};
use tsunagu_service::read;

const PAGE: i64 = 50;
const ROLES: [Role; 4] = [Role::Student, Role::Alumnus, Role::Staff, Role::Admin];

#[derive(Deserialize, Default)]
pub struct MembersQuery {
    page: Option<i64>,
}

pub async fn list(State(web): State<Web>, visit: Visit, Query(q): Query<MembersQuery>) -> Response {
    if let Err(r) = staff(&web, &visit) {
        return r;
    }
    let result = async {
        let ctx = &web.ctx;
        let lang = visit.lang;
        let page = q.page.unwrap_or(1).max(1);
        let rows = accounts::list_members(ctx, PAGE + 1, (page - 1) * PAGE).await?;
        let more = rows.len() as i64 > PAGE;
        let body = html! {
            div.table-scroll { table.members {
                caption.visually-hidden { (t(lang, "staff-members")) }
                thead {
                    tr {
                        th scope="col" { (t(lang, "staff-member")) }
                        th scope="col" { (t(lang, "staff-role")) }
                        th scope="col" { (t(lang, "staff-account")) }
                    }
                }
                tbody {
                    @for (user, actor) in rows.iter().take(PAGE as usize) {
                        @let action = format!("/admin/members/{}", user.id);
                        @let role = accounts::role_of(user);
                        tr {
                            td {
                                (render::byline(&read::acct(ctx, actor), actor))
                                div.meta { (user.email) }
                                @if user.disabled { span.badge { (t(lang, "staff-disabled")) } }
                            }
                            td {
                                form.row method="post" action=(action) {
                                    (token_field(&visit))
                                    label.visually-hidden for=(format!("role-{}", user.id)) { (t(lang, "staff-role")) }
                                    select id=(format!("role-{}", user.id)) name="role" {
                                        @for r in ROLES {
                                            option value=(r.as_str()) selected[r == role] { (t(lang, &format!("role-{}", r.as_str()))) }
                                        }
                                    }
                                    button type="submit" name="action" value="role" { (t(lang, "settings-save")) }
                                }
                            }
                            td {
                                form.inline method="post" action=(action) {
                                    (token_field(&visit))
                                    @if user.disabled {
                                        button.secondary type="submit" name="action" value="enable" { (t(lang, "staff-enable")) }
                                    } @else {
                                        button.secondary type="submit" name="action" value="disable" { (t(lang, "staff-disable")) }
                                    }
                                    " "
                                    button.secondary type="submit" name="action" value="reset" { (t(lang, "staff-reset")) }
                                    " "
                                    button.secondary type="submit" name="action" value="delete" data-confirm=(t(lang, "staff-delete-confirm")) { (t(lang, "staff-delete")) }
                                }
                                " "
                                a href=(format!("/admin/members/{}/export.json", user.id)) download { (t(lang, "staff-export")) }
                            }
                        }
                    }
                }
            } }
            nav.pagination aria-label=(t(lang, "pagination")) {
                @if page > 1 { a href=(format!("/admin/members?page={}", page - 1)) { (t(lang, "pagination-newer")) } } @else { span {} }
                @if more { a href=(format!("/admin/members?page={}", page + 1)) { (t(lang, "pagination-older")) } }
            }
        };
        Ok(staff_page(&web, &visit, "/admin/members", t(lang, "staff-members"), body))
    }
    .await;
    answer(&web, &visit, result)
}

pub async fn change(
    State(web): State<Web>,
    visit: Visit,
    Path(id): Path<i64>,
    raw: RawForm,
) -> Response {
    let (me, form) = match staff_form(&web, &visit, &raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = async {
        let ctx = &web.ctx;
        let lang = visit.lang;
        match form.get("action") {
            "role" => accounts::change_role(ctx, &me.user, id, form.get("role").parse()?).await?,
            "disable" => accounts::change_disabled(ctx, &me.user, id, true).await?,
            "enable" => accounts::change_disabled(ctx, &me.user, id, false).await?,
            "delete" => {
                tsunagu_service::own_data::delete_account(ctx, &me.user, id, None).await?;
            }
            "reset" => {
                let password = accounts::reset_password(ctx, &me.user, id).await?;
                let (_, actor) = accounts::member_by_id(ctx, id).await?;
                let body = html! {
                    p { (crate::i18n::t_args(lang, "staff-reset-done", &[("name", actor.username.clone().into())])) }
                    p { code #new-password { (password) } }
                    p { a href="/admin/members" { (t(lang, "staff-members")) } }
                };
                return Ok(staff_page(&web, &visit, "/admin/members", t(lang, "staff-reset"), body));
            }
            other => {
                return Err(tsunagu_service::ServiceError::Invalid(
                    format!("unknown action {other:?}").into(),
                ))
            }
        }
        Ok(see("/admin/members"))
    }
    .await;
    answer(&web, &visit, result)
}

/// `GET /admin/members/{id}/export.json`: a member's data, for staff.
pub async fn export(State(web): State<Web>, visit: Visit, Path(id): Path<i64>) -> Response {
    let me = match staff(&web, &visit) {
        Ok(me) => me,
        Err(r) => return r,
    };
    let result = async {
        let export = tsunagu_service::own_data::export(&web.ctx, &me.user, id).await?;
        let name = format!("{}-export.json", export.actor.username);
        let body = tsunagu_service::own_data::to_json(&web.ctx, &export).to_string();
        Ok(crate::pages::own_data::download(
            body,
            "application/json",
            name,
        ))
    }
    .await;
    answer(&web, &visit, result)
}
