//! Events: homecomings, career talks, reunions. An event is a public post of type `Event`
//! (title in `name`, the description with its date and place as `content`, so Mastodon shows
//! them) with its facts in `events`. Members and remote people take part (`going`); when it
//! is full they wait in line (`waiting`) and move up, first come first, when someone leaves.
//! Joining a remote event asks its organiser (`pending` until they accept), as Mobilizon does.

mod calendar;

pub use calendar::{feed, feed_token};

use crate::error::{invalid, invalid_as};
use crate::posts::{random_token, PostVisibility};
use crate::{html, Context, Event, Problem, ServiceError, ServiceResult};
use chrono::{DateTime, Duration, NaiveDateTime};
use std::collections::HashMap;
use tsunagu_db::queries::events::{self as q, Scope};
use tsunagu_db::queries::{actors, posts};
use tsunagu_db::{now, Actor, CalendarEvent, EventParticipant, NewEventParticipant, NewPost, Post};

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 20_000;
pub const MAX_LOCATION_CHARS: usize = 300;
pub const MAX_CAPACITY: i32 = 100_000;
/// How far ahead an event may be planned.
const MAX_DAYS_AHEAD: i64 = 3 * 366;
/// Participants are reminded this long before the start.
pub const REMINDER_LEAD: Duration = Duration::hours(24);

pub const GOING: &str = "going";
pub const WAITING: &str = "waiting";
pub const PENDING: &str = "pending";

/// What an organiser writes.
#[derive(Debug, Clone, Default)]
pub struct EventInput {
    pub title: String,
    /// Markdown.
    pub description: String,
    /// RFC 3339 with an offset: `2027-01-10T18:00:00+09:00`.
    pub starts_at: String,
    /// RFC 3339, or empty.
    pub ends_at: String,
    /// IANA name (`Asia/Tokyo`), or empty for UTC.
    pub timezone: String,
    pub location: String,
    pub online_url: String,
    /// None: no limit.
    pub capacity: Option<i64>,
}

/// An event with its counts and, for a viewer, their place in it.
#[derive(Debug, Clone)]
pub struct EventView {
    pub event: CalendarEvent,
    pub post: Post,
    pub participants_count: i64,
    pub waitlist_count: i64,
    /// The viewer's state: going, waiting or pending.
    pub participation: Option<String>,
}

impl EventView {
    pub fn is_over(&self) -> bool {
        self.event.ends_at.unwrap_or(self.event.starts_at) < now()
    }
}

/// Checked facts, ready to store.
struct Checked {
    title: String,
    starts_at: NaiveDateTime,
    ends_at: Option<NaiveDateTime>,
    utc_offset: i32,
    timezone: String,
    location: String,
    online_url: Option<String>,
    capacity: Option<i32>,
}

fn parse_time(text: &str, field: &str) -> ServiceResult<DateTime<chrono::FixedOffset>> {
    DateTime::parse_from_rfc3339(text.trim()).map_err(|_| {
        invalid_as(
            "event-times",
            format!("{field} must be a time such as 2027-01-10T18:00:00+09:00"),
        )
    })
}

