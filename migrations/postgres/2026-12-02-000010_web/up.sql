-- The language a member chose for the web site's pages (empty: the browser's).
ALTER TABLE users ADD COLUMN interface_language TEXT NOT NULL DEFAULT '';
