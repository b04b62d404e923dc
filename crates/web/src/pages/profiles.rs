//! A member's page: name, bio, the alumni profile fields the visitor may see (visitors the
//! public ones, members also those for members, the member and staff all), and their posts.

use super::answer;
use crate::i18n::{t, t_args};
use crate::layout::{self, Head};
use crate::render::{self, StatusOptions};
use crate::session::Visit;
use crate::Web;
use axum::extract::{Path, State};
use axum::response::Response;
use maud::{html, PreEscaped};
use tsunagu_db::queries::Page;
use tsunagu_service::accounts::{self, Viewer};
use tsunagu_service::timelines::{self, AccountFilter};
use tsunagu_service::{posts, read, ServiceResult};

pub async fn profile(State(web): State<Web>, visit: Visit, Path(name): Path<String>) -> Response {
    let result = profile_page(&web, &visit, &name).await;
    answer(&web, &visit, result)
}

async fn profile_page(web: &Web, visit: &Visit, name: &str) -> ServiceResult<Response> {
    let ctx = &web.ctx;
    let lang = visit.lang;
    let (user, actor) = accounts::find_member(ctx, name).await?;
    let viewer = match &visit.member {
        Some(m) if m.actor.id == actor.id || m.is_staff() => Viewer::OwnerOrStaff,
        Some(_) => Viewer::Member,
        None => Viewer::Anonymous,
    };
    let view = read::accounts(ctx, std::slice::from_ref(&actor), viewer)
        .await?
        .pop()
        .ok_or(tsunagu_service::ServiceError::NotFound("member"))?;
    let filter = AccountFilter {
        exclude_replies: false,
        exclude_reblogs: true,
        only_media: false,
    };
    let recent = timelines::account(ctx, visit.viewer(), actor.id, filter, Page::first(20)).await?;
    let recent = posts::filter_visible(ctx, visit.viewer(), recent).await?;
    let statuses = read::statuses(ctx, visit.viewer(), recent).await?;
    let role_key = format!("profile-role-{}", user.role);
    let follow = match &visit.member {
        Some(m) if m.actor.id != actor.id => {
            let r = tsunagu_service::relations::relationship(ctx, m.actor.id, actor.id).await?;
            Some(crate::pages::member::follow_button(
                visit,
                actor.id,
                r.following || r.requested,
            ))
        }
        _ => None,
    };
    let display = if actor.display_name.trim().is_empty() {
        actor.username.clone()
    } else {
        actor.display_name.clone()
    };
    let body = html! {
        header.profile {
            @if let Some(header) = &actor.header_url {
                img.header src=(header) alt="";
            }
            h1 { (display) }
            p.meta {
                "@" (actor.username) "@" (ctx.domain)
                " · " (t(lang, &role_key))
            }
            div.bio { (PreEscaped(actor.summary.clone())) }
            @if let Some(button) = &follow { p { (button) } }
            p.meta {
                (t_args(lang, "profile-followers", &[("count", view.followers.into())]))
                " · "
                (t_args(lang, "profile-following", &[("count", view.following.into())]))
            }
        }
        @if !view.fields.is_empty() {
            section {
                h2 { (t(lang, "profile-fields")) }
                dl.fields {
                    @for f in &view.fields {
                        dt { (f.key.map(|k| t(lang, &format!("field-{}", k.as_str()))).unwrap_or_else(|| f.name.clone())) }
                        dd { (PreEscaped(f.value_html.clone())) }
                    }
                }
            }
        }
        section {
            h2 { (t(lang, "profile-posts")) }
            @if statuses.is_empty() {
                p { (t(lang, "profile-no-posts")) }
            }
            @for s in &statuses {
                (render::status(lang, &s.author.acct(ctx), s, StatusOptions::default()))
            }
        }
    };
    let head = Head {
        title: display,
        description: Some(tsunagu_service::html::to_text(&actor.summary)),
        url: Some(ctx.url(&format!("/users/{}", actor.username))),
        activity_json: Some(actor.ap_id.clone()),
        image: actor.avatar_url.clone(),
        og_type: "profile",
        ..Head::default()
    };
    Ok(layout::page(web, visit, head, body))
}