fn check(input: &EventInput) -> ServiceResult<Checked> {
    let title = input.title.trim().to_string();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return Err(invalid_as(
            "title-length",
            format!("title must be 1 to {MAX_TITLE_CHARS} characters"),
        ));
    }
    if input.description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(invalid(format!(
            "description must be at most {MAX_DESCRIPTION_CHARS} characters"
        )));
    }
    let starts = parse_time(&input.starts_at, "starts_at")?;
    let ends = match input.ends_at.trim() {
        "" => None,
        t => Some(parse_time(t, "ends_at")?),
    };
    let starts_at = starts.naive_utc();
    let ends_at = ends.map(|e| e.naive_utc());
    if ends_at.is_some_and(|e| e <= starts_at) {
        return Err(invalid_as(
            "event-times",
            "the event must end after it starts",
        ));
    }
    if starts_at > now() + Duration::days(MAX_DAYS_AHEAD) {
        return Err(invalid_as(
            "event-times",
            "events may be planned at most three years ahead",
        ));
    }
    let timezone = match input.timezone.trim() {
        "" => "UTC".to_string(),
        tz if tz.len() <= 64
            && tz
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c)) =>
        {
            tz.to_string()
        }
        _ => return Err(invalid("timezone must be a name such as Asia/Tokyo")),
    };
    let location = input.location.trim().to_string();
    if location.chars().count() > MAX_LOCATION_CHARS {
        return Err(invalid(format!(
            "location must be at most {MAX_LOCATION_CHARS} characters"
        )));
    }
    let online_url = match input.online_url.trim() {
        "" => None,
        u => Some(
            html::web_link(u)
                .ok_or_else(|| invalid("online_url must be an http or https address"))?,
        ),
    };
    let capacity = match input.capacity {
        None | Some(0) => None,
        Some(n) if (1..=i64::from(MAX_CAPACITY)).contains(&n) => Some(n as i32),
        Some(_) => {
            return Err(invalid(format!(
                "capacity must be 1 to {MAX_CAPACITY}, or 0 for no limit"
            )))
        }
    };
    Ok(Checked {
        title,
        starts_at,
        ends_at,
        utc_offset: starts.offset().local_minus_utc() / 60,
        timezone,
        location,
        online_url,
        capacity,
    })
}

/// `2027-01-10 18:00` at `offset` minutes east of UTC.
pub fn local_time(at: NaiveDateTime, offset: i32) -> String {
    (at + Duration::minutes(i64::from(offset)))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// `UTC+09:00`
pub fn offset_label(offset: i32) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let m = offset.abs();
    format!("UTC{sign}{:02}:{:02}", m / 60, m % 60)
}

/// When and where, as one line of text.
pub fn when_and_where(e: &CalendarEvent) -> String {
    let mut when = local_time(e.starts_at, e.utc_offset);
    if let Some(end) = e.ends_at {
        let end = local_time(end, e.utc_offset);
        // The same day is written once.
        match (when.split_once(' '), end.split_once(' ')) {
            (Some((d1, _)), Some((d2, t2))) if d1 == d2 => when = format!("{when}–{t2}"),
            _ => when = format!("{when} – {end}"),
        }
    }
    let mut line = format!("{when} ({}, {})", offset_label(e.utc_offset), e.timezone);
    if !e.location.is_empty() {
        line.push_str(&format!(" · {}", e.location));
    }
    if e.online_url.is_some() {
        line.push_str(" · online");
    }
    line
}

/// The post's HTML: the facts first (Mastodon shows only the content and link), then the
/// description.
fn content_of(facts: &CalendarEvent, description_html: &str) -> String {
    let mut html_out = String::new();
    if facts.cancelled_at.is_some() {
        html_out.push_str("<p><strong>Cancelled · 中止</strong></p>");
    }
    html_out.push_str(&format!(
        "<p>📅 {}</p>",
        html::escape(&when_and_where(facts))
    ));
    if let Some(link) = &facts.online_url {
        let link = html::escape(link);
        html_out.push_str(&format!("<p><a href=\"{link}\">{link}</a></p>"));
    }
    html_out.push_str(description_html);
    html_out
}

fn facts_of(post_id: i64, c: &Checked) -> CalendarEvent {
    CalendarEvent {
        post_id,
        starts_at: c.starts_at,
        ends_at: c.ends_at,
        timezone: c.timezone.clone(),
        utc_offset: c.utc_offset,
        location: c.location.clone(),
        online_url: c.online_url.clone(),
        capacity: c.capacity,
        cancelled_at: None,
        remote_participants: 0,
    }
}

