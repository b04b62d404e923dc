-- Fundraising campaigns: a thread of the giving board with a goal, the amount raised so far
-- (kept by staff) and the institution's own payment page. No payment is handled here.
CREATE TABLE campaigns (
    post_id BIGINT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    goal BIGINT NOT NULL,
    raised BIGINT NOT NULL DEFAULT 0,
    currency TEXT NOT NULL,
    deadline DATE,
    payment_url TEXT NOT NULL
);
