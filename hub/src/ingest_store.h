// ingest.db: per-source state and the items already seen. Private to the
// Ingestor; not thread-safe (the Ingestor guards it with its mutex).
#ifndef ZHANQUN_HUB_SRC_INGEST_STORE_H_
#define ZHANQUN_HUB_SRC_INGEST_STORE_H_

#include <memory>
#include <optional>
#include <string>

#include "zhanqun/feeds/sqlite.h"
#include "zhanqun/hub/ingest.h"

namespace zhanqun::hub::ingest_internal {

class IngestStore {
 public:
  static feeds::Result<std::unique_ptr<IngestStore>> Open(const std::string& path);

  // The stored state, or a fresh one (kNever, due at once) for a new source.
  feeds::Result<SourceState> Load(const std::string& source);
  feeds::Status Save(const std::string& source, const SourceState& state);
  // The draft id recorded for (source, key), if the item was seen before.
  feeds::Result<std::optional<std::int64_t>> Seen(const std::string& source,
                                                  const std::string& key);
  feeds::Status MarkSeen(const std::string& source, const std::string& key, std::int64_t draft_id,
                         feeds::TimeMs at_ms);

 private:
  explicit IngestStore(std::unique_ptr<feeds::Db> db) : db_(std::move(db)) {}
  std::unique_ptr<feeds::Db> db_;
};

}  // namespace zhanqun::hub::ingest_internal

#endif  // ZHANQUN_HUB_SRC_INGEST_STORE_H_
