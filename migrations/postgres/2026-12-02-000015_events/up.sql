-- Events (homecomings, career talks): posts of type Event with their time, place and
-- capacity. Remote events (Mobilizon, other instances) keep what their organiser says.
CREATE TABLE events (
    post_id BIGINT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP,
    -- IANA name the organiser gave, and the UTC offset (minutes) the times were written in.
    timezone TEXT NOT NULL DEFAULT 'UTC',
    utc_offset INTEGER NOT NULL DEFAULT 0,
    location TEXT NOT NULL DEFAULT '',
    online_url TEXT,
    capacity INTEGER,
    cancelled_at TIMESTAMP,
    -- For remote events: the count their organiser publishes.
    remote_participants INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX events_starts ON events (starts_at);

-- Who takes part: going, waiting (the event was full), or pending (asked a remote organiser).
CREATE TABLE event_participants (
    id BIGSERIAL PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    actor_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    join_ap_id TEXT,
    created_at TIMESTAMP NOT NULL,
    -- When a member here going to it was reminded that it starts soon.
    reminded_at TIMESTAMP,
    UNIQUE (event_id, actor_id)
);
CREATE INDEX event_participants_actor ON event_participants (actor_id);

-- The secret address of a member's calendar feed (calendar apps cannot sign in).
CREATE TABLE calendar_feeds (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token TEXT NOT NULL UNIQUE
);
