//! Row types (`Actor`) and their inserts (`NewActor`).

use crate::schema::*;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Queryable, Selectable, Identifiable, Debug, Clone, PartialEq)]
#[diesel(table_name = actors)]
pub struct Actor {
    pub id: i64,
    pub ap_id: String,
    pub kind: String,
    pub username: String,
    pub domain: String,
    pub local: bool,
    pub display_name: String,
    pub summary: String,
    pub url: Option<String>,
    pub inbox_url: String,
    pub shared_inbox_url: Option<String>,
    pub outbox_url: Option<String>,
    pub followers_url: Option<String>,
    pub following_url: Option<String>,
    pub public_key_pem: String,
    pub private_key_pem: Option<String>,
    pub avatar_url: Option<String>,
    pub header_url: Option<String>,
    pub manually_approves_followers: bool,
    pub fields_json: String,
    pub published_at: NaiveDateTime,
    pub refreshed_at: NaiveDateTime,
    pub deleted: bool,
}

#[derive(Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = actors)]
pub struct NewActor {
    pub ap_id: String,
    pub kind: String,
    pub username: String,
    pub domain: String,
    pub local: bool,
    pub display_name: String,
    pub summary: String,
    pub url: Option<String>,
    pub inbox_url: String,
    pub shared_inbox_url: Option<String>,
    pub outbox_url: Option<String>,
    pub followers_url: Option<String>,
    pub following_url: Option<String>,
    pub public_key_pem: String,
    pub private_key_pem: Option<String>,
    pub avatar_url: Option<String>,
    pub header_url: Option<String>,
    pub manually_approves_followers: bool,
    pub fields_json: String,
    pub published_at: NaiveDateTime,
    pub refreshed_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub actor_id: i64,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub created_at: NaiveDateTime,
    pub disabled: bool,
    /// Visibility of new statuses when the client gives none.
    pub default_visibility: String,
    pub default_sensitive: bool,
    /// ISO 639 code, or empty.
    pub default_language: String,
    /// The web site's language this member chose (`ja`, `en`), or empty for the browser's.
    pub interface_language: String,
    /// When the e-mail address was confirmed; none while the link is unanswered.
    pub confirmed_at: Option<NaiveDateTime>,
    /// False while the sign-up waits for staff.
    pub approved: bool,
    pub sign_up_reason: String,
    pub invite_id: Option<i64>,
    pub suspended_at: Option<NaiveDateTime>,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub actor_id: i64,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub created_at: NaiveDateTime,
    pub confirmed_at: Option<NaiveDateTime>,
    pub approved: bool,
    pub sign_up_reason: String,
    pub invite_id: Option<i64>,
    pub interface_language: String,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = profile_fields)]
pub struct ProfileField {
    pub user_id: i64,
    pub field: String,
    pub value: String,
    pub visibility: String,
}

#[derive(Queryable, Selectable, Identifiable, Debug, Clone, PartialEq)]
#[diesel(table_name = posts)]
pub struct Post {
    pub id: i64,
    pub ap_id: String,
    pub author_id: i64,
    pub kind: String,
    pub in_reply_to_id: Option<i64>,
    pub in_reply_to_ap_id: Option<String>,
    pub reblog_of_id: Option<i64>,
    pub context: Option<String>,
    pub name: Option<String>,
    pub content: String,
    pub source: Option<String>,
    pub summary: String,
    pub sensitive: bool,
    pub visibility: String,
    pub url: Option<String>,
    pub local: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: Option<NaiveDateTime>,
    pub deleted_at: Option<NaiveDateTime>,
    /// Waiting for a moderator; shown to nobody but its author until approved.
    pub held: bool,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = posts)]
pub struct NewPost {
    pub ap_id: String,
    pub author_id: i64,
    pub kind: String,
    pub in_reply_to_id: Option<i64>,
    pub in_reply_to_ap_id: Option<String>,
    pub reblog_of_id: Option<i64>,
    pub context: Option<String>,
    pub name: Option<String>,
    pub content: String,
    pub source: Option<String>,
    pub summary: String,
    pub sensitive: bool,
    pub visibility: String,
    pub url: Option<String>,
    pub local: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = follows)]
pub struct Follow {
    pub id: i64,
    pub follower_id: i64,
    pub followee_id: i64,
    pub ap_id: Option<String>,
    pub accepted: bool,
    pub created_at: NaiveDateTime,
    pub notify: bool,
    pub show_reblogs: bool,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = follows)]
pub struct NewFollow {
    pub follower_id: i64,
    pub followee_id: i64,
    pub ap_id: Option<String>,
    pub accepted: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = favourites)]
pub struct Favourite {
    pub id: i64,
    pub actor_id: i64,
    pub post_id: i64,
    pub ap_id: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = favourites)]
pub struct NewFavourite {
    pub actor_id: i64,
    pub post_id: i64,
    pub ap_id: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = notifications)]
pub struct Notification {
    pub id: i64,
    pub recipient_id: i64,
    pub kind: String,
    pub from_actor_id: i64,
    pub post_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = notifications)]
