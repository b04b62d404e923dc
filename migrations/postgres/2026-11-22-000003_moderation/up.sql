-- Earlier versions of edited posts, oldest first.
CREATE TABLE post_edits (
    id BIGSERIAL PRIMARY KEY,
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    name TEXT,
    content TEXT NOT NULL,
    summary TEXT NOT NULL,
    sensitive BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX post_edits_post ON post_edits (post_id, id);

-- Posts waiting for a moderator: first posts of remote accounts in boards that hold them.
ALTER TABLE posts ADD COLUMN held BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE boards ADD COLUMN hold_remote_first_posts BOOLEAN NOT NULL DEFAULT false;

-- Reports, from members here or from other servers (Flag).
CREATE TABLE reports (
    id BIGSERIAL PRIMARY KEY,
    ap_id TEXT UNIQUE,
    reporter_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    target_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_ids TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    board_id BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    forwarded BOOLEAN NOT NULL DEFAULT false,
    resolved_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX reports_open ON reports (resolved_at, id);
