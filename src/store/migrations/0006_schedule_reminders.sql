-- 0006: scheduled streams' reminders and per-artist mutes (docs/notifications.md).
-- reminder_sent_for is the scheduled_at a reminder fan-out was written for: the scheduler looks
-- for SCHEDULED streams whose time is near and whose reminder_sent_for differs from their
-- scheduled_at (never reminded, or rescheduled since), so a reschedule brings a new reminder and
-- a restart does not repeat one (the outbox's idempotency keys carry the scheduled time too).
ALTER TABLE live_streams ADD COLUMN reminder_sent_for BIGINT;
CREATE INDEX live_streams_schedule ON live_streams (status, scheduled_at);

-- A fan who muted an artist hears nothing about that artist's streams on any channel.
CREATE TABLE notification_mutes (
  user_id    TEXT   NOT NULL,
  artist_id  TEXT   NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, artist_id)
);
CREATE INDEX notification_mutes_artist ON notification_mutes (artist_id);
