-- 0006: artists onboard themselves (docs/web.md, docs/payments.md "Payout verification").
-- payouts_*: what Stripe's account.updated last said about the user's connected account
-- (NULL status: an account id synced by the hosting platform, trusted as it says);
-- payouts_event_at orders those events (Stripe's `created`, unix seconds) so an older one that
-- arrives late changes nothing. artist_requested_at: a fan asked to become an artist and waits
-- for an operator.
ALTER TABLE users ADD COLUMN payouts_status TEXT
  CHECK (payouts_status IS NULL OR payouts_status IN ('PENDING', 'ENABLED', 'DISABLED'));
ALTER TABLE users ADD COLUMN payouts_reason TEXT;
ALTER TABLE users ADD COLUMN payouts_simulated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN payouts_event_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN artist_requested_at BIGINT;
CREATE INDEX users_created ON users (created_at, id);
CREATE INDEX users_stripe_account ON users (stripe_account_id);
