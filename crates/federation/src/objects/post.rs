use super::{
    first_id, format_time, ids_of, is_public, one_or_many, parse_time, url_of, values, web_link,
    DbActor, PUBLIC,
};
use crate::{Data, FedError};
use activitypub_federation::fetch::object_id::ObjectId;
use activitypub_federation::traits::Object;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tsunagu_db::queries::{actors, posts};
use tsunagu_db::{Actor, Post};
use tsunagu_service::inbound::{self, RemotePost};
use tsunagu_service::media::RemoteMedia;
use tsunagu_service::polls::RemotePoll;
use tsunagu_service::Context;
use url::Url;

/// A post row, as the federation library sees it.
#[derive(Debug, Clone)]
pub struct DbPost(pub Post, Url);

impl DbPost {
    pub fn new(post: Post) -> Result<DbPost, FedError> {
        let id = Url::parse(&post.ap_id)?;
        Ok(DbPost(post, id))
    }
}

/// A post on the wire: `Note`, `Page`, `Article`, `Question`, `Event`... Fields other software
/// writes in several shapes are kept as JSON values and read leniently.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostJson {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Url,
    #[serde(default)]
    pub attributed_to: Value,
    #[serde(default, deserialize_with = "one_or_many")]
    pub to: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub cc: Vec<String>,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub content_map: Option<Value>,
    #[serde(default)]
    pub source: Option<Value>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub in_reply_to: Option<Value>,
    #[serde(default)]
    pub context: Option<Value>,
    #[serde(default)]
    pub conversation: Option<Value>,
    #[serde(default)]
    pub audience: Option<Value>,
    #[serde(default)]
    pub published: Option<String>,
    #[serde(default)]
    pub updated: Option<String>,
    #[serde(default)]
    pub url: Option<Value>,
    #[serde(default)]
    pub sensitive: Option<bool>,
    #[serde(default, deserialize_with = "values")]
    pub tag: Vec<Value>,
    #[serde(default, deserialize_with = "values")]
    pub attachment: Vec<Value>,
    #[serde(default)]
    pub replies: Option<Value>,
    /// Fields we read only in some cases (`commentsEnabled`, `acceptedAnswer`...).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

/// Types we store as posts; anything else is ignored.
pub fn is_post_kind(kind: &str) -> bool {
    matches!(
        kind,
        "Note" | "Page" | "Article" | "Question" | "Event" | "Video" | "Image" | "Audio"
    )
}

/// Who a local post is addressed to, as Mastodon derives visibility from it.
pub fn addressing(post: &Post, author: &Actor, mentioned: &[Actor]) -> (Vec<String>, Vec<String>) {
    let followers = author.followers_url.clone().unwrap_or_default();
    let mentions: Vec<String> = mentioned.iter().map(|a| a.ap_id.clone()).collect();
    let mut cc = mentions.clone();
    match post.visibility.as_str() {
        "public" => {
            cc.insert(0, followers);
            (vec![PUBLIC.into()], cc)
        }
        "unlisted" => {
            cc.insert(0, PUBLIC.into());
            (vec![followers], cc)
        }
        "private" => (vec![followers], cc),
        _ => (mentions, Vec::new()),
    }
}