/// A member (staff or not) creates an event, public and federated to their followers.
pub async fn create(ctx: &Context, organiser: &Actor, input: EventInput) -> ServiceResult<Post> {
    let checked = check(&input)?;
    if checked.starts_at < now() {
        return Err(invalid_as(
            "event-times",
            "the event must start in the future",
        ));
    }
    let (description, mentioned, tags) =
        crate::posts::render_markdown_text(ctx, &input.description).await?;
    let mention_ids: Vec<i64> = mentioned.iter().map(|a| a.id).collect();
    let row = NewPost {
        ap_id: ctx.url(&format!("/pending/{}", random_token())),
        author_id: organiser.id,
        kind: "Event".into(),
        in_reply_to_id: None,
        in_reply_to_ap_id: None,
        reblog_of_id: None,
        context: None,
        name: Some(checked.title.clone()),
        content: content_of(&facts_of(0, &checked), &description),
        source: Some(input.description),
        summary: String::new(),
        sensitive: false,
        visibility: PostVisibility::Public.as_str().into(),
        url: None,
        local: true,
        created_at: now(),
    };
    crate::posts::insert_with_page(ctx, row, "events", mention_ids, tags, move |c, id| {
        q::save(c, &facts_of(id, &checked))
    })
    .await
}

/// A local event that `who` may change: its organiser's, or any for staff.
async fn own_event(
    ctx: &Context,
    who: &tsunagu_db::User,
    actor: &Actor,
    id: i64,
) -> ServiceResult<(CalendarEvent, Post)> {
    let (facts, post) = ctx
        .db
        .read(move |c| q::get(c, id))
        .await?
        .ok_or(ServiceError::NotFound("event"))?;
    if !post.local {
        return Err(ServiceError::NotFound("event"));
    }
    if post.author_id != actor.id && !crate::accounts::role_of(who).is_staff() {
        return Err(ServiceError::Forbidden(Problem::coded(
            "not-yours",
            "only its organiser or staff may change an event",
        )));
    }
    Ok((facts, post))
}

/// Writes new facts and text, keeps the old version, and tells other servers.
async fn save_changes(
    ctx: &Context,
    previous: Post,
    facts: CalendarEvent,
    title: String,
    source: String,
) -> ServiceResult<Post> {
    let (description, _, _) = crate::posts::render_markdown_text(ctx, &source).await?;
    let content = content_of(&facts, &description);
    let id = previous.id;
    let post = ctx
        .db
        .write(move |c| {
            posts::save_version(c, &previous, now())?;
            posts::update_content(c, id, &content, "", false, Some(&title), now())?;
            posts::set_source(c, id, &source)?;
            q::save(c, &facts)?;
            posts::by_id(c, id)
        })
        .await?;
    ctx.publish(Event::PostUpdated { post_id: id }).await;
    Ok(post)
}

/// The organiser (or staff) edits an event. A larger capacity lets people in from the line.
pub async fn update(
    ctx: &Context,
    who: &tsunagu_db::User,
    actor: &Actor,
    id: i64,
    input: EventInput,
) -> ServiceResult<Post> {
    let (old, post) = own_event(ctx, who, actor, id).await?;
    if old.cancelled_at.is_some() {
        return Err(invalid_as("event-over", "this event was cancelled"));
    }
    let checked = check(&input)?;
    let facts = facts_of(id, &checked);
    if facts.starts_at != old.starts_at {
        // Moved: participants are reminded of the new time.
        ctx.db.write(move |c| q::reset_reminders(c, id)).await?;
    }
    let post = save_changes(ctx, post, facts, checked.title, input.description).await?;
    move_up_waiting(ctx, id).await?;
    Ok(post)
}

/// The organiser (or staff) cancels an event; participants here are told.
pub async fn cancel(
    ctx: &Context,
    who: &tsunagu_db::User,
    actor: &Actor,
    id: i64,
) -> ServiceResult<Post> {
    let (mut facts, post) = own_event(ctx, who, actor, id).await?;
    if facts.cancelled_at.is_some() {
        return Ok(post);
    }
    facts.cancelled_at = Some(now());
    let (title, source) = (
        post.name.clone().unwrap_or_default(),
        post.source.clone().unwrap_or_default(),
    );
    let post = save_changes(ctx, post, facts, title, source).await?;
    let organiser = post.author_id;
    ctx.db
        .write(move |c| {
            for p in q::participants(c, id, GOING)?
                .into_iter()
                .chain(q::participants(c, id, WAITING)?)
            {
                if actors::by_id(c, p.actor_id)?.local {
                    crate::posts::notify(c, p.actor_id, "event_update", organiser, Some(id))?;
                }
            }
            Ok(())
        })
        .await?;
    Ok(post)
}

