use crate::ServiceResult;
use async_trait::async_trait;
use tsunagu_db::{Actor, Post};

/// Something that happened locally that other servers must hear about. Events carry what is
/// needed to describe them even after the local rows are gone (an unfollow, an undone like).
#[derive(Debug, Clone)]
pub enum Event {
    PostCreated {
        post_id: i64,
    },
    PostUpdated {
        post_id: i64,
    },
    PostDeleted {
        post_id: i64,
        /// Accounts that had boosted it (their boosts went with it).
        boosters: Vec<i64>,
    },
    FollowRequested {
        follow_id: i64,
    },
    FollowAccepted {
        follow_id: i64,
    },
    FollowRejected {
        follower_id: i64,
        followee_id: i64,
        follow_ap_id: Option<String>,
    },
    Unfollowed {
        follower_id: i64,
        followee_id: i64,
        follow_ap_id: Option<String>,
    },
    Liked {
        favourite_id: i64,
    },
    Unliked {
        actor_id: i64,
        post_id: i64,
        like_ap_id: Option<String>,
    },
    Announced {
        reblog_id: i64,
    },
    Unannounced {
        actor_id: i64,
        post_id: i64,
        announce_ap_id: String,
    },
    /// A member deleted their account: the servers at `inboxes` are told to forget it.
    AccountDeleted {
        actor_id: i64,
        inboxes: Vec<String>,
    },
    ProfileUpdated {
        actor_id: i64,
    },
    /// A moderator locked or unlocked a thread in a local board.
    ThreadLocked {
        post_id: i64,
        board_id: i64,
        moderator_id: i64,
        locked: bool,
    },
    /// A moderator pinned or unpinned a thread in a local board.
    ThreadPinned {
        post_id: i64,
        board_id: i64,
        moderator_id: i64,
        pinned: bool,
    },
    /// A moderator removed a post from a local board (or, with `removed` false, undid that).
    PostRemoved {
        post_id: i64,
        board_id: i64,
        moderator_id: i64,
        reason: String,
        removed: bool,
    },
    /// A moderator banned an account from a local board (or, with `banned` false, lifted it).
    BanChanged {
        board_id: i64,
        moderator_id: i64,
        target_id: i64,
        banned: bool,
        reason: String,
    },
    /// A moderator approved a held post in a local board.
    PostApproved {
        post_id: i64,
        board_id: i64,
    },
    /// A member's report about an account on another server, to be sent there.
    ReportForwarded {
        report_id: i64,
    },
    /// A member blocked (or, with `blocked` false, unblocked) an account on another server.
    Blocked {
        actor_id: i64,
        target_id: i64,
        block_ap_id: String,
        blocked: bool,
    },
    /// A local poll's counts changed (a vote came in).
    PollUpdated {
        post_id: i64,
    },
    /// A member voted on a remote poll: their choices go to its author.
    PollVoted {
        post_id: i64,
        voter_id: i64,
    },
    /// A member asked to take part in a remote event: their `Join` goes to its organiser.
    EventJoinRequested {
        participant_id: i64,
    },
    /// A remote person takes part in a local event (at once, or moved up from the line).
    EventJoinAccepted {
        participant_id: i64,
    },
    /// A member left a remote event.
    EventLeft {
        event_id: i64,
        actor_id: i64,
        join_ap_id: Option<String>,
    },
    /// A member asked a mentor on another server.
    MentoringRequested {
        request_id: i64,
    },
    /// A mentor here answered (or, full, declined at once) someone from another server.
    MentoringAnswered {
        request_id: i64,
    },
    /// A member withdrew their request to a mentor on another server.
    MentoringCancelled {
        request_id: i64,
    },
    /// A local board changed (title, description, rules, posting mode, moderators), by one
    /// of its moderators (or an operator, `None`).
    BoardUpdated {
        board_id: i64,
        moderator_id: Option<i64>,
    },
}

/// The way out to other servers, implemented by the federation layer.
#[async_trait]
pub trait Federator: Send + Sync {
    /// Turns an event into activities and queues them durably for delivery.
    async fn publish(&self, event: Event) -> ServiceResult<()>;
    /// Finds `name@host` on another server (WebFinger, then the actor), storing it.
    async fn resolve_handle(&self, name: &str, host: &str) -> ServiceResult<Actor>;
    /// Fetches an actor or a post by its URL, storing it.
    async fn resolve_url(&self, url: &str) -> ServiceResult<Resolved>;
}

#[derive(Debug, Clone)]
pub enum Resolved {
    Actor(Actor),
    Post(Post),
}
