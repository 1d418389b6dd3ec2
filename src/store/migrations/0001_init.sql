-- 0001: the initial schema. Portable SQL: runs unchanged on SQLite 3.35+ and PostgreSQL 13+
-- (see docs/storage.md): TEXT ids, BIGINT unix-millisecond times and cents, BOOLEAN with
-- TRUE/FALSE literals, no AUTOINCREMENT/SERIAL, no expression indexes.

-- Also created by the migration runner before it reads it; repeated here for readers.
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL,
  applied_at BIGINT  NOT NULL
);

CREATE TABLE users (
  id                TEXT PRIMARY KEY,
  email             TEXT   NOT NULL,
  -- ASCII-lowercased email, computed by the application so both databases agree.
  email_normalized  TEXT   NOT NULL UNIQUE,
  password_hash     TEXT,
  display_name      TEXT   NOT NULL,
  role              TEXT   NOT NULL CHECK (role IN ('FAN', 'ARTIST', 'ADMIN')),
  stripe_account_id TEXT,
  created_at        BIGINT NOT NULL,
  updated_at        BIGINT NOT NULL
);

-- No foreign keys to users here: the platform is the source of truth and may sync a
-- subscription before the fan has ever used the streaming server.
CREATE TABLE subscriptions (
  fan_id     TEXT    NOT NULL,
  artist_id  TEXT    NOT NULL,
  tier       INTEGER NOT NULL CHECK (tier >= 1),
  status     TEXT    NOT NULL CHECK (status IN ('ACTIVE', 'CANCELED', 'EXPIRED')),
  expires_at BIGINT,
  created_at BIGINT  NOT NULL,
  updated_at BIGINT  NOT NULL,
  PRIMARY KEY (fan_id, artist_id)
);
CREATE INDEX subscriptions_artist ON subscriptions (artist_id, status);

CREATE TABLE live_streams (
  id                     TEXT PRIMARY KEY,
  artist_id              TEXT    NOT NULL REFERENCES users (id),
  title                  TEXT    NOT NULL,
  description            TEXT    NOT NULL DEFAULT '',
  visibility             TEXT    NOT NULL
                           CHECK (visibility IN ('PUBLIC', 'SUBSCRIBERS', 'TIER', 'PAID')),
  min_tier               INTEGER NOT NULL DEFAULT 1 CHECK (min_tier >= 1),
  price_cents            BIGINT  NOT NULL DEFAULT 0 CHECK (price_cents >= 0),
  currency               TEXT    NOT NULL DEFAULT 'usd',
  chat_enabled           BOOLEAN NOT NULL DEFAULT TRUE,
  chat_subscribers_only  BOOLEAN NOT NULL DEFAULT FALSE,
  chat_slow_mode_seconds INTEGER NOT NULL DEFAULT 0 CHECK (chat_slow_mode_seconds >= 0),
  -- A JSON array of strings (PostgreSQL may later turn this into jsonb).
  chat_blocked_words     TEXT    NOT NULL DEFAULT '[]',
  record                 BOOLEAN NOT NULL DEFAULT TRUE,
  scheduled_at           BIGINT,
  status                 TEXT    NOT NULL
                           CHECK (status IN ('CREATED', 'SCHEDULED', 'LIVE', 'ENDED')),
  stream_key_hash        TEXT    NOT NULL UNIQUE,
  stream_key_rotated_at  BIGINT  NOT NULL,
  started_at             BIGINT,
  ended_at               BIGINT,
  end_reason             TEXT,
  peak_viewers           BIGINT  NOT NULL DEFAULT 0,
  total_viewers          BIGINT  NOT NULL DEFAULT 0,
  tip_count              BIGINT  NOT NULL DEFAULT 0,
  tip_gross_cents        BIGINT  NOT NULL DEFAULT 0,
  tip_fee_cents          BIGINT  NOT NULL DEFAULT 0,
  chat_message_count     BIGINT  NOT NULL DEFAULT 0,
  created_at             BIGINT  NOT NULL,
  updated_at             BIGINT  NOT NULL,
  -- Soft delete: tips, chat and recordings keep referring to the stream.
  deleted_at             BIGINT
);
CREATE INDEX live_streams_list ON live_streams (created_at, id);
CREATE INDEX live_streams_artist ON live_streams (artist_id, created_at);
CREATE INDEX live_streams_status ON live_streams (status);

CREATE TABLE stream_tickets (
  stream_id  TEXT    NOT NULL REFERENCES live_streams (id),
  fan_id     TEXT    NOT NULL,
  paid       BOOLEAN NOT NULL DEFAULT FALSE,
  created_at BIGINT  NOT NULL,
  updated_at BIGINT  NOT NULL,
  PRIMARY KEY (stream_id, fan_id)
);

