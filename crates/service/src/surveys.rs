//! Surveys staff run: several questions (one choice, several choices, free text, a scale),
//! answered once by each member, optionally anonymously. Staff read the results and a CSV of
//! every response; members see aggregate results only when the survey allows it, and never
//! anybody's free text.

use crate::accounts::role_of;
use crate::error::{invalid, invalid_as};
use crate::{Context, Problem, ServiceError, ServiceResult};
use serde::{Deserialize, Serialize};
use tsunagu_db::queries::surveys as q;
use tsunagu_db::{now, NewSurvey, Survey, User};

pub const MAX_QUESTIONS: usize = 50;
pub const MAX_OPTIONS: usize = 20;
pub const MAX_TEXT_ANSWER: usize = 5000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Single,
    Multiple,
    Text,
    Scale,
}

impl Kind {
    pub fn parse(s: &str) -> ServiceResult<Kind> {
        match s {
            "single" => Ok(Kind::Single),
            "multiple" => Ok(Kind::Multiple),
            "text" => Ok(Kind::Text),
            "scale" => Ok(Kind::Scale),
            _ => Err(invalid(format!(
                "question kind {s:?}: use single, multiple, text or scale"
            ))),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Single => "single",
            Kind::Multiple => "multiple",
            Kind::Text => "text",
            Kind::Scale => "scale",
        }
    }
}

/// A question as stored; its `id` is its number in the survey, from 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub id: i64,
    pub kind: Kind,
    pub text: String,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
}

/// A question as staff write it.
#[derive(Debug, Clone, Default)]
pub struct NewQuestion {
    pub kind: String,
    pub text: String,
    pub options: Vec<String>,
    pub min: Option<i64>,
    pub max: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct NewSurveyForm {
    pub title: String,
    pub description: String,
    pub questions: Vec<NewQuestion>,
    pub anonymous: bool,
    pub results_public: bool,
    /// Seconds from now until it closes; none: open until staff delete it.
    pub closes_in: Option<i64>,
    /// Also publish it as a public poll (one single- or multiple-choice question only).
    pub as_poll: bool,
}

/// How long a survey's poll runs when the survey names no closing time.
const POLL_DAYS: i64 = 7;

/// One answer as a member gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub question_id: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<i64>,
}

pub fn questions(survey: &Survey) -> Vec<Question> {
    serde_json::from_str(&survey.questions_json).unwrap_or_default()
}

fn staff_only() -> ServiceError {
    ServiceError::Forbidden(Problem::coded("staff-only", "only staff may do this"))
}

fn check_question(i: usize, q: &NewQuestion) -> ServiceResult<Question> {
    let kind = Kind::parse(q.kind.trim())?;
    let text = q.text.trim().to_string();
    let n = i + 1;
    if text.is_empty() || text.chars().count() > 500 {
        return Err(invalid(format!(
            "question {n}: text must be 1 to 500 characters"
        )));
    }
    let options: Vec<String> = q
        .options
        .iter()
        .map(|o| o.trim().to_string())
        .filter(|o| !o.is_empty())
        .collect();
    let (mut min, mut max) = (None, None);
    match kind {
        Kind::Single | Kind::Multiple => {
            if !(2..=MAX_OPTIONS).contains(&options.len())
                || options.iter().any(|o| o.chars().count() > 200)
            {
                return Err(invalid(format!(
                    "question {n}: give 2 to {MAX_OPTIONS} options of at most 200 characters"
                )));
            }
        }
        Kind::Scale => {
            let (lo, hi) = (q.min.unwrap_or(1), q.max.unwrap_or(5));
            if !(-100..=100).contains(&lo) || !(-100..=100).contains(&hi) || lo >= hi {
                return Err(invalid(format!(
                    "question {n}: a scale needs min below max, both from -100 to 100"
                )));
            }
            (min, max) = (Some(lo), Some(hi));
        }
        Kind::Text => {}
    }
    Ok(Question {
        id: n as i64,
        kind,
        text,
        options: if matches!(kind, Kind::Single | Kind::Multiple) {
            options
        } else {
            Vec::new()
        },
        min,
        max,
    })
}

