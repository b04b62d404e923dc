//! Tsunagu's board endpoints under `/api/v1/tsunagu/`: boards, threads, Q&A, moderation.

use crate::auth::{Auth, MaybeAuth};
use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::read_cache::ReadCache;
use crate::views;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::{Extension, Json};
use serde_json::{json, Value};
use tsunagu_db::queries::boards::ThreadOrder;
use tsunagu_db::{Actor, Board, Post};
use tsunagu_service::boards::{self, BoardChanges, NewBoard, NewThread, PostingMode};
use tsunagu_service::{posts, Context};

async fn board_json(ctx: &Context, board: &Board, actor: &Actor) -> ApiResult<Value> {
    let moderators = boards::moderators(ctx, actor.id).await?;
    Ok(json!({
        "id": actor.id.to_string(),
        "name": actor.username,
        "acct": views::acct(ctx, actor),
        "title": actor.display_name,
        "description": actor.summary,
        "rules": board.rules,
        "posting_mode": board.posting_mode,
        "archived": board.archived,
        "url": actor.url,
        "uri": actor.ap_id,
        "created_at": views::time(board.created_at),
        "moderators": views::accounts(ctx, &moderators).await?,
        "account": views::account(ctx, actor).await?,
    }))
}

fn posting_mode(p: &Params, key: &str) -> ApiResult<Option<PostingMode>> {
    Ok(match p.str(key).filter(|s| !s.is_empty()) {
        Some(m) => Some(m.parse()?),
        None => None,
    })
}

/// `POST /api/v1/tsunagu/boards` (staff).
pub async fn create(auth: Auth, State(ctx): State<Context>, p: Params) -> ApiResult<Json<Value>> {
    let (user, me) = auth.member("write:accounts")?;
    boards::require_staff(user)?;
    let (board, actor) = boards::create_board(
        &ctx,
        Some(me),
        NewBoard {
            name: p.require("name")?,
            title: p.require("title")?,
            description: p.str("description").unwrap_or_default(),
            rules: p.str("rules").unwrap_or_default(),
            posting_mode: posting_mode(&p, "posting_mode")?.unwrap_or(PostingMode::Open),
        },
    )
    .await?;
    Ok(Json(board_json(&ctx, &board, &actor).await?))
}

pub async fn list(State(ctx): State<Context>) -> ApiResult<Json<Value>> {
    let mut out = Vec::new();
    for (board, actor) in boards::list_boards(&ctx).await? {
        out.push(board_json(&ctx, &board, &actor).await?);
    }
    Ok(Json(json!(out)))
}

pub async fn show(Path(name): Path<String>, State(ctx): State<Context>) -> ApiResult<Json<Value>> {
    let (board, actor) = boards::find_board(&ctx, &name).await?;
    Ok(Json(board_json(&ctx, &board, &actor).await?))
}

/// `PATCH /api/v1/tsunagu/boards/:name`: title, description, rules, posting_mode, archived.
pub async fn update(
    Path(name): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:accounts")?;
    let (_, actor) = boards::find_board(&ctx, &name).await?;
    let changes = BoardChanges {
        title: p.str("title"),
        description: p.str("description"),
        rules: p.str("rules"),
        posting_mode: posting_mode(&p, "posting_mode")?,
        archived: p.bool("archived")?,
        hold_remote_first_posts: p.bool("hold_remote_first_posts")?,
    };
    let (board, actor) = boards::update_board(&ctx, me, actor.id, changes).await?;
    Ok(Json(board_json(&ctx, &board, &actor).await?))
}

