-- notify: who holds an outbox row's lease, and per-artist email mutes (docs/notifications.md).
-- lease_node / lease_instance name the process that claimed a PENDING row (node.id and a random
-- id made at each start): a restarted node takes back at once the rows its previous instance
-- held when it died, instead of waiting out their lease, and never those of another live node.
-- Cleared when the outcome is written.
ALTER TABLE notifications ADD COLUMN lease_node TEXT;
ALTER TABLE notifications ADD COLUMN lease_instance TEXT;
CREATE INDEX notifications_lease ON notifications (lease_node, status);

-- A fan who unsubscribed from one artist's emails (the per-artist unsubscribe link): no email
-- about that artist's streams; in-app and push stay as they are.
CREATE TABLE notification_email_mutes (
  user_id    TEXT   NOT NULL,
  artist_id  TEXT   NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, artist_id)
);
CREATE INDEX notification_email_mutes_artist ON notification_email_mutes (artist_id);
