//! Boards for staff: the list and a form to create one; each board's settings, moderators,
//! bans and held posts (open to the board's moderators too).

use super::{moderator, staff, staff_form, staff_page};
use crate::i18n::t;
use crate::pages::answer;
use crate::pages::member::{account_named, refused, see, token_field, Form};
use crate::render;
use crate::session::{Member, Visit};
use crate::Web;
use axum::extract::{Path, RawForm, State};
use axum::response::Response;
use maud::html;
use tsunagu_service::boards::{self, BoardChanges, NewBoard, PostingMode};
use tsunagu_service::{read, ServiceResult};

const MODES: [PostingMode; 3] = [
    PostingMode::Open,
    PostingMode::Members,
    PostingMode::Moderators,
];

pub async fn list(State(web): State<Web>, visit: Visit) -> Response {
    if let Err(r) = staff(&web, &visit) {
        return r;
    }
    let result = async {
        let lang = visit.lang;
        let all = boards::list_boards(&web.ctx).await?;
        let body = html! {
            ul.boards {
                @for (board, actor) in &all {
                    li {
                        a href=(format!("/admin/boards/{}", actor.username)) { (actor.display_name) }
                        " "
                        span.meta { "@" (actor.username) }
                        @if board.archived { " " span.badge { (t(lang, "staff-archived")) } }
                    }
                }
            }
            h2 #create { (t(lang, "staff-board-create")) }
            form method="post" action="/admin/boards" {
                (token_field(&visit))
                label for="name" { (t(lang, "staff-board-name")) }
                input #name type="text" name="name" required pattern="[a-z0-9_]+" aria-describedby="name-hint";
                p.hint #name-hint { (t(lang, "staff-board-name-hint")) }
                label for="title" { (t(lang, "staff-board-title")) }
                input #title type="text" name="title" maxlength="100" required;
                label for="description" { (t(lang, "staff-board-description")) }
                textarea #description name="description" {}
                label for="posting_mode" { (t(lang, "staff-board-mode")) }
                select #posting_mode name="posting_mode" {
                    @for m in MODES {
                        option value=(m.as_str()) { (t(lang, &format!("staff-mode-{}", m.as_str()))) }
                    }
                }
                p { button type="submit" { (t(lang, "staff-board-create")) } }
            }
        };
        Ok(staff_page(&web, &visit, "/admin/boards", t(lang, "staff-boards"), body))
    }
    .await;
    answer(&web, &visit, result)
}

