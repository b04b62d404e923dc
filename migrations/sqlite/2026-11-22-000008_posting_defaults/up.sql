-- What a member's new statuses get when the client does not say (Mastodon's source[privacy],
-- source[sensitive] and source[language]).
ALTER TABLE users ADD COLUMN default_visibility TEXT NOT NULL DEFAULT 'public';
ALTER TABLE users ADD COLUMN default_sensitive BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN default_language TEXT NOT NULL DEFAULT '';
