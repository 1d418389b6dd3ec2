-- 0006: analytics (docs/analytics.md). A stream_viewers row is one visit of one person to a live
-- stream, whatever they watched it with (HLS, WebSocket presence, or both): the rendition they
-- watched most and the device class their user agent names. The figures of a stream (live, then
-- final once it ended) and its per-bucket series (a minute by default) are kept beside it, so
-- they survive a restart and the final summary is computed once.

ALTER TABLE stream_viewers ADD COLUMN rendition TEXT;
ALTER TABLE stream_viewers ADD COLUMN device TEXT;

CREATE TABLE stream_analytics (
  stream_id       TEXT PRIMARY KEY REFERENCES live_streams (id),
  final           INTEGER NOT NULL DEFAULT 0 CHECK (final IN (0, 1)),
  started_at      BIGINT  NOT NULL,
  ended_at        BIGINT,
  bucket_ms       BIGINT  NOT NULL CHECK (bucket_ms > 0),
  viewers_now     BIGINT  NOT NULL DEFAULT 0,
  peak_viewers    BIGINT  NOT NULL DEFAULT 0,
  peak_at         BIGINT,
  unique_viewers  BIGINT  NOT NULL DEFAULT 0,
  watch_ms        BIGINT  NOT NULL DEFAULT 0 CHECK (watch_ms >= 0),
  chatters        BIGINT  NOT NULL DEFAULT 0,
  messages        BIGINT  NOT NULL DEFAULT 0,
  tips_count      BIGINT  NOT NULL DEFAULT 0,
  tips_gross      BIGINT  NOT NULL DEFAULT 0,
  tips_fee        BIGINT  NOT NULL DEFAULT 0,
  tips_net        BIGINT  NOT NULL DEFAULT 0,
  currency        TEXT,
  new_subscribers BIGINT  NOT NULL DEFAULT 0,
  updated_at      BIGINT  NOT NULL
);

CREATE TABLE stream_analytics_buckets (
  stream_id  TEXT   NOT NULL REFERENCES live_streams (id),
  bucket     BIGINT NOT NULL CHECK (bucket >= 0),
  viewers    BIGINT NOT NULL DEFAULT 0,
  messages   BIGINT NOT NULL DEFAULT 0,
  tips       BIGINT NOT NULL DEFAULT 0,
  tips_gross BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (stream_id, bucket)
);
