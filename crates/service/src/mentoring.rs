//! Mentoring across institutions. A member offers mentoring (topics, how many people at once,
//! a note); people elsewhere offer it through their server's actor document. A student asks a
//! mentor here or elsewhere; the mentor's instance decides: the mentor accepts or declines, a
//! request beyond their capacity is declined at once with a reason, and unanswered requests
//! expire. On acceptance the mentor writes to the student privately, which starts the
//! conversation both see (Mastodon's `/api/v1/conversations`). A mentor on software that knows
//! nothing of this gets the request as a readable direct message; their reply to it counts as
//! accepting.

use crate::error::invalid;
use crate::posts::{NewStatus, PostVisibility};
use crate::{Context, Event, Problem, ServiceError, ServiceResult};
use chrono::Duration;
use tsunagu_db::queries::actors;
use tsunagu_db::queries::mentoring as q;
use tsunagu_db::{now, Actor, MentorProfile, MentoringRequest, NewMentoringRequest};

pub const MAX_TOPICS: usize = 10;
pub const MAX_TOPIC_CHARS: usize = 40;
pub const MAX_NOTE_CHARS: usize = 500;
pub const MAX_CAPACITY: i32 = 20;
pub const MAX_MESSAGE_CHARS: usize = 2_000;
/// How long a request waits for an answer unless the operator says otherwise.
pub const DEFAULT_LIFETIME: Duration = Duration::days(14);

pub const PENDING: &str = "pending";
pub const ACCEPTED: &str = "accepted";
pub const DECLINED: &str = "declined";
pub const CANCELLED: &str = "cancelled";
pub const EXPIRED: &str = "expired";
pub const STATES: [&str; 5] = [PENDING, ACCEPTED, DECLINED, CANCELLED, EXPIRED];

/// A request lifetime from the operator's setting.
pub fn lifetime(d: std::time::Duration) -> Duration {
    Duration::from_std(d).unwrap_or(DEFAULT_LIFETIME)
}

/// The reason given when a mentor has no free place.
pub const FULL_REASON: &str = "The mentor has no free place at the moment.";

/// What a member says about their mentoring.
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    pub available: bool,
    pub topics: Vec<String>,
    pub capacity: Option<i64>,
    pub note: String,
}

/// Topics as kept: trimmed, lower-case, without commas, unique.
pub fn clean_topics(topics: &[String]) -> ServiceResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for t in topics.iter().flat_map(|t| t.split(',')) {
        let t = t.trim().trim_start_matches('#').to_lowercase();
        if t.is_empty() || out.contains(&t) {
            continue;
        }
        if t.chars().count() > MAX_TOPIC_CHARS {
            return Err(invalid(format!(
                "a topic may have at most {MAX_TOPIC_CHARS} characters"
            )));
        }
        out.push(t);
    }
    if out.len() > MAX_TOPICS {
        return Err(invalid(format!("at most {MAX_TOPICS} topics")));
    }
    Ok(out)
}

fn topics_column(topics: &[String]) -> String {
    format!(",{},", topics.join(","))
}

/// A member's own mentor profile, if they ever wrote one.
pub async fn profile(ctx: &Context, actor_id: i64) -> ServiceResult<Option<MentorProfile>> {
    Ok(ctx.db.read(move |c| q::profile(c, actor_id)).await?)
}

/// A member offers mentoring (or stops); other servers hear of it with their profile.
pub async fn set_profile(
    ctx: &Context,
    actor: &Actor,
    input: ProfileInput,
) -> ServiceResult<MentorProfile> {
    let topics = clean_topics(&input.topics)?;
    let capacity = match input.capacity {
        None => 1,
        Some(n) if (1..=i64::from(MAX_CAPACITY)).contains(&n) => n as i32,
        Some(_) => {
            return Err(invalid(format!(
                "capacity must be 1 to {MAX_CAPACITY} people at once"
            )))
        }
    };
    let note = input.note.trim().to_string();
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(invalid(format!(
            "the note may have at most {MAX_NOTE_CHARS} characters"
        )));
    }
    if input.available && topics.is_empty() {
        return Err(invalid("name at least one topic you mentor in"));
    }
    let profile = MentorProfile {
        actor_id: actor.id,
        available: input.available,
        topics: topics_column(&topics),
        capacity,
        note,
        updated_at: now(),
    };
    let row = profile.clone();
    ctx.db.write(move |c| q::save_profile(c, &row)).await?;
    ctx.publish(Event::ProfileUpdated { actor_id: actor.id })
        .await;
    Ok(profile)
}

