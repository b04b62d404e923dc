use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use tsunagu_service::ServiceError;

/// An error as Mastodon clients expect it: a status code and `{"error": "..."}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub description: Option<String>,
}

pub type ApiResult<T> = Result<T, ApiError>;

/// A record id from the path: anything that is not a number is a record that does not exist.
pub fn parse_id(id: &str) -> ApiResult<i64> {
    id.parse().map_err(|_| ApiError::not_found())
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            description: None,
        }
    }
    pub fn unprocessable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "Record not found")
    }
    pub fn unauthorized() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "The access token is invalid")
    }
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, message)
    }
    /// An OAuth error: `{"error": code, "error_description": text}`.
    pub fn oauth(status: StatusCode, code: &str, description: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: code.into(),
            description: Some(description.into()),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound(_) => ApiError::not_found(),
            ServiceError::Invalid(m) => ApiError::unprocessable(format!("Validation failed: {m}")),
            ServiceError::Forbidden(m) => ApiError::forbidden(m),
            ServiceError::Unauthorized(m) => ApiError::new(StatusCode::UNAUTHORIZED, m),
            ServiceError::Conflict(m) => ApiError::unprocessable(format!("Validation failed: {m}")),
            ServiceError::Remote(m) => ApiError::new(StatusCode::BAD_GATEWAY, m),
            ServiceError::RateLimited(m) => ApiError::new(StatusCode::TOO_MANY_REQUESTS, m),
            ServiceError::Internal(m) => {
                tracing::error!("internal error: {m}");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({ "error": self.message });
        if let Some(d) = self.description {
            body["error_description"] = serde_json::json!(d);
        }
        (self.status, Json(body)).into_response()
    }
}

impl From<tsunagu_db::DbError> for ApiError {
    fn from(e: tsunagu_db::DbError) -> Self {
        ServiceError::from(e).into()
    }
}
