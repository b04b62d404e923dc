-- Joining. An account that signed up waits for its e-mail address to be confirmed and, when
-- the instance asks for it, for staff to approve it. Accounts made before are both.
ALTER TABLE users ADD COLUMN confirmed_at TIMESTAMP;
UPDATE users SET confirmed_at = created_at;
ALTER TABLE users ADD COLUMN approved BOOLEAN NOT NULL DEFAULT TRUE;
-- Why they want to join (read by staff when approval is asked for).
ALTER TABLE users ADD COLUMN sign_up_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN invite_id BIGINT;
-- Suspended by staff: no sign-in, out of the directory and profile pages.
ALTER TABLE users ADD COLUMN suspended_at TIMESTAMP;

-- Invitation links staff hand out: a sign-up with one skips approval.
CREATE TABLE invites (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    max_uses INTEGER,
    uses INTEGER NOT NULL DEFAULT 0,
    expires_at TIMESTAMP,
    revoked_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

-- E-mail domains (an institution's own) whose addresses skip approval.
CREATE TABLE email_domains (
    domain TEXT PRIMARY KEY,
    created_at TIMESTAMP NOT NULL
);

-- Links sent by e-mail (confirming the address, resetting the password), as hashes.
CREATE TABLE email_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);

-- The alumni office's roster: whoever joins (or joined) with one of these addresses is a
-- verified alumnus or alumna.
CREATE TABLE roster_entries (
    email TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    graduation_year INTEGER,
    department TEXT NOT NULL DEFAULT '',
    imported_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- When an invitation to join was e-mailed (bulk invitations send one once).
    invited_at TIMESTAMP
);

-- Verified alumni status, of members here (by staff or the roster) and of members elsewhere
-- (as their own instance states it on their actor).
CREATE TABLE alumni_verifications (
    actor_id BIGINT PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    graduation_year INTEGER,
    department TEXT NOT NULL DEFAULT '',
    institution TEXT NOT NULL DEFAULT '',
    verified_at TIMESTAMP NOT NULL,
    verified_by BIGINT
);

-- The public alumni fields of members elsewhere, for the directory.
CREATE TABLE remote_profile_fields (
    actor_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (actor_id, field)
);
CREATE INDEX remote_profile_fields_field ON remote_profile_fields (field, value);
CREATE INDEX profile_fields_field ON profile_fields (field, value);
