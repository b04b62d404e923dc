use tsunagu_db::DbError;

/// What went wrong, in terms a client can be told. Internal causes are logged where they
/// happen and reach clients only as a generic message.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Remote(String),
    /// Too many attempts; try again later.
    #[error("{0}")]
    RateLimited(String),
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

pub(crate) fn invalid(msg: impl Into<String>) -> ServiceError {
    ServiceError::Invalid(msg.into())
}
