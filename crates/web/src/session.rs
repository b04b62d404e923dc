//! Who is visiting: the language of the page, the member signed in (a session cookie holding
//! a token of ours), and the token every form carries (CSRF): derived from the session for
//! members, a random value kept in a cookie for visitors.

use crate::i18n::Lang;
use crate::Web;
use axum::extract::FromRequestParts;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use tsunagu_db::{Actor, User};
use tsunagu_service::accounts;

pub const SESSION_COOKIE: &str = "tsunagu_session";
pub const LANG_COOKIE: &str = "tsunagu_lang";
const FORM_COOKIE: &str = "tsunagu_form";

/// A signed-in member.
#[derive(Debug, Clone)]
pub struct Member {
    pub user: User,
    pub actor: Actor,
    /// The session's token (from the cookie).
    pub token: String,
}

impl Member {
    pub fn is_staff(&self) -> bool {
        accounts::role_of(&self.user).is_staff()
    }
}

/// Everything a page needs to know about the request.
#[derive(Debug, Clone)]
pub struct Visit {
    pub lang: Lang,
    pub member: Option<Member>,
    /// The token forms must send back.
    pub form_token: String,
    /// Cookies to set with the answer.
    pub set_cookies: Vec<String>,
    /// The page's path and query, to come back to after signing in.
    pub here: String,
    /// Whether cookies must be `Secure` (https).
    pub secure: bool,
}

impl Visit {
    /// The actor id of the member, for visibility checks.
    pub fn viewer(&self) -> Option<i64> {
        self.member.as_ref().map(|m| m.actor.id)
    }

    /// Whether a form's token is the one this visit expects.
    pub fn form_ok(&self, token: &str) -> bool {
        !token.is_empty() && constant_time_eq(token.as_bytes(), self.form_token.as_bytes())
    }

    /// A cookie of ours: site-wide, not for scripts, sent along on same-site requests only.
    pub fn cookie(&self, name: &str, value: &str, max_age: Option<i64>) -> String {
        let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
        if let Some(age) = max_age {
            c.push_str(&format!("; Max-Age={age}"));
        }
        if self.secure {
            c.push_str("; Secure");
        }
        c
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The form token of a session: a digest of its token, which only the browser holding the
/// cookie can know.
fn session_form_token(session: &str) -> String {
    Sha256::digest(format!("tsunagu form {session}").as_bytes())
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn cookies(parts: &Parts) -> Vec<(String, String)> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            Some((k.to_string(), v.to_string()))
        })
        .collect()
}

fn query_param(parts: &Parts, name: &str) -> Option<String> {
    url::form_urlencoded::parse(parts.uri.query()?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

impl FromRequestParts<Web> for Visit {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, web: &Web) -> Result<Visit, Self::Rejection> {
        let jar = cookies(parts);
        let cookie = |name: &str| jar.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let secure = web.ctx.scheme == "https";
        let mut set_cookies = Vec::new();
        let cookie_line = |name: &str, value: &str, age: i64| {
            let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={age}");
            if secure {
                c.push_str("; Secure");
            }
            c
        };
        let mut member = None;
        if let Some(token) = cookie(SESSION_COOKIE).filter(|t| !t.is_empty()) {
            match tsunagu_service::oauth::verify_token(&web.ctx, &token).await {
                Ok((t, Some((user, actor)))) if t.app_id.is_none() => {
                    member = Some(Member { user, actor, token });
                }
                // A session that ended (signed out elsewhere, account disabled): forget it.
                _ => set_cookies.push(cookie_line(SESSION_COOKIE, "", 0)),
            }
        }
        // `?lang=` switches the language and keeps it (for a member, as their setting); else
        // the member's setting; else the browser's cookie; else its `Accept-Language`.
        let chosen = query_param(parts, "lang").and_then(|l| Lang::parse(&l));
        if let Some(l) = chosen {
            set_cookies.push(cookie_line(LANG_COOKIE, l.code(), 365 * 24 * 3600));
            if let Some(m) = &mut member {
                if m.user.interface_language != l.code() {
                    let saved =
                        accounts::set_interface_language(&web.ctx, m.user.id, l.code()).await;
                    if saved.is_ok() {
                        m.user.interface_language = l.code().to_string();
                    }
                }
            }
        }
        let setting = member
            .as_ref()
            .and_then(|m| Lang::parse(&m.user.interface_language));
        let lang = chosen
            .or(setting)
            .or_else(|| cookie(LANG_COOKIE).and_then(|l| Lang::parse(&l)))
            .unwrap_or_else(|| {
                Lang::from_accept_language(
                    parts
                        .headers
                        .get(ACCEPT_LANGUAGE)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default(),
                )
            });
        let form_token = match &member {
            Some(m) => session_form_token(&m.token),
            None => match cookie(FORM_COOKIE).filter(|v| v.len() == 32) {
                Some(v) => v,
                None => {
                    let v = tsunagu_service::posts::random_token();
                    set_cookies.push(cookie_line(FORM_COOKIE, &v, 24 * 3600));
                    v
                }
            },
        };
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        Ok(Visit {
            lang,
            member,
            form_token,
            set_cookies,
            here,
            secure,
        })
    }
}