/// The JSON of a local post.
pub async fn post_json(ctx: &Context, post: &Post) -> Result<Value, FedError> {
    let (author_id, pid) = (post.author_id, post.id);
    let (author, mentioned, tags, attachments, poll) = ctx
        .db
        .read(move |c| {
            let author = actors::by_id(c, author_id)?;
            let ids = posts::mentions(c, pid)?;
            let mentioned = actors::by_ids(c, &ids)?;
            Ok((
                author,
                mentioned,
                posts::tags(c, pid)?,
                tsunagu_db::queries::media::of_posts(c, &[pid])?,
                tsunagu_db::queries::polls::find(c, pid)?,
            ))
        })
        .await?;
    let (to, cc) = addressing(post, &author, &mentioned);
    let mut tag: Vec<Value> = mentioned
        .iter()
        .map(|a| {
            json!({
                "type": "Mention",
                "href": a.ap_id,
                "name": format!("@{}@{}", a.username, a.domain),
            })
        })
        .collect();
    tag.extend(tags.iter().map(|t| {
        json!({
            "type": "Hashtag",
            "href": ctx.tag_url(t),
            "name": format!("#{t}"),
        })
    }));
    let mut value = json!({
        "type": post.kind,
        "id": post.ap_id,
        "attributedTo": author.ap_id,
        "to": to,
        "cc": cc,
        "content": post.content,
        "inReplyTo": post.in_reply_to_ap_id,
        "context": post.context,
        "conversation": post.context,
        "published": format_time(post.created_at),
        "url": post.url.clone().unwrap_or_else(|| post.ap_id.clone()),
        "sensitive": post.sensitive,
        "tag": tag,
        "replies": format!("{}/replies", post.ap_id),
    });
    if !post.summary.is_empty() {
        value["summary"] = json!(post.summary);
    }
    if !attachments.is_empty() {
        value["attachment"] = attachments
            .iter()
            .map(|m| {
                json!({
                    "type": "Document",
                    "mediaType": m.content_type,
                    "url": tsunagu_service::media::url_of(ctx, m),
                    "name": (!m.description.is_empty()).then_some(&m.description),
                    "focalPoint": [m.focus_x, m.focus_y],
                    "width": m.width,
                    "height": m.height,
                })
            })
            .collect();
    }
    if let Some(poll) = poll {
        let state = tsunagu_service::polls::PollState::from_row(poll);
        let options: Vec<Value> = state
            .options
            .iter()
            .map(|(name, count)| {
                json!({
                    "type": "Note",
                    "name": name,
                    "replies": { "type": "Collection", "totalItems": count },
                })
            })
            .collect();
        let key = if state.poll.multiple {
            "anyOf"
        } else {
            "oneOf"
        };
        value[key] = json!(options);
        value["votersCount"] = json!(state.poll.voters_count);
        if let Some(end) = state.poll.expires_at {
            value["endTime"] = json!(format_time(end));
            if state.expired() {
                value["closed"] = json!(format_time(end));
            }
        }
    }
    let opens_with_title = tsunagu_service::boards::text_opens_with_title(post);
    if let Some(name) = &post.name {
        value["name"] = json!(name);
        if !opens_with_title && post.kind != "Article" {
            // Microblogs show `content` and ignore `name` (an `Article`'s they show): open the content with the title so
            // their users see it; forums read the body from the Markdown `source`.
            value["content"] = json!(format!(
                "<p><strong>{}</strong></p>{}",
                tsunagu_service::html::escape(name),
                post.content
            ));
        }
    }
    // Thread and board facts: the audience (FEP-1b12), lock state and accepted answer.
    if let Some((root, thread)) = tsunagu_service::boards::thread_of(ctx, post).await? {
        let boards = tsunagu_service::boards::boards_of_thread(ctx, root.id).await?;
        if let Some(board) = boards.first() {
            value["audience"] = json!(board.ap_id);
        }
        if root.id == post.id {
            value["commentsEnabled"] = json!(!thread.locked);
            if let Some(answer) = thread.accepted_answer_id {
                let answer = ctx.db.read(move |c| posts::by_id(c, answer)).await?;
                value["acceptedAnswer"] = json!(answer.ap_id);
            }
        }
    }
    if let Some(source) = &post.source {
        let media_type = if matches!(post.kind.as_str(), "Note" | "Question") {
            "text/plain"
        } else {
            "text/markdown"
        };
        // A status that became a thread: forums show the title apart, so the body is the
        // text after its first line.
        let body = if post.name.is_some() && opens_with_title && post.summary.is_empty() {
            tsunagu_service::boards::title_and_body(source, "").1
        } else {
            source.clone()
        };
        value["source"] = json!({ "content": body, "mediaType": media_type });
    }
    if let Some(updated) = post.updated_at {
        value["updated"] = json!(format_time(updated));
    }
    if post.kind == "Event" {
        add_event_facts(ctx, post, &mut value).await?;
    }
    Ok(super::with_context(value))
}