/// One event as `viewer` sees it.
pub async fn get(ctx: &Context, viewer: Option<i64>, id: i64) -> ServiceResult<EventView> {
    let found = ctx.db.read(move |c| q::get(c, id)).await?;
    let found = crate::posts::keep_visible(ctx, viewer, found.into_iter().collect()).await?;
    views(ctx, viewer, found)
        .await?
        .pop()
        .ok_or(ServiceError::NotFound("event"))
}

/// The event an ActivityPub id names, if we know it.
pub async fn by_ap_id(ctx: &Context, ap_id: &str) -> ServiceResult<Option<(CalendarEvent, Post)>> {
    let ap_id = ap_id.to_string();
    Ok(ctx
        .db
        .read(move |c| match posts::by_ap_id(c, &ap_id)? {
            Some(p) => q::get(c, p.id),
            None => Ok(None),
        })
        .await?)
}

/// Which listing: `upcoming`, `past` or `mine`.
pub fn scope(name: &str, viewer: Option<i64>) -> ServiceResult<Scope> {
    match (name, viewer) {
        ("" | "upcoming", _) => Ok(Scope::Upcoming),
        ("past", _) => Ok(Scope::Past),
        ("mine", Some(v)) => Ok(Scope::Mine(v)),
        ("mine", None) => Err(ServiceError::Unauthorized(
            "sign in to list your events".into(),
        )),
        (other, _) => Err(invalid(format!(
            "scope {other:?}: use upcoming, past or mine"
        ))),
    }
}

pub async fn list(
    ctx: &Context,
    viewer: Option<i64>,
    scope: Scope,
    local_only: bool,
    offset: i64,
    limit: i64,
) -> ServiceResult<Vec<EventView>> {
    let (offset, limit) = (offset.max(0), limit.clamp(1, 100));
    let found = ctx
        .db
        .read(move |c| q::list(c, scope, local_only, now(), offset, limit))
        .await?;
    let found = crate::posts::keep_visible(ctx, viewer, found).await?;
    views(ctx, viewer, found).await
}

/// Counts and the viewer's places for a batch of events.
async fn views(
    ctx: &Context,
    viewer: Option<i64>,
    found: Vec<(CalendarEvent, Post)>,
) -> ServiceResult<Vec<EventView>> {
    let ids: Vec<i64> = found.iter().map(|(e, _)| e.post_id).collect();
    let (counts, mine) = ctx
        .db
        .read(move |c| {
            let mine = match viewer {
                Some(v) => q::participations(c, v, &ids)?,
                None => Vec::new(),
            };
            Ok((q::counts(c, &ids)?, mine))
        })
        .await?;
    let mut by_state: HashMap<(i64, String), i64> = HashMap::new();
    for (event, state, n) in counts {
        by_state.insert((event, state), n);
    }
    let mine: HashMap<i64, String> = mine.into_iter().map(|p| (p.event_id, p.state)).collect();
    Ok(found
        .into_iter()
        .map(|(event, post)| {
            let count = |s: &str| by_state.get(&(event.post_id, s.to_string())).copied();
            let going = count(GOING).unwrap_or(0);
            EventView {
                // A remote organiser's count includes people we never hear of.
                participants_count: if post.local {
                    going
                } else {
                    going.max(i64::from(event.remote_participants))
                },
                waitlist_count: count(WAITING).unwrap_or(0),
                participation: mine.get(&event.post_id).cloned(),
                event,
                post,
            }
        })
        .collect())
}

/// What joining did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joined {
    Going,
    Waiting,
    /// Asked the remote organiser.
    Pending,
}

impl Joined {
    pub fn state(self) -> &'static str {
        match self {
            Joined::Going => GOING,
            Joined::Waiting => WAITING,
            Joined::Pending => PENDING,
        }
    }
}

fn joinable(facts: &CalendarEvent) -> ServiceResult<()> {
    if facts.cancelled_at.is_some() {
        return Err(invalid_as("event-over", "this event was cancelled"));
    }
    if facts.ends_at.unwrap_or(facts.starts_at) < now() {
        return Err(invalid_as("event-over", "this event is over"));
    }
    Ok(())
}

