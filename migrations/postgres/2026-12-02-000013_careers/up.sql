-- Career offers (jobs, internships, referrals, company visits): threads of the careers board
-- with structured facts, listed until they expire.
CREATE TABLE career_offers (
    post_id BIGINT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    company TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    deadline DATE,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX career_offers_expires ON career_offers (expires_at);
