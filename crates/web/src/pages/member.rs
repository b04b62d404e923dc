//! What members do on the site, with plain forms: sign in and out, start threads, reply, edit,
//! delete, favourite, accept answers, follow here and elsewhere, their profile and their
//! notifications. Every form carries the visit's form token; a form without it changes nothing.

use super::answer;
use crate::i18n::{t, t_args};
use crate::layout::{self, enc, Head};
use crate::render;
use crate::session::{Member, Visit, SESSION_COOKIE};
use crate::Web;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;
use tsunagu_db::queries::Page;
use tsunagu_service::accounts::{self, ProfileKey, ProfileUpdate, Viewer, Visibility};
use tsunagu_service::boards::{self, NewThread};
use tsunagu_service::posts::{self, NewStatus, PostVisibility};
use tsunagu_service::relations::{self, FollowOptions};
use tsunagu_service::{notifications, oauth, read, ServiceError, ServiceResult};

/// A submitted form, as pairs (a key may repeat: checkboxes).
pub struct Form(Vec<(String, String)>);

impl Form {
    pub(crate) fn parse(raw: &RawForm) -> Form {
        Form(
            url::form_urlencoded::parse(&raw.0)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub(crate) fn get(&self, key: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    pub(crate) fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub(crate) fn checked(&self, key: &str) -> bool {
        !self.get(key).is_empty()
    }
}

/// A path on this site to go back to (never another site).
pub(crate) fn back_to(path: &str) -> String {
    if path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/\\") {
        path.to_string()
    } else {
        "/".to_string()
    }
}

/// The hidden field every form sends.
pub fn token_field(visit: &Visit) -> Markup {
    html! { input type="hidden" name="form_token" value=(visit.form_token); }
}

/// To the sign-in page, coming back here afterwards.
pub(crate) fn sign_in_first(visit: &Visit) -> Response {
    Redirect::to(&format!("/login?back={}", enc(&visit.here))).into_response()
}

/// The refusal of a form without the visit's token (a page on another site may not make a
/// member's browser act), or `None` when the token is right.
pub(crate) fn refused(web: &Web, visit: &Visit, form: &Form) -> Option<Response> {
    if visit.form_ok(form.get("form_token")) {
        return None;
    }
    let lang = visit.lang;
    Some(layout::message(
        web,
        visit,
        StatusCode::FORBIDDEN,
        &t(lang, "error-forbidden"),
        &t(lang, "error-csrf"),
    ))
}

/// A member's form: the member if signed in and the token is right, else the answer to give.
pub(crate) fn member_form(
    web: &Web,
    visit: &Visit,
    raw: &RawForm,
) -> Result<(crate::session::Member, Form), Response> {
    let me = visit.member.clone().ok_or_else(|| sign_in_first(visit))?;
    let form = Form::parse(raw);
    match refused(web, visit, &form) {
        Some(refusal) => Err(refusal),
        None => Ok((me, form)),
    }
}

/// After a form: back to a page of ours.
pub(crate) fn see(path: &str) -> Response {
    Redirect::to(&back_to(path)).into_response()
}

#[derive(Deserialize, Default)]
pub struct BackQuery {
    back: Option<String>,
}

pub async fn login_page(
    State(web): State<Web>,
    visit: Visit,
    Query(q): Query<BackQuery>,
) -> Response {
    login_form(
        &web,
        &visit,
        &back_to(q.back.as_deref().unwrap_or("/")),
        None,
        StatusCode::OK,
    )
}

fn login_form(
    web: &Web,
    visit: &Visit,
    back: &str,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let lang = visit.lang;
    let body = html! {
        h1 { (t(lang, "login-heading")) }
        @if let Some(e) = &error {
            p.error-text role="alert" { (e) }
        }
        form method="post" action="/login" {
            (token_field(visit))
            input type="hidden" name="back" value=(back);
            label for="login" { (t(lang, "login-login")) }
            input #login type="text" name="login" autocomplete="username" required;
            label for="password" { (t(lang, "login-password")) }
            input #password type="password" name="password" autocomplete="current-password" required;
            p { button type="submit" { (t(lang, "login-button")) } }
        }
        p {
            a href="/auth/forgot" { (t(lang, "forgot-link")) }
            @if tsunagu_service::joining::sign_up_open(&web.ctx) {
                " · " a href="/signup" { (t(lang, "signup-link")) }
            }
        }
    };
    let head = Head {
        title: t(lang, "login-heading"),
        ..Head::default()
    };
    let mut response = layout::page(web, visit, head, body);
    *response.status_mut() = status;
    response
}

pub async fn login(State(web): State<Web>, visit: Visit, raw: RawForm) -> Response {
    let form = Form::parse(&raw);
    if let Some(refusal) = refused(&web, &visit, &form) {
        return refusal;
    }
    let back = back_to(form.get("back"));
    match oauth::start_session(&web.ctx, form.get("login"), form.get("password")).await {
        Ok((token, _, _)) => with_session(see(&back), &visit, &token.access_token),
        Err(ServiceError::RateLimited(_)) => login_form(
            &web,
            &visit,
            &back,
            Some(t(visit.lang, "login-throttled")),
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(e @ ServiceError::Forbidden(_)) => login_form(
            &web,
            &visit,
            &back,
            Some(layout::problem(visit.lang, &e)),
            StatusCode::FORBIDDEN,
        ),
        Err(_) => login_form(
            &web,
            &visit,
            &back,
            Some(t(visit.lang, "login-failed")),
            StatusCode::UNAUTHORIZED,
        ),
    }
}

/// `response` with the cookie of a new session: two weeks, then sign in again.
pub(crate) fn with_session(mut response: Response, visit: &Visit, token: &str) -> Response {
    let cookie = visit.cookie(SESSION_COOKIE, token, Some(14 * 24 * 3600));
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

pub async fn logout(State(web): State<Web>, visit: Visit, raw: RawForm) -> Response {
    let form = Form::parse(&raw);
    if let Some(refusal) = refused(&web, &visit, &form) {
        return refusal;
    }
    if let Some(m) = &visit.member {
        if let Err(e) = oauth::end_session(&web.ctx, &m.token).await {
            return layout::error(&web, &visit, &e);
        }
    }
    let mut response = see("/");
    if let Ok(v) = HeaderValue::from_str(&visit.cookie(SESSION_COOKIE, "", Some(0))) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    board: Option<String>,
}

pub async fn new_thread_page(
    State(web): State<Web>,
    visit: Visit,
    Query(q): Query<NewQuery>,
) -> Response {
    if visit.member.is_none() {
        return sign_in_first(&visit);
    }
    let result = new_thread_form(&web, &visit, q.board.as_deref(), None).await;
    answer(&web, &visit, result)
}

async fn new_thread_form(
    web: &Web,
    visit: &Visit,
    chosen: Option<&str>,
    error: Option<String>,
) -> ServiceResult<Response> {
    let lang = visit.lang;
    let boards = boards::list_boards(&web.ctx).await?;
    let body = html! {
        h1 { (t(lang, "new-heading")) }
        @if let Some(e) = &error { p.error-text role="alert" { (e) } }
        @if boards.is_empty() {
            p { (t(lang, "new-no-boards")) }
        }
        form method="post" action="/new" {
            (token_field(visit))
            label for="title" { (t(lang, "new-title")) }
            input #title type="text" name="title" maxlength="200" required;
            label for="body" { (t(lang, "new-body")) }
            textarea #body name="body" aria-describedby="body-hint" data-limit=(boards::MAX_BODY_CHARS) data-left=(t_args(lang, "characters-left", &[("n", "{n}".into())])) {}
            p.hint #body-hint { (t(lang, "new-body-hint")) }
            fieldset {
                legend { (t(lang, "new-boards")) }
                @for (_, actor) in boards.iter().filter(|(b, _)| !b.archived) {
                    div {
                        input type="checkbox" name="boards" value=(actor.username) id=(format!("b-{}", actor.username)) checked[chosen == Some(actor.username.as_str())];
                        " "
                        label.inline for=(format!("b-{}", actor.username)) { (actor.display_name) }
                    }
                }
            }
            label for="remote" { (t(lang, "new-remote-boards")) }
            input #remote type="text" name="remote_boards" aria-describedby="remote-hint";
            p.hint #remote-hint { (t(lang, "new-remote-boards-hint")) }
            label for="tags" { (t(lang, "new-tags")) }
            input #tags type="text" name="tags";
            div {
                input #question type="checkbox" name="question" value="1";
                " "
                label.inline for="question" { (t(lang, "new-question")) }
            }
            p { button type="submit" { (t(lang, "new-button")) } }
        }
    };
    let head = Head {
        title: t(lang, "new-heading"),
        ..Head::default()
    };
    Ok(layout::page(web, visit, head, body))
}

pub async fn new_thread(State(web): State<Web>, visit: Visit, raw: RawForm) -> Response {
    let Some(me) = visit.member.clone() else {
        return sign_in_first(&visit);
    };
    let form = Form::parse(&raw);
    if let Some(refusal) = refused(&web, &visit, &form) {
        return refusal;
    }
    let result = async {
        let ctx = &web.ctx;
        let mut board_ids = Vec::new();
        for name in form.all("boards") {
            board_ids.push(boards::find_board(ctx, name).await?.1.id);
        }
        for handle in form.get("remote_boards").split_whitespace() {
            let found = relations::find_by_handle(ctx, handle.trim_start_matches(['@', '!']), true)
                .await?
                .filter(|a| a.kind == "Group")
                .ok_or(ServiceError::NotFound("board"))?;
            board_ids.push(found.id);
        }
        boards::start_thread(
            ctx,
            &me.actor,
            NewThread {
                title: form.get("title").to_string(),
                body: form.get("body").to_string(),
                tags: form
                    .get("tags")
                    .split([' ', ','])
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect(),
                question: form.checked("question"),
                boards: board_ids,
            },
        )
        .await
    }
    .await;
    match result {
        Ok(post) => see(&format!("/posts/{}", post.id)),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Forbidden(_))) => {
            let message = layout::problem(visit.lang, &e);
            let r = new_thread_form(&web, &visit, None, Some(message)).await;
            super::unprocessable(answer(&web, &visit, r))
        }
        Err(e) => layout::error(&web, &visit, &e),
    }
}

fn post_id(id: &str) -> ServiceResult<i64> {
    id.parse().map_err(|_| ServiceError::NotFound("status"))
}

pub async fn reply(
    State(web): State<Web>,
    visit: Visit,
    Path(id): Path<String>,
    raw: RawForm,
) -> Response {
    let Some(me) = visit.member.clone() else {
        return sign_in_first(&visit);
    };
    let form = Form::parse(&raw);
    if let Some(refusal) = refused(&web, &visit, &form) {
        return refusal;
    }
    let result = async {
        let parent = post_id(&id)?;
        posts::create_status(
            &web.ctx,
            &me.actor,
            NewStatus {
                text: form.get("text").to_string(),
                visibility: PostVisibility::Public,
                in_reply_to_id: Some(parent),
                spoiler_text: String::new(),
                sensitive: false,
                media_ids: Vec::new(),
                poll: None,
            },
        )
        .await
    }
    .await;
    match result {
        Ok(post) => see(&format!("/posts/{}", post.id)),
        Err(e) => layout::error(&web, &visit, &e),
    }
}

pub async fn edit_page(State(web): State<Web>, visit: Visit, Path(id): Path<String>) -> Response {
    let Some(me) = visit.member.clone() else {
        return sign_in_first(&visit);
    };
    let result = async {
        let lang = visit.lang;
        let post = posts::visible_post(&web.ctx, Some(me.actor.id), post_id(&id)?).await?;
        if post.author_id != me.actor.id {
            return Err(ServiceError::Forbidden("this post is not yours".into()));
        }
        let is_thread = boards::thread(&web.ctx, post.id).await?.is_some();
        let text = post
            .source
            .clone()
            .unwrap_or_else(|| tsunagu_service::html::to_text(&post.content));
        let body = html! {
            h1 { (t(lang, "edit-heading")) }
            form method="post" action=(format!("/posts/{}/edit", post.id)) {
                (token_field(&visit))
                @if is_thread {
                    label for="title" { (t(lang, "new-title")) }
                    input #title type="text" name="title" value=(post.name.clone().unwrap_or_default()) required;
                }
                label for="text" { (t(lang, "new-body")) }
                textarea #text name="text" data-limit=(posts::MAX_STATUS_CHARS) data-left=(t_args(lang, "characters-left", &[("n", "{n}".into())])) { (text) }
                p { button type="submit" { (t(lang, "edit-button")) } }
            }
        };
        let head = Head {
            title: t(lang, "edit-heading"),
            ..Head::default()
        };
        Ok(layout::page(&web, &visit, head, body))
    }
    .await;
    answer(&web, &visit, result)
}

pub async fn edit(
    State(web): State<Web>,
    visit: Visit,
    Path(id): Path<String>,
    raw: RawForm,
) -> Response {
    let Some(me) = visit.member.clone() else {
        return sign_in_first(&visit);
    };
    let form = Form::parse(&raw);
    if let Some(refusal) = refused(&web, &visit, &form) {
        return refusal;
    }
    let result = async {
        let id = post_id(&id)?;
        if boards::thread(&web.ctx, id).await?.is_some() {
            boards::edit_thread(
                &web.ctx,
                &me.actor,
                id,
                Some(form.get("title")),
                Some(form.get("text")),
            )
            .await
        } else {
            posts::edit_status(&web.ctx, &me.actor, id, form.get("text"), "", false, None).await
        }
    }
    .await;
    match result {
        Ok(post) => see(&format!("/posts/{}", post.id)),
        Err(e) => layout::error(&web, &visit, &e),
    }
}

pub async fn delete(
    State(web): State<Web>,
    visit: Visit,
    Path(id): Path<String>,
    raw: RawForm,
) -> Response {
    let Some(me) = visit.member.clone() else {
        return sign_in_first(&visit);
    };
    let form = Form::parse(&raw);
    if let Some(refusal) = refused(&web, &visit, &form) {
        return refusal;
    }
    let result = async {
        let post = posts::delete_status(&web.ctx, &me.actor, post_id(&id)?).await?;
        // Back to the thread it was in, or home.
        Ok::<_, ServiceError>(match post.in_reply_to_id {
            Some(parent) => format!("/posts/{parent}"),
            None => "/".to_string(),
        })
    }
    .await;
    match result {
        Ok(path) => see(&path),
        Err(e) => layout::error(&web, &visit, &e),
    }
}

pub async fn favourite(
    State(web): State<Web>,
    visit: Visit,
    Path(id): Path<String>,
    raw: RawForm,
) -> Response {
    let Some(me) = visit.member.clone() else {
        return sign_in_first(&visit);
    };
    let form = Form::parse(&raw);
    if let Some(refusal) = refused(&web, &visit, &form) {
        return refusal;
    }
    let result = async {
        let id = post_id(&id)?;
        if form.checked("undo") {
            posts::unfavourite(&web.ctx, &me.actor, id).await
        } else {
            posts::favourite(&web.ctx, &me.actor, id).await
        }
    }
    .await;
    match result {
        Ok(post) => see(&format!("/posts/{}#p{}", post.id, post.id)),
        Err(e) => layout::error(&web, &visit, &e),
    }
}

pub async fn accept(
    State(web): State<Web>,
    visit: Visit,
    Path(id): Path<String>,
    raw: RawForm,
) -> Response {
    let Some(me) = visit.member.clone() else {
        return sign_in_first(&visit);
    };
    let form = Form::parse(&raw);
    if let Some(refusal) = refused(&web, &visit, &form) {
        return refusal;
    }
    let result = async {
        let thread = post_id(&id)?;
        let answer = match form.get("answer") {
            "" => None,
            a => Some(post_id(a)?),
        };
        boards::accept_answer(&web.ctx, &me.actor, thread, answer).await?;
        Ok::<_, ServiceError>(thread)
    }
    .await;
    match result {
        Ok(thread) => see(&format!("/posts/{thread}")),
        Err(e) => layout::error(&web, &visit, &e),
    }
}

pub async fn follow_page(State(web): State<Web>, visit: Visit) -> Response {
    if visit.member.is_none() {
        return sign_in_first(&visit);
    }
    let lang = visit.lang;
    let body = html! {
        h1 { (t(lang, "follow-heading")) }
        form method="post" action="/follow" {
            (token_field(&visit))
            label for="handle" { (t(lang, "follow-label")) }
            div.row {
                input #handle type="text" name="handle" required;
                button type="submit" { (t(lang, "follow-button")) }
            }
        }
    };
    let head = Head {
        title: t(lang, "follow-heading"),
        ..Head::default()
    };
    layout::page(&web, &visit, head, body)
}

/// Follows (or with `undo`, unfollows) an account by id, or one found by handle or address.
pub async fn follow(State(web): State<Web>, visit: Visit, raw: RawForm) -> Response {
    let Some(me) = visit.member.clone() else {
        return sign_in_first(&visit);
    };
    let form = Form::parse(&raw);
    if let Some(refusal) = refused(&web, &visit, &form) {
        return refusal;
    }
    let ctx = &web.ctx;
    let result = async {
        let target = match form.get("account").parse::<i64>() {
            Ok(id) => relations::get_actor(ctx, id).await?,
            Err(_) => account_named(ctx, form.get("handle")).await?,
        };
        if form.checked("undo") {
            relations::unfollow(ctx, &me.actor, target.id).await?;
        } else {
            relations::follow(ctx, &me.actor, target.id, FollowOptions::default()).await?;
        }
        Ok::<_, ServiceError>(target)
    }
    .await;
    match result {
        Ok(target) => {
            let back = form.get("back");
            if back.is_empty() {
                see(&render::profile_href(&target)).into_response()
            } else {
                see(back)
            }
        }
        Err(e) => layout::error(&web, &visit, &e),
    }
}

/// The account a person typed: `name` here, `name@server` or `@name@server` anywhere (looked
/// up on its server when new to us), or the address of its page.
pub(crate) async fn account_named(
    ctx: &tsunagu_service::Context,
    wanted: &str,
) -> ServiceResult<tsunagu_db::Actor> {
    let wanted = wanted.trim();
    if wanted.starts_with("https://") || wanted.starts_with("http://") {
        match ctx.federator()?.resolve_url(wanted).await? {
            tsunagu_service::Resolved::Actor(a) => Ok(a),
            tsunagu_service::Resolved::Post(_) => Err(ServiceError::NotFound("account")),
        }
    } else {
        relations::find_by_handle(ctx, wanted.trim_start_matches(['@', '!']), true)
            .await?
            .ok_or(ServiceError::NotFound("account"))
    }
}

/// A follow or unfollow button for `account`, coming back to the page.
pub fn follow_button(visit: &Visit, account: i64, following: bool) -> Markup {
    let lang = visit.lang;
    html! {
        form.inline method="post" action="/follow" {
            (token_field(visit))
            input type="hidden" name="account" value=(account);
            input type="hidden" name="back" value=(visit.here);
            @if following {
                input type="hidden" name="undo" value="1";
                button.secondary type="submit" { (t(lang, "unfollow-button")) }
            } @else {
                button type="submit" { (t(lang, "follow-button")) }
            }
        }
    }
}

pub async fn settings_page(State(web): State<Web>, visit: Visit) -> Response {
    let Some(me) = visit.member.clone() else {
        return sign_in_first(&visit);
    };
    let result = settings_form(&web, &visit, &me, None).await;
    answer(&web, &visit, result)
}

async fn settings_form(
    web: &Web,
    visit: &Visit,
    me: &Member,
    note: Option<String>,
) -> ServiceResult<Response> {
    let lang = visit.lang;
    let entries = accounts::profile(&web.ctx, me.user.id, Viewer::OwnerOrStaff).await?;
    let visibilities = [
        Visibility::Public,
        Visibility::Federated,
        Visibility::Local,
        Visibility::Hidden,
    ];
    let body = html! {
        h1 { (t(lang, "settings-heading")) }
        @if let Some(n) = &note { p.notice role="status" { (n) } }
        form method="post" action="/settings/language" {
            (token_field(visit))
            label for="language" { (t(lang, "settings-language")) }
            div.row {
                select #language name="language" {
                    option value="" selected[me.user.interface_language.is_empty()] { (t(lang, "settings-language-browser")) }
                    @for l in crate::i18n::Lang::ALL {
                        option value=(l.code()) lang=(l.code()) selected[me.user.interface_language == l.code()] { (l.name()) }
                    }
                }
                button type="submit" { (t(lang, "settings-save")) }
            }
        }
        form method="post" action="/settings/profile" {
            (token_field(visit))
            label for="display_name" { (t(lang, "settings-display-name")) }
            input #display_name type="text" name="display_name" maxlength="100" value=(me.actor.display_name);
            label for="note" { (t(lang, "settings-note")) }
            textarea #note name="note" { (tsunagu_service::html::to_text(&me.actor.summary)) }
            h2 { (t(lang, "settings-alumni")) }
            @for key in ProfileKey::ALL {
                @let entry = entries.iter().find(|e| e.key == key);
                @let value = entry.map(|e| e.value.clone()).unwrap_or_default();
                @let visibility = entry.map(|e| e.visibility).unwrap_or(Visibility::Local);
                fieldset.field {
                    legend { (t(lang, &format!("field-{}", key.as_str()))) }
                    label for=(format!("f-{}", key.as_str())) { (t(lang, &format!("field-{}", key.as_str()))) }
                    @if key == ProfileKey::Introduction {
                        textarea id=(format!("f-{}", key.as_str())) name=(format!("field.{}", key.as_str())) { (value) }
                    } @else {
                        input id=(format!("f-{}", key.as_str())) type="text" name=(format!("field.{}", key.as_str())) value=(value);
                    }
                    label for=(format!("v-{}", key.as_str())) { (t(lang, "settings-visibility")) }
                    select id=(format!("v-{}", key.as_str())) name=(format!("visibility.{}", key.as_str())) {
                        @for v in visibilities {
                            option value=(v.as_str()) selected[v == visibility] { (t(lang, &format!("visibility-{}", v.as_str()))) }
                        }
                    }
                }
            }
            p { button type="submit" { (t(lang, "settings-save")) } }
        }
        (super::own_data::section(visit))
    };
    let head = Head {
        title: t(lang, "settings-heading"),
        ..Head::default()
    };
    Ok(layout::page(web, visit, head, body))
}

pub async fn settings(State(web): State<Web>, visit: Visit, raw: RawForm) -> Response {
    let Some(me) = visit.member.clone() else {
        return sign_in_first(&visit);
    };
    let form = Form::parse(&raw);
    if let Some(refusal) = refused(&web, &visit, &form) {
        return refusal;
    }
    let result = async {
        let ctx = &web.ctx;
        let mut fields = Vec::new();
        for key in ProfileKey::ALL {
            let visibility = Visibility::parse(form.get(&format!("visibility.{}", key.as_str())))?;
            fields.push((
                key,
                form.get(&format!("field.{}", key.as_str())).to_string(),
                visibility,
            ));
        }
        accounts::set_profile_fields(ctx, &me.user, &fields).await?;
        accounts::update_profile(
            ctx,
            &me.actor,
            ProfileUpdate {
                display_name: Some(form.get("display_name").to_string()),
                note: Some(form.get("note").to_string()),
                ..ProfileUpdate::default()
            },
        )
        .await
    }
    .await;
    match result {
        Ok(actor) => {
            let me = Member { actor, ..me };
            let r = settings_form(&web, &visit, &me, Some(t(visit.lang, "settings-saved"))).await;
            answer(&web, &visit, r)
        }
        Err(e) => layout::error(&web, &visit, &e),
    }
}

pub async fn language(State(web): State<Web>, visit: Visit, raw: RawForm) -> Response {
    let Some(me) = visit.member.clone() else {
        return sign_in_first(&visit);
    };
    let form = Form::parse(&raw);
    if let Some(refusal) = refused(&web, &visit, &form) {
        return refusal;
    }
    let chosen = form.get("language");
    match accounts::set_interface_language(&web.ctx, me.user.id, chosen).await {
        // The cookie of the last `?lang=` would otherwise outlive "the browser's language".
        Ok(()) => {
            let mut response = see("/settings/profile");
            let cookie = visit.cookie(
                crate::session::LANG_COOKIE,
                chosen,
                Some(if chosen.is_empty() {
                    0
                } else {
                    365 * 24 * 3600
                }),
            );
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
            response
        }
        Err(e) => layout::error(&web, &visit, &e),
    }
}

pub async fn notifications_page(State(web): State<Web>, visit: Visit) -> Response {
    let Some(me) = visit.member.clone() else {
        return sign_in_first(&visit);
    };
    let result = async {
        let ctx = &web.ctx;
        let lang = visit.lang;
        let list = notifications::list(ctx, me.actor.id, None, Vec::new(), Page::first(40)).await?;
        let senders: Vec<i64> = list.iter().map(|n| n.from_actor_id).collect();
        let refused = tsunagu_service::policy::hidden_authors(ctx, &senders, false).await?;
        let post_ids: Vec<i64> = list.iter().filter_map(|n| n.post_id).collect();
        let (actors, posts_found) = futures_pair(ctx, senders, post_ids).await?;
        let visible = posts::filter_visible(ctx, Some(me.actor.id), posts_found).await?;
        let body = html! {
            h1 { (t(lang, "notifications-heading")) }
            @if list.is_empty() { p { (t(lang, "notifications-empty")) } }
            ol.threads {
                @for n in list.iter().filter(|n| !refused.contains(&n.from_actor_id)) {
                    @let from = actors.iter().find(|a| a.id == n.from_actor_id);
                    @let post = n.post_id.and_then(|id| visible.iter().find(|p| p.id == id));
                    @if n.post_id.is_none() || post.is_some() {
                        li {
                            @let name = from.map(|a| if a.display_name.is_empty() { a.username.clone() } else { a.display_name.clone() }).unwrap_or_default();
                            @let key = format!("notification-{}", n.kind);
                            @let text = t_args(lang, &key, &[("name", name.clone().into())]);
                            @let text = if text == key { t_args(lang, "notification-other", &[("name", name.into())]) } else { text };
                            @if let Some(p) = post {
                                a href=(format!("/posts/{}", p.id)) { (text) }
                                div.content { (maud::PreEscaped(read::content_html(p))) }
                            } @else if let Some(a) = from {
                                a href=(render::profile_href(a)) { (text) }
                            }
                            div.meta { (render::time(lang, n.created_at)) }
                        }
                    }
                }
            }
        };
        let head = Head {
            title: t(lang, "notifications-heading"),
            ..Head::default()
        };
        Ok(layout::page(&web, &visit, head, body))
    }
    .await;
    answer(&web, &visit, result)
}

/// Accounts and posts by id, in one read.
async fn futures_pair(
    ctx: &tsunagu_service::Context,
    actor_ids: Vec<i64>,
    post_ids: Vec<i64>,
) -> ServiceResult<(Vec<tsunagu_db::Actor>, Vec<tsunagu_db::Post>)> {
    let mut actors = Vec::new();
    for id in actor_ids {
        if let Ok(a) = relations::get_actor(ctx, id).await {
            actors.push(a);
        }
    }
    let mut found = Vec::new();
    for id in post_ids {
        if let Ok(p) = posts::get_post(ctx, id).await {
            found.push(p);
        }
    }
    Ok((actors, found))
}
