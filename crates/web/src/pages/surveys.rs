//! Surveys on the site: the open surveys, a survey's form, and its results where the member
//! may see them (staff always; members when the survey allows it, without free text).

use super::answer;
use super::member::{refused, see, sign_in_first, token_field, Form};
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
    let Some(me) = visit.member.clone() else {
        return sign_in_first(&visit);
    };
    let form = Form::parse(&raw);
    if let Some(refusal) = refused(&web, &visit, &form) {
        return refusal;
    }
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
