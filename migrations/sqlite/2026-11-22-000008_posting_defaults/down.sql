ALTER TABLE users DROP COLUMN default_language;
ALTER TABLE users DROP COLUMN default_sensitive;
ALTER TABLE users DROP COLUMN default_visibility;