/// An event's time, place and capacity, in the terms Mobilizon reads.
async fn add_event_facts(ctx: &Context, post: &Post, value: &mut Value) -> Result<(), FedError> {
    let Ok(view) = tsunagu_service::events::get(ctx, None, post.id).await else {
        return Ok(());
    };
    let e = &view.event;
    value["startTime"] = json!(format_time(e.starts_at));
    if let Some(end) = e.ends_at {
        value["endTime"] = json!(format_time(end));
    }
    value["timezone"] = json!(e.timezone);
    value["joinMode"] = json!("free");
    value["participantCount"] = json!(view.participants_count);
    value["maximumAttendeeCapacity"] = json!(e.capacity.unwrap_or(0));
    if let Some(cap) = e.capacity {
        value["remainingAttendeeCapacity"] =
            json!((i64::from(cap) - view.participants_count).max(0));
    }
    value["ical:status"] = json!(if e.cancelled_at.is_some() {
        "CANCELLED"
    } else {
        "CONFIRMED"
    });
    if !e.location.is_empty() {
        value["location"] = json!({ "type": "Place", "name": e.location });
    }
    value["isOnline"] = json!(e.online_url.is_some());
    if let Some(link) = &e.online_url {
        let mut attachments = value["attachment"].as_array().cloned().unwrap_or_default();
        attachments.push(json!({
            "type": "Link",
            "name": "Website",
            "mediaType": "text/html",
            "href": link,
        }));
        value["attachment"] = json!(attachments);
    }
    Ok(())
}

impl PostJson {
    /// Media attachments with a web address (`Document`, `Image`, `Video`, `Audio`).
    fn attachments(&self) -> Vec<RemoteMedia> {
        self.attachment
            .iter()
            .filter_map(|a| {
                let link = a.get("url")?;
                let (url, link_type) = match link {
                    Value::String(u) => (u.clone(), None),
                    Value::Array(list) => {
                        let first = list.first()?;
                        (
                            url_of(first)?,
                            first.get("mediaType").and_then(Value::as_str),
                        )
                    }
                    other => (
                        url_of(other)?,
                        other.get("mediaType").and_then(Value::as_str),
                    ),
                };
                let parsed = Url::parse(&url).ok()?;
                if !matches!(parsed.scheme(), "https" | "http") {
                    return None;
                }
                let content_type = a
                    .get("mediaType")
                    .and_then(Value::as_str)
                    .or(link_type)
                    .map(str::to_string)
                    .unwrap_or_else(|| match a.get("type").and_then(Value::as_str) {
                        Some("Image") => "image/*".into(),
                        Some("Video") => "video/*".into(),
                        Some("Audio") => "audio/*".into(),
                        _ => "application/octet-stream".into(),
                    });
                let number = |key: &str| {
                    a.get(key)
                        .and_then(Value::as_i64)
                        .and_then(|n| i32::try_from(n).ok())
                };
                let focus = a
                    .get("focalPoint")
                    .and_then(Value::as_array)
                    .map(|p| {
                        let at = |i: usize| p.get(i).and_then(Value::as_f64).unwrap_or(0.0);
                        (at(0), at(1))
                    })
                    .unwrap_or((0.0, 0.0));
                Some(RemoteMedia {
                    url,
                    content_type,
                    description: a
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    focus,
                    width: number("width"),
                    height: number("height"),
                })
            })
            .collect()
    }

    /// The poll of a `Question`: `oneOf` or `anyOf` options with their reply counts.
    fn poll(&self) -> Option<RemotePoll> {
        if self.kind != "Question" {
            return None;
        }
        let (options, multiple) = match (self.extra.get("oneOf"), self.extra.get("anyOf")) {
            (Some(Value::Array(o)), _) => (o, false),
            (_, Some(Value::Array(o))) => (o, true),
            _ => return None,
        };
        let options = options
            .iter()
            .filter_map(|o| {
                let name = o.get("name")?.as_str()?.to_string();
                let count = o
                    .get("replies")
                    .and_then(|r| r.get("totalItems"))
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                Some((name, count))
            })
            .collect::<Vec<_>>();
        if options.is_empty() {
            return None;
        }
        let time = |key: &str| {
            self.extra
                .get(key)
                .and_then(Value::as_str)
                .and_then(|t| parse_time(Some(t)))
        };
        Some(RemotePoll {
            options,
            multiple,
            expires_at: time("endTime").or_else(|| time("closed")),
            voters_count: self.extra.get("votersCount").and_then(Value::as_i64),
        })
    }

