-- Mentors: members here who offer mentoring, and people elsewhere whose server says they do.
CREATE TABLE mentor_profiles (
    actor_id BIGINT PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    available BOOLEAN NOT NULL,
    -- Lower-case topics, comma-separated with a comma at each end (",law,careers,") so one
    -- topic is found with LIKE '%,topic,%'.
    topics TEXT NOT NULL DEFAULT ',',
    capacity INTEGER NOT NULL DEFAULT 1,
    note TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL
);

-- A student's request for mentoring, kept on both instances (the mentor's decides).
CREATE TABLE mentoring_requests (
    id BIGSERIAL PRIMARY KEY,
    ap_id TEXT NOT NULL UNIQUE,
    mentor_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    mentee_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    message TEXT NOT NULL,
    -- pending, accepted, declined, cancelled or expired
    state TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    -- The private message the conversation starts with, once accepted.
    conversation_post_id BIGINT REFERENCES posts (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    answered_at TIMESTAMP,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX mentoring_requests_mentor ON mentoring_requests (mentor_id, state);
CREATE INDEX mentoring_requests_mentee ON mentoring_requests (mentee_id, state);
