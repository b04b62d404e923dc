use super::{authority, format_time, is_actor_kind, parse_time, url_of, values, web_link};
use crate::{Data, FedError};
use activitypub_federation::protocol::public_key::PublicKey;
use activitypub_federation::traits::{Actor as ApActor, Object};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tsunagu_db::queries::{actors, joining, users};
use tsunagu_db::{now, Actor, AlumniVerification, NewActor};
use tsunagu_service::accounts::{self, ProfileKey, Viewer};
use tsunagu_service::{html, Context};
use url::Url;

/// An actor row, as the federation library sees it (with its id parsed once).
#[derive(Debug, Clone)]
pub struct DbActor(pub Actor, Url);

impl DbActor {
    pub fn new(actor: Actor) -> Result<DbActor, FedError> {
        let id = Url::parse(&actor.ap_id)?;
        Ok(DbActor(actor, id))
    }
}

/// An actor on the wire: `Person`, `Group`, `Application`, `Service` or `Organization`.
/// Only what we use is typed; odd shapes of optional fields are tolerated.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorJson {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Url,
    #[serde(default)]
    pub preferred_username: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub url: Option<Value>,
    pub inbox: Url,
    #[serde(default)]
    pub outbox: Option<Url>,
    #[serde(default)]
    pub followers: Option<Url>,
    #[serde(default)]
    pub following: Option<Url>,
    #[serde(default)]
    pub endpoints: Option<Value>,
    pub public_key: PublicKey,
    #[serde(default)]
    pub icon: Option<Value>,
    #[serde(default)]
    pub image: Option<Value>,
    #[serde(default)]
    pub manually_approves_followers: Option<bool>,
    #[serde(default, deserialize_with = "values")]
    pub attachment: Vec<Value>,
    #[serde(default)]
    pub published: Option<String>,
    /// Verified alumni status, as the actor's own server states it (Tsunagu's extension).
    #[serde(default)]
    pub alumni: Option<Value>,
    /// The public alumni fields (graduation year, department, industry...), structured.
    #[serde(default)]
    pub alumni_profile: Option<Value>,
    /// The mentoring the actor offers (Tsunagu's extension): `available`, `topics`,
    /// `capacity`, `note`.
    #[serde(default)]
    pub mentor: Option<Value>,
}

/// The JSON of a local actor, with the profile fields anyone may see.
pub async fn actor_json(ctx: &Context, actor: &Actor) -> Result<Value, FedError> {
    let mut attachment = Vec::new();
    let mut alumni = None;
    let mut profile = serde_json::Map::new();
    let aid = actor.id;
    if let Some(user) = ctx.db.read(move |c| users::by_actor(c, aid)).await? {
        if let Some(v) = tsunagu_service::alumni::of(ctx, aid).await? {
            // Mastodon and others show it as a profile field.
            attachment.push(json!({
                "type": "PropertyValue",
                "name": tsunagu_service::alumni::FIELD_NAME,
                "value": html::escape(&tsunagu_service::alumni::summary(&v)),
            }));
            alumni = Some(json!({
                "institution": v.institution,
                "graduationYear": v.graduation_year,
                "department": v.department,
                "verifiedAt": format_time(v.verified_at),
            }));
        }
        for entry in accounts::profile(ctx, user.id, Viewer::Anonymous).await? {
            if let Some(term) = profile_term(entry.key) {
                profile.insert(term.into(), json!(entry.value));
            }
            attachment.push(json!({
                "type": "PropertyValue",
                "name": entry.key.label(),
                "value": html::escape(&entry.value),
            }));
        }
        // Then the fields the member wrote themselves (name and value, as Mastodon's).
        for field in serde_json::from_str::<Vec<Value>>(&actor.fields_json).unwrap_or_default() {
            attachment.push(json!({
                "type": "PropertyValue",
                "name": field["name"],
                "value": html::escape(field["value"].as_str().unwrap_or_default()),
            }));
        }
    }
    let mut value = json!({
        "type": actor.kind,
        "id": actor.ap_id,
        "preferredUsername": actor.username,
        "name": actor.display_name,
        "summary": actor.summary,
        "url": actor.url,
        "inbox": actor.inbox_url,
        "outbox": actor.outbox_url,
        "followers": actor.followers_url,
        "following": actor.following_url,
        "endpoints": { "sharedInbox": actor.shared_inbox_url },
        "publicKey": {
            "id": format!("{}#main-key", actor.ap_id),
            "owner": actor.ap_id,
            "publicKeyPem": actor.public_key_pem,
        },
        "manuallyApprovesFollowers": actor.manually_approves_followers,
        "discoverable": actor.kind != "Application",
        "indexable": actor.kind != "Application",
        "published": format_time(actor.published_at),
        "attachment": attachment,
    });
    if let Some(alumni) = alumni {
        value["alumni"] = alumni;
    }
    if let Some(p) = tsunagu_service::mentoring::profile(ctx, aid)
        .await?
        .filter(|p| p.available && actor.local)
    {
        value["mentor"] = json!({
            "available": true,
            "topics": p.topic_list(),
            "capacity": p.capacity,
            "note": p.note,
        });
    }
    if !profile.is_empty() {
        value["alumniProfile"] = Value::Object(profile);
    }
    if let Some(avatar) = &actor.avatar_url {
        value["icon"] = json!({ "type": "Image", "url": avatar });
    }
    if let Some(header) = &actor.header_url {
        value["image"] = json!({ "type": "Image", "url": header });
    }
    if actor.kind == "Person" && actor.local {
        value["featured"] = json!(format!("{}/featured", actor.ap_id));
    }
    if actor.kind == "Group" && actor.local {
        crate::boards::group_fields(ctx, actor, &mut value).await?;
    }
    Ok(super::with_context(value))
}