pub struct NewNotification {
    pub recipient_id: i64,
    pub kind: String,
    pub from_actor_id: i64,
    pub post_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = oauth_apps)]
pub struct OauthApp {
    pub id: i64,
    pub client_id: String,
    pub client_secret: String,
    pub name: String,
    pub redirect_uris: String,
    pub scopes: String,
    pub website: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = oauth_apps)]
pub struct NewOauthApp {
    pub client_id: String,
    pub client_secret: String,
    pub name: String,
    pub redirect_uris: String,
    pub scopes: String,
    pub website: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = oauth_tokens)]
pub struct OauthToken {
    pub id: i64,
    pub token_hash: String,
    pub app_id: Option<i64>,
    pub user_id: Option<i64>,
    pub scopes: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = oauth_tokens)]
pub struct NewOauthToken {
    pub token_hash: String,
    pub app_id: Option<i64>,
    pub user_id: Option<i64>,
    pub scopes: String,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = oauth_codes)]
pub struct OauthCode {
    pub id: i64,
    pub code_hash: String,
    pub app_id: i64,
    pub user_id: i64,
    pub redirect_uri: String,
    pub scopes: String,
    pub code_challenge: Option<String>,
    pub expires_at: NaiveDateTime,
    pub used: bool,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = oauth_codes)]
pub struct NewOauthCode {
    pub code_hash: String,
    pub app_id: i64,
    pub user_id: i64,
    pub redirect_uri: String,
    pub scopes: String,
    pub code_challenge: Option<String>,
    pub expires_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = outgoing_activities)]
pub struct OutgoingActivity {
    pub id: i64,
    pub ap_id: String,
    pub actor_id: i64,
    pub body: String,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = outgoing_activities)]
pub struct NewOutgoingActivity {
    pub ap_id: String,
    pub actor_id: i64,
    pub body: String,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = deliveries)]
pub struct Delivery {
    pub id: i64,
    pub activity_id: i64,
    pub inbox_url: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub lock_token: Option<String>,
    pub locked_until: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
    pub failed_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_status: Option<i32>,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = deliveries)]
pub struct NewDelivery {
    pub activity_id: i64,
    pub inbox_url: String,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = boards)]
pub struct Board {
    pub actor_id: i64,
    pub posting_mode: String,
    pub rules: String,
    pub archived: bool,
    pub created_at: NaiveDateTime,
    pub hold_remote_first_posts: bool,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = threads)]
pub struct Thread {
    pub post_id: i64,
    pub question: bool,
    pub accepted_answer_id: Option<i64>,
    pub locked: bool,
    pub last_activity_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = post_edits)]
pub struct PostEdit {
    pub id: i64,
    pub post_id: i64,
    pub name: Option<String>,
    pub content: String,
    pub summary: String,
    pub sensitive: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = reports)]
pub struct Report {
    pub id: i64,
    pub ap_id: Option<String>,
    pub reporter_id: i64,
    pub target_id: i64,
    /// Space-separated post ids.
    pub post_ids: String,
    pub comment: String,
    pub board_id: Option<i64>,
    pub forwarded: bool,
    pub resolved_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = reports)]
pub struct NewReport {
    pub ap_id: Option<String>,
    pub reporter_id: i64,
    pub target_id: i64,
    pub post_ids: String,
    pub comment: String,
    pub board_id: Option<i64>,
    pub forwarded: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Identifiable, Debug, Clone, PartialEq)]
#[diesel(table_name = media)]
pub struct Media {
    pub id: i64,
    pub owner_id: i64,
    pub post_id: Option<i64>,
    pub position: i32,
    pub kind: String,
    pub content_type: String,
    pub file_name: Option<String>,
    pub remote_url: Option<String>,
    pub description: String,
    pub focus_x: f64,
    pub focus_y: f64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub size_bytes: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = media)]
pub struct NewMedia {
    pub owner_id: i64,
    pub post_id: Option<i64>,
    pub position: i32,
    pub kind: String,
    pub content_type: String,
    pub file_name: Option<String>,
    pub remote_url: Option<String>,
    pub description: String,
    pub focus_x: f64,
    pub focus_y: f64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub size_bytes: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = polls)]
pub struct Poll {
    pub post_id: i64,
    pub multiple: bool,
    pub hide_totals: bool,
    pub expires_at: Option<NaiveDateTime>,
    /// JSON array of option titles.
    pub options_json: String,
    /// JSON array of vote counts, one per option.
    pub counts_json: String,
    pub voters_count: i64,
    /// Voters and the author were told the poll ended.
    pub ended_notified: bool,
    /// Votes came in since the counts were last sent to other servers.
    pub counts_changed: bool,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = domain_blocks)]
pub struct DomainBlock {
    pub id: i64,
    pub domain: String,
    /// `suspend` or `silence`.
    pub severity: String,
    pub public_comment: String,
    pub private_comment: String,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = domain_blocks)]