/// Takes `actor` into a local event: going while there is room, else in line. Remote people
/// are answered with `Accept` once they are going.
async fn join_local(
    ctx: &Context,
    facts: &CalendarEvent,
    actor: &Actor,
    join_ap_id: Option<String>,
) -> ServiceResult<Joined> {
    joinable(facts)?;
    let (event_id, actor_id, capacity) = (facts.post_id, actor.id, facts.capacity);
    let (joined, participant) = ctx
        .db
        .write(move |c| {
            q::lock(c, event_id)?;
            // Asked again (a retry whose `Accept` was lost): the same answer again.
            if let Some(p) = q::participation(c, event_id, actor_id)? {
                let joined = if p.state == GOING {
                    Joined::Going
                } else {
                    Joined::Waiting
                };
                return Ok((joined, p.id));
            }
            let going = q::count_in_state(c, event_id, GOING)?;
            let joined = match capacity {
                Some(cap) if going >= i64::from(cap) => Joined::Waiting,
                _ => Joined::Going,
            };
            q::add_participant(
                c,
                &NewEventParticipant {
                    event_id,
                    actor_id,
                    state: joined.state().into(),
                    join_ap_id,
                    created_at: now(),
                },
            )?;
            let p =
                q::participation(c, event_id, actor_id)?.ok_or(tsunagu_db::QueryError::NotFound)?;
            Ok((joined, p.id))
        })
        .await?;
    if joined == Joined::Going && !actor.local {
        ctx.publish(Event::EventJoinAccepted {
            participant_id: participant,
        })
        .await;
    }
    Ok(joined)
}

/// A member takes part in an event here or elsewhere.
pub async fn join(ctx: &Context, actor: &Actor, id: i64) -> ServiceResult<Joined> {
    let (facts, post) = ctx
        .db
        .read(move |c| q::get(c, id))
        .await?
        .ok_or(ServiceError::NotFound("event"))?;
    if crate::posts::filter_visible(ctx, Some(actor.id), vec![post.clone()])
        .await?
        .is_empty()
    {
        return Err(ServiceError::NotFound("event"));
    }
    if post.local {
        return join_local(ctx, &facts, actor, None).await;
    }
    joinable(&facts)?;
    let (event_id, actor_id) = (id, actor.id);
    let join_ap_id = ctx.url(&format!("/activities/join/{}", random_token()));
    let created = ctx
        .db
        .write(move |c| {
            if let Some(p) = q::participation(c, event_id, actor_id)? {
                return Ok(Err(p));
            }
            q::add_participant(
                c,
                &NewEventParticipant {
                    event_id,
                    actor_id,
                    state: PENDING.into(),
                    join_ap_id: Some(join_ap_id),
                    created_at: now(),
                },
            )?;
            q::participation(c, event_id, actor_id)?
                .ok_or(tsunagu_db::QueryError::NotFound)
                .map(Ok)
        })
        .await?;
    match created {
        Ok(p) => {
            ctx.publish(Event::EventJoinRequested {
                participant_id: p.id,
            })
            .await;
            Ok(Joined::Pending)
        }
        Err(existing) => Ok(match existing.state.as_str() {
            GOING => Joined::Going,
            WAITING => Joined::Waiting,
            _ => Joined::Pending,
        }),
    }
}

/// A member gives up their place (or their place in line).
pub async fn leave(ctx: &Context, actor: &Actor, id: i64) -> ServiceResult<()> {
    let (facts, post) = ctx
        .db
        .read(move |c| q::get(c, id))
        .await?
        .ok_or(ServiceError::NotFound("event"))?;
    let Some(left) = remove(ctx, facts.post_id, actor.id).await? else {
        return Ok(());
    };
    if post.local {
        move_up_waiting(ctx, id).await?;
    } else {
        ctx.publish(Event::EventLeft {
            event_id: id,
            actor_id: actor.id,
            join_ap_id: left.join_ap_id,
        })
        .await;
    }
    Ok(())
}