/// Thread facts added to a status entity.
async fn thread_json(ctx: &Context, viewer: Option<i64>, post: Post) -> ApiResult<Value> {
    let thread = boards::thread(ctx, post.id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let in_boards = boards::boards_of_thread(ctx, post.id).await?;
    let title = post.name.clone();
    let mut status = views::status(ctx, viewer, post).await?;
    // The accepted answer shows only to those who may see it.
    let accepted = match thread.accepted_answer_id {
        Some(id) => match posts::visible_post(ctx, viewer, id).await {
            Ok(answer) => Some(views::status(ctx, viewer, answer).await?),
            Err(_) => None,
        },
        None => None,
    };
    status["tsunagu"] = json!({
        "title": title,
        "question": thread.question,
        "answered": thread.accepted_answer_id.is_some(),
        "accepted_answer_id": thread.accepted_answer_id.map(|i| i.to_string()),
        "accepted_answer": accepted,
        "locked": thread.locked,
        "last_activity_at": views::time(thread.last_activity_at),
        "boards": in_boards.iter().map(|b| json!({ "id": b.id.to_string(), "acct": views::acct(ctx, b), "uri": b.ap_id })).collect::<Vec<_>>(),
    });
    Ok(status)
}

/// `GET /api/v1/tsunagu/boards/:name/threads?order=activity|new&filter=unanswered|answered`
pub async fn threads(
    Path(name): Path<String>,
    viewer: MaybeAuth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let viewer = viewer.viewer("read:statuses")?;
    let board = find_any_board(&ctx, &name).await?;
    let order = match p.str("order").as_deref() {
        None | Some("activity") => ThreadOrder::Activity,
        Some("new") => ThreadOrder::New,
        Some(o) => {
            return Err(ApiError::unprocessable(format!(
                "Validation failed: unknown order {o:?}"
            )))
        }
    };
    let answered = match p.str("filter").as_deref() {
        None | Some("") | Some("all") => None,
        Some("unanswered") => Some(false),
        Some("answered") => Some(true),
        Some(f) => {
            return Err(ApiError::unprocessable(format!(
                "Validation failed: unknown filter {f:?}"
            )))
        }
    };
    let limit = p.i64("limit")?.unwrap_or(20).clamp(1, 40);
    let offset = p.i64("offset")?.unwrap_or(0).max(0);
    let mut out = Vec::new();
    for (_, post) in boards::threads(&ctx, board.id, order, answered, limit, offset).await? {
        if posts::can_see(&ctx, viewer, &post).await? {
            out.push(thread_json(&ctx, viewer, post).await?);
        }
    }
    Ok(Json(json!(out)))
}

/// A board by `name` (here) or `name@host` (known remote board).
async fn find_any_board(ctx: &Context, name: &str) -> ApiResult<Actor> {
    tsunagu_service::relations::find_by_handle(ctx, name, true)
        .await?
        .filter(|a| a.kind == "Group")
        .ok_or_else(ApiError::not_found)
}

/// `POST /api/v1/tsunagu/threads`: `{title, body, tags, question, boards: ["name", "name@host"]}`.
pub async fn start(auth: Auth, State(ctx): State<Context>, p: Params) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:statuses")?;
    let names = p.list("boards");
    if names.is_empty() {
        return Err(ApiError::unprocessable(
            "Validation failed: boards can't be blank",
        ));
    }
    if names.len() > boards::MAX_BOARDS_PER_THREAD {
        return Err(ApiError::unprocessable(format!(
            "Validation failed: a thread goes to at most {} boards",
            boards::MAX_BOARDS_PER_THREAD
        )));
    }
    let mut board_ids = Vec::new();
    for name in &names {
        board_ids.push(find_any_board(&ctx, name.trim_start_matches('@')).await?.id);
    }
    let post = boards::start_thread(
        &ctx,
        me,
        NewThread {
            title: p.require("title")?,
            body: p.str("body").unwrap_or_default(),
            tags: p.list("tags"),
            question: p.bool("question")?.unwrap_or(false),
            boards: board_ids,
        },
    )
    .await?;
    Ok(Json(thread_json(&ctx, Some(me.id), post).await?))
}

fn id(s: &str) -> ApiResult<i64> {
    s.parse().map_err(|_| ApiError::not_found())
}

/// `GET /api/v1/tsunagu/threads/:id`, kept for each viewer until the next write.
pub async fn show_thread(
    Path(thread): Path<String>,
    viewer: MaybeAuth,
    Extension(cache): Extension<ReadCache>,
    State(ctx): State<Context>,
) -> ApiResult<Response> {
    let viewer = viewer.viewer("read:statuses")?;
    let thread = id(&thread)?;
    let writes = ctx.db.writes_seen();
    cache
        .json(writes, ("thread", thread, viewer), move || async move {
            let post = posts::visible_post(&ctx, viewer, thread).await?;
            thread_json(&ctx, viewer, post).await
        })
        .await
}

