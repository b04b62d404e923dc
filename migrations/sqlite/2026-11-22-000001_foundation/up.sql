-- Actors: local members, boards and the instance actor, and every remote actor we know.
CREATE TABLE actors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ap_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    username TEXT NOT NULL,
    domain TEXT NOT NULL,
    local BOOLEAN NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    url TEXT,
    inbox_url TEXT NOT NULL,
    shared_inbox_url TEXT,
    outbox_url TEXT,
    followers_url TEXT,
    following_url TEXT,
    public_key_pem TEXT NOT NULL,
    private_key_pem TEXT,
    avatar_url TEXT,
    header_url TEXT,
    manually_approves_followers BOOLEAN NOT NULL DEFAULT 0,
    fields_json TEXT NOT NULL DEFAULT '[]',
    published_at TIMESTAMP NOT NULL,
    refreshed_at TIMESTAMP NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT 0
);
-- Handles are unique here; other servers may reuse a name for a user and a group.
CREATE UNIQUE INDEX actors_local_username ON actors (lower(username)) WHERE local;
CREATE INDEX actors_username_domain ON actors (lower(username), domain);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id BIGINT NOT NULL UNIQUE REFERENCES actors (id) ON DELETE CASCADE,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT 0
);

-- Alumni profile: one row per filled field, each with its own visibility.
CREATE TABLE profile_fields (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    visibility TEXT NOT NULL,
    PRIMARY KEY (user_id, field)
);

CREATE TABLE posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ap_id TEXT NOT NULL UNIQUE,
    author_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    in_reply_to_id BIGINT REFERENCES posts (id) ON DELETE SET NULL,
    in_reply_to_ap_id TEXT,
    reblog_of_id BIGINT REFERENCES posts (id) ON DELETE CASCADE,
    context TEXT,
    name TEXT,
    content TEXT NOT NULL,
    source TEXT,
    summary TEXT NOT NULL DEFAULT '',
    sensitive BOOLEAN NOT NULL DEFAULT 0,
    visibility TEXT NOT NULL,
    url TEXT,
    local BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP,
    deleted_at TIMESTAMP
);
CREATE INDEX posts_author ON posts (author_id, id);
CREATE INDEX posts_in_reply_to ON posts (in_reply_to_id);
CREATE INDEX posts_reblog_of ON posts (reblog_of_id);
CREATE INDEX posts_in_reply_to_ap_id ON posts (in_reply_to_ap_id);

CREATE TABLE post_mentions (
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    actor_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    PRIMARY KEY (post_id, actor_id)
);
CREATE INDEX post_mentions_actor ON post_mentions (actor_id);

CREATE TABLE post_tags (
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (post_id, tag)
);
CREATE INDEX post_tags_tag ON post_tags (tag);

CREATE TABLE follows (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    follower_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    followee_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    ap_id TEXT,
    accepted BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (follower_id, followee_id)
);
CREATE INDEX follows_followee ON follows (followee_id);

CREATE TABLE favourites (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    ap_id TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (actor_id, post_id)
);
CREATE INDEX favourites_post ON favourites (post_id);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    from_actor_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_id BIGINT REFERENCES posts (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX notifications_recipient ON notifications (recipient_id, id);

CREATE TABLE oauth_apps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL UNIQUE,
    client_secret TEXT NOT NULL,
    name TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    scopes TEXT NOT NULL,
    website TEXT,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE oauth_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    app_id BIGINT REFERENCES oauth_apps (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    scopes TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

CREATE TABLE oauth_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code_hash TEXT NOT NULL UNIQUE,
    app_id BIGINT NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL,
    scopes TEXT NOT NULL,
    code_challenge TEXT,
    expires_at TIMESTAMP NOT NULL,
    used BOOLEAN NOT NULL DEFAULT 0
);

-- Durable outgoing federation: one row per activity, one per (activity, inbox).
CREATE TABLE outgoing_activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ap_id TEXT NOT NULL UNIQUE,
    actor_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id BIGINT NOT NULL REFERENCES outgoing_activities (id) ON DELETE CASCADE,
    inbox_url TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lock_token TEXT,
    locked_until TIMESTAMP,
    delivered_at TIMESTAMP,
    failed_at TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL;

-- Activity ids already processed: a replayed activity changes nothing.
CREATE TABLE received_activities (
    ap_id TEXT PRIMARY KEY NOT NULL,
    received_at TIMESTAMP NOT NULL
);

-- Instance-wide settings the database must remember, such as the base URL its ids were made with.
CREATE TABLE instance_settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
