-- Per-stream ABR choice: an artist may turn the transcoding ladder off for a stream (the source
-- rendition alone is served). Only has an effect when the server has transcode.enabled.
ALTER TABLE live_streams ADD COLUMN transcode BOOLEAN NOT NULL DEFAULT TRUE;
