//! Request parameters from the query string and a JSON or form body, merged into one JSON
//! object. Mastodon clients send the same fields either way (`media_ids[]=1`, `poll[options][]`
//! in forms; arrays and objects in JSON), so handlers read them in one shape.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde_json::{Map, Value};

/// Request bodies larger than this are refused (uploads have their own limit).
pub const MAX_BODY: usize = 1024 * 1024;
/// Multipart bodies (uploads) may be this much larger than the largest file.
const MULTIPART_OVERHEAD: usize = 64 * 1024;

/// Marks the routes that take uploaded files (a layer on those routes): only they accept
/// multipart bodies larger than [`MAX_BODY`].
#[derive(Debug, Clone, Copy)]
pub struct TakesUploads;

/// Form keys longer than this, or nested deeper than [`MAX_KEY_DEPTH`], are refused.
const MAX_KEY_LEN: usize = 256;
const MAX_KEY_DEPTH: usize = 4;

/// A file sent in a multipart body.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    pub field: String,
    pub bytes: Bytes,
}

#[derive(Debug, Default, Clone)]
pub struct Params {
    fields: Map<String, Value>,
    files: Vec<UploadedFile>,
}

impl<S: Send + Sync> FromRequest<S> for Params {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        let mut params = Params::default();
        if let Some(q) = req.uri().query() {
            params.merge_form(q.as_bytes())?;
        }
        // The original header is kept for the multipart boundary, which is case-sensitive.
        let raw_content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let content_type = raw_content_type.to_ascii_lowercase();
        let multipart = content_type.starts_with("multipart/form-data");
        // Only routes that take files accept bodies the size of an image.
        let limit = if multipart && req.extensions().get::<TakesUploads>().is_some() {
            tsunagu_service::media::MAX_IMAGE_BYTES + MULTIPART_OVERHEAD
        } else {
            MAX_BODY
        };
        let too_large = || {
            ApiError::new(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                format!("request body is too large (at most {} bytes)", limit),
            )
        };
        let body = read_body(req.into_body(), limit)
            .await?
            .ok_or_else(too_large)?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(params);
        }
        if content_type.starts_with("application/json") {
            match serde_json::from_slice::<Value>(&body) {
                Ok(Value::Object(map)) => params.fields.extend(map),
                Ok(_) => return Err(ApiError::bad_request("JSON body must be an object")),
                Err(e) => return Err(ApiError::bad_request(format!("invalid JSON: {e}"))),
            }
        } else if content_type.starts_with("application/x-www-form-urlencoded")
            || content_type.is_empty()
        {
            params.merge_form(&body)?;
        } else if multipart {
            params.merge_multipart(&raw_content_type, body).await?;
        } else {
            return Err(ApiError::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "use a JSON, form or multipart body",
            ));
        }
        Ok(params)
    }
}

/// Reads a body of at most `limit` bytes; `None` when it is larger. A larger body is still read
/// (up to a bound) and dropped, so the client gets the 413 answer rather than a reset connection.
async fn read_body(body: axum::body::Body, limit: usize) -> Result<Option<Bytes>, ApiError> {
    use futures::StreamExt;
    const DRAIN_LIMIT: usize = 64 * 1024 * 1024;
    let mut stream = body.into_data_stream();
    let mut collected = Vec::new();
    let mut total = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request(format!("reading the body: {e}")))?;
        total += chunk.len();
        if total <= limit {
            collected.extend_from_slice(&chunk);
        } else if total > DRAIN_LIMIT {
            break;
        }
    }
    Ok((total <= limit).then(|| Bytes::from(collected)))
}

impl Params {
    /// Adds `key=value` pairs; `a[]` keys build arrays and `a[b]` keys build objects.
    pub fn merge_form(&mut self, raw: &[u8]) -> Result<(), ApiError> {
        for (key, value) in url::form_urlencoded::parse(raw) {
            self.insert(&key, Value::String(value.into_owned()))?;
        }
        Ok(())
    }

    fn insert(&mut self, key: &str, value: Value) -> Result<(), ApiError> {
        if key.len() > MAX_KEY_LEN || key.matches('[').count() > MAX_KEY_DEPTH {
            return Err(ApiError::bad_request(format!(
                "parameter names are at most {MAX_KEY_LEN} characters and {MAX_KEY_DEPTH} levels deep"
            )));
        }
        insert_path(&mut self.fields, key, value);
        Ok(())
    }