/// What another server says of one of its people's mentoring (absent: they offer none).
#[derive(Debug, Clone)]
pub struct RemoteMentor {
    pub available: bool,
    pub topics: Vec<String>,
    pub capacity: i64,
    pub note: String,
}

/// Keeps (or forgets) what a remote actor's server says of their mentoring.
pub fn record_remote(
    c: &mut tsunagu_db::Conn,
    actor_id: i64,
    remote: Option<RemoteMentor>,
) -> tsunagu_db::QueryResult<()> {
    let Some(r) = remote else {
        return q::remove_profile(c, actor_id);
    };
    let mut topics: Vec<String> = r
        .topics
        .iter()
        .map(|t| t.trim().to_lowercase().replace(',', " "))
        .filter(|t| !t.is_empty())
        .map(|t| t.chars().take(MAX_TOPIC_CHARS).collect())
        .collect();
    topics.truncate(MAX_TOPICS);
    q::save_profile(
        c,
        &MentorProfile {
            actor_id,
            available: r.available,
            topics: topics_column(&topics),
            capacity: r.capacity.clamp(1, i64::from(MAX_CAPACITY)) as i32,
            note: r.note.chars().take(MAX_NOTE_CHARS).collect(),
            updated_at: now(),
        },
    )
}

/// Mentors here and elsewhere, with how many places they have free (known for those here).
pub async fn mentors(
    ctx: &Context,
    viewer: Option<i64>,
    filter: q::MentorFilter,
) -> ServiceResult<Vec<(MentorProfile, Actor, Option<i64>)>> {
    let mut filter = filter;
    filter.topic = filter
        .topic
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty());
    filter.text = filter
        .text
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    filter.limit = filter.limit.clamp(1, 80);
    filter.offset = filter.offset.max(0);
    let found = ctx.db.read(move |c| q::available(c, &filter)).await?;
    // People of refused servers, and those the viewer blocks or is blocked by, are left out.
    let ids: Vec<i64> = found.iter().map(|(_, a)| a.id).collect();
    let hidden = crate::policy::hidden_authors(ctx, &ids, false).await?;
    let blocked = match viewer {
        Some(v) => crate::relations::hidden_from(ctx, v).await?,
        None => Default::default(),
    };
    let mut out = Vec::new();
    for (p, a) in found {
        if hidden.contains(&a.id) || blocked.contains(&a.id) {
            continue;
        }
        let free = if a.local {
            let id = a.id;
            let taken = ctx.db.read(move |c| q::count_accepted(c, id)).await?;
            Some((i64::from(p.capacity) - taken).max(0))
        } else {
            None
        };
        out.push((p, a, free));
    }
    Ok(out)
}

fn check_message(message: &str) -> ServiceResult<String> {
    let message = message.trim().to_string();
    if message.is_empty() || message.chars().count() > MAX_MESSAGE_CHARS {
        return Err(invalid(format!(
            "the message must be 1 to {MAX_MESSAGE_CHARS} characters"
        )));
    }
    Ok(message)
}

/// Whether `mentor` (here) can take one more person.
fn has_room(c: &mut tsunagu_db::Conn, mentor: i64) -> tsunagu_db::QueryResult<bool> {
    let Some(p) = q::profile(c, mentor)? else {
        return Ok(false);
    };
    Ok(p.available && q::count_accepted(c, mentor)? < i64::from(p.capacity))
}

