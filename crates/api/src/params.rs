//! Request parameters from the query string and a JSON or form body, merged into one JSON
//! object. Mastodon clients send the same fields either way (`media_ids[]=1`, `poll[options][]`
//! in forms; arrays and objects in JSON), so handlers read them in one shape.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde_json::{Map, Value};

/// Request bodies larger than this are refused.
pub const MAX_BODY: usize = 1024 * 1024;

#[derive(Debug, Default, Clone)]
pub struct Params(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for Params {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let mut params = Params::default();
        if let Some(q) = req.uri().query() {
            params.merge_form(q.as_bytes());
        }
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::new(e.status(), e.body_text()))?;
        if body.len() > MAX_BODY {
            return Err(ApiError::new(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "request body is too large",
            ));
        }
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(params);
        }
        if content_type.starts_with("application/json") {
            match serde_json::from_slice::<Value>(&body) {
                Ok(Value::Object(map)) => params.0.extend(map),
                Ok(_) => return Err(ApiError::bad_request("JSON body must be an object")),
                Err(e) => return Err(ApiError::bad_request(format!("invalid JSON: {e}"))),
            }
        } else if content_type.starts_with("application/x-www-form-urlencoded")
            || content_type.is_empty()
        {
            params.merge_form(&body);
        } else if content_type.starts_with("multipart/form-data") {
            return Err(ApiError::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "multipart bodies are accepted only for media uploads",
            ));
        } else {
            return Err(ApiError::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "use a JSON or form body",
            ));
        }
        Ok(params)
    }
}

impl Params {
    /// Adds `key=value` pairs; `a[]` keys build arrays and `a[b]` keys build objects.
    pub fn merge_form(&mut self, raw: &[u8]) {
        for (key, value) in url::form_urlencoded::parse(raw) {
            insert_path(&mut self.0, &key, Value::String(value.into_owned()));
        }
    }

    pub fn value(&self, key: &str) -> Option<&Value> {
        self.0.get(key).filter(|v| !v.is_null())
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

    #[cfg(test)]
    pub fn object(&self, key: &str) -> Option<Params> {
        match self.value(key)? {
            Value::Object(map) => Some(Params(map.clone())),
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
        p.merge_form(b"status=hi&media_ids[]=1&media_ids[]=2&poll[options][]=a&poll[options][]=b&poll[expires_in]=60");
        assert_eq!(p.str("status").as_deref(), Some("hi"));
        assert_eq!(p.list("media_ids"), vec!["1", "2"]);
        let poll = p.object("poll").expect("poll");
        assert_eq!(poll.list("options"), vec!["a", "b"]);
        assert_eq!(poll.i64("expires_in").expect("number"), Some(60));
    }
}
