//! Wire types and their conversion to and from our rows. `DbActor` and `DbPost` wrap rows and
//! implement the federation library's traits; `ActorJson` and `PostJson` are what travels.

mod actor;
pub(crate) mod post;

pub use actor::{actor_json, ActorJson, DbActor};
pub use post::{post_json, DbPost, PostJson};

use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};
use url::Url;

pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// True for the ways servers write the public collection.
pub fn is_public(addr: &str) -> bool {
    matches!(addr, PUBLIC | "as:Public" | "Public")
}

/// The JSON-LD context of everything we serve and send.
pub fn context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "sensitive": "as:sensitive",
            "Hashtag": "as:Hashtag",
            "toot": "http://joinmastodon.org/ns#",
            "discoverable": "toot:discoverable",
            "indexable": "toot:indexable",
            "featured": { "@id": "toot:featured", "@type": "@id" },
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value",
            "lemmy": "https://join-lemmy.org/ns#",
            "postingRestrictedToMods": "lemmy:postingRestrictedToMods",
            "pt": "https://joinpeertube.org/ns#",
            "commentsEnabled": "pt:commentsEnabled",
            "rules": "lemmy:rules",
            "acceptedAnswer": { "@id": "schema:acceptedAnswer", "@type": "@id" },
            "moderators": { "@id": "lemmy:moderators", "@type": "@id" },
            "mz": "https://joinmobilizon.org/ns#",
            "joinMode": "mz:joinMode",
            "participantCount": "mz:participantCount",
            "timezone": "mz:timezone",
            "isOnline": "mz:isOnline",
            "maximumAttendeeCapacity": "schema:maximumAttendeeCapacity",
            "remainingAttendeeCapacity": "schema:remainingAttendeeCapacity",
            "ical": "http://www.w3.org/2002/12/cal/ical#",
            "tsunagu": "urn:tsunagu:ns#",
            "mentor": "tsunagu:mentor",
            "mentoringRequest": "tsunagu:mentoringRequest",
            "alumni": "tsunagu:alumni",
            "alumniProfile": "tsunagu:alumniProfile",
            "institution": "tsunagu:institution",
            "graduationYear": "tsunagu:graduationYear",
            "department": "tsunagu:department",
            "industry": "tsunagu:industry",
            "employer": "tsunagu:employer",
            "skills": "tsunagu:skills",
            "interests": "tsunagu:interests",
            "mentoring": "tsunagu:mentoring",
            "verifiedAt": "tsunagu:verifiedAt"
        }
    ])
}

/// Adds `@context` to an object we serve or send.
pub fn with_context(mut value: Value) -> Value {
    if let Value::Object(map) = &mut value {
        let mut out = serde_json::Map::new();
        out.insert("@context".into(), context());
        out.extend(std::mem::take(map));
        return Value::Object(out);
    }
    value
}

/// Ids named by a field that may be a string, an object with `id` or `href`, or an array of
/// either.
pub fn ids_of(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().flat_map(ids_of).collect(),
        Value::Object(map) => map
            .get("id")
            .or_else(|| map.get("href"))
            .and_then(Value::as_str)
            .map(|s| vec![s.to_string()])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The first id named by a field (see [`ids_of`]).
pub fn first_id(value: &Value) -> Option<String> {
    ids_of(value).into_iter().next()
}

/// A URL from fields like `icon` or `url` that may be a string, a `Link`/`Image` object, or a
/// list of them.
pub fn url_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => items.iter().find_map(url_of),
        Value::Object(map) => map
            .get("url")
            .and_then(url_of)
            .or_else(|| map.get("href").and_then(Value::as_str).map(str::to_string)),
        _ => None,
    }
}

/// Deserializes a field that may be one value or a list into a list of ids.
pub fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let value = Value::deserialize(d)?;
    Ok(ids_of(&value))
}

/// Deserializes a field that may be one value or a list into a list of values.
pub fn values<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Value>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        other => vec![other],
    })
}

/// Types we take as actors.
pub fn is_actor_kind(kind: &str) -> bool {
    matches!(
        kind,
        "Person" | "Group" | "Application" | "Service" | "Organization"
    )
}

/// Whether two URLs are on the same server (host and port).
pub fn same_host(a: &str, b: &str) -> bool {
    match (Url::parse(a), Url::parse(b)) {
        (Ok(a), Ok(b)) => authority(&a) == authority(&b),
        _ => false,
    }
}

/// Refuses an object that claims to be on another server than the one speaking for it.
pub fn verify_same_host(object: &Url, speaker: &Url) -> Result<(), crate::FedError> {
    if authority(object) == authority(speaker) {
        Ok(())
    } else {
        Err(crate::FedError::BadRequest(format!(
            "{object} is not on the server of {speaker}"
        )))
    }
}

/// Everyone an object or activity is addressed to: `to`, `cc`, `audience` and mentions.
pub fn addressees(map: &serde_json::Map<String, Value>) -> Vec<String> {
    let mut urls = Vec::new();
    for key in ["to", "cc", "audience"] {
        if let Some(v) = map.get(key) {
            urls.extend(ids_of(v));
        }
    }
    if let Some(Value::Array(tags)) = map.get("tag") {
        for t in tags.iter().filter(|t| t["type"] == "Mention") {
            urls.extend(ids_of(t));
        }
    }
    urls
}

pub use tsunagu_service::html::web_link;

/// `host` or `host:port` of a URL, the way we store actor domains.
pub fn authority(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => String::new(),
    }
}

/// Parses a timestamp leniently: a bad date is dropped, not an error.
pub fn parse_time(value: Option<&str>) -> Option<chrono::NaiveDateTime> {
    chrono::DateTime::parse_from_rfc3339(value?)
        .ok()
        .map(|d| d.naive_utc())
}

/// RFC 3339 with a `Z`, the way every server writes it.
pub fn format_time(t: chrono::NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
