DROP TABLE reports;
ALTER TABLE boards DROP COLUMN hold_remote_first_posts;
ALTER TABLE posts DROP COLUMN held;
DROP TABLE post_edits;