/// A member asks `mentor_id` (an account here or elsewhere) for mentoring.
pub async fn ask(
    ctx: &Context,
    mentee: &Actor,
    mentor_id: i64,
    message: &str,
) -> ServiceResult<MentoringRequest> {
    let message = check_message(message)?;
    let mentor = crate::relations::get_actor(ctx, mentor_id).await?;
    if mentor.id == mentee.id || mentor.kind != "Person" || mentor.deleted {
        return Err(invalid("ask a person other than yourself"));
    }
    if crate::relations::hidden_from(ctx, mentee.id)
        .await?
        .contains(&mentor.id)
        || !crate::policy::hidden_authors(ctx, &[mentor.id], false)
            .await?
            .is_empty()
    {
        return Err(ServiceError::NotFound("account"));
    }
    let (mentor_id, mentee_id, local_mentor) = (mentor.id, mentee.id, mentor.local);
    let lifetime = ctx.mentoring_lifetime;
    let base = ctx.url("/mentoring/requests/");
    let request = ctx
        .db
        .write(move |c| {
            q::lock_mentor(c, mentor_id)?;
            let offered = q::profile(c, mentor_id)?;
            // Someone here must offer mentoring; someone elsewhere must not have said they
            // do not (their software may know nothing of it).
            if offered.as_ref().is_some_and(|p| !p.available) || (local_mentor && offered.is_none())
            {
                return Ok(Err(invalid("this person does not offer mentoring")));
            }
            if q::between(c, mentor_id, mentee_id, PENDING)?.is_some()
                || q::between(c, mentor_id, mentee_id, ACCEPTED)?.is_some()
            {
                return Ok(Err(ServiceError::Conflict(
                    "you already asked this mentor".into(),
                )));
            }
            let full = local_mentor && !has_room(c, mentor_id)?;
            let at = now();
            let id = q::insert_request(
                c,
                &NewMentoringRequest {
                    ap_id: format!("{base}pending-{}", crate::posts::random_token()),
                    mentor_id,
                    mentee_id,
                    message: message.clone(),
                    state: if full { DECLINED } else { PENDING }.into(),
                    reason: if full { FULL_REASON } else { "" }.into(),
                    created_at: at,
                    answered_at: full.then_some(at),
                    expires_at: at + lifetime,
                },
            )?;
            q::set_ap_id(c, id, &format!("{base}{id}"))?;
            if local_mentor && !full {
                crate::posts::notify(c, mentor_id, "mentoring_request", mentee_id, None)?;
            }
            q::request(c, id).map(Ok)
        })
        .await??;
    if !mentor.local {
        ctx.publish(Event::MentoringRequested {
            request_id: request.id,
        })
        .await;
    }
    Ok(request)
}

/// A request someone elsewhere sent to a member here. Beyond the mentor's capacity (or when
/// they offer none) it is declined at once, and the student's server is told why.
pub async fn receive_request(
    ctx: &Context,
    mentee: &Actor,
    mentor: &Actor,
    ap_id: &str,
    message: &str,
) -> ServiceResult<MentoringRequest> {
    if !mentor.local {
        return Err(ServiceError::NotFound("local account"));
    }
    if crate::relations::hidden_from(ctx, mentor.id)
        .await?
        .contains(&mentee.id)
    {
        return Err(ServiceError::Forbidden(
            "the mentor takes no request from you".into(),
        ));
    }
    let message: String = html_to_message(message);
    let (ap, mentor_id, mentee_id) = (ap_id.to_string(), mentor.id, mentee.id);
    let lifetime = ctx.mentoring_lifetime;
    let (request, declined) = ctx
        .db
        .write(move |c| {
            q::lock_mentor(c, mentor_id)?;
            if let Some(r) = q::request_by_ap_id(c, &ap)? {
                return Ok(Ok((r, false)));
            }
            // Someone who offers no mentoring is not asked (nothing is stored).
            if !q::profile(c, mentor_id)?.is_some_and(|p| p.available) {
                return Ok(Err(ServiceError::NotFound("mentor")));
            }
            // One waiting (or running) mentoring per student and mentor: more requests are
            // the same one again, not news for the mentor.
            for state in [PENDING, ACCEPTED] {
                if let Some(r) = q::between(c, mentor_id, mentee_id, state)? {
                    return Ok(Ok((r, false)));
                }
            }
            let full = !has_room(c, mentor_id)?;
            let at = now();
            let id = q::insert_request(
                c,
                &NewMentoringRequest {
                    ap_id: ap,
                    mentor_id,
                    mentee_id,
                    message,
                    state: if full { DECLINED } else { PENDING }.into(),
                    reason: if full { FULL_REASON } else { "" }.into(),
                    created_at: at,
                    answered_at: full.then_some(at),
                    expires_at: at + lifetime,
                },
            )?;
            if !full {
                crate::posts::notify(c, mentor_id, "mentoring_request", mentee_id, None)?;
            }
            Ok(Ok((q::request(c, id)?, full)))
        })
        .await??;
    if declined {
        ctx.publish(Event::MentoringAnswered {
            request_id: request.id,
        })
        .await;
    }
    Ok(request)
}

