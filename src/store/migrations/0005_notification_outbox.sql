-- 0005: notifications become an outbox (docs/notifications.md). One row per user, stream and
-- channel (IN_APP, EMAIL, PUSH), with an idempotency key that makes a second write of the same
-- notification a no-op (a publisher's reconnect, a restart that catches up on live streams), and
-- the delivery state a worker needs: status, attempts, the next attempt's time, the last error.
-- In-app rows are delivered by being stored: they are written SENT. Rebuilt rather than altered:
-- SQLite cannot add CHECK-ed NOT NULL columns in place. Rows of 0001 (written by nothing but
-- tests) become sent in-app notifications keyed by their id.

CREATE TABLE notifications_v5 (
  id              TEXT PRIMARY KEY,
  user_id         TEXT    NOT NULL,
  stream_id       TEXT,
  channel         TEXT    NOT NULL CHECK (channel IN ('IN_APP', 'EMAIL', 'PUSH')),
  kind            TEXT    NOT NULL,
  payload         TEXT    NOT NULL,
  idempotency_key TEXT    NOT NULL UNIQUE,
  status          TEXT    NOT NULL CHECK (status IN ('PENDING', 'SENT', 'FAILED')),
  attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at BIGINT  NOT NULL,
  last_error      TEXT,
  created_at      BIGINT  NOT NULL,
  sent_at         BIGINT,
  read_at         BIGINT
);

INSERT INTO notifications_v5 (id, user_id, stream_id, channel, kind, payload, idempotency_key,
                              status, attempts, next_attempt_at, created_at, sent_at, read_at)
SELECT id, user_id, NULL, 'IN_APP', kind, payload, id, 'SENT', 0, created_at, created_at,
       created_at, read_at
FROM notifications;

DROP TABLE notifications;
ALTER TABLE notifications_v5 RENAME TO notifications;
CREATE INDEX notifications_user ON notifications (user_id, channel, created_at);
-- What a delivery worker looks for: pending rows of a channel whose time has come.
CREATE INDEX notifications_due ON notifications (channel, status, next_attempt_at);

-- Channels a user allows. No row: everything on (a subscriber opted in by subscribing).
CREATE TABLE notification_settings (
  user_id    TEXT PRIMARY KEY,
  in_app     BOOLEAN NOT NULL,
  email      BOOLEAN NOT NULL,
  updated_at BIGINT  NOT NULL
);
