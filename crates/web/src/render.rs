//! Pieces of pages: a status, an account, a time. HTML from posts is already sanitised (by the
//! service, when it was stored); everything else is escaped by the templates.

use crate::i18n::{datetime, iso, t, t_args, Lang};
use chrono::NaiveDateTime;
use maud::{html, Markup, PreEscaped};
use tsunagu_db::Actor;
use tsunagu_service::read::{AccountView, StatusView};

/// A `<time>` in the visitor's language.
pub fn time(lang: Lang, at: NaiveDateTime) -> Markup {
    html! { time datetime=(iso(at)) { (datetime(lang, at)) } }
}

/// Where a person opens an account: our page for accounts here, their server's otherwise.
pub fn profile_href(actor: &Actor) -> String {
    if actor.local {
        match actor.kind.as_str() {
            "Group" => format!("/boards/{}", actor.username),
            _ => format!("/users/{}", actor.username),
        }
    } else {
        actor.url.clone().unwrap_or_else(|| actor.ap_id.clone())
    }
}

/// Where a person opens a post: our page for posts here, the original otherwise.
pub fn post_href(view: &StatusView) -> String {
    if view.post.local {
        format!("/posts/{}", view.post.id)
    } else {
        view.url().to_string()
    }
}

/// A small avatar, or the default one.
fn avatar(actor: &Actor) -> Markup {
    let src = actor
        .avatar_url
        .clone()
        .unwrap_or_else(|| "/avatars/original/missing.png".into());
    html! { img.avatar src=(src) alt="" width="40" height="40" loading="lazy"; }
}

/// The name and handle of an account, linked to its page.
pub fn byline(acct: &str, actor: &Actor) -> Markup {
    let name = if actor.display_name.trim().is_empty() {
        actor.username.as_str()
    } else {
        actor.display_name.as_str()
    };
    html! {
        a.byline href=(profile_href(actor)) {
            (avatar(actor))
            span.name { (name) }
            " "
            span.handle { "@" (acct) }
        }
    }
}

pub struct StatusOptions {
    /// Show the post's title as a heading (a thread's starter on its own page).
    pub heading: bool,
    /// Mark it as the accepted answer.
    pub accepted: bool,
    /// How deep in a thread it sits (for indentation).
    pub depth: usize,
    /// Link to the post's own page.
    pub link: bool,
    /// What the visitor may do with it (buttons), shown below it.
    pub actions: Option<Markup>,
}

impl Default for StatusOptions {
    fn default() -> Self {
        StatusOptions {
            heading: false,
            accepted: false,
            depth: 0,
            link: true,
            actions: None,
        }
    }
}

/// A status: author, time, warning, text, attachments, poll, counts.
pub fn status(lang: Lang, acct: &str, view: &StatusView, opts: StatusOptions) -> Markup {
    if let Some(original) = &view.reblog {
        return status(lang, acct, original, opts);
    }
    let post = &view.post;
    let body = if opts.heading {
        // The title is the page's heading: the text without the title's opening.
        PreEscaped(post.content.clone())
    } else {
        PreEscaped(view.content_html.clone())
    };
    let depth = opts.depth.min(6);
    html! {
        article.status.accepted[opts.accepted] id=(format!("p{}", post.id)) data-depth=(depth) {
            header {
                (byline(acct, &view.author.actor))
                " · "
                @if opts.link {
                    a.when href=(post_href(view)) { (time(lang, post.created_at)) }
                } @else {
                    (time(lang, post.created_at))
                }
                @if post.updated_at.is_some() {
                    " · " span.edited { (t(lang, "thread-edited")) }
                }
                @if !matches!(post.visibility.as_str(), "public") {
                    " · " span.visibility { (t(lang, &format!("post-visibility-{}", post.visibility))) }
                }
                @if opts.accepted {
                    " " strong.badge { (t(lang, "thread-accepted")) }
                }
            }
            @if !post.summary.is_empty() {
                details.warning {
                    summary { (t_args(lang, "thread-content-warning", &[("warning", tsunagu_service::html::to_text(&post.summary).into())])) }
                    div.content { (body) }
                }
            } @else {
                div.content { (body) }
            }
            @if !view.media.is_empty() {
                ul.media {
                    @for m in &view.media {
                        @let src = m.remote_url.clone().unwrap_or_else(|| format!("/media/{}", m.file_name.clone().unwrap_or_default()));
                        li {
                            @if m.kind == "image" {
                                img src=(src) alt=(m.description) loading="lazy";
                            } @else {
                                a href=(src) { (t(lang, "thread-media")) }
                            }
                        }
                    }
                }
            }
            @if let Some(poll) = &view.poll {
                ul.poll {
                    @for (title, count) in &poll.state.options {
                        li {
                            (title)
                            @if poll.counts_shown { " (" (count) ")" }
                        }
                    }
                }
            }
            footer {
                span { (t_args(lang, "thread-replies", &[("count", view.replies.into())])) }
                " · "
                span { (t_args(lang, "thread-favourites", &[("count", view.favourites.into())])) }
                @if let Some(actions) = &opts.actions {
                    div.actions { (actions) }
                }
            }
        }
    }
}

/// An account in a list: avatar, names, bio.
pub fn account_card(lang: Lang, acct: &str, view: &AccountView) -> Markup {
    let _ = lang;
    html! {
        div.account-card {
            (byline(acct, &view.actor))
            @if !view.actor.summary.is_empty() {
                div.bio { (PreEscaped(view.actor.summary.clone())) }
            }
        }
    }
}