CREATE TABLE stream_chat_messages (
  id           TEXT PRIMARY KEY,
  stream_id    TEXT    NOT NULL REFERENCES live_streams (id),
  -- Position in the stream's chat (1, 2, ...): the order of history and the paging cursor.
  seq          BIGINT  NOT NULL,
  user_id      TEXT,
  display_name TEXT    NOT NULL,
  body         TEXT    NOT NULL,
  kind         TEXT    NOT NULL CHECK (kind IN ('TEXT', 'TIP', 'SYSTEM')),
  tip_id       TEXT,
  created_at   BIGINT  NOT NULL,
  moderated    BOOLEAN NOT NULL DEFAULT FALSE,
  moderated_by TEXT,
  moderated_at BIGINT,
  UNIQUE (stream_id, seq)
);
CREATE INDEX stream_chat_messages_user ON stream_chat_messages (stream_id, user_id);

CREATE TABLE stream_moderators (
  artist_id         TEXT   NOT NULL,
  moderator_user_id TEXT   NOT NULL,
  appointed_by      TEXT   NOT NULL,
  created_at        BIGINT NOT NULL,
  PRIMARY KEY (artist_id, moderator_user_id)
);

CREATE TABLE moderation_actions (
  id               TEXT PRIMARY KEY,
  stream_id        TEXT REFERENCES live_streams (id),
  artist_id        TEXT   NOT NULL,
  actor_id         TEXT   NOT NULL,
  target_user_id   TEXT,
  action           TEXT   NOT NULL CHECK (action IN ('DELETE_MESSAGE', 'TIMEOUT', 'BAN', 'UNBAN',
                                                     'APPOINT_MODERATOR', 'REMOVE_MODERATOR')),
  message_id       TEXT,
  duration_seconds BIGINT,
  reason           TEXT,
  created_at       BIGINT NOT NULL
);
CREATE INDEX moderation_actions_stream ON moderation_actions (stream_id, created_at);
CREATE INDEX moderation_actions_artist ON moderation_actions (artist_id, created_at);

-- Bans and timeouts per artist channel; expires_at NULL is a permanent ban.
CREATE TABLE stream_bans (
  artist_id  TEXT   NOT NULL,
  user_id    TEXT   NOT NULL,
  expires_at BIGINT,
  reason     TEXT,
  created_by TEXT   NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (artist_id, user_id)
);

CREATE TABLE stream_tips (
  id                  TEXT PRIMARY KEY,
  stream_id           TEXT   NOT NULL REFERENCES live_streams (id),
  fan_id              TEXT   NOT NULL,
  artist_id           TEXT   NOT NULL,
  amount_cents        BIGINT NOT NULL CHECK (amount_cents > 0),
  currency            TEXT   NOT NULL CHECK (length(currency) = 3),
  fee_cents           BIGINT NOT NULL CHECK (fee_cents >= 0 AND fee_cents <= amount_cents),
  message             TEXT,
  status              TEXT   NOT NULL
                        CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'REFUNDED', 'DISPUTED')),
  provider            TEXT   NOT NULL,
  provider_payment_id TEXT,
  idempotency_key     TEXT   NOT NULL UNIQUE,
  created_at          BIGINT NOT NULL,
  updated_at          BIGINT NOT NULL,
  UNIQUE (provider, provider_payment_id)
);
CREATE INDEX stream_tips_stream ON stream_tips (stream_id, status);

CREATE TABLE payment_events (
  provider    TEXT    NOT NULL,
  event_id    TEXT    NOT NULL,
  type        TEXT    NOT NULL,
  payload     TEXT    NOT NULL,
  received_at BIGINT  NOT NULL,
  applied     BOOLEAN NOT NULL DEFAULT FALSE,
  applied_at  BIGINT,
  PRIMARY KEY (provider, event_id)
);
CREATE INDEX payment_events_unapplied ON payment_events (applied, received_at);

CREATE TABLE stream_viewers (
  id         TEXT PRIMARY KEY,
  stream_id  TEXT   NOT NULL REFERENCES live_streams (id),
  user_id    TEXT,
  session_id TEXT,
  joined_at  BIGINT NOT NULL,
  left_at    BIGINT,
  watch_ms   BIGINT NOT NULL DEFAULT 0 CHECK (watch_ms >= 0)
);
CREATE INDEX stream_viewers_stream ON stream_viewers (stream_id, left_at);

CREATE TABLE stream_recordings (
  id          TEXT PRIMARY KEY,
  stream_id   TEXT   NOT NULL REFERENCES live_streams (id),
  storage_key TEXT   NOT NULL,
  status      TEXT   NOT NULL CHECK (status IN ('RECORDING', 'UPLOADING', 'READY', 'FAILED')),
  bytes       BIGINT NOT NULL DEFAULT 0,
  duration_ms BIGINT NOT NULL DEFAULT 0,
  started_at  BIGINT NOT NULL,
  ended_at    BIGINT,
  error       TEXT
);
CREATE INDEX stream_recordings_stream ON stream_recordings (stream_id, started_at);

CREATE TABLE notifications (
  id         TEXT PRIMARY KEY,
  user_id    TEXT   NOT NULL,
  kind       TEXT   NOT NULL,
  payload    TEXT   NOT NULL,
  created_at BIGINT NOT NULL,
  read_at    BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);

CREATE TABLE push_subscriptions (
  id         TEXT PRIMARY KEY,
  user_id    TEXT   NOT NULL,
  endpoint   TEXT   NOT NULL UNIQUE,
  p256dh     TEXT   NOT NULL,
  auth       TEXT   NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);
