//! The member directory page: find graduates by class year, department, industry, employer,
//! skills, mentoring or any words; each field filters only as far as the visitor may see it.

use super::answer;
use crate::i18n::t;
use crate::layout::Head;
use crate::render;
use crate::session::Visit;
use crate::{layout, Web};
use axum::extract::{Query, State};
use axum::response::Response;
use maud::html;
use serde::Deserialize;
use tsunagu_service::accounts::Viewer;
use tsunagu_service::directory::{self, Search, Searcher};
use tsunagu_service::read;

const PAGE: i64 = 40;

#[derive(Deserialize, Default)]
pub struct DirectoryQuery {
    graduation_year: Option<String>,
    department: Option<String>,
    industry: Option<String>,
    employer: Option<String>,
    skills: Option<String>,
    mentoring: Option<String>,
    q: Option<String>,
    local: Option<String>,
    page: Option<i64>,
}

/// The text inputs of the form: (parameter, label).
const FILTERS: [(&str, &str); 6] = [
    ("q", "directory-words"),
    ("graduation_year", "field-graduation_year"),
    ("department", "field-department"),
    ("industry", "field-industry"),
    ("employer", "field-employer"),
    ("skills", "field-skills"),
];

pub async fn page(
    State(web): State<Web>,
    visit: Visit,
    Query(q): Query<DirectoryQuery>,
) -> Response {
    let result = async {
        let ctx = &web.ctx;
        let lang = visit.lang;
        let (who, viewer) = match &visit.member {
            None => (Searcher::Visitor, Viewer::Anonymous),
            Some(m) if m.is_staff() => (Searcher::Staff, Viewer::OwnerOrStaff),
            Some(_) => (Searcher::Member, Viewer::Member),
        };
        let page = q.page.unwrap_or(1).max(1);
        let local_only = q.local.as_deref() == Some("on");
        let mentoring = q.mentoring.as_deref() == Some("on");
        let found = directory::search(
            ctx,
            who,
            Search {
                local_only,
                order: None,
                offset: (page - 1) * PAGE,
                limit: Some(PAGE + 1),
                graduation_year: q.graduation_year.clone(),
                department: q.department.clone(),
                industry: q.industry.clone(),
                employer: q.employer.clone(),
                skills: q.skills.clone(),
                mentoring: mentoring.then(|| "true".to_string()),
                text: q.q.clone(),
            },
        )
        .await?;
        let more = found.len() as i64 > PAGE;
        let shown: Vec<_> = found.into_iter().take(PAGE as usize).collect();
        let views = read::accounts(ctx, &shown, viewer).await?;
        let value = |name: &str| -> String {
            match name {
                "q" => q.q.clone(),
                "graduation_year" => q.graduation_year.clone(),
                "department" => q.department.clone(),
                "industry" => q.industry.clone(),
                "employer" => q.employer.clone(),
                "skills" => q.skills.clone(),
                _ => None,
            }
            .unwrap_or_default()
        };
        let here = |p: i64| {
            let mut pairs: Vec<(String, String)> = FILTERS
                .iter()
                .map(|(n, _)| (n.to_string(), value(n)))
                .filter(|(_, v)| !v.is_empty())
                .collect();
            if local_only {
                pairs.push(("local".into(), "on".into()));
            }
            if mentoring {
                pairs.push(("mentoring".into(), "on".into()));
            }
            pairs.push(("page".into(), p.to_string()));
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish();
            format!("/directory?{query}")
        };
        let body = html! {
            h1 { (t(lang, "directory-heading")) }
            form.directory method="get" action="/directory" {
                @for (name, label) in FILTERS {
                    label for=(name) { (t(lang, label)) }
                    input id=(name) type=(if name == "graduation_year" { "number" } else { "text" }) name=(name) value=(value(name));
                }
                p {
                    input #mentoring type="checkbox" name="mentoring" value="on" checked[mentoring];
                    " " label.inline for="mentoring" { (t(lang, "directory-mentoring")) }
                }
                p {
                    input #local type="checkbox" name="local" value="on" checked[local_only];
                    " " label.inline for="local" { (t(lang, "directory-local")) }
                }
                p { button type="submit" { (t(lang, "search-button")) } }
            }
            @if visit.member.is_none() { p.hint { (t(lang, "directory-visitor-hint")) } }
            @if views.is_empty() { p { (t(lang, "search-nothing")) } }
            @for view in &views {
                div.directory-entry {
                    (render::account_card(lang, &view.acct(ctx), view))
                    @if let Some(v) = &view.alumni {
                        p.badge { (t(lang, "directory-verified")) " · " (tsunagu_service::alumni::summary(v)) }
                    }
                    @if !view.fields.is_empty() {
                        dl.fields {
                            @for f in view.fields.iter().filter(|f| f.key.is_some()) {
                                dt { (f.key.map(|k| t(lang, &format!("field-{}", k.as_str()))).unwrap_or_default()) }
                                dd { (maud::PreEscaped(f.value_html.clone())) }
                            }
                        }
                    }
                }
            }
            nav.pagination aria-label=(t(lang, "pagination")) {
                @if page > 1 { a href=(here(page - 1)) { (t(lang, "pagination-newer")) } } @else { span {} }
                @if more { a href=(here(page + 1)) { (t(lang, "pagination-older")) } }
            }
        };
        let head = Head {
            title: t(lang, "directory-heading"),
            ..Head::default()
        };
        Ok(layout::page(&web, &visit, head, body))
    }
    .await;
    answer(&web, &visit, result)
}