    /// The facts of an `Event`: times, place, online address, capacity.
    fn event(&self) -> Option<tsunagu_service::events::RemoteEvent> {
        if self.kind != "Event" {
            return None;
        }
        let text = |key: &str| self.extra.get(key).and_then(Value::as_str);
        let start = chrono::DateTime::parse_from_rfc3339(text("startTime")?).ok()?;
        let number = |key: &str| {
            self.extra
                .get(key)
                .and_then(Value::as_i64)
                .and_then(|n| i32::try_from(n).ok())
        };
        let location = self.extra.get("location").map(|place| {
            let name = place.get("name").and_then(Value::as_str).unwrap_or("");
            let address = place.get("address");
            let part = |key: &str| {
                address
                    .and_then(|a| a.get(key))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            [
                name.to_string(),
                part("streetAddress"),
                part("addressLocality"),
                part("addressCountry"),
            ]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
        });
        let online = self
            .attachment
            .iter()
            .filter(|a| a.get("type").and_then(Value::as_str) == Some("Link"))
            .find_map(|a| a.get("href").and_then(Value::as_str).and_then(web_link));
        Some(tsunagu_service::events::RemoteEvent {
            starts_at: start.naive_utc(),
            ends_at: parse_time(text("endTime")),
            timezone: text("timezone").map(str::to_string),
            utc_offset: start.offset().local_minus_utc() / 60,
            location: location.unwrap_or_default(),
            online_url: online,
            capacity: number("maximumAttendeeCapacity"),
            cancelled: text("ical:status") == Some("CANCELLED"),
            participants: number("participantCount").unwrap_or(0),
        })
    }

    /// A vote on a poll: a `Note` with a `name` (the option), no body, answering the question.
    pub fn vote(&self) -> Option<(String, String)> {
        if self.kind != "Note" || !self.body().trim().is_empty() {
            return None;
        }
        let option = self.name.clone()?;
        let question = self.in_reply_to.as_ref().and_then(first_id)?;
        Some((question, option))
    }

    pub fn author_id(&self) -> Option<String> {
        first_id(&self.attributed_to)
    }

    /// Visibility as Mastodon derives it from the addressing.
    pub fn visibility(&self, followers_url: Option<&str>) -> &'static str {
        if self.to.iter().any(|a| is_public(a)) {
            "public"
        } else if self.cc.iter().any(|a| is_public(a)) {
            "unlisted"
        } else if followers_url.is_some_and(|f| self.to.iter().chain(&self.cc).any(|a| a == f))
            || self
                .to
                .iter()
                .chain(&self.cc)
                .any(|a| a.ends_with("/followers"))
        {
            "private"
        } else {
            "direct"
        }
    }

    fn source_text(&self) -> Option<String> {
        let source = self.source.as_ref()?;
        source
            .get("content")
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    /// The body, without the title paragraph that servers like this one put first for
    /// microblogs' sake.
    fn body_without_title(&self) -> String {
        let body = self.body();
        if let Some(name) = self.name.as_deref().filter(|n| !n.is_empty()) {
            let opening = format!(
                "<p><strong>{}</strong></p>",
                tsunagu_service::html::escape(name)
            );
            if let Some(rest) = body.strip_prefix(&opening) {
                return rest.to_string();
            }
        }
        body
    }

    /// The body, followed by the links it is about (Lemmy's link posts carry their link as
    /// a `Link` attachment).
    fn body_with_links(&self) -> String {
        let mut body = self.body_without_title();
        for link in self
            .attachment
            .iter()
            .filter(|a| a.get("type").and_then(Value::as_str) == Some("Link"))
            .filter_map(|a| a.get("href").and_then(Value::as_str).and_then(web_link))
        {
            let escaped = tsunagu_service::html::escape(&link);
            body.push_str(&format!("<p><a href=\"{escaped}\">{escaped}</a></p>"));
        }
        body
    }

    /// Body HTML: `content`, else the first `contentMap` entry.
    fn body(&self) -> String {
        self.content
            .clone()
            .or_else(|| {
                self.content_map
                    .as_ref()?
                    .as_object()?
                    .values()
                    .find_map(|v| v.as_str().map(str::to_string))
            })
            .unwrap_or_default()
    }
}

#[async_trait]
impl Object for DbPost {
    type DataType = Context;
    type Kind = PostJson;
    type Error = FedError;

    fn id(&self) -> &Url {
        &self.1
    }

    async fn read_from_id(object_id: Url, data: &Data) -> Result<Option<Self>, FedError> {
        let id = object_id.to_string();
        data.db
            .lookup(move |c| posts::by_ap_id(c, &id))
            .await?
            .map(DbPost::new)
            .transpose()
    }

