use activitypub_federation::error::Error as LibError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tsunagu_db::DbError;
use tsunagu_service::ServiceError;

/// Errors of federation handlers. Everything a peer did wrong is a 4xx with a short reason;
/// only our own failures are 500.
#[derive(Debug, thiserror::Error)]
pub enum FedError {
    #[error(transparent)]
    Lib(#[from] LibError),
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("activity is too large")]
    TooLarge,
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<DbError> for FedError {
    fn from(e: DbError) -> Self {
        FedError::Service(e.into())
    }
}

impl From<serde_json::Error> for FedError {
    fn from(e: serde_json::Error) -> Self {
        FedError::BadRequest(format!("invalid JSON: {e}"))
    }
}

impl From<url::ParseError> for FedError {
    fn from(e: url::ParseError) -> Self {
        FedError::BadRequest(format!("invalid URL: {e}"))
    }
}

impl FedError {
    pub fn status(&self) -> StatusCode {
        match self {
            FedError::Lib(e) => match e {
                LibError::ActivityBodyDigestInvalid
                | LibError::ParseReceivedActivity { .. }
                | LibError::UrlVerificationError(_)
                | LibError::UrlParse(_)
                | LibError::ParseFetchedObject(..) => StatusCode::BAD_REQUEST,
                LibError::NotFound => StatusCode::NOT_FOUND,
                LibError::ObjectDeleted(_) => StatusCode::GONE,
                // A signature we cannot check (bad, expired, or its key unreachable).
                _ => StatusCode::UNAUTHORIZED,
            },
            FedError::Service(e) => match e {
                ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
                ServiceError::Invalid(_) => StatusCode::BAD_REQUEST,
                ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
                ServiceError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
                ServiceError::Conflict(_) => StatusCode::CONFLICT,
                ServiceError::Remote(_) => StatusCode::BAD_GATEWAY,
                ServiceError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
                ServiceError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
            FedError::BadRequest(_) => StatusCode::BAD_REQUEST,
            FedError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            FedError::Forbidden(_) => StatusCode::FORBIDDEN,
            FedError::NotFound => StatusCode::NOT_FOUND,
            FedError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            FedError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The same failure as the use-case layer sees it (for lookups started by members).
    pub fn into_service(self) -> ServiceError {
        match self {
            FedError::Service(e) => e,
            FedError::NotFound | FedError::Lib(LibError::NotFound) => {
                ServiceError::NotFound("remote account or object")
            }
            other if other.status().is_server_error() => ServiceError::Internal(other.to_string()),
            other => ServiceError::Remote(other.to_string().into()),
        }
    }
}

impl IntoResponse for FedError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!("federation: {self}");
        } else {
            tracing::info!("federation request refused ({status}): {self}");
        }
        let message = if status.is_server_error() {
            "internal error".to_string()
        } else {
            self.to_string()
        };
        (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
    }
}