/// `POST /api/v1/tsunagu/threads/:id/accept` with `answer_id` (or none to clear).
pub async fn accept(
    Path(thread): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:statuses")?;
    let answer = match p.str("answer_id").filter(|s| !s.is_empty()) {
        Some(a) => Some(id(&a)?),
        None => None,
    };
    boards::accept_answer(&ctx, me, id(&thread)?, answer).await?;
    let post = posts::get_post(&ctx, id(&thread)?).await?;
    Ok(Json(thread_json(&ctx, Some(me.id), post).await?))
}

async fn lock_thread(
    thread: String,
    auth: Auth,
    ctx: Context,
    locked: bool,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:statuses")?;
    boards::set_locked(&ctx, me, id(&thread)?, locked).await?;
    let post = posts::get_post(&ctx, id(&thread)?).await?;
    Ok(Json(thread_json(&ctx, Some(me.id), post).await?))
}

pub async fn lock(
    Path(thread): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    lock_thread(thread, auth, ctx, true).await
}

pub async fn unlock(
    Path(thread): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    lock_thread(thread, auth, ctx, false).await
}

async fn pin_thread(
    name: String,
    auth: Auth,
    ctx: Context,
    p: Params,
    pinned: bool,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:statuses")?;
    let (_, board) = boards::find_board(&ctx, &name).await?;
    boards::set_pinned(&ctx, me, board.id, id(&p.require("thread_id")?)?, pinned).await?;
    let pins = boards::pinned(&ctx, board.id).await?;
    Ok(Json(json!(views::statuses(&ctx, Some(me.id), pins).await?)))
}

/// `POST /api/v1/tsunagu/boards/:name/pin` with `thread_id`; answers the pinned threads.
pub async fn pin(
    Path(name): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    pin_thread(name, auth, ctx, p, true).await
}

pub async fn unpin(
    Path(name): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    pin_thread(name, auth, ctx, p, false).await
}

pub async fn pinned(
    Path(name): Path<String>,
    viewer: MaybeAuth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let viewer = viewer.viewer("read:statuses")?;
    let board = find_any_board(&ctx, &name).await?;
    let pins = boards::pinned(&ctx, board.id).await?;
    Ok(Json(json!(views::statuses(&ctx, viewer, pins).await?)))
}

/// `POST /api/v1/tsunagu/statuses/:id/remove` with `reason`: a moderator removes a post.
pub async fn remove(
    Path(status): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:statuses")?;
    boards::remove_post(&ctx, me, id(&status)?, &p.str("reason").unwrap_or_default()).await?;
    Ok(Json(json!({})))
}

/// `POST /api/v1/tsunagu/statuses/:id/restore`: a moderator undoes a removal.
pub async fn restore(
    Path(status): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:statuses")?;
    boards::restore_post(&ctx, me, id(&status)?).await?;
    Ok(Json(json!({})))
}

async fn ban_account(
    name: String,
    auth: Auth,
    ctx: Context,
    p: Params,
    banned: bool,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:accounts")?;
    let (_, board) = boards::find_board(&ctx, &name).await?;
    let target = id(&p.require("account_id")?)?;
    boards::set_banned(
        &ctx,
        me,
        board.id,
        target,
        banned,
        &p.str("reason").unwrap_or_default(),
    )
    .await?;
    Ok(Json(json!({})))
}

/// `POST /api/v1/tsunagu/boards/:name/bans` with `account_id`, `reason`.
pub async fn ban(
    Path(name): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    ban_account(name, auth, ctx, p, true).await
}

/// `POST /api/v1/tsunagu/boards/:name/unban` with `account_id`.
pub async fn unban(
    Path(name): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    ban_account(name, auth, ctx, p, false).await
}

/// `POST /api/v1/tsunagu/boards/:name/moderators` with `account_id`.
pub async fn add_moderator(
    Path(name): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:accounts")?;
    let (board, actor) = boards::find_board(&ctx, &name).await?;
    boards::add_moderator(&ctx, me, actor.id, id(&p.require("account_id")?)?).await?;
    Ok(Json(board_json(&ctx, &board, &actor).await?))
}