pub async fn create(State(web): State<Web>, visit: Visit, raw: RawForm) -> Response {
    let (me, form) = match staff_form(&web, &visit, &raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = async {
        let new = NewBoard {
            name: form.get("name").trim().to_string(),
            title: form.get("title").to_string(),
            description: form.get("description").to_string(),
            rules: String::new(),
            posting_mode: form.get("posting_mode").parse()?,
        };
        let (_, actor) = boards::create_board(&web.ctx, Some(&me.actor), new).await?;
        Ok(see(&format!("/admin/boards/{}", actor.username)))
    }
    .await;
    answer(&web, &visit, result)
}

pub async fn board(State(web): State<Web>, visit: Visit, Path(name): Path<String>) -> Response {
    let me = match moderator(&visit) {
        Ok(me) => me,
        Err(r) => return r,
    };
    let result = board_page(&web, &visit, &me, &name).await;
    answer(&web, &visit, result)
}

async fn board_page(web: &Web, visit: &Visit, me: &Member, name: &str) -> ServiceResult<Response> {
    let ctx = &web.ctx;
    let lang = visit.lang;
    let (board, actor) = boards::find_board(ctx, name).await?;
    // Held posts and bans check that `me` moderates this board.
    let held = boards::held_posts(ctx, &me.actor, actor.id).await?;
    let held = read::statuses(ctx, Some(me.actor.id), held).await?;
    let bans = boards::bans(ctx, &me.actor, actor.id).await?;
    let moderators = boards::moderators(ctx, actor.id).await?;
    let action = format!("/admin/boards/{}", actor.username);
    let body = html! {
        p { a href=(format!("/boards/{}", actor.username)) { (t(lang, "staff-board-open")) } }
        h2 { (t(lang, "staff-board-settings")) }
        form method="post" action=(action) {
            (token_field(visit))
            label for="title" { (t(lang, "staff-board-title")) }
            input #title type="text" name="title" maxlength="100" required value=(actor.display_name);
            label for="description" { (t(lang, "staff-board-description")) }
            textarea #description name="description" { (tsunagu_service::html::to_text(&actor.summary)) }
            label for="rules" { (t(lang, "staff-board-rules")) }
            textarea #rules name="rules" { (board.rules) }
            label for="posting_mode" { (t(lang, "staff-board-mode")) }
            select #posting_mode name="posting_mode" {
                @for m in MODES {
                    option value=(m.as_str()) selected[m.as_str() == board.posting_mode] { (t(lang, &format!("staff-mode-{}", m.as_str()))) }
                }
            }
            div {
                input #hold type="checkbox" name="hold_remote_first_posts" value="1" checked[board.hold_remote_first_posts];
                " " label.inline for="hold" { (t(lang, "staff-board-hold")) }
            }
            div {
                input #archived type="checkbox" name="archived" value="1" checked[board.archived];
                " " label.inline for="archived" { (t(lang, "staff-archived")) }
            }
            p { button type="submit" { (t(lang, "settings-save")) } }
        }

        h2 #held { (t(lang, "staff-held")) }
        @if held.is_empty() { p { (t(lang, "staff-no-held")) } }
        @for view in &held {
            (render::status(lang, &view.author.acct(ctx), view, render::StatusOptions::default()))
            div.row {
                form.inline method="post" action=(format!("{action}/held")) {
                    (token_field(visit))
                    input type="hidden" name="post" value=(view.post.id);
                    button type="submit" name="decision" value="approve" { (t(lang, "staff-approve")) }
                    " "
                    button.secondary type="submit" name="decision" value="remove" { (t(lang, "staff-remove")) }
                }
            }
        }

        h2 #moderators { (t(lang, "staff-moderators")) }
        ul.inline-list {
            @for m in &moderators {
                li {
                    (render::byline(&read::acct(ctx, m), m))
                    " "
                    form.inline method="post" action=(format!("{action}/moderators")) {
                        (token_field(visit))
                        input type="hidden" name="account" value=(read::acct(ctx, m));
                        input type="hidden" name="remove" value="1";
                        button.secondary type="submit" aria-label=(format!("{} {}", t(lang, "staff-remove"), m.username)) { (t(lang, "staff-remove")) }
                    }
                }
            }
        }
        form method="post" action=(format!("{action}/moderators")) {
            (token_field(visit))
            label for="moderator" { (t(lang, "staff-moderator-add")) }
            div.row {
                input #moderator type="text" name="account" required placeholder="name or name@server";
                button type="submit" { (t(lang, "staff-add")) }
            }
        }

        h2 #bans { (t(lang, "staff-bans")) }
        @if bans.is_empty() { p { (t(lang, "staff-no-bans")) } }
        ul.inline-list {
            @for ban in &bans {
                li {
                    (render::byline(&read::acct(ctx, &ban.account), &ban.account))
                    @if !ban.reason.is_empty() { " — " (ban.reason) }
                    " · " (render::time(lang, ban.since)) " "
                    form.inline method="post" action=(format!("{action}/bans")) {
                        (token_field(visit))
                        input type="hidden" name="account" value=(read::acct(ctx, &ban.account));
                        input type="hidden" name="lift" value="1";
                        button.secondary type="submit" { (t(lang, "staff-unban")) }
                    }
                }
            }
        }
        form method="post" action=(format!("{action}/bans")) {
            (token_field(visit))
            label for="ban-account" { (t(lang, "staff-ban-account")) }
            input #ban-account type="text" name="account" required;
            label for="ban-reason" { (t(lang, "staff-ban-reason")) }
            input #ban-reason type="text" name="reason" maxlength="500";
            p { button type="submit" { (t(lang, "staff-ban")) } }
        }
    };
    Ok(staff_page(
        web,
        visit,
        "/admin/boards",
        actor.display_name.clone(),
        body,
    ))
}

