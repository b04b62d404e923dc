//! Surveys: staff create them, members answer once, staff (and members, when allowed) read the
//! results; staff download every response as CSV.

use crate::auth::Auth;
use crate::error::{parse_id, ApiError, ApiResult};
use crate::params::Params;
use crate::views;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use tsunagu_db::Survey;
use tsunagu_service::surveys::{self, Answer, NewQuestion, NewSurveyForm};
use tsunagu_service::Context;

fn survey_json(s: &Survey, answered: bool) -> Value {
    json!({
        "id": s.id.to_string(),
        "title": s.title,
        "description": s.description,
        "anonymous": s.anonymous,
        "results_public": s.results_public,
        "closes_at": s.closes_at.map(views::time),
        "open": surveys::is_open(s),
        "created_at": views::time(s.created_at),
        "answered": answered,
        "poll_status_id": s.poll_post_id.map(|id| id.to_string()),
        "questions": surveys::questions(s).iter().map(|q| json!({
            "id": q.id.to_string(),
            "kind": q.kind.as_str(),
            "text": q.text,
            "options": q.options,
            "min": q.min,
            "max": q.max,
        })).collect::<Vec<_>>(),
    })
}

/// The items of a JSON array, or of an object keyed by index (`questions[0][kind]=` forms).
fn items(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::Array(a)) => a.clone(),
        Some(Value::Object(m)) => {
            let mut pairs: Vec<(usize, Value)> = m
                .iter()
                .filter_map(|(k, v)| Some((k.parse().ok()?, v.clone())))
                .collect();
            pairs.sort_by_key(|(k, _)| *k);
            pairs.into_iter().map(|(_, v)| v).collect()
        }
        _ => Vec::new(),
    }
}

fn text(v: &Value, key: &str) -> String {
    match &v[key] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

fn number(v: &Value, key: &str) -> ApiResult<Option<i64>> {
    match &v[key] {
        Value::Null => Ok(None),
        Value::Number(n) => n.as_i64().map(Some).ok_or_else(|| {
            ApiError::unprocessable(format!("Validation failed: {key} must be a whole number"))
        }),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => s.trim().parse().map(Some).map_err(|_| {
            ApiError::unprocessable(format!("Validation failed: {key} must be a whole number"))
        }),
        _ => Err(ApiError::unprocessable(format!(
            "Validation failed: {key} must be a whole number"
        ))),
    }
}

/// `POST /api/v1/tsunagu/surveys`
pub async fn create(auth: Auth, State(ctx): State<Context>, p: Params) -> ApiResult<Json<Value>> {
    let (user, _) = auth.member("write")?;
    let mut questions = Vec::new();
    for q in items(p.value("questions")) {
        questions.push(NewQuestion {
            kind: text(&q, "kind"),
            text: text(&q, "text"),
            options: items(Some(&q["options"]))
                .iter()
                .map(|o| o.as_str().unwrap_or_default().to_string())
                .collect(),
            min: number(&q, "min")?,
            max: number(&q, "max")?,
        });
    }
    let survey = surveys::create(
        &ctx,
        user,
        NewSurveyForm {
            title: p.str("title").unwrap_or_default(),
            description: p.str("description").unwrap_or_default(),
            questions,
            anonymous: p.bool("anonymous")?.unwrap_or(false),
            results_public: p.bool("results_public")?.unwrap_or(false),
            as_poll: p.bool("as_poll")?.unwrap_or(false),
            closes_in: p.i64("closes_in")?,
        },
    )
    .await?;
    Ok(Json(survey_json(&survey, false)))
}

/// `GET /api/v1/tsunagu/surveys`: open surveys (every survey for staff), newest first.
pub async fn list(auth: Auth, State(ctx): State<Context>) -> ApiResult<Json<Value>> {
    let (user, _) = auth.member("read")?;
    let mut out = Vec::new();
    for s in surveys::list(&ctx, user).await? {
        let answered = surveys::answered(&ctx, s.id, user.id).await?;
        out.push(survey_json(&s, answered));
    }
    Ok(Json(json!(out)))
}

/// `GET /api/v1/tsunagu/surveys/:id`
pub async fn show(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (user, _) = auth.member("read")?;
    let survey = surveys::get(&ctx, parse_id(&id)?).await?;
    let answered = surveys::answered(&ctx, survey.id, user.id).await?;
    Ok(Json(survey_json(&survey, answered)))
}

/// `POST /api/v1/tsunagu/surveys/:id/responses` with `answers`: `[{question_id, choices}]`,
/// `[{question_id, text}]` or `[{question_id, value}]`.
pub async fn respond(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
    p: Params,
) -> ApiResult<Json<Value>> {
    let (user, _) = auth.member("write")?;
    let mut answers = Vec::new();
    for a in items(p.value("answers")) {
        let question_id = number(&a, "question_id")?.ok_or_else(|| {
            ApiError::unprocessable("Validation failed: each answer needs a question_id")
        })?;
        let mut choices = Vec::new();
        for c in items(Some(&a["choices"])) {
            let n = match &c {
                Value::Number(n) => n.as_u64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            }
            .ok_or_else(|| {
                ApiError::unprocessable("Validation failed: choices are option indices")
            })?;
            choices.push(n as usize);
        }
        answers.push(Answer {
            question_id,
            choices,
            text: a["text"].as_str().map(str::to_string),
            value: number(&a, "value")?,
        });
    }
    surveys::respond(&ctx, user, parse_id(&id)?, &answers).await?;
    Ok(Json(json!({})))
}

/// `GET /api/v1/tsunagu/surveys/:id/results`
pub async fn results(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Json<Value>> {
    let (user, _) = auth.member("read")?;
    let staff = tsunagu_service::accounts::role_of(user).is_staff();
    let r = surveys::results(&ctx, user, parse_id(&id)?).await?;
    Ok(Json(json!({
        "responses_count": r.responses,
        "questions": r.questions.iter().map(|q| {
            let question = q.question.as_ref();
            let mut v = json!({
                "id": question.map(|x| x.id.to_string()),
                "kind": question.map(|x| x.kind.as_str()),
                "text": question.map(|x| x.text.clone()),
                "answers_count": q.answered,
            });
            if !q.counts.is_empty() {
                v["options"] = json!(question.map(|x| x.options.clone()));
                v["counts"] = json!(q.counts);
            }
            if !q.scale.is_empty() {
                v["counts"] = json!(q.scale.iter().map(|(value, n)| json!({ "value": value, "count": n })).collect::<Vec<_>>());
                v["average"] = json!(q.average);
            }
            if staff && question.is_some_and(|x| x.kind == surveys::Kind::Text) {
                v["texts"] = json!(q.texts);
            }
            v
        }).collect::<Vec<_>>(),
    })))
}

/// `GET /api/v1/tsunagu/surveys/:id/results.csv` (staff)
pub async fn results_csv(
    Path(id): Path<String>,
    auth: Auth,
    State(ctx): State<Context>,
) -> ApiResult<Response> {
    let (user, _) = auth.member("read")?;
    let csv = surveys::results_csv(&ctx, user, parse_id(&id)?).await?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"survey-{id}.csv\""),
            ),
        ],
        csv,
    )
        .into_response())
}
