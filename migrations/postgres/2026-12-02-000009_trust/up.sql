-- Posts a board's moderators removed from its threads (here, or on the board's own server).
-- A removal hides the post from everyone but its author and can be undone; it never
-- destroys the post.
CREATE TABLE post_removals (
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    board_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    reason TEXT NOT NULL DEFAULT '',
    removed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (post_id, board_id)
);

-- What the receiving server answered to the last attempt (its HTTP status), for operators.
ALTER TABLE deliveries ADD COLUMN last_status INTEGER;

-- Federation policy: servers refused (suspend) or kept out of public views (silence), and
-- the servers federated with when the instance runs in allow-list mode.
CREATE TABLE domain_blocks (
    id BIGSERIAL PRIMARY KEY,
    domain TEXT NOT NULL UNIQUE,
    severity TEXT NOT NULL,
    public_comment TEXT NOT NULL DEFAULT '',
    private_comment TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE domain_allows (
    id BIGSERIAL PRIMARY KEY,
    domain TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);

CREATE INDEX reports_reporter ON reports (reporter_id, created_at);