/// The member and form of a board moderation form, or the answer to give.
fn moderation_form(web: &Web, visit: &Visit, raw: &RawForm) -> Result<(Member, Form), Response> {
    let me = moderator(visit)?;
    let form = Form::parse(raw);
    match refused(web, visit, &form) {
        Some(refusal) => Err(refusal),
        None => Ok((me, form)),
    }
}

pub async fn update(
    State(web): State<Web>,
    visit: Visit,
    Path(name): Path<String>,
    raw: RawForm,
) -> Response {
    let (me, form) = match moderation_form(&web, &visit, &raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = async {
        let (_, actor) = boards::find_board(&web.ctx, &name).await?;
        let changes = BoardChanges {
            title: Some(form.get("title").to_string()),
            description: Some(form.get("description").to_string()),
            rules: Some(form.get("rules").to_string()),
            posting_mode: Some(form.get("posting_mode").parse()?),
            archived: Some(form.checked("archived")),
            hold_remote_first_posts: Some(form.checked("hold_remote_first_posts")),
        };
        boards::update_board(&web.ctx, &me.actor, actor.id, changes).await?;
        Ok(see(&format!("/admin/boards/{name}")))
    }
    .await;
    answer(&web, &visit, result)
}

pub async fn moderators(
    State(web): State<Web>,
    visit: Visit,
    Path(name): Path<String>,
    raw: RawForm,
) -> Response {
    let (me, form) = match moderation_form(&web, &visit, &raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = async {
        let ctx = &web.ctx;
        let (_, board) = boards::find_board(ctx, &name).await?;
        let target = account_named(ctx, form.get("account")).await?;
        if form.checked("remove") {
            boards::remove_moderator(ctx, &me.actor, board.id, target.id).await?;
        } else {
            boards::add_moderator(ctx, &me.actor, board.id, target.id).await?;
        }
        Ok(see(&format!("/admin/boards/{name}#moderators")))
    }
    .await;
    answer(&web, &visit, result)
}

pub async fn bans(
    State(web): State<Web>,
    visit: Visit,
    Path(name): Path<String>,
    raw: RawForm,
) -> Response {
    let (me, form) = match moderation_form(&web, &visit, &raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = async {
        let ctx = &web.ctx;
        let (_, board) = boards::find_board(ctx, &name).await?;
        let target = account_named(ctx, form.get("account")).await?;
        let banned = !form.checked("lift");
        boards::set_banned(
            ctx,
            &me.actor,
            board.id,
            target.id,
            banned,
            form.get("reason"),
        )
        .await?;
        Ok(see(&format!("/admin/boards/{name}#bans")))
    }
    .await;
    answer(&web, &visit, result)
}

pub async fn held(
    State(web): State<Web>,
    visit: Visit,
    Path(name): Path<String>,
    raw: RawForm,
) -> Response {
    let (me, form) = match moderation_form(&web, &visit, &raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = async {
        let ctx = &web.ctx;
        let (_, board) = boards::find_board(ctx, &name).await?;
        let post: i64 = form
            .get("post")
            .parse()
            .map_err(|_| tsunagu_service::ServiceError::NotFound("status"))?;
        if form.get("decision") == "remove" {
            boards::remove_post(ctx, &me.actor, post, form.get("reason")).await?;
        } else {
            boards::approve_post(ctx, &me.actor, board.id, post).await?;
        }
        Ok(see(&format!("/admin/boards/{name}#held")))
    }
    .await;
    answer(&web, &visit, result)
}