    /// Text parts become fields as in a form; parts with a file name are kept as files.
    async fn merge_multipart(&mut self, content_type: &str, body: Bytes) -> Result<(), ApiError> {
        let boundary = multer::parse_boundary(content_type)
            .map_err(|e| ApiError::bad_request(format!("invalid multipart body: {e}")))?;
        let stream = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
        let mut parts = multer::Multipart::new(stream, boundary);
        let bad = |e: multer::Error| ApiError::bad_request(format!("invalid multipart body: {e}"));
        while let Some(part) = parts.next_field().await.map_err(bad)? {
            let name = part.name().unwrap_or_default().to_string();
            // A part is a file when it has a file name or a type other than text.
            let is_file = part.file_name().is_some()
                || part
                    .content_type()
                    .is_some_and(|t| t.type_().as_str() != "text");
            if is_file {
                let bytes = part.bytes().await.map_err(bad)?;
                self.files.push(UploadedFile { field: name, bytes });
            } else {
                let text = part.text().await.map_err(bad)?;
                self.insert(&name, Value::String(text))?;
            }
        }
        Ok(())
    }

    /// The file sent as `field`, if any.
    pub fn file(&self, field: &str) -> Option<&UploadedFile> {
        self.files.iter().find(|f| f.field == field)
    }

    pub fn value(&self, key: &str) -> Option<&Value> {
        self.fields.get(key).filter(|v| !v.is_null())
    }

    /// A string, number or boolean as a string.
    pub fn str(&self, key: &str) -> Option<String> {
        match self.value(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.value(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => match v
                .as_str()
                .map(str::to_ascii_lowercase)
                .as_deref()
                .or(v.as_i64().map(|n| if n == 0 { "0" } else { "1" }))
            {
                Some("true" | "1" | "on" | "yes") => Ok(Some(true)),
                Some("false" | "0" | "off" | "no" | "") => Ok(Some(false)),
                _ => Err(ApiError::unprocessable(format!(
                    "Validation failed: {key} must be a boolean"
                ))),
            },
        }
    }

    pub fn i64(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.str(key) {
            None => Ok(None),
            Some(s) if s.is_empty() => Ok(None),
            Some(s) => s.parse().map(Some).map_err(|_| {
                ApiError::unprocessable(format!("Validation failed: {key} must be a number"))
            }),
        }
    }

    /// Strings from `key` given as an array, `key[]`, or a single value.
    pub fn list(&self, key: &str) -> Vec<String> {
        let value = self.value(key).or_else(|| self.value(&format!("{key}[]")));
        match value {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect(),
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Number(n)) => vec![n.to_string()],
            _ => Vec::new(),
        }
    }

    /// A nested object (`poll[options][]=...` or `{"poll": {...}}`) as parameters.
    pub fn object(&self, key: &str) -> Option<Params> {
        match self.value(key)? {
            Value::Object(map) => Some(Params {
                fields: map.clone(),
                files: Vec::new(),
            }),
            _ => None,
        }
    }

    pub fn require(&self, key: &str) -> Result<String, ApiError> {
        self.str(key).filter(|s| !s.is_empty()).ok_or_else(|| {
            ApiError::unprocessable(format!("Validation failed: {key} can't be blank"))
        })
    }
}

fn insert_path(map: &mut Map<String, Value>, key: &str, value: Value) {
    let Some(open) = key.find('[') else {
        map.insert(key.to_string(), value);
        return;
    };
    let (head, rest) = key.split_at(open);
    let close = rest.find(']').unwrap_or(rest.len());
    let inner = &rest[1..close.max(1)];
    let tail = rest.get(close + 1..).unwrap_or("");
    if inner.is_empty() {
        // `head[]`: append to an array.
        let entry = map
            .entry(head.to_string())
            .or_insert_with(|| Value::Array(Vec::new()));
        if !entry.is_array() {
            *entry = Value::Array(vec![entry.take()]);
        }
        if let Value::Array(items) = entry {
            items.push(value);
        }
    } else {
        let entry = map
            .entry(head.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        if let Value::Object(inner_map) = entry {
            insert_path(inner_map, &format!("{inner}{tail}"), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_arrays_and_objects() {
        let mut p = Params::default();
        p.merge_form(b"status=hi&media_ids[]=1&media_ids[]=2&poll[options][]=a&poll[options][]=b&poll[expires_in]=60")
            .expect("form");
        assert_eq!(p.str("status").as_deref(), Some("hi"));
        assert_eq!(p.list("media_ids"), vec!["1", "2"]);
        let poll = p.object("poll").expect("poll");
        assert_eq!(poll.list("options"), vec!["a", "b"]);
        assert_eq!(poll.i64("expires_in").expect("number"), Some(60));
    }

    #[test]
    fn deep_or_long_keys_are_refused() {
        let mut p = Params::default();
        assert!(p.merge_form(b"a[b][c][d][e][f]=1").is_err());
        let long = format!("{}=1", "k".repeat(300));
        assert!(p.merge_form(long.as_bytes()).is_err());
        assert!(p.merge_form(b"a[b][c][d]=1").is_ok());
    }
}