/// The `alumniProfile` term of a profile field that the directory searches by.
fn profile_term(key: ProfileKey) -> Option<&'static str> {
    Some(match key {
        ProfileKey::GraduationYear => "graduationYear",
        ProfileKey::Department => "department",
        ProfileKey::Industry => "industry",
        ProfileKey::Employer => "employer",
        ProfileKey::Skills => "skills",
        ProfileKey::Interests => "interests",
        ProfileKey::Mentoring => "mentoring",
        ProfileKey::Introduction => return None,
    })
}

/// Plain text of at most 200 characters from a JSON string or number.
fn short_text(v: &Value) -> Option<String> {
    let text = match v {
        Value::String(s) => html::to_text(s),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let text: String = text.trim().chars().take(200).collect();
    (!text.is_empty()).then_some(text)
}

impl ActorJson {
    /// The verification the actor's own server states, for the stored actor `actor_id`.
    fn verification(&self, actor_id: i64) -> Option<AlumniVerification> {
        let a = self.alumni.as_ref()?.as_object()?;
        let institution = a.get("institution").and_then(short_text)?;
        let year = a
            .get("graduationYear")
            .and_then(short_text)
            .and_then(|y| y.parse::<i32>().ok())
            .filter(|y| (1900..=2100).contains(y));
        Some(AlumniVerification {
            actor_id,
            graduation_year: year,
            department: a.get("department").and_then(short_text).unwrap_or_default(),
            institution,
            verified_at: parse_time(a.get("verifiedAt").and_then(Value::as_str)).unwrap_or(now()),
            verified_by: None,
        })
    }

    /// The mentoring the actor's server says they offer.
    fn mentor(&self) -> Option<tsunagu_service::mentoring::RemoteMentor> {
        let m = self.mentor.as_ref()?.as_object()?;
        let topics = m
            .get("topics")
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(short_text).collect())
            .unwrap_or_default();
        Some(tsunagu_service::mentoring::RemoteMentor {
            available: m.get("available").and_then(Value::as_bool).unwrap_or(false),
            topics,
            capacity: m.get("capacity").and_then(Value::as_i64).unwrap_or(1),
            note: m.get("note").and_then(short_text).unwrap_or_default(),
        })
    }

    /// The public alumni fields, as `(profile key, value)`.
    fn alumni_fields(&self) -> Vec<(String, String)> {
        let Some(map) = self.alumni_profile.as_ref().and_then(Value::as_object) else {
            return Vec::new();
        };
        ProfileKey::ALL
            .into_iter()
            .filter_map(|key| {
                let value = map.get(profile_term(key)?).and_then(short_text)?;
                Some((key.as_str().to_string(), value))
            })
            .collect()
    }

    /// The row for a remote actor described by this JSON.
    fn to_row(&self) -> Result<NewActor, FedError> {
        let username = self
            .preferred_username
            .clone()
            .filter(|u| !u.is_empty())
            .or_else(|| {
                self.id
                    .path_segments()
                    .and_then(|mut s| s.next_back().map(str::to_string))
            })
            .unwrap_or_default();
        if !is_valid_username(&username) {
            return Err(FedError::BadRequest(format!(
                "{} has an invalid preferredUsername",
                self.id
            )));
        }
        let fields: Vec<Value> = self
            .attachment
            .iter()
            .filter(|a| a.get("type").and_then(Value::as_str) == Some("PropertyValue"))
            .filter_map(|a| {
                Some(json!({
                    "name": html::to_text(a.get("name")?.as_str()?),
                    "value": html::sanitize(a.get("value")?.as_str()?),
                }))
            })
            .take(20)
            .collect();
        let shared_inbox = self
            .endpoints
            .as_ref()
            .and_then(|e| e.get("sharedInbox"))
            .and_then(Value::as_str)
            .and_then(|s| Url::parse(s).ok())
            .map(|u| u.to_string());
        let at = now();
        Ok(NewActor {
            ap_id: self.id.to_string(),
            kind: self.kind.clone(),
            username,
            domain: authority(&self.id),
            local: false,
            display_name: self
                .name
                .as_deref()
                .map(html::to_text)
                .unwrap_or_default()
                .chars()
                .filter(|c| !is_bidi_control(*c))
                .take(200)
                .collect(),
            summary: self
                .summary
                .as_deref()
                .map(html::sanitize)
                .unwrap_or_default(),
            url: self
                .url
                .as_ref()
                .and_then(url_of)
                .and_then(|u| web_link(&u)),
            inbox_url: self.inbox.to_string(),
            shared_inbox_url: shared_inbox,
            outbox_url: self.outbox.as_ref().map(Url::to_string),
            followers_url: self.followers.as_ref().map(Url::to_string),
            following_url: self.following.as_ref().map(Url::to_string),
            public_key_pem: self.public_key.public_key_pem.clone(),
            private_key_pem: None,
            avatar_url: self
                .icon
                .as_ref()
                .and_then(url_of)
                .and_then(|u| web_link(&u)),
            header_url: self
                .image
                .as_ref()
                .and_then(url_of)
                .and_then(|u| web_link(&u)),
            manually_approves_followers: self.manually_approves_followers.unwrap_or(false),
            fields_json: Value::Array(fields).to_string(),
            published_at: parse_time(self.published.as_deref()).unwrap_or(at),
            refreshed_at: at,
        })
    }
}

