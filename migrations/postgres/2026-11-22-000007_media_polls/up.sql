-- Files attached to statuses and profiles: uploaded here (kept under the media directory, named
-- by file_name) or seen on another server (remote_url only, never fetched).
CREATE TABLE media (
    id BIGSERIAL PRIMARY KEY,
    owner_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_id BIGINT REFERENCES posts (id) ON DELETE SET NULL,
    position INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL,
    content_type TEXT NOT NULL,
    file_name TEXT,
    remote_url TEXT,
    description TEXT NOT NULL DEFAULT '',
    focus_x DOUBLE PRECISION NOT NULL DEFAULT 0,
    focus_y DOUBLE PRECISION NOT NULL DEFAULT 0,
    width INTEGER,
    height INTEGER,
    size_bytes BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX media_post ON media (post_id);

-- A poll belongs to its status (a Question). Counts are kept here: recounted from poll_votes
-- for local polls, as last reported by the author's server for remote ones.
CREATE TABLE polls (
    post_id BIGINT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    multiple BOOLEAN NOT NULL,
    hide_totals BOOLEAN NOT NULL DEFAULT FALSE,
    expires_at TIMESTAMP,
    options_json TEXT NOT NULL,
    counts_json TEXT NOT NULL,
    voters_count BIGINT NOT NULL DEFAULT 0,
    -- Set once voters and the author were told the poll ended.
    ended_notified BOOLEAN NOT NULL DEFAULT FALSE,
    -- Votes came in since the counts were last sent to other servers.
    counts_changed BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX polls_expires_at ON polls (expires_at);

-- Votes by local members on any poll, and by remote actors on local polls.
CREATE TABLE poll_votes (
    id BIGSERIAL PRIMARY KEY,
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    actor_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    choice INTEGER NOT NULL,
    ap_id TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (post_id, actor_id, choice)
);

-- Following options from the client API: a notification for each new status, and whether
-- the followee's boosts show in the home timeline.
ALTER TABLE follows ADD COLUMN notify BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE follows ADD COLUMN show_reblogs BOOLEAN NOT NULL DEFAULT TRUE;

-- Streaming listeners look for edits and deletions since their last look.
CREATE INDEX posts_updated_at ON posts (updated_at);
CREATE INDEX posts_deleted_at ON posts (deleted_at);