/// Staff create a survey.
pub async fn create(ctx: &Context, staff: &User, form: NewSurveyForm) -> ServiceResult<Survey> {
    if !role_of(staff).is_staff() {
        return Err(staff_only());
    }
    let title = form.title.trim().to_string();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(invalid_as(
            "title-length",
            "title must be 1 to 200 characters",
        ));
    }
    if form.description.chars().count() > 5000 {
        return Err(invalid("description must be at most 5000 characters"));
    }
    if form.questions.is_empty() || form.questions.len() > MAX_QUESTIONS {
        return Err(invalid(format!(
            "a survey has 1 to {MAX_QUESTIONS} questions"
        )));
    }
    let questions = form
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| check_question(i, q))
        .collect::<ServiceResult<Vec<_>>>()?;
    if form
        .closes_in
        .is_some_and(|s| !(60..=366 * 24 * 3600).contains(&s))
    {
        return Err(invalid("closes_in must be from 60 seconds to a year"));
    }
    let poll = if form.as_poll {
        Some(poll_of(&questions, form.closes_in, form.results_public)?)
    } else {
        None
    };
    let at = now();
    let new = NewSurvey {
        created_by: Some(staff.id),
        title,
        description: form.description.trim().to_string(),
        questions_json: serde_json::to_string(&questions)
            .map_err(|e| ServiceError::Internal(e.to_string()))?,
        anonymous: form.anonymous,
        results_public: form.results_public,
        closes_at: form.closes_in.map(|s| at + chrono::Duration::seconds(s)),
        created_at: at,
    };
    let survey = ctx.db.write(move |c| q::insert(c, &new)).await?;
    let Some(poll) = poll else {
        return Ok(survey);
    };
    // The poll is the staff member's public status, so followers elsewhere (Mastodon
    // included) vote in it; its votes count in the results.
    let actor_id = staff.actor_id;
    let author = ctx
        .db
        .read(move |c| tsunagu_db::queries::actors::by_id(c, actor_id))
        .await?;
    let question = questions
        .first()
        .map(|q| q.text.clone())
        .unwrap_or_default();
    let status = crate::posts::create_status(
        ctx,
        &author,
        crate::posts::NewStatus {
            text: format!(
                "{}

{question}

{}",
                survey.title,
                ctx.url(&format!("/surveys/{}", survey.id))
            ),
            visibility: crate::posts::PostVisibility::Public,
            in_reply_to_id: None,
            spoiler_text: String::new(),
            sensitive: false,
            media_ids: Vec::new(),
            poll: Some(poll),
        },
    )
    .await?;
    let (id, post_id) = (survey.id, status.id);
    Ok(ctx
        .db
        .write(move |c| {
            q::set_poll(c, id, post_id)?;
            q::by_id(c, id)
        })
        .await?)
}

/// The poll a one-question survey goes out as.
fn poll_of(
    questions: &[Question],
    closes_in: Option<i64>,
    results_public: bool,
) -> ServiceResult<crate::polls::NewPoll> {
    // A poll shows its counts to everyone: only a survey whose results are public may be one.
    if !results_public {
        return Err(invalid(
            "a survey sent as a poll shows its counts: make its results public",
        ));
    }
    let [question] = questions else {
        return Err(invalid(
            "only a survey of one question can go out as a poll",
        ));
    };
    if !matches!(question.kind, Kind::Single | Kind::Multiple) {
        return Err(invalid(
            "only a single- or multiple-choice question can go out as a poll",
        ));
    }
    let poll = crate::polls::NewPoll {
        options: question.options.clone(),
        expires_in: closes_in.unwrap_or(POLL_DAYS * 24 * 3600),
        multiple: question.kind == Kind::Multiple,
        hide_totals: false,
    };
    poll.check()?;
    Ok(poll)
}

pub async fn get(ctx: &Context, id: i64) -> ServiceResult<Survey> {
    ctx.db
        .read(move |c| q::by_id(c, id))
        .await
        .map_err(|_| ServiceError::NotFound("survey"))
}

/// Surveys newest first: open ones for members, every one for staff.
pub async fn list(ctx: &Context, viewer: &User) -> ServiceResult<Vec<Survey>> {
    let open_at = (!role_of(viewer).is_staff()).then(now);
    Ok(ctx.db.read(move |c| q::list(c, open_at, 100)).await?)
}

pub fn is_open(survey: &Survey) -> bool {
    survey.closes_at.is_none_or(|c| c > now())
}

pub async fn answered(ctx: &Context, survey_id: i64, user_id: i64) -> ServiceResult<bool> {
    Ok(ctx
        .db
        .read(move |c| q::answered(c, survey_id, user_id))
        .await?)
}