/// The text of a request as it arrived (HTML from the wire), without the mention it opens
/// with for microblogs.
fn html_to_message(html: &str) -> String {
    let text = crate::html::to_text(html);
    let text = text.trim();
    let text = match text.split_once('\n') {
        Some((first, rest)) if first.trim_start().starts_with('@') => rest.trim(),
        _ => text,
    };
    text.chars().take(MAX_MESSAGE_CHARS).collect()
}

/// A request `actor` is part of (as mentor or mentee).
async fn request_of(ctx: &Context, actor: &Actor, id: i64) -> ServiceResult<MentoringRequest> {
    let r = ctx
        .db
        .read(move |c| q::request(c, id))
        .await
        .map_err(|_| ServiceError::NotFound("mentoring request"))?;
    if r.mentor_id != actor.id && r.mentee_id != actor.id {
        return Err(ServiceError::NotFound("mentoring request"));
    }
    Ok(r)
}

fn not_pending(r: &MentoringRequest) -> ServiceError {
    ServiceError::Invalid(Problem::coded(
        "request-answered",
        format!("this request is {}", r.state),
    ))
}

/// The mentor accepts: both are notified, and the mentor's private message starts the
/// conversation.
pub async fn accept(ctx: &Context, mentor: &Actor, id: i64) -> ServiceResult<MentoringRequest> {
    let r = request_of(ctx, mentor, id).await?;
    if r.mentor_id != mentor.id {
        return Err(ServiceError::Forbidden("only the mentor may answer".into()));
    }
    if r.state != PENDING || r.expires_at <= now() {
        return Err(not_pending(&r));
    }
    let (mentor_id, mentee_id) = (r.mentor_id, r.mentee_id);
    let answered = ctx
        .db
        .write(move |c| {
            q::lock_mentor(c, mentor_id)?;
            if !has_room(c, mentor_id)? {
                return Ok(Err(invalid(
                    "you have no free place: raise your capacity first",
                )));
            }
            Ok(Ok(q::answer(c, id, ACCEPTED, "", now())?))
        })
        .await??;
    if !answered {
        return Err(not_pending(&r));
    }
    let mentee = crate::relations::get_actor(ctx, mentee_id).await?;
    let handle = crate::read::acct(ctx, &mentee);
    let first = crate::posts::create_status(
        ctx,
        mentor,
        NewStatus {
            text: format!(
                "@{handle} Mentoring · メンタリング: I accepted your request. Let's talk here.\n\
                 依頼をお受けしました。ここで話しましょう。\n\n> {}",
                r.message.replace('\n', "\n> ")
            ),
            visibility: PostVisibility::Direct,
            in_reply_to_id: None,
            spoiler_text: String::new(),
            sensitive: false,
            media_ids: Vec::new(),
            poll: None,
        },
    )
    .await?;
    let post_id = first.id;
    ctx.db
        .write(move |c| {
            q::set_conversation(c, id, post_id)?;
            crate::posts::notify(c, mentor_id, "mentoring_accepted", mentee_id, Some(post_id))?;
            if actors::by_id(c, mentee_id)?.local {
                crate::posts::notify(c, mentee_id, "mentoring_accepted", mentor_id, Some(post_id))?;
            }
            Ok(())
        })
        .await?;
    if !mentee.local {
        ctx.publish(Event::MentoringAnswered { request_id: id })
            .await;
    }
    Ok(ctx.db.read(move |c| q::request(c, id)).await?)
}

