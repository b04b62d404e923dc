-- A one-question survey may also go out as a public poll: its status.
ALTER TABLE surveys ADD COLUMN poll_post_id BIGINT REFERENCES posts (id) ON DELETE SET NULL;