fn check_answers(questions: &[Question], answers: &[Answer]) -> ServiceResult<Vec<Answer>> {
    if answers.is_empty() {
        return Err(invalid("answer at least one question"));
    }
    let mut out: Vec<Answer> = Vec::with_capacity(answers.len());
    for a in answers {
        let q = questions
            .iter()
            .find(|q| q.id == a.question_id)
            .ok_or_else(|| invalid(format!("question {} is not in this survey", a.question_id)))?;
        if out.iter().any(|o| o.question_id == q.id) {
            return Err(invalid(format!("question {} is answered twice", q.id)));
        }
        let n = q.id;
        let checked = match q.kind {
            Kind::Single | Kind::Multiple => {
                let mut choices = a.choices.clone();
                choices.sort_unstable();
                choices.dedup();
                let count_ok = if q.kind == Kind::Single {
                    choices.len() == 1
                } else {
                    !choices.is_empty()
                };
                if !count_ok || choices.iter().any(|c| *c >= q.options.len()) {
                    return Err(invalid(format!(
                        "question {n}: choose {} of options 0 to {}",
                        if q.kind == Kind::Single {
                            "one"
                        } else {
                            "one or more"
                        },
                        q.options.len() - 1
                    )));
                }
                Answer {
                    question_id: n,
                    choices,
                    text: None,
                    value: None,
                }
            }
            Kind::Text => {
                let text = a.text.as_deref().unwrap_or_default().trim().to_string();
                if text.is_empty() || text.chars().count() > MAX_TEXT_ANSWER {
                    return Err(invalid(format!(
                        "question {n}: the answer must be 1 to {MAX_TEXT_ANSWER} characters"
                    )));
                }
                Answer {
                    question_id: n,
                    choices: Vec::new(),
                    text: Some(text),
                    value: None,
                }
            }
            Kind::Scale => {
                let (lo, hi) = (q.min.unwrap_or(1), q.max.unwrap_or(5));
                match a.value {
                    Some(v) if (lo..=hi).contains(&v) => Answer {
                        question_id: n,
                        choices: Vec::new(),
                        text: None,
                        value: Some(v),
                    },
                    _ => {
                        return Err(invalid(format!(
                            "question {n}: give a value from {lo} to {hi}"
                        )))
                    }
                }
            }
        };
        out.push(checked);
    }
    Ok(out)
}

fn already_answered() -> ServiceError {
    ServiceError::Conflict(Problem::coded(
        "already-answered",
        "you have answered this survey already",
    ))
}

/// A member answers a survey, once.
pub async fn respond(
    ctx: &Context,
    member: &User,
    survey_id: i64,
    answers: &[Answer],
) -> ServiceResult<()> {
    let survey = get(ctx, survey_id).await?;
    if !is_open(&survey) {
        return Err(ServiceError::Forbidden(Problem::coded(
            "survey-closed",
            "this survey is closed",
        )));
    }
    let answers = check_answers(&questions(&survey), answers)?;
    let json =
        serde_json::to_string(&answers).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let (uid, named, at) = (member.id, !survey.anonymous, now());
    let fresh = ctx
        .db
        .write(move |c| q::respond(c, survey_id, uid, named, &json, at))
        .await
        .map_err(|e| {
            if e.is_unique_violation() {
                already_answered()
            } else {
                e.into()
            }
        })?;
    if fresh {
        Ok(())
    } else {
        Err(already_answered())
    }
}

/// The results of one question.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QuestionResult {
    pub question: Option<Question>,
    /// How many chose each option (choice kinds).
    pub counts: Vec<i64>,
    /// Every text answer (text kind; for staff only).
    pub texts: Vec<String>,
    /// How many gave each value from min to max (scale).
    pub scale: Vec<(i64, i64)>,
    pub average: Option<f64>,
    pub answered: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    pub responses: i64,
    pub questions: Vec<QuestionResult>,
}

/// May `viewer` read the results: staff always, members when the survey says so.
fn may_read(survey: &Survey, viewer: &User) -> bool {
    role_of(viewer).is_staff() || survey.results_public
}

