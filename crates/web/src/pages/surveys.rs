//! Surveys on the site: the open surveys, a survey's form, and its results where the member
//! may see them (staff always; members when the survey allows it, without free text).

use super::answer;
use super::member::{member_form, see, sign_in_first, token_field};
use crate::i18n::{t, t_args};
use crate::layout::{self, Head};
use crate::render;
use crate::session::Visit;
use crate::Web;
use axum::extract::{Path, RawForm, State};
use axum::response::Response;
use maud::{html, Markup};
use tsunagu_service::surveys::{self, Answer, Kind, Results};
use tsunagu_service::ServiceError;

/// `GET /surveys`
pub async fn list(State(web): State<Web>, visit: Visit) -> Response {
    let Some(me) = visit.member.clone() else {
        return sign_in_first(&visit);
    };
    let result = async {
        let lang = visit.lang;
        let list = surveys::list(&web.ctx, &me.user).await?;
        let body = html! {
            h1 { (t(lang, "surveys-heading")) }
            @if me.is_staff() { p { a.button href="/surveys/new" { (t(lang, "surveys-create")) } } }
            @if list.is_empty() { p { (t(lang, "surveys-none")) } }
            ul {
                @for s in &list {
                    li {
                        a href=(format!("/surveys/{}", s.id)) { (s.title) }
                        " · " (render::time(lang, s.created_at))
                        @if !surveys::is_open(s) { " · " (t(lang, "surveys-closed")) }
                    }
                }
            }
        };
        let head = Head {
            title: t(lang, "surveys-heading"),
            ..Head::default()
        };
        Ok(layout::page(&web, &visit, head, body))
    }
    .await;
    answer(&web, &visit, result)
}

