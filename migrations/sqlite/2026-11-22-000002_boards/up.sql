-- Boards are Group actors; this holds what only local boards have.
CREATE TABLE boards (
    actor_id BIGINT PRIMARY KEY NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    posting_mode TEXT NOT NULL,
    rules TEXT NOT NULL DEFAULT '',
    archived BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE board_moderators (
    board_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    actor_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    PRIMARY KEY (board_id, actor_id)
);

CREATE TABLE board_bans (
    board_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    actor_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    reason TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (board_id, actor_id)
);

-- A thread is a starter post; it may live in several boards, here and elsewhere.
CREATE TABLE threads (
    post_id BIGINT PRIMARY KEY NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    question BOOLEAN NOT NULL DEFAULT 0,
    accepted_answer_id BIGINT REFERENCES posts (id) ON DELETE SET NULL,
    locked BOOLEAN NOT NULL DEFAULT 0,
    last_activity_at TIMESTAMP NOT NULL
);
CREATE INDEX threads_activity ON threads (last_activity_at);

CREATE TABLE thread_boards (
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    board_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    pinned BOOLEAN NOT NULL DEFAULT 0,
    PRIMARY KEY (post_id, board_id)
);
CREATE INDEX thread_boards_board ON thread_boards (board_id);

-- What software other servers run (from NodeInfo), to speak to each in the form it reads.
CREATE TABLE instances (
    domain TEXT PRIMARY KEY NOT NULL,
    software TEXT NOT NULL,
    checked_at TIMESTAMP NOT NULL
);
