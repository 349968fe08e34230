// Private pieces of the WebSub hub engine (websub.h): the subscription
// store and request parsing.
#ifndef ZHANQUN_FEEDS_WEBSUB_INTERNAL_H_
#define ZHANQUN_FEEDS_WEBSUB_INTERNAL_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "zhanqun/base/status.h"
#include "zhanqun/feeds/model.h"
#include "zhanqun/feeds/websub.h"
#include "zhanqun/sql/sqlite.h"

namespace zhanqun::feeds::websub_internal {

// One persisted subscription. `cursor_seq` (feed topics) or `cursor_hash`
// (other topics: SHA-256 of the content last delivered) is what the
// subscriber already has.
struct SubscriptionRow {
  std::string topic;
  std::string callback;
  std::string secret;
  int lease_s = 0;
  base::TimeMs expires_ms = 0;
  std::uint64_t cursor_seq = 0;
  std::string cursor_hash;
};

// The subscription table in its own SQLite file. Thread-safe (one mutex).
class SubscriptionStore {
 public:
  static base::Result<std::unique_ptr<SubscriptionStore>> Open(const std::string& path);
  // Inserts, or updates secret and lease of the (topic, callback) row,
  // keeping its cursor (re-subscription never replays or skips entries).
  base::Status Upsert(const SubscriptionRow& row);
  base::Status Remove(const std::string& topic, const std::string& callback);
  base::Status SaveCursor(const std::string& topic, const std::string& callback, std::uint64_t seq,
                          const std::string& hash);
  base::Result<std::vector<SubscriptionRow>> All();

 private:
  explicit SubscriptionStore(std::unique_ptr<sql::Db> db) : db_(std::move(db)) {}
  std::mutex mu_;
  std::unique_ptr<sql::Db> db_;
};

enum class Mode { kSubscribe, kUnsubscribe };

// A parsed, validated hub request (unknown parameters already ignored).
struct HubRequest {
  Mode mode = Mode::kSubscribe;
  std::string topic;
  std::string callback;
  std::string secret;
  int lease_s = 0;  // clamped
};

// Parses the form body; errors name the parameter ("hub.callback: ...").
base::Result<HubRequest> ParseHubRequest(const net::HttpRequest& req, const WebSubOptions& options);

// `url` with the query parameters appended (after '?' or '&').
std::string WithQuery(const std::string& url,
                      const std::vector<std::pair<std::string, std::string>>& params);

// The origin named by a feed topic URL ({base}/api/v1/feeds/{origin}, an
// optional query such as ?after=N ignored), or nullopt. `head` is set for
// the .../{origin}/head topic.
std::optional<std::string> FeedTopicOrigin(const std::string& base, const std::string& topic,
                                           bool* head);

}  // namespace zhanqun::feeds::websub_internal

#endif  // ZHANQUN_FEEDS_WEBSUB_INTERNAL_H_