fn results_view(lang: crate::i18n::Lang, r: &Results) -> Markup {
    html! {
        h2 { (t(lang, "surveys-results")) }
        p { (t_args(lang, "surveys-responses", &[("count", r.responses.into())])) }
        @for q in &r.questions {
            @if let Some(question) = &q.question {
                section.survey-result {
                    h3 { (question.text) }
                    @match question.kind {
                        Kind::Single | Kind::Multiple => {
                            ul { @for (i, option) in question.options.iter().enumerate() {
                                li { (option) ": " (q.counts.get(i).copied().unwrap_or(0)) }
                            } }
                        }
                        Kind::Scale => {
                            p { (t(lang, "surveys-average")) ": "
                                (q.average.map(|a| format!("{a:.1}")).unwrap_or_else(|| "-".into())) }
                        }
                        Kind::Text => {
                            ul { @for text in &q.texts { li { (text) } } }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /surveys/ID`: the form, or (once answered or closed) the results if the member may
/// see them.
pub async fn show(State(web): State<Web>, visit: Visit, Path(id): Path<i64>) -> Response {
    let Some(me) = visit.member.clone() else {
        return sign_in_first(&visit);
    };
    let result = async {
        let ctx = &web.ctx;
        let lang = visit.lang;
        let survey = surveys::get(ctx, id).await?;
        let answered = surveys::answered(ctx, id, me.user.id).await?;
        let results = match surveys::results(ctx, &me.user, id).await {
            Ok(r) => Some(r),
            Err(ServiceError::Forbidden(_)) => None,
            Err(e) => return Err(e),
        };
        let open = surveys::is_open(&survey) && !answered;
        let body = html! {
            h1 { (survey.title) }
            @if !survey.description.is_empty() { p { (survey.description) } }
            @if survey.anonymous { p.hint { (t(lang, "surveys-anonymous")) } }
            @if answered { p.notice role="status" { (t(lang, "surveys-thanks")) } }
            @if open {
                form method="post" action=(format!("/surveys/{id}")) {
                    (token_field(&visit))
                    @for q in surveys::questions(&survey) {
                        @let name = format!("q{}", q.id);
                        fieldset.field {
                            legend { (q.text) }
                            @match q.kind {
                                Kind::Single | Kind::Multiple => {
                                    @for (i, option) in q.options.iter().enumerate() {
                                        @let input_id = format!("{name}-{i}");
                                        p {
                                            input id=(input_id) type=(if q.kind == Kind::Single { "radio" } else { "checkbox" }) name=(name) value=(i);
                                            " " label.inline for=(input_id) { (option) }
                                        }
                                    }
                                }
                                Kind::Text => {
                                    label.visually-hidden for=(name) { (q.text) }
                                    textarea id=(name) name=(name) rows="3" maxlength="5000" {}
                                }
                                Kind::Scale => {
                                    @let (lo, hi) = (q.min.unwrap_or(1), q.max.unwrap_or(5));
                                    label for=(name) { (t_args(lang, "surveys-scale", &[("min", lo.into()), ("max", hi.into())])) }
                                    input id=(name) type="number" name=(name) min=(lo) max=(hi);
                                }
                            }
                        }
                    }
                    p { button type="submit" { (t(lang, "surveys-send")) } }
                }
            } @else if !surveys::is_open(&survey) && !answered {
                p { (t(lang, "surveys-closed")) }
            }
            @if let Some(r) = results.as_ref().filter(|_| answered || !open) { (results_view(lang, r)) }
        };
        let head = Head {
            title: survey.title.clone(),
            ..Head::default()
        };
        Ok(layout::page(&web, &visit, head, body))
    }
    .await;
    answer(&web, &visit, result)
}

/// `POST /surveys/ID`: `qN` fields, empty ones skipped.
pub async fn respond(
    State(web): State<Web>,
    visit: Visit,
    Path(id): Path<i64>,
    raw: RawForm,
) -> Response {
    let (me, form) = match member_form(&web, &visit, &raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = async {
        let survey = surveys::get(&web.ctx, id).await?;
        let mut answers = Vec::new();
        for q in surveys::questions(&survey) {
            let name = format!("q{}", q.id);
            let values: Vec<&str> = form
                .all(&name)
                .into_iter()
                .filter(|v| !v.trim().is_empty())
                .collect();
            if values.is_empty() {
                continue;
            }
            let bad =
                || ServiceError::Invalid(format!("question {}: not a valid answer", q.id).into());
            let mut answer = Answer {
                question_id: q.id,
                choices: Vec::new(),
                text: None,
                value: None,
            };
            match q.kind {
                Kind::Single | Kind::Multiple => {
                    for v in values {
                        answer.choices.push(v.trim().parse().map_err(|_| bad())?);
                    }
                }
                Kind::Text => answer.text = Some(values.join("\n")),
                Kind::Scale => answer.value = Some(values[0].trim().parse().map_err(|_| bad())?),
            }
            answers.push(answer);
        }
        surveys::respond(&web.ctx, &me.user, id, &answers).await?;
        Ok(see(&format!("/surveys/{id}")))
    }
    .await;
    answer(&web, &visit, result)
}

/// Questions as staff write them in the form: `? KIND: TEXT` starts one (`single`,
/// `multiple`, `text`, or `scale MIN-MAX`), each `- OPTION` line adds a choice.
fn parse_questions(text: &str) -> Result<Vec<surveys::NewQuestion>, String> {
    let mut out: Vec<surveys::NewQuestion> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix('?') {
            let (head, question) = rest
                .split_once(':')
                .ok_or_else(|| format!("line {}: write `? kind: question`", n + 1))?;
            let mut words = head.split_whitespace();
            let kind = words.next().unwrap_or_default().to_lowercase();
            let (mut min, mut max) = (None, None);
            if let Some(range) = words.next() {
                let (lo, hi) = range
                    .split_once('-')
                    .ok_or_else(|| format!("line {}: a scale is written `scale 1-5`", n + 1))?;
                min = lo.trim().parse().ok();
                max = hi.trim().parse().ok();
            }
            out.push(surveys::NewQuestion {
                kind,
                text: question.trim().to_string(),
                options: Vec::new(),
                min,
                max,
            });
        } else if let Some(option) = line.strip_prefix('-') {
            let question = out
                .last_mut()
                .ok_or_else(|| format!("line {}: an option before any question", n + 1))?;
            question.options.push(option.trim().to_string());
        } else {
            return Err(format!(
                "line {}: start a question with `?` and an option with `-`",
                n + 1
            ));
        }
    }
    Ok(out)
}

/// `GET /surveys/new` (staff)
pub async fn new_page(State(web): State<Web>, visit: Visit) -> Response {
    if let Err(r) = super::staff::staff(&web, &visit) {
        return r;
    }
    form_page(&web, &visit, None)
}

fn form_page(web: &Web, visit: &Visit, error: Option<String>) -> Response {
    let lang = visit.lang;
    let body = html! {
        h1 { (t(lang, "surveys-create")) }
        @if let Some(e) = &error { p.error-text role="alert" { (e) } }
        form method="post" action="/surveys/new" {
            (token_field(visit))
            label for="title" { (t(lang, "articles-title")) }
            input #title type="text" name="title" required maxlength="200";
            label for="description" { (t(lang, "surveys-description")) }
            textarea #description name="description" rows="3" {}
            label for="questions" { (t(lang, "surveys-questions")) }
            p.hint #questions-hint { (t(lang, "surveys-questions-hint")) }
            textarea #questions name="questions" rows="12" required aria-describedby="questions-hint" {
                "? single: \n- \n- \n"
            }
            label for="closes_in_days" { (t(lang, "surveys-closes-in")) }
            input #closes_in_days type="number" name="closes_in_days" min="1" max="366";
            p { input #anonymous type="checkbox" name="anonymous" value="true"; " " label for="anonymous" { (t(lang, "surveys-anonymous-choice")) } }
            p { input #results_public type="checkbox" name="results_public" value="true"; " " label for="results_public" { (t(lang, "surveys-results-public")) } }
            p { input #as_poll type="checkbox" name="as_poll" value="true"; " " label for="as_poll" { (t(lang, "surveys-as-poll")) } }
            p { button type="submit" { (t(lang, "surveys-publish")) } }
        }
    };
    let head = Head {
        title: t(lang, "surveys-create"),
        ..Head::default()
    };
    layout::page(web, visit, head, body)
}

/// `POST /surveys/new` (staff)
pub async fn create(State(web): State<Web>, visit: Visit, raw: RawForm) -> Response {
    let (me, form) = match super::staff::staff_form(&web, &visit, &raw) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let failed = |text: String| super::unprocessable(form_page(&web, &visit, Some(text)));
    let questions = match parse_questions(form.get("questions")) {
        Ok(q) => q,
        Err(e) => return failed(e),
    };
    let closes_in = match form.get("closes_in_days").trim() {
        "" => None,
        d => match d.parse::<i64>() {
            Ok(days) => Some(days * 24 * 3600),
            Err(_) => return failed(t(visit.lang, "surveys-closes-in")),
        },
    };
    let new = surveys::NewSurveyForm {
        title: form.get("title").to_string(),
        description: form.get("description").to_string(),
        questions,
        anonymous: form.checked("anonymous"),
        results_public: form.checked("results_public"),
        closes_in,
        as_poll: form.checked("as_poll"),
    };
    match surveys::create(&web.ctx, &me.user, new).await {
        Ok(s) => see(&format!("/surveys/{}", s.id)),
        Err(e) => failed(layout::problem(visit.lang, &e)),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_questions;

    #[test]
    fn questions_are_read_from_the_form() {
        let q =
            parse_questions("? single: Year?\n- 2001\n-2002\n\n? scale 1-5: Happy?\n? text: More?")
                .expect("valid");
        assert_eq!(q.len(), 3);
        assert_eq!(q[0].options, ["2001", "2002"]);
        assert_eq!(
            (q[1].kind.as_str(), q[1].min, q[1].max),
            ("scale", Some(1), Some(5))
        );
        assert!(parse_questions("- orphan").is_err());
        assert!(parse_questions("What?").is_err());
    }
}
