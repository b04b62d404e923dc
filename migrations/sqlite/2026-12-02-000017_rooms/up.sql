-- Talk rooms: small private rooms (a seminar, a club, a class year). Their messages are
-- direct messages to every member, so people elsewhere (Mastodon included) take part by
-- direct message; the room keeps which messages are its own.
CREATE TABLE rooms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);

-- Members, and people invited who have not joined yet (state 'invited'). An invitation to
-- someone elsewhere is a direct message; their reply to it joins.
CREATE TABLE room_members (
    room_id BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    actor_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    invited_by BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    invitation_post_id BIGINT REFERENCES posts (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (room_id, actor_id)
);
CREATE INDEX room_members_actor ON room_members (actor_id);

CREATE TABLE room_messages (
    post_id BIGINT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    room_id BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE
);
CREATE INDEX room_messages_room ON room_messages (room_id, post_id);
