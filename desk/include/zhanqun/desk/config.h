// The desk's part of hub.json: the review levels of the 三审 workflow and the
// upstream RSS/Atom sources the Ingestor polls, with the files the desk
// keeps in the hub's data directory.
#ifndef ZHANQUN_DESK_CONFIG_H_
#define ZHANQUN_DESK_CONFIG_H_

#include <string>
#include <vector>

namespace zhanqun::desk {

// One upstream RSS/Atom source polled by the Ingestor (ingest.h); the
// "sources" array of hub.json.
struct SourceConfig {
  std::string name;       // [a-z0-9_-]{1,40}, unique
  std::string url;        // http:// or https://
  int interval_s = 300;   // >= 10
  int timeout_s = 20;     // per request
  bool trusted = false;   // its drafts skip the review levels (Desk::Import)
  std::string authority;  // 发文机关 given to its items (required)
  std::vector<std::string> topics;
  int max_items = 50;  // new items imported per poll
};

struct DeskConfig {
  std::string data_dir;    // the hub's data directory
  std::string public_url;  // the hub's public URL (attachment links)
  // "review_levels": 1..5 non-empty names (desk.h).
  std::vector<std::string> review_levels = {"初审", "复审", "终审"};
  std::vector<SourceConfig> sources;  // upstream ingestion ("sources" array)
  std::string DeskDbPath() const { return data_dir + "/desk.db"; }
  std::string AttachmentsDir() const { return data_dir + "/attachments"; }
  std::string IngestDbPath() const { return data_dir + "/ingest.db"; }
};

// Parses a JSON array of sources into `out`; returns one problem line per bad
// field ("sources[1] (mof): url: expected an http:// or https:// URL").
std::vector<std::string> ParseSourceConfigs(const std::string& json_array_text,
                                            std::vector<SourceConfig>* out);
// Parses the "review_levels" array into `out`; one problem line, or none.
std::vector<std::string> ParseReviewLevels(const std::string& json_array_text,
                                           std::vector<std::string>* out);

}  // namespace zhanqun::desk

#endif  // ZHANQUN_DESK_CONFIG_H_
