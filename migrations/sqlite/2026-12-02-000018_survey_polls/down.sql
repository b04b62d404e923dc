ALTER TABLE surveys DROP COLUMN poll_post_id;
