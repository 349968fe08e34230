#include <map>

#include "zhanqun/feeds/atom.h"
#include "zhanqun/hub/hub_store.h"

namespace zhanqun::hub {

// Topics are few and rarely redefined, so the log itself is their index.
std::vector<feeds::TopicDef> HubStore::Topics() {
  std::map<std::string, feeds::TopicDef> newest;
  {
    std::lock_guard<std::mutex> lock(mu_);
    base::Result<sql::Stmt> st =
        db_->Prepare("SELECT wire FROM log WHERE origin = ?1 AND kind = 'topic' ORDER BY seq");
    if (!st.ok()) return {};
    st->Bind(1, std::string_view(feeds::kHubCode));
    (void)sql::ForEachRow(*st, [&newest](sql::Stmt& s) {
      base::Result<feeds::ParsedEntry> e = feeds::DecodeEntry(s.Text(0));
      if (e.ok() && e->entry.topic) newest[e->entry.topic->id] = *e->entry.topic;
    });
  }
  std::vector<feeds::TopicDef> out;
  for (auto& [id, t] : newest) out.push_back(std::move(t));
  return out;
}

}  // namespace zhanqun::hub
