#include <map>

#include "zhanqun/feeds/atom.h"
#include "zhanqun/hub/hub_store.h"

namespace zhanqun::hub {

// Topics are few and rarely redefined, so the log itself is their index.
base::Result<std::vector<feeds::TopicDef>> HubStore::Topics() {
  std::map<std::string, feeds::TopicDef> newest;
  {
    std::lock_guard<std::mutex> lock(mu_);
    base::Result<sql::Stmt> st =
        db_->Prepare("SELECT seq, wire FROM log WHERE origin = ?1 AND kind = 'topic' ORDER BY seq");
    if (!st.ok()) return st.status();
    st->Bind(1, std::string_view(feeds::kHubCode));
    base::Status bad;
    ZQ_RETURN_IF_ERROR(sql::ForEachRow(*st, [&](sql::Stmt& s) {
      if (!bad.ok()) return;
      // The hub signed and stored it: bytes that no longer decode are damage.
      base::Result<feeds::ParsedEntry> e = feeds::DecodeEntry(s.Text(1));
      if (!e.ok() || !e->entry.topic) {
        bad = base::Status::Corruption(
            "log.wire of topic entry " + std::string(feeds::kHubCode) + "#" +
            std::to_string(s.Int(0)) +
            (e.ok() ? std::string(": holds no topic") : ": " + e.status().message()));
        return;
      }
      newest[e->entry.topic->id] = *e->entry.topic;
    }));
    ZQ_RETURN_IF_ERROR(bad);
  }
  std::vector<feeds::TopicDef> out;
  for (auto& [id, t] : newest) out.push_back(std::move(t));
  return out;
}

}  // namespace zhanqun::hub