/// The mentor declines, with an optional reason the student sees.
pub async fn decline(
    ctx: &Context,
    mentor: &Actor,
    id: i64,
    reason: &str,
) -> ServiceResult<MentoringRequest> {
    let r = request_of(ctx, mentor, id).await?;
    if r.mentor_id != mentor.id {
        return Err(ServiceError::Forbidden("only the mentor may answer".into()));
    }
    let reason: String = reason.trim().chars().take(MAX_NOTE_CHARS).collect();
    let (mentor_id, mentee_id) = (r.mentor_id, r.mentee_id);
    let done = ctx
        .db
        .write(move |c| {
            let done = q::answer(c, id, DECLINED, &reason, now())?;
            if done && actors::by_id(c, mentee_id)?.local {
                crate::posts::notify(c, mentee_id, "mentoring_declined", mentor_id, None)?;
            }
            Ok(done)
        })
        .await?;
    if !done {
        return Err(not_pending(&r));
    }
    let mentee_local = ctx
        .db
        .read(move |c| actors::by_id(c, mentee_id))
        .await?
        .local;
    if !mentee_local {
        ctx.publish(Event::MentoringAnswered { request_id: id })
            .await;
    }
    Ok(ctx.db.read(move |c| q::request(c, id)).await?)
}

/// The student withdraws a request still waiting.
pub async fn cancel(ctx: &Context, mentee: &Actor, id: i64) -> ServiceResult<MentoringRequest> {
    let r = request_of(ctx, mentee, id).await?;
    if r.mentee_id != mentee.id {
        return Err(ServiceError::Forbidden(
            "only the one who asked may cancel".into(),
        ));
    }
    let done = ctx
        .db
        .write(move |c| q::answer(c, id, CANCELLED, "", now()))
        .await?;
    if !done {
        return Err(not_pending(&r));
    }
    let mentor_id = r.mentor_id;
    let mentor = ctx.db.read(move |c| actors::by_id(c, mentor_id)).await?;
    if !mentor.local {
        ctx.publish(Event::MentoringCancelled { request_id: id })
            .await;
    }
    Ok(ctx.db.read(move |c| q::request(c, id)).await?)
}

/// A remote mentor's server answers one of our requests (`reason` for a refusal).
pub async fn receive_answer(
    ctx: &Context,
    sender: &Actor,
    ap_id: &str,
    accepted: bool,
    reason: &str,
) -> ServiceResult<()> {
    let ap = ap_id.to_string();
    let r = ctx
        .db
        .read(move |c| q::request_by_ap_id(c, &ap))
        .await?
        .ok_or(ServiceError::NotFound("mentoring request"))?;
    if r.mentor_id != sender.id {
        return Err(ServiceError::Forbidden(
            "only the mentor answers a mentoring request".into(),
        ));
    }
    let (id, mentor_id, mentee_id) = (r.id, r.mentor_id, r.mentee_id);
    let state = if accepted { ACCEPTED } else { DECLINED };
    let reason: String = crate::html::to_text(reason)
        .trim()
        .chars()
        .take(MAX_NOTE_CHARS)
        .collect();
    ctx.db
        .write(move |c| {
            if q::answer(c, id, state, &reason, now())? {
                let kind = if accepted {
                    "mentoring_accepted"
                } else {
                    "mentoring_declined"
                };
                crate::posts::notify(c, mentee_id, kind, mentor_id, None)?;
            }
            Ok(())
        })
        .await?;
    Ok(())
}