    fn is_deleted(&self) -> bool {
        self.0.deleted_at.is_some()
    }

    async fn into_json(self, data: &Data) -> Result<PostJson, FedError> {
        Ok(serde_json::from_value(
            post_json(data.app_data(), &self.0).await?,
        )?)
    }

    async fn verify(json: &PostJson, expected_domain: &Url, _data: &Data) -> Result<(), FedError> {
        if !is_post_kind(&json.kind) {
            return Err(FedError::BadRequest(format!(
                "unsupported object type {}",
                json.kind
            )));
        }
        super::verify_same_host(&json.id, expected_domain)?;
        let author = json
            .author_id()
            .ok_or_else(|| FedError::BadRequest("object has no attributedTo".into()))?;
        super::verify_same_host(&json.id, &Url::parse(&author)?)?;
        Ok(())
    }

    async fn from_json(json: PostJson, data: &Data) -> Result<Self, FedError> {
        let author_url = Url::parse(&json.author_id().unwrap_or_default())?;
        let author = ObjectId::<DbActor>::from(author_url)
            .dereference(data)
            .await?;
        // A refetch of a post we hold finds it in the write (see `receive_post`).
        let received = DbPost::store(json, &author, None, None, data)
            .await?
            .ok_or_else(|| FedError::Internal("a post stored without a receipt".into()))?;
        DbPost::new(received.post)
    }
}

impl DbPost {
    /// Stores a verified post of `author` (its `attributedTo`, already found); `existing` is
    /// the stored post of the same id when the caller has found it, `receipt` the id of the
    /// activity carrying it when the same write is to remember it (see
    /// [`inbound::receive_post`]). `None` when that activity was received before.
    pub async fn store(
        json: PostJson,
        author: &DbActor,
        existing: Option<Post>,
        receipt: Option<&str>,
        data: &Data,
    ) -> Result<Option<inbound::Received>, FedError> {
        // Fetch the parent first so the reply threads; a parent we cannot get is not fatal.
        let parent = json.in_reply_to.as_ref().and_then(first_id);
        if let Some(parent) = &parent {
            let p = parent.clone();
            let known = data
                .db
                .lookup(move |c| posts::by_ap_id(c, &p))
                .await?
                .is_some();
            if !known {
                if let Ok(url) = Url::parse(parent) {
                    let fetched = Box::pin(ObjectId::<DbPost>::from(url).dereference(data)).await;
                    if let Err(e) = fetched {
                        tracing::debug!("parent {parent} not fetched: {e}");
                    }
                }
            }
        }
        let mention_urls: Vec<String> = json
            .tag
            .iter()
            .filter(|t| t.get("type").and_then(Value::as_str) == Some("Mention"))
            .flat_map(ids_of)
            .collect();
        let mentions = data
            .db
            .actors_by_ap_id(mention_urls)
            .await?
            .into_iter()
            .flatten()
            .map(|a| inbound::Mentioned {
                id: a.id,
                local: a.local,
            })
            .collect();
        let tags = json
            .tag
            .iter()
            .filter(|t| t.get("type").and_then(Value::as_str) == Some("Hashtag"))
            .filter_map(|t| t.get("name").and_then(Value::as_str).map(str::to_string))
            .collect();
        let context = json
            .context
            .as_ref()
            .and_then(first_id)
            .or_else(|| json.conversation.as_ref().and_then(first_id));
        let remote = RemotePost {
            ap_id: json.id.to_string(),
            kind: json.kind.clone(),
            in_reply_to: parent,
            context,
            name: json.name.clone(),
            content: json.body_with_links(),
            source: json.source_text(),
            summary: json.summary.clone(),
            sensitive: json.sensitive.unwrap_or(false),
            visibility: json.visibility(author.0.followers_url.as_deref()).into(),
            url: json
                .url
                .as_ref()
                .and_then(url_of)
                .and_then(|u| web_link(&u)),
            published: parse_time(json.published.as_deref()),
            mentions,
            tags,
            attachments: json.attachments(),
            poll: json.poll(),
            receipt: receipt.map(str::to_string),
        };
        let event = json.event();
        let received = inbound::receive_post(data.app_data(), &author.0, remote, existing).await?;
        if let (Some(event), Some(received)) = (event, &received) {
            tsunagu_service::events::record_remote(data.app_data(), received.post.id, event)
                .await?;
        }
        Ok(received)
    }
}