async fn remove(
    ctx: &Context,
    event_id: i64,
    actor_id: i64,
) -> ServiceResult<Option<EventParticipant>> {
    Ok(ctx
        .db
        .write(move |c| {
            let found = q::participation(c, event_id, actor_id)?;
            if let Some(p) = &found {
                q::remove_participant(c, p.id)?;
            }
            Ok(found)
        })
        .await?)
}

/// Lets people in from the line while there is room; members here are told, remote people
/// get their `Accept`.
async fn move_up_waiting(ctx: &Context, event_id: i64) -> ServiceResult<()> {
    let moved = ctx
        .db
        .write(move |c| {
            q::lock(c, event_id)?;
            let Some((facts, post)) = q::get(c, event_id)? else {
                return Ok(Vec::new());
            };
            // Nobody moves up into a cancelled or finished event.
            if facts.cancelled_at.is_some() || facts.ends_at.unwrap_or(facts.starts_at) < now() {
                return Ok(Vec::new());
            }
            let going = q::count_in_state(c, event_id, GOING)?;
            let room = match facts.capacity {
                Some(cap) => (i64::from(cap) - going).max(0),
                None => i64::MAX,
            };
            let mut moved = Vec::new();
            for p in q::participants(c, event_id, WAITING)?
                .into_iter()
                .take(usize::try_from(room).unwrap_or(usize::MAX))
            {
                q::set_state(c, p.id, GOING)?;
                let who = actors::by_id(c, p.actor_id)?;
                if who.local {
                    crate::posts::notify(
                        c,
                        who.id,
                        "event_update",
                        post.author_id,
                        Some(event_id),
                    )?;
                } else {
                    moved.push(p.id);
                }
            }
            Ok(moved)
        })
        .await?;
    for participant_id in moved {
        ctx.publish(Event::EventJoinAccepted { participant_id })
            .await;
    }
    Ok(())
}

/// A remote person's `Join` of one of our events.
pub async fn receive_join(
    ctx: &Context,
    actor: &Actor,
    event_ap_id: &str,
    join_ap_id: &str,
) -> ServiceResult<Joined> {
    let (facts, post) = by_ap_id(ctx, event_ap_id)
        .await?
        .filter(|(_, p)| p.local)
        .ok_or(ServiceError::NotFound("event"))?;
    if post.deleted_at.is_some() {
        return Err(ServiceError::NotFound("event"));
    }
    join_local(ctx, &facts, actor, Some(join_ap_id.to_string())).await
}

/// A remote person's `Leave` of one of our events.
pub async fn receive_leave(ctx: &Context, actor: &Actor, event_ap_id: &str) -> ServiceResult<()> {
    let (facts, post) = by_ap_id(ctx, event_ap_id)
        .await?
        .filter(|(_, p)| p.local)
        .ok_or(ServiceError::NotFound("event"))?;
    if remove(ctx, facts.post_id, actor.id).await?.is_some() {
        move_up_waiting(ctx, post.id).await?;
    }
    Ok(())
}

/// A remote organiser's answer to a member's `Join`, named by the join's id (or by the
/// event and the member). Only the event's own server may answer.
pub async fn receive_answer(
    ctx: &Context,
    sender: &Actor,
    join_ap_id: Option<&str>,
    event_ap_id: Option<&str>,
    participant_ap_id: Option<&str>,
    accepted: bool,
) -> ServiceResult<()> {
    let (join, event, who) = (
        join_ap_id.map(str::to_string),
        event_ap_id.map(str::to_string),
        participant_ap_id.map(str::to_string),
    );
    let found = ctx
        .db
        .read(move |c| {
            if let Some(join) = &join {
                if let Some(p) = q::by_join_ap_id(c, join)? {
                    return Ok(Some(p));
                }
            }
            let (Some(event), Some(who)) = (event, who) else {
                return Ok(None);
            };
            let (Some(post), Some(actor)) =
                (posts::by_ap_id(c, &event)?, actors::by_ap_id(c, &who)?)
            else {
                return Ok(None);
            };
            q::participation(c, post.id, actor.id)
        })
        .await?
        .ok_or(ServiceError::NotFound("participation"))?;
    let event_id = found.event_id;
    let post = ctx.db.read(move |c| posts::by_id(c, event_id)).await?;
    if post.local || !same_host(&post.ap_id, &sender.ap_id) {
        return Err(ServiceError::Forbidden(
            "only the event's own server may answer a join".into(),
        ));
    }
    let (pid, member, organiser) = (found.id, found.actor_id, post.author_id);
    ctx.db
        .write(move |c| {
            if accepted {
                q::set_state(c, pid, GOING)?;
            } else {
                q::remove_participant(c, pid)?;
            }
            crate::posts::notify(c, member, "event_update", organiser, Some(event_id))
        })
        .await?;
    Ok(())
}

