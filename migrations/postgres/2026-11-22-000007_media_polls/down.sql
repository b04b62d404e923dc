DROP INDEX posts_deleted_at;
DROP INDEX posts_updated_at;
ALTER TABLE follows DROP COLUMN show_reblogs;
ALTER TABLE follows DROP COLUMN notify;
DROP TABLE poll_votes;
DROP TABLE polls;
DROP TABLE media;