pub async fn results(ctx: &Context, viewer: &User, survey_id: i64) -> ServiceResult<Results> {
    let survey = get(ctx, survey_id).await?;
    if !may_read(&survey, viewer) {
        return Err(staff_only());
    }
    let staff = role_of(viewer).is_staff();
    let responses = ctx.db.read(move |c| q::responses(c, survey_id)).await?;
    let questions = questions(&survey);
    let mut out: Vec<QuestionResult> = questions
        .iter()
        .map(|q| QuestionResult {
            question: Some(q.clone()),
            counts: vec![0; q.options.len()],
            scale: match (q.min, q.max) {
                (Some(lo), Some(hi)) => (lo..=hi).map(|v| (v, 0)).collect(),
                _ => Vec::new(),
            },
            ..QuestionResult::default()
        })
        .collect();
    let mut sums = vec![0i64; questions.len()];
    for r in &responses {
        let answers: Vec<Answer> = serde_json::from_str(&r.answers_json).unwrap_or_default();
        for a in answers {
            let Some(i) = questions.iter().position(|q| q.id == a.question_id) else {
                continue;
            };
            let result = &mut out[i];
            result.answered += 1;
            for c in &a.choices {
                if let Some(n) = result.counts.get_mut(*c) {
                    *n += 1;
                }
            }
            if let Some(t) = a.text.filter(|_| staff) {
                result.texts.push(t);
            }
            if let Some(v) = a.value {
                sums[i] += v;
                if let Some(slot) = result.scale.iter_mut().find(|(value, _)| *value == v) {
                    slot.1 += 1;
                }
            }
        }
    }
    for (i, result) in out.iter_mut().enumerate() {
        if !result.scale.is_empty() && result.answered > 0 {
            result.average = Some(sums[i] as f64 / result.answered as f64);
        }
    }
    // Votes in the survey's poll (from any server or app) count as answers to its question.
    let mut poll_voters = 0;
    if let Some(post_id) = survey.poll_post_id {
        if let Some(poll) = ctx
            .db
            .read(move |c| tsunagu_db::queries::polls::find(c, post_id))
            .await?
        {
            let state = crate::polls::PollState::from_row(poll);
            poll_voters = state.poll.voters_count;
            if let Some(result) = out.first_mut() {
                for (i, (_, n)) in state.options.iter().enumerate() {
                    if let Some(count) = result.counts.get_mut(i) {
                        *count += n;
                    }
                }
                result.answered += poll_voters;
            }
        }
    }
    Ok(Results {
        responses: responses.len() as i64 + poll_voters,
        questions: out,
    })
}

/// Every response as CSV (staff): one row each, one column per question; the respondent's
/// username unless the survey is anonymous.
pub async fn results_csv(ctx: &Context, staff: &User, survey_id: i64) -> ServiceResult<String> {
    if !role_of(staff).is_staff() {
        return Err(staff_only());
    }
    let survey = get(ctx, survey_id).await?;
    let questions = questions(&survey);
    let responses = ctx.db.read(move |c| q::responses(c, survey_id)).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| ServiceError::Internal(format!("csv: {e}"));
    let mut header = vec![
        "response".to_string(),
        "respondent".into(),
        "submitted_at".into(),
    ];
    header.extend(questions.iter().map(|q| q.text.clone()));
    w.write_record(&header).map_err(csv_err)?;
    // Respondents' names in one query (none in an anonymous survey).
    let ids: Vec<i64> = responses.iter().filter_map(|r| r.user_id).collect();
    let names: std::collections::HashMap<i64, String> = ctx
        .db
        .read(move |c| q::usernames(c, &ids))
        .await?
        .into_iter()
        .collect();
    for r in &responses {
        let respondent = r
            .user_id
            .and_then(|id| names.get(&id).cloned())
            .unwrap_or_default();
        let answers: Vec<Answer> = serde_json::from_str(&r.answers_json).unwrap_or_default();
        let mut row = vec![
            r.id.to_string(),
            respondent,
            r.submitted_at.and_utc().to_rfc3339(),
        ];
        for q in &questions {
            let cell = match answers.iter().find(|a| a.question_id == q.id) {
                None => String::new(),
                Some(a) => match q.kind {
                    Kind::Single | Kind::Multiple => a
                        .choices
                        .iter()
                        .filter_map(|c| q.options.get(*c).cloned())
                        .collect::<Vec<_>>()
                        .join("; "),
                    Kind::Text => a.text.clone().unwrap_or_default(),
                    Kind::Scale => a.value.map(|v| v.to_string()).unwrap_or_default(),
                },
            };
            row.push(cell);
        }
        w.write_record(&row).map_err(csv_err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ServiceError::Internal(format!("csv: {e}")))?;
    String::from_utf8(bytes).map_err(|e| ServiceError::Internal(e.to_string()))
}
