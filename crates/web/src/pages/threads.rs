//! A post's page: a thread opens on its starter with every reply in order and the accepted
//! answer marked; a reply's address leads to its place in the thread; a status that is no
//! thread shows with the posts around it.

use super::answer;
use crate::i18n::{t, t_args};
use crate::layout::{self, enc, Head};
use crate::pages::member::token_field;
use crate::render::{self, StatusOptions};
use crate::session::Visit;
use crate::Web;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use std::collections::HashMap;
use tsunagu_service::read::{self, StatusView};
use tsunagu_service::{boards, posts, timelines, ServiceError, ServiceResult};

pub async fn post(State(web): State<Web>, visit: Visit, Path(id): Path<String>) -> Response {
    let result = post_page(&web, &visit, &id).await;
    answer(&web, &visit, result)
}

async fn post_page(web: &Web, visit: &Visit, id: &str) -> ServiceResult<Response> {
    let ctx = &web.ctx;
    let lang = visit.lang;
    let id: i64 = id.parse().map_err(|_| ServiceError::NotFound("status"))?;
    let post = posts::visible_post(ctx, visit.viewer(), id).await?;
    if let Some(original) = post.reblog_of_id {
        return Ok(Redirect::to(&format!("/posts/{original}")).into_response());
    }
    let thread = boards::thread_of(ctx, &post).await?;
    if let Some((root, _)) = &thread {
        if root.id != post.id {
            return Ok(Redirect::to(&format!("/posts/{}#p{}", root.id, post.id)).into_response());
        }
    }
    let (ancestors, descendants) = timelines::context(ctx, visit.viewer(), post.id).await?;
    let mut all = ancestors.clone();
    all.push(post.clone());
    all.extend(descendants.iter().cloned());
    let views = read::statuses(ctx, visit.viewer(), all).await?;
    let find = |id: i64| views.iter().find(|v| v.post.id == id);
    let main = find(post.id).ok_or(ServiceError::NotFound("status"))?;
    // Depth of each reply below the post, for indentation.
    let mut depth: HashMap<i64, usize> = HashMap::from([(post.id, 0)]);
    for d in &descendants {
        let parent = d
            .in_reply_to_id
            .and_then(|p| depth.get(&p).copied())
            .unwrap_or(0);
        depth.insert(d.id, parent + 1);
    }
    let accepted = thread.as_ref().and_then(|(_, t)| t.accepted_answer_id);
    let in_boards = match &thread {
        Some((root, _)) => boards::boards_of_thread(ctx, root.id).await?,
        None => Vec::new(),
    };
    let title = post
        .name
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| {
            tsunagu_service::html::to_text(&post.content)
                .chars()
                .take(80)
                .collect()
        });
    let acct = |v: &StatusView| v.author.acct(ctx);
    let root_id = thread.as_ref().map(|(root, _)| root.id);
    let question = thread.as_ref().is_some_and(|(_, row)| row.question);
    let locked = thread.as_ref().is_some_and(|(_, row)| row.locked);
    // What the member may do with each post (the service checks again).
    let actions = |v: &StatusView| {
        let m = visit.member.as_ref()?;
        let own = v.post.author_id == m.actor.id;
        let may_accept = question
            && root_id.is_some_and(|r| r != v.post.id)
            && (post.author_id == m.actor.id || m.is_staff());
        Some(html! {
            form.inline method="post" action=(format!("/posts/{}/favourite", v.post.id)) {
                (token_field(visit))
                @if v.favourited {
                    input type="hidden" name="undo" value="1";
                    button.secondary type="submit" { (t(lang, "unfavourite-button")) }
                } @else {
                    button.secondary type="submit" { (t(lang, "favourite-button")) }
                }
            }
            @if may_accept {
                " "
                form.inline method="post" action=(format!("/posts/{}/accept", root_id.unwrap_or_default())) {
                    (token_field(visit))
                    @if accepted == Some(v.post.id) {
                        button.secondary type="submit" { (t(lang, "unaccept-button")) }
                    } @else {
                        input type="hidden" name="answer" value=(v.post.id);
                        button type="submit" { (t(lang, "accept-button")) }
                    }
                }
            }
            @if own && v.post.local {
                " "
                a href=(format!("/posts/{}/edit", v.post.id)) { (t(lang, "edit-link")) }
                " "
                form.inline method="post" action=(format!("/posts/{}/delete", v.post.id)) data-confirm=(t(lang, "delete-question")) {
                    (token_field(visit))
                    button.link type="submit" aria-label=(t(lang, "delete-confirm")) { (t(lang, "delete-button")) }
                }
            }
        })
    };
    let body = html! {
        @for a in ancestors.iter().filter_map(|a| find(a.id)) {
            (render::status(lang, &acct(a), a, StatusOptions::default()))
        }
        article.thread {
            @if thread.is_some() {
                h1 { (title) }
                div.thread-meta {
                    @if let Some((_, row)) = &thread {
                        @if row.question {
                            @if row.accepted_answer_id.is_some() {
                                span.badge.answered { (t(lang, "thread-answered")) }
                            } @else {
                                span.badge { (t(lang, "thread-question")) }
                            }
                        }
                    }
                    @if !in_boards.is_empty() {
                        " " (t(lang, "thread-in-boards")) " "
                        @for (i, b) in in_boards.iter().enumerate() {
                            @if i > 0 { ", " }
                            a href=(render::profile_href(b)) { (b.display_name) }
                        }
                    }
                }
                @if thread.as_ref().is_some_and(|(_, row)| row.locked) {
                    p.notice { (t(lang, "thread-locked")) }
                }
            }
            (render::status(lang, &acct(main), main, StatusOptions { heading: thread.is_some(), link: false, actions: actions(main), ..StatusOptions::default() }))
        }
        section.replies aria-label=(t(lang, "thread-reply-heading")) {
            @if descendants.is_empty() {
                p { (t(lang, "thread-no-replies")) }
            }
            @for d in descendants.iter().filter_map(|d| find(d.id)) {
                (render::status(lang, &acct(d), d, StatusOptions {
                    accepted: accepted == Some(d.post.id),
                    depth: depth.get(&d.post.id).copied().unwrap_or(1),
                    actions: actions(d),
                    ..StatusOptions::default()
                }))
            }
        }
        @if visit.member.is_none() {
            p { a href=(format!("/login?back={}", enc(&visit.here))) { (t(lang, "thread-sign-in-to-reply")) } }
        } @else if !locked {
            form.reply method="post" action=(format!("/posts/{}/reply", post.id)) {
                (token_field(visit))
                label for="reply" { (t(lang, "reply-label")) }
                textarea #reply name="text" required data-limit=(tsunagu_service::posts::MAX_STATUS_CHARS) data-left=(t_args(lang, "characters-left", &[("n", "{n}".into())])) {}
                p { button type="submit" { (t(lang, "reply-button")) } }
            }
        }
    };
    let head = Head {
        title: title.clone(),
        description: Some(
            tsunagu_service::html::to_text(&post.content)
                .chars()
                .take(200)
                .collect(),
        ),
        url: Some(ctx.url(&format!("/posts/{}", post.id))),
        activity_json: post.local.then(|| post.ap_id.clone()),
        og_type: "article",
        ..Head::default()
    };
    Ok(layout::page(web, visit, head, body))
}
