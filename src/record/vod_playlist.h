#pragma once
// The replay's playlists (draft-pantos-hls-rfc8216bis): one VOD media playlist per rendition
// (4.4.3.5 EXT-X-PLAYLIST-TYPE:VOD, 4.4.3.4 EXT-X-ENDLIST), listing the segments the recording
// kept, and the multivariant playlist of the renditions that lasted to the end, so replay keeps
// the ABR ladder. Same names as live (hls_names.h), relative URIs.
//
// A lost segment (a gap: the spool was full) is left out and the next kept segment carries
// EXT-X-DISCONTINUITY (4.4.4.3: its timestamps do not follow the previous one's), which every
// player honours; EXT-X-GAP is younger and ffmpeg does not know it.

#include <string>
#include <vector>

#include "record/recording_model.h"

namespace stagecast::record {

// nullopt-like empty string when the rendition kept no segment.
std::string render_vod_media_playlist(const RenditionRecord& rendition);
// The renditions that kept segments and were not withdrawn, the lead first.
std::string render_vod_multivariant_playlist(const RecordingModel& model);

}  // namespace stagecast::record
