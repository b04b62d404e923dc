//! Talk rooms on the site: a member's rooms and opening one; a room's page with its messages,
//! saying something, its members, joining or leaving, and (for its owner) inviting people here
//! or elsewhere by handle.

use super::answer;
use super::member::{member_form, see, sign_in_first, token_field};
use crate::i18n::t;
use crate::layout::{self, Head};
use crate::render;
use crate::session::Visit;
use crate::Web;
use axum::extract::{Path, RawForm, State};
use axum::response::Response;
use maud::{html, PreEscaped};
use tsunagu_service::{read, relations, rooms, ServiceError};

/// `GET /rooms`
pub async fn list(State(web): State<Web>, visit: Visit) -> Response {
    let Some(me) = visit.member.clone() else {
        return sign_in_first(&visit);
    };
    let result = async {
        let lang = visit.lang;
        let mine = rooms::mine(&web.ctx, &me.actor).await?;
        let body = html! {
            h1 { (t(lang, "rooms-heading")) }
            @if mine.is_empty() { p { (t(lang, "rooms-none")) } }
            ul.threads {
                @for (room, membership) in &mine {
                    li {
                        a href=(format!("/rooms/{}", room.id)) { (room.title) }
                        @if membership.state == rooms::INVITED { " " span.badge { (t(lang, "rooms-invited")) } }
                    }
                }
            }
            h2 { (t(lang, "rooms-open")) }
            form method="post" action="/rooms" {
                (token_field(&visit))
                label for="title" { (t(lang, "articles-title")) }
                input #title type="text" name="title" required maxlength="100";
                label for="description" { (t(lang, "rooms-description")) }
                textarea #description name="description" rows="2" maxlength="1000" {}
                p { button type="submit" { (t(lang, "rooms-open")) } }
            }
        };
        let head = Head {
            title: t(lang, "rooms-heading"),
            ..Head::default()
        };
        Ok(layout::page(&web, &visit, head, body))
    }
    .await;
    answer(&web, &visit, result)
}

/// `POST /rooms`
pub async fn create(State(web): State<Web>, visit: Visit, raw: RawForm) -> Response {
    let (me, form) = match member_form(&web, &visit, &raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = async {
        let room = rooms::create(
            &web.ctx,
            &me.actor,
            form.get("title"),
            form.get("description"),
        )
        .await?;
        Ok(see(&format!("/rooms/{}", room.id)))
    }
    .await;
    answer(&web, &visit, result)
}

/// `GET /rooms/ID`
pub async fn show(State(web): State<Web>, visit: Visit, Path(id): Path<i64>) -> Response {
    let Some(me) = visit.member.clone() else {
        return sign_in_first(&visit);
    };
    let result = async {
        let ctx = &web.ctx;
        let lang = visit.lang;
        let (room, membership, members) = rooms::get(ctx, &me.actor, id).await?;
        let joined = membership.state == rooms::MEMBER;
        let messages = if joined {
            rooms::messages(ctx, &me.actor, id, None, 50).await?
        } else {
            Vec::new()
        };
        let mut people = Vec::new();
        for m in &members {
            people.push(relations::get_actor(ctx, m.actor_id).await?);
        }
        for p in &messages {
            if !people.iter().any(|a| a.id == p.author_id) {
                people.push(relations::get_actor(ctx, p.author_id).await?);
            }
        }
        let person = |id: i64| people.iter().find(|a| a.id == id);
        let owner = room.owner_id == me.actor.id;
        let body = html! {
            h1 { (room.title) }
            @if !room.description.is_empty() { p.lead { (room.description) } }
            @if !joined {
                p { (t(lang, "rooms-invitation")) }
                form method="post" action=(format!("/rooms/{id}/join")) {
                    (token_field(&visit))
                    button type="submit" { (t(lang, "rooms-join")) }
                }
            } @else {
                form method="post" action=(format!("/rooms/{id}/say")) {
                    (token_field(&visit))
                    label for="text" { (t(lang, "rooms-say")) }
                    textarea #text name="text" rows="3" required {}
                    button type="submit" { (t(lang, "rooms-send")) }
                }
                ol.threads {
                    @for p in &messages {
                        li {
                            @if let Some(a) = person(p.author_id) {
                                div.meta { (render::byline(&read::acct(ctx, a), a)) " · " (render::time(lang, p.created_at)) }
                            }
                            div.content { (PreEscaped(read::content_html(p))) }
                        }
                    }
                }
                h2 { (t(lang, "rooms-members")) }
                ul {
                    @for m in &members {
                        @if let Some(a) = person(m.actor_id) {
                            li {
                                (render::byline(&read::acct(ctx, a), a))
                                @if m.state == rooms::INVITED { " " span.badge { (t(lang, "rooms-invited")) } }
                            }
                        }
                    }
                }
                @if owner {
                    form method="post" action=(format!("/rooms/{id}/invite")) {
                        (token_field(&visit))
                        label for="handle" { (t(lang, "rooms-invite-handle")) }
                        input #handle type="text" name="handle" required placeholder="name@alumni.example";
                        button type="submit" { (t(lang, "rooms-invite")) }
                    }
                }
            }
            @if !owner {
                form method="post" action=(format!("/rooms/{id}/leave")) {
                    (token_field(&visit))
                    button type="submit" { (t(lang, "rooms-leave")) }
                }
            }
        };
        let head = Head {
            title: room.title.clone(),
            ..Head::default()
        };
        Ok(layout::page(&web, &visit, head, body))
    }
    .await;
    answer(&web, &visit, result)
}

/// `POST /rooms/ID/{say,invite,join,leave}`
pub async fn act(
    State(web): State<Web>,
    visit: Visit,
    Path((id, action)): Path<(i64, String)>,
    raw: RawForm,
) -> Response {
    let (me, form) = match member_form(&web, &visit, &raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = async {
        let ctx = &web.ctx;
        match action.as_str() {
            "say" => {
                rooms::say(ctx, &me.actor, id, form.get("text")).await?;
            }
            "invite" => {
                let invitee = relations::find_by_handle(ctx, form.get("handle"), true)
                    .await?
                    .ok_or(ServiceError::NotFound("account"))?;
                rooms::invite(ctx, &me.actor, id, invitee.id).await?;
            }
            "join" => rooms::join(ctx, &me.actor, id).await?,
            "leave" => {
                rooms::leave(ctx, &me.actor, id).await?;
                return Ok(see("/rooms"));
            }
            _ => return Err(ServiceError::NotFound("page")),
        }
        Ok(see(&format!("/rooms/{id}")))
    }
    .await;
    answer(&web, &visit, result)
}
