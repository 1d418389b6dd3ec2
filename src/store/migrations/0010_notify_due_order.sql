-- notify: the outbox's due index also orders by id, the claim's tie-break (ORDER BY
-- next_attempt_at, id LIMIT n). Without it a fan-out's rows, written with one next_attempt_at,
-- were all read and sorted at every claim of 8: 10,000 rows read per claim, the delivery workers'
-- main cost (bench/notify, docs/notifications.md). With it a claim reads its 8 rows.
DROP INDEX notifications_due;
CREATE INDEX notifications_due ON notifications (channel, status, next_attempt_at, id);