/// The student's server withdraws a request to a member here (a `Delete` of it).
pub async fn receive_withdrawal(ctx: &Context, sender: &Actor, ap_id: &str) -> ServiceResult<bool> {
    let ap = ap_id.to_string();
    let Some(r) = ctx.db.read(move |c| q::request_by_ap_id(c, &ap)).await? else {
        return Ok(false);
    };
    if r.mentee_id != sender.id {
        return Err(ServiceError::Forbidden(
            "only the one who asked may withdraw a request".into(),
        ));
    }
    let id = r.id;
    ctx.db
        .write(move |c| q::answer(c, id, CANCELLED, "", now()))
        .await?;
    Ok(true)
}

/// A reply from a remote mentor to our request (a Mastodon user answering the message):
/// they accepted, and the reply is where the conversation goes on.
pub async fn reply_received(
    ctx: &Context,
    author: &Actor,
    in_reply_to: &str,
    post_id: i64,
) -> ServiceResult<()> {
    let ap = in_reply_to.to_string();
    let Some(r) = ctx.db.read(move |c| q::request_by_ap_id(c, &ap)).await? else {
        return Ok(());
    };
    if r.mentor_id != author.id || r.state != PENDING {
        return Ok(());
    }
    let (id, mentor_id, mentee_id) = (r.id, r.mentor_id, r.mentee_id);
    ctx.db
        .write(move |c| {
            if q::answer(c, id, ACCEPTED, "", now())? {
                q::set_conversation(c, id, post_id)?;
                crate::posts::notify(c, mentee_id, "mentoring_accepted", mentor_id, Some(post_id))?;
            }
            Ok(())
        })
        .await?;
    Ok(())
}

/// A member's requests, made and received (`role`: `mentor` or `mentee` for one side).
pub async fn requests(
    ctx: &Context,
    actor: &Actor,
    role: Option<&str>,
    state: Option<&str>,
    limit: i64,
) -> ServiceResult<Vec<MentoringRequest>> {
    let as_mentor = match role {
        None | Some("") => None,
        Some("mentor") => Some(true),
        Some("mentee") => Some(false),
        Some(other) => {
            return Err(invalid(format!("role {other:?}: use mentor or mentee")));
        }
    };
    let state = match state {
        None | Some("") => None,
        Some(s) if STATES.contains(&s) => Some(s.to_string()),
        Some(other) => {
            return Err(invalid(format!(
                "state {other:?}: use pending, accepted, declined, cancelled or expired"
            )))
        }
    };
    let id = actor.id;
    let limit = limit.clamp(1, 100);
    Ok(ctx
        .db
        .read(move |c| q::requests_of(c, id, as_mentor, state.as_deref(), limit))
        .await?)
}

pub async fn get(ctx: &Context, actor: &Actor, id: i64) -> ServiceResult<MentoringRequest> {
    request_of(ctx, actor, id).await
}

/// Marks requests nobody answered in time as expired: the student here is told, the
/// student's server elsewhere gets a `Reject` (the mentor's instance decides).
pub const EXPIRED_REASON: &str = "The request expired unanswered.";

pub async fn expire(ctx: &Context) -> ServiceResult<usize> {
    let (n, to_tell) = ctx
        .db
        .write(move |c| {
            let due = q::expired_pending(c, now())?;
            let (mut n, mut to_tell) = (0, Vec::new());
            for r in &due {
                if !q::answer(c, r.id, EXPIRED, EXPIRED_REASON, now())? {
                    continue;
                }
                n += 1;
                let (mentor, mentee) = (
                    actors::by_id(c, r.mentor_id)?,
                    actors::by_id(c, r.mentee_id)?,
                );
                if mentee.local {
                    crate::posts::notify(c, mentee.id, "mentoring_expired", mentor.id, None)?;
                } else if mentor.local {
                    to_tell.push(r.id);
                }
            }
            Ok((n, to_tell))
        })
        .await?;
    for request_id in to_tell {
        ctx.publish(Event::MentoringAnswered { request_id }).await;
    }
    Ok(n)
}
