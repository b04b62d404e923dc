use tsunagu_db::DbError;

/// A message for people about what went wrong. A coded one has a stable `code` the web
/// site translates (`problem-CODE` in its catalogues); the text is its English wording,
/// which the client API sends as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub code: Option<&'static str>,
    pub text: String,
}

impl Problem {
    pub fn coded(code: &'static str, text: impl Into<String>) -> Problem {
        Problem {
            code: Some(code),
            text: text.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<String> for Problem {
    fn from(text: String) -> Problem {
        Problem { code: None, text }
    }
}

impl From<&str> for Problem {
    fn from(text: &str) -> Problem {
        Problem::from(text.to_string())
    }
}

impl From<Problem> for String {
    fn from(p: Problem) -> String {
        p.text
    }
}

/// Every problem code the use cases give; the web site has a translation of each.
pub const PROBLEM_CODES: &[&str] = &[
    "accept-not-allowed",
    "account-disabled",
    "account-pending",
    "account-unconfirmed",
    "admins-only",
    "agreement-missing",
    "already-answered",
    "already-confirmed",
    "already-voted",
    "answer-not-in-thread",
    "banned",
    "blocked",
    "board-archived",
    "board-name-taken",
    "board-title-length",
    "body-too-long",
    "domain-already-blocked",
    "domain-invalid",
    "email-invalid",
    "email-taken",
    "event-over",
    "event-times",
    "field-too-long",
    "invite-invalid",
    "link-invalid",
    "login-failed",
    "mail-not-configured",
    "members-post-only",
    "moderators-only",
    "moderators-post-only",
    "not-a-question",
    "not-federated",
    "not-pending",
    "not-yours",
    "note-too-long",
    "own-poll",
    "password-long",
    "password-short",
    "password-wrong",
    "poll-ended",
    "poll-option-blank",
    "poll-options-same",
    "registrations-closed",
    "report-self",
    "sign-in-throttled",
    "survey-closed",
    "staff-only",
    "staff-own-account",
    "text-blank",
    "text-too-long",
    "thread-locked",
    "title-length",
    "too-many-attachments",
    "too-many-reports",
    "username-invalid",
    "request-answered",
    "username-reserved",
    "username-taken",
];

/// What went wrong, in terms a client can be told. Internal causes are logged where they
/// happen and reach clients only as a generic message.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Invalid(Problem),
    #[error("{0}")]
    Forbidden(Problem),
    #[error("{0}")]
    Unauthorized(Problem),
    #[error("{0}")]
    Conflict(Problem),
    #[error("{0}")]
    Remote(Problem),
    /// Too many attempts; try again later.
    #[error("{0}")]
    RateLimited(Problem),
    #[error("internal error")]
    Internal(String),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl From<DbError> for ServiceError {
    fn from(e: DbError) -> Self {
        if e.is_not_found() {
            return ServiceError::NotFound("record");
        }
        if e.is_unique_violation() {
            return ServiceError::Conflict("already exists".into());
        }
        tracing::error!("database: {e}");
        ServiceError::Internal(e.to_string())
    }
}

pub(crate) fn invalid(msg: impl Into<Problem>) -> ServiceError {
    ServiceError::Invalid(msg.into())
}

/// An invalid request with a code the web site translates.
pub(crate) fn invalid_as(code: &'static str, text: impl Into<String>) -> ServiceError {
    ServiceError::Invalid(Problem::coded(code, text))
}

impl ServiceError {
    /// The stable code of the problem, when it has one.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            ServiceError::Invalid(p)
            | ServiceError::Forbidden(p)
            | ServiceError::Unauthorized(p)
            | ServiceError::Conflict(p)
            | ServiceError::Remote(p)
            | ServiceError::RateLimited(p) => p.code,
            ServiceError::NotFound(_) | ServiceError::Internal(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    /// Every code written in the use cases is listed, so the site can be checked to
    /// translate them all.
    #[test]
    fn every_code_in_use_is_listed() {
        let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut files = vec![std::path::PathBuf::from(src)];
        let mut found = Vec::new();
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(
                    std::fs::read_dir(&path)
                        .expect("dir")
                        .map(|e| e.expect("entry").path()),
                );
                continue;
            }
            if path.ends_with("error.rs") {
                continue; // this file names the openers themselves
            }
            let text = std::fs::read_to_string(&path).expect("source");
            for opener in ["coded(", "invalid_as("] {
                for part in text.split(opener).skip(1) {
                    if let Some(rest) = part.trim_start().strip_prefix('"') {
                        found.push(rest.split('"').next().unwrap_or_default().to_string());
                    }
                }
            }
        }
        found.retain(|c| !c.is_empty());
        assert!(found.len() > 30, "codes found: {found:?}");
        for code in found {
            assert!(
                super::PROBLEM_CODES.contains(&code.as_str()),
                "{code} is not listed"
            );
        }
    }
}
