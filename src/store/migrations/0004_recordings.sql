-- 0004: recordings that exist (docs/recording.md). 0001's stream_recordings had statuses nothing
-- wrote (UPLOADING); a recording is now RECORDING, FINALIZING, READY, PARTIAL or FAILED, keeps
-- where its objects are (a key prefix, the multivariant playlist, the MP4), the renditions it
-- kept, the gaps it has, and a clip cut from it is a row of kind CLIP pointing at its recording.
-- Rebuilt rather than altered: SQLite cannot change a CHECK in place. 0001's rows (written by
-- nothing but tests) keep their status, UPLOADING becoming FINALIZING.

CREATE TABLE stream_recordings_v4 (
  id                  TEXT   PRIMARY KEY,
  stream_id           TEXT   NOT NULL REFERENCES live_streams (id),
  kind                TEXT   NOT NULL DEFAULT 'RECORDING' CHECK (kind IN ('RECORDING', 'CLIP')),
  status              TEXT   NOT NULL
                        CHECK (status IN ('RECORDING', 'FINALIZING', 'READY', 'PARTIAL', 'FAILED')),
  storage             TEXT   NOT NULL DEFAULT 'local' CHECK (storage IN ('local', 's3')),
  -- Every object of the recording has a key starting with object_prefix + '/'.
  object_prefix       TEXT   NOT NULL,
  master_key          TEXT,
  mp4_key             TEXT,
  renditions          TEXT   NOT NULL DEFAULT '[]',  -- JSON array of rendition names
  gaps                TEXT   NOT NULL DEFAULT '[]',  -- JSON array of {rendition, firstMsn, ...}
  bytes               BIGINT NOT NULL DEFAULT 0 CHECK (bytes >= 0),
  duration_ms         BIGINT NOT NULL DEFAULT 0 CHECK (duration_ms >= 0),
  started_at          BIGINT NOT NULL,
  ended_at            BIGINT,
  error               TEXT,
  replay_url          TEXT,
  title               TEXT,
  source_recording_id TEXT,
  clip_start_ms       BIGINT,
  created_by          TEXT
);

INSERT INTO stream_recordings_v4 (id, stream_id, status, object_prefix, bytes, duration_ms,
                                  started_at, ended_at, error)
  SELECT id, stream_id, CASE status WHEN 'UPLOADING' THEN 'FINALIZING' ELSE status END,
         storage_key, bytes, duration_ms, started_at, ended_at, error
  FROM stream_recordings;

DROP TABLE stream_recordings;
ALTER TABLE stream_recordings_v4 RENAME TO stream_recordings;
CREATE INDEX stream_recordings_stream ON stream_recordings (stream_id, started_at);
-- The retention sweep walks recordings oldest first.
CREATE INDEX stream_recordings_started ON stream_recordings (started_at, id);

-- The replay of the stream's latest recording (relative: /vod/<recording id>/master.m3u8).
ALTER TABLE live_streams ADD COLUMN recording_url TEXT;