pub struct NewDomainBlock {
    pub domain: String,
    pub severity: String,
    pub public_comment: String,
    pub private_comment: String,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = domain_allows)]
pub struct DomainAllow {
    pub id: i64,
    pub domain: String,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = invites)]
pub struct Invite {
    pub id: i64,
    pub code: String,
    pub created_by: Option<i64>,
    pub max_uses: Option<i32>,
    pub uses: i32,
    pub expires_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = invites)]
pub struct NewInvite {
    pub code: String,
    pub created_by: Option<i64>,
    pub max_uses: Option<i32>,
    pub expires_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = roster_entries)]
pub struct RosterEntry {
    pub email: String,
    pub name: String,
    pub graduation_year: Option<i32>,
    pub department: String,
    pub imported_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub invited_at: Option<NaiveDateTime>,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = alumni_verifications)]
pub struct AlumniVerification {
    pub actor_id: i64,
    pub graduation_year: Option<i32>,
    pub department: String,
    /// The institution that verified it (the name of the member's own instance).
    pub institution: String,
    pub verified_at: NaiveDateTime,
    /// The staff member who verified it; none for the roster and for members elsewhere.
    pub verified_by: Option<i64>,
}

#[derive(Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = surveys)]
pub struct Survey {
    pub id: i64,
    pub created_by: Option<i64>,
    pub title: String,
    pub description: String,
    pub questions_json: String,
    pub anonymous: bool,
    pub results_public: bool,
    pub closes_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    /// The public poll a one-question survey also went out as.
    pub poll_post_id: Option<i64>,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = surveys)]
pub struct NewSurvey {
    pub created_by: Option<i64>,
    pub title: String,
    pub description: String,
    pub questions_json: String,
    pub anonymous: bool,
    pub results_public: bool,
    pub closes_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = survey_responses)]
pub struct SurveyResponse {
    pub id: i64,
    pub survey_id: i64,
    pub user_id: Option<i64>,
    pub answers_json: String,
    pub submitted_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = career_offers)]
pub struct CareerOffer {
    pub post_id: i64,
    pub kind: String,
    pub company: String,
    pub place: String,
    pub deadline: Option<chrono::NaiveDate>,
    pub expires_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = campaigns)]
pub struct Campaign {
    pub post_id: i64,
    pub goal: i64,
    pub raised: i64,
    pub currency: String,
    pub deadline: Option<chrono::NaiveDate>,
    pub payment_url: String,
}

/// The facts of an event (its post holds the title and description).
#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = events)]
pub struct CalendarEvent {
    pub post_id: i64,
    pub starts_at: NaiveDateTime,
    pub ends_at: Option<NaiveDateTime>,
    pub timezone: String,
    /// Minutes east of UTC the organiser wrote the times in.
    pub utc_offset: i32,
    pub location: String,
    pub online_url: Option<String>,
    pub capacity: Option<i32>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub remote_participants: i32,
}

#[derive(Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = event_participants)]
pub struct EventParticipant {
    pub id: i64,
    pub event_id: i64,
    pub actor_id: i64,
    /// `going`, `waiting` or `pending`.
    pub state: String,
    pub join_ap_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub reminded_at: Option<NaiveDateTime>,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = event_participants)]
pub struct NewEventParticipant {
    pub event_id: i64,
    pub actor_id: i64,
    pub state: String,
    pub join_ap_id: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = mentor_profiles)]
pub struct MentorProfile {
    pub actor_id: i64,
    pub available: bool,
    /// `,topic,topic,`
    pub topics: String,
    pub capacity: i32,
    pub note: String,
    pub updated_at: NaiveDateTime,
}

impl MentorProfile {
    pub fn topic_list(&self) -> Vec<String> {
        self.topics
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect()
    }
}

#[derive(Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = mentoring_requests)]
pub struct MentoringRequest {
    pub id: i64,
    pub ap_id: String,
    pub mentor_id: i64,
    pub mentee_id: i64,
    pub message: String,
    pub state: String,
    pub reason: String,
    pub conversation_post_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub answered_at: Option<NaiveDateTime>,
    pub expires_at: NaiveDateTime,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = mentoring_requests)]
pub struct NewMentoringRequest {
    pub ap_id: String,
    pub mentor_id: i64,
    pub mentee_id: i64,
    pub message: String,
    pub state: String,
    pub reason: String,
    pub created_at: NaiveDateTime,
    pub answered_at: Option<NaiveDateTime>,
    pub expires_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = rooms)]
pub struct Room {
    pub id: i64,
    pub owner_id: i64,
    pub title: String,
    pub description: String,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = rooms)]
pub struct NewRoom {
    pub owner_id: i64,
    pub title: String,
    pub description: String,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = room_members)]
pub struct RoomMember {
    pub room_id: i64,
    pub actor_id: i64,
    /// `member` or `invited`.
    pub state: String,
    pub invited_by: Option<i64>,
    pub invitation_post_id: Option<i64>,
    pub created_at: NaiveDateTime,
}