/// `GET /api/v1/tsunagu/boards/:name/held`: posts waiting for a moderator.
pub async fn held(
    Path(name): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("read:statuses")?;
    let (_, board) = boards::find_board(&ctx, &name).await?;
    let held = boards::held_posts(&ctx, me, board.id).await?;
    Ok(Json(json!(views::statuses(&ctx, Some(me.id), held).await?)))
}

/// `POST /api/v1/tsunagu/boards/:name/approve` with `status_id`.
pub async fn approve(
    Path(name): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:statuses")?;
    let (_, board) = boards::find_board(&ctx, &name).await?;
    let post = boards::approve_post(&ctx, me, board.id, id(&p.require("status_id")?)?).await?;
    Ok(Json(views::status(&ctx, Some(me.id), post).await?))
}

/// `PATCH /api/v1/tsunagu/threads/:id` with `title` and/or `body` (Markdown).
pub async fn edit(
    Path(thread): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:statuses")?;
    let post = boards::edit_thread(
        &ctx,
        me,
        id(&thread)?,
        p.str("title").as_deref(),
        p.str("body").as_deref(),
    )
    .await?;
    Ok(Json(thread_json(&ctx, Some(me.id), post).await?))
}

fn report_json(report: &tsunagu_db::Report, target: Value) -> Value {
    json!({
        "id": report.id.to_string(),
        "action_taken": report.resolved_at.is_some(),
        "action_taken_at": report.resolved_at.map(views::time),
        "category": "other",
        "comment": report.comment,
        "forwarded": report.forwarded,
        "created_at": views::time(report.created_at),
        "status_ids": tsunagu_service::reports::post_ids(report).iter().map(i64::to_string).collect::<Vec<_>>(),
        "rule_ids": null,
        "target_account": target,
    })
}

/// `POST /api/v1/reports` (Mastodon): `account_id`, `status_ids[]`, `comment`, `forward`.
pub async fn report(auth: Auth, State(ctx): State<Context>, p: Params) -> ApiResult<Json<Value>> {
    let (_, me) = auth.member("write:reports")?;
    let target = id(&p.require("account_id")?)?;
    let mut post_ids = Vec::new();
    for s in p.list("status_ids") {
        post_ids.push(id(&s)?);
    }
    let report = tsunagu_service::reports::create(
        &ctx,
        me,
        tsunagu_service::reports::NewReportRequest {
            target_id: target,
            post_ids,
            comment: p.str("comment").unwrap_or_default(),
            forward: p.bool("forward")?.unwrap_or(false),
        },
    )
    .await?;
    let target = views::account(
        &ctx,
        &tsunagu_service::relations::get_actor(&ctx, report.target_id).await?,
    )
    .await?;
    Ok(Json(report_json(&report, target)))
}

/// `GET /api/v1/tsunagu/reports[?board=name]`: open reports for staff or a board's moderators.
pub async fn reports(auth: Auth, State(ctx): State<Context>, p: Params) -> ApiResult<Json<Value>> {
    let (user, me) = auth.member("read:reports")?;
    let board = match p.str("board") {
        Some(name) => Some(boards::find_board(&ctx, &name).await?.1.id),
        None => None,
    };
    let staff = tsunagu_service::accounts::role_of(user).is_staff();
    let mut out = Vec::new();
    for report in tsunagu_service::reports::open_reports(&ctx, me, staff, board).await? {
        let target = views::account(
            &ctx,
            &tsunagu_service::relations::get_actor(&ctx, report.target_id).await?,
        )
        .await?;
        let reporter = views::account(
            &ctx,
            &tsunagu_service::relations::get_actor(&ctx, report.reporter_id).await?,
        )
        .await?;
        let mut value = report_json(&report, target);
        value["account"] = reporter;
        out.push(value);
    }
    Ok(Json(json!(out)))
}

/// `POST /api/v1/tsunagu/reports/:id/resolve`.
pub async fn resolve_report(
    Path(report): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (user, me) = auth.member("write:reports")?;
    let staff = tsunagu_service::accounts::role_of(user).is_staff();
    tsunagu_service::reports::resolve(&ctx, me, staff, id(&report)?).await?;
    Ok(Json(json!({})))
}