fn same_host(a: &str, b: &str) -> bool {
    let host = |u: &str| url::Url::parse(u).ok().map(|u| u.authority().to_string());
    host(a).is_some() && host(a) == host(b)
}

/// What another server says about one of its events.
#[derive(Debug, Clone)]
pub struct RemoteEvent {
    pub starts_at: NaiveDateTime,
    pub ends_at: Option<NaiveDateTime>,
    pub timezone: Option<String>,
    pub utc_offset: i32,
    pub location: String,
    pub online_url: Option<String>,
    pub capacity: Option<i32>,
    pub cancelled: bool,
    pub participants: i32,
}

/// Keeps the facts of a remote event stored as `post_id`.
pub async fn record_remote(ctx: &Context, post_id: i64, remote: RemoteEvent) -> ServiceResult<()> {
    let previous = ctx.db.read(move |c| q::get(c, post_id)).await?;
    let cancelled_at = match (&previous, remote.cancelled) {
        (Some((p, _)), true) => p.cancelled_at.or(Some(now())),
        (None, true) => Some(now()),
        (_, false) => None,
    };
    let timezone = remote
        .timezone
        .filter(|t| t.len() <= 64 && !t.is_empty())
        .unwrap_or_else(|| "UTC".into());
    let facts = CalendarEvent {
        post_id,
        starts_at: remote.starts_at,
        ends_at: remote.ends_at.filter(|e| *e > remote.starts_at),
        timezone,
        utc_offset: remote.utc_offset.clamp(-14 * 60, 14 * 60),
        location: remote.location.chars().take(MAX_LOCATION_CHARS).collect(),
        online_url: remote.online_url.and_then(|u| html::web_link(&u)),
        capacity: remote.capacity.filter(|c| *c > 0),
        cancelled_at,
        remote_participants: remote.participants.max(0),
    };
    ctx.db.write(move |c| q::save(c, &facts)).await?;
    Ok(())
}

/// Reminds members here going to events (here or elsewhere) that start within
/// [`REMINDER_LEAD`], once each; returns how many reminders went out.
pub async fn send_reminders(ctx: &Context) -> ServiceResult<usize> {
    let at = now();
    Ok(ctx
        .db
        .write(move |c| {
            let due = q::due_reminders(c, at, at + REMINDER_LEAD)?;
            let mut sent = 0;
            for (participant, post) in &due {
                // Every process runs housekeeping: the one that claims a reminder sends it.
                if !q::claim_reminder(c, participant.id, at)? {
                    continue;
                }
                crate::posts::notify(
                    c,
                    participant.actor_id,
                    "event_reminder",
                    post.author_id,
                    Some(post.id),
                )?;
                sent += 1;
            }
            Ok(sent)
        })
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_with_their_offset() {
        let input = EventInput {
            title: "Homecoming".into(),
            starts_at: "2028-01-10T18:00:00+09:00".into(),
            ends_at: "2028-01-10T20:30:00+09:00".into(),
            timezone: "Asia/Tokyo".into(),
            ..EventInput::default()
        };
        let c = check(&input).expect("valid");
        assert_eq!(c.utc_offset, 540);
        assert_eq!(c.starts_at.to_string(), "2028-01-10 09:00:00");
        let facts = facts_of(1, &c);
        assert_eq!(
            when_and_where(&facts),
            "2028-01-10 18:00–20:30 (UTC+09:00, Asia/Tokyo)"
        );
        let backwards = EventInput {
            ends_at: "2028-01-10T17:00:00+09:00".into(),
            ..input
        };
        assert!(check(&backwards).is_err());
    }
}