/// A remote username as we can show it in a handle (`name@host`): letters and digits of any
/// script, `_`, `.`, `-` and `~`, nothing that could make it read as another handle (`@`),
/// no spaces, controls or direction marks.
fn is_valid_username(name: &str) -> bool {
    let count = name.chars().count();
    (1..=100).contains(&count)
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '~'))
}

/// Characters that reorder the text around them.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[async_trait]
impl Object for DbActor {
    type DataType = Context;
    type Kind = ActorJson;
    type Error = FedError;

    fn id(&self) -> &Url {
        &self.1
    }

    fn last_refreshed_at(&self) -> Option<DateTime<Utc>> {
        Some(self.0.refreshed_at.and_utc())
    }

    async fn read_from_id(object_id: Url, data: &Data) -> Result<Option<Self>, FedError> {
        Ok(data
            .db
            .actor_by_ap_id(object_id.as_str())
            .await?
            .map(DbActor::new)
            .transpose()?)
    }

    fn is_deleted(&self) -> bool {
        self.0.deleted
    }

    async fn into_json(self, data: &Data) -> Result<ActorJson, FedError> {
        let value = actor_json(data.app_data(), &self.0).await?;
        Ok(serde_json::from_value(value)?)
    }

    async fn verify(json: &ActorJson, expected_domain: &Url, _data: &Data) -> Result<(), FedError> {
        if !is_actor_kind(&json.kind) {
            return Err(FedError::BadRequest(format!(
                "{} is a {}, not an actor",
                json.id, json.kind
            )));
        }
        super::verify_same_host(&json.id, expected_domain)?;
        super::verify_same_host(&json.id, &json.inbox)?;
        if json.public_key.owner != json.id {
            return Err(FedError::BadRequest(
                "public key belongs to another actor".into(),
            ));
        }
        Ok(())
    }

    async fn from_json(json: ActorJson, data: &Data) -> Result<Self, FedError> {
        let row = json.to_row()?;
        let actor = data
            .db
            .write(move |c| actors::upsert_remote(c, &row))
            .await?;
        if !actor.local {
            // The actor was fetched from (or sent by) its own host, which alone may state
            // that it verified its member.
            let (verified, fields, mentor, id) = (
                json.verification(actor.id),
                json.alumni_fields(),
                json.mentor(),
                actor.id,
            );
            data.db
                .write(move |c| {
                    match &verified {
                        Some(v) => joining::set_verification(c, v)?,
                        None => {
                            joining::remove_verification(c, id)?;
                        }
                    }
                    tsunagu_service::mentoring::record_remote(c, id, mentor)?;
                    joining::set_remote_fields(c, id, &fields)
                })
                .await?;
        }
        DbActor::new(actor)
    }
}

impl ApActor for DbActor {
    fn public_key_pem(&self) -> &str {
        &self.0.public_key_pem
    }

    fn private_key_pem(&self) -> Option<String> {
        self.0.private_key_pem.clone()
    }

    fn inbox(&self) -> Url {
        Url::parse(&self.0.inbox_url).unwrap_or_else(|_| self.id().clone())
    }

    fn shared_inbox(&self) -> Option<Url> {
        self.0
            .shared_inbox_url
            .as_deref()
            .and_then(|u| Url::parse(u).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_that_could_pass_for_other_handles_are_refused() {
        for ok in ["alice", "bob_1", "nb-user", "first.last", "山田"] {
            assert!(is_valid_username(ok), "{ok}");
        }
        for bad in [
            "alice@uni.example",
            "a b",
            "",
            "evil\u{202e}moc",
            "<b>x</b>",
            "x\n",
        ] {
            assert!(!is_valid_username(bad), "{bad:?}");
        }
    }
}
