// ingest.db: per-source state and the items already seen. Private to the
// Ingestor; not thread-safe (the Ingestor guards it with its mutex).
#ifndef ZHANQUN_DESK_SRC_INGEST_STORE_H_
#define ZHANQUN_DESK_SRC_INGEST_STORE_H_

#include <memory>
#include <optional>
#include <string>

#include "zhanqun/desk/ingest.h"
#include "zhanqun/sql/sqlite.h"

namespace zhanqun::desk::ingest_internal {

class IngestStore {
 public:
  static base::Result<std::unique_ptr<IngestStore>> Open(const std::string& path);

  // The stored state, or a fresh one (kNever, due at once) for a new source.
  base::Result<SourceState> Load(const std::string& source);
  base::Status Save(const std::string& source, const SourceState& state);
  // The draft id recorded for (source, key), if the item was seen before.
  base::Result<std::optional<std::int64_t>> Seen(const std::string& source, const std::string& key);
  base::Status MarkSeen(const std::string& source, const std::string& key, std::int64_t draft_id,
                        base::TimeMs at_ms);

 private:
  explicit IngestStore(std::unique_ptr<sql::Db> db) : db_(std::move(db)) {}
  std::unique_ptr<sql::Db> db_;
};

}  // namespace zhanqun::desk::ingest_internal

#endif  // ZHANQUN_DESK_SRC_INGEST_STORE_H_
