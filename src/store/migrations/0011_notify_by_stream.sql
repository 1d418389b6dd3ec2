-- notify: who was told about a stream (docs/notifications.md, Scheduled streams). A cancel or a
-- new time is told only to the fans and channels that had heard of the schedule: the scheduler
-- reads a stream's notices by stream and kind, which without this index reads every row of the
-- outbox.
CREATE INDEX notifications_stream ON notifications (stream_id, kind);
