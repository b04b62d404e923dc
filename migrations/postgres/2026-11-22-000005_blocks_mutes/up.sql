-- A member's blocks (no contact either way, federated as Block) and mutes (hidden, not told).
CREATE TABLE blocks (
    id BIGSERIAL PRIMARY KEY,
    actor_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    target_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    ap_id TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (actor_id, target_id)
);
CREATE INDEX blocks_target ON blocks (target_id);

CREATE TABLE mutes (
    id BIGSERIAL PRIMARY KEY,
    actor_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    target_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    notifications BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (actor_id, target_id)
);
