// The agent's local site: writes this node's interpretation of each national
// release into its own signed log (from the interpretation templates, or by
// hand), and renders the static site from what the store holds.
//
// Thread-safe: every public method takes the localizer's mutex.
#ifndef ZHANQUN_AGENT_LOCALIZER_H_
#define ZHANQUN_AGENT_LOCALIZER_H_

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "zhanqun/agent/agent_store.h"
#include "zhanqun/feeds/log.h"
#include "zhanqun/feeds/model.h"
#include "zhanqun/localization/interpretation.h"
#include "zhanqun/localization/node_profile.h"
#include "zhanqun/localization/site.h"
#include "zhanqun/localization/site_renderer.h"

namespace zhanqun::agent {

struct LocalizerOptions {
  std::string templates_dir;       // interpretation templates (default.mustache, <topic>.mustache)
  std::string theme_dir;           // page templates
  std::string theme_override_dir;  // operator overrides, file by file; may be empty
  std::string site_dir;            // publish directory
  std::string base_url;            // absolute URL of the site root
  base::Env* env = &base::Env::Default();  // templates, theme and pages go through it
};

class Localizer {
 public:
  // Signs `entry` as the next entry of our own log and stores it.
  using OwnWriter = std::function<base::Result<feeds::SignedEntry>(feeds::Entry)>;

  static base::Result<std::unique_ptr<Localizer>> Open(const LocalizerOptions& options,
                                                       localization::NodeProfile profile,
                                                       AgentStore& store, OwnWriter writer);

  // Writes the template interpretation of every current national release
  // version we have not interpreted yet, then renders the pages that changed
  // since the last call: each changed release's page, the indexes, and the
  // pages of the topics those releases are (or were) in. The first call, and
  // the one after a failure, interprets and renders everything. Only entries
  // appended since the last call are read, so a refresh's cost follows what
  // changed, not the size of the site. Returns the number of interpretations
  // written. `interpreted`, if set, runs between the two steps (the agent
  // times its "localized" stage by it).
  base::Result<std::size_t> Refresh(const std::function<void()>& interpreted = {});

  // Writes an operator's interpretation of `release_id`: kReplace shows only
  // `html`; kExtend shows the template text followed by `html`.
  base::Result<feeds::SignedEntry> WriteManual(const std::string& release_id,
                                               const std::string& html,
                                               feeds::InterpretationMode mode);

  base::Result<std::string> SearchPage(const localization::SearchPageModel& model);
  // The 410 page for a withdrawn release; kNotFound if it is not withdrawn.
  base::Result<std::string> GonePage(const std::string& release_id);
  const std::string& site_dir() const { return options_.site_dir; }
  // A published file, by its path under the site directory.
  base::Result<std::string> ReadPage(const std::string& rel_path);
  // Drops what is kept only to speed up the next renders (the last decoded
  // entries, sanitized bodies, theme files); the list data stays.
  void ReleaseMemory();

 private:
  Localizer(LocalizerOptions options, localization::NodeProfile profile,
            localization::InterpretationTemplates templates, AgentStore& store, OwnWriter writer);
  // The entry at `ref`; nullopt when its stored bytes do not decode (such an
  // entry is not shown), an error when the store cannot be read.
  base::Result<std::optional<feeds::Entry>> Load(const EntryRef& ref);
  // Load, with bytes that do not decode as kCorruption.
  base::Result<feeds::Entry> LoadDecoded(const EntryRef& ref);
  base::Result<std::optional<feeds::Interpretation>> OwnLayer(const std::string& release_id);
  // Writes a template layer for each of `release_ids` that is a current hub
  // release lacking our layer of its version.
  base::Result<std::size_t> Interpret(const std::vector<std::string>& release_ids);
  base::Result<std::size_t> RefreshAll(const std::function<void()>& interpreted);
  base::Result<std::size_t> RefreshChanged(const std::function<void()>& interpreted);
  // The release at `ref` with the newest layer of every origin held; nullopt
  // when its entry does not decode or holds no release (it is not shown).
  base::Result<std::optional<localization::ReleasePage>> FullPage(const ReleaseRef& ref);
  // Puts the list data (no body) of `release`, stored at `at`, into site_;
  // false if site_ held exactly that already.
  bool KeepListData(const EntryRef& at, const feeds::Release& release);
  base::Result<std::vector<localization::Topic>> LoadTopics();
  base::Result<feeds::SignedEntry> WriteLayer(const feeds::Release& release, std::string html,
                                              feeds::InterpretationMode mode,
                                              const std::string& source);
  base::Result<std::vector<std::string>> ChangedReleases(bool* topics_changed);

  std::mutex mu_;
  LocalizerOptions options_;
  localization::NodeProfile profile_;
  localization::InterpretationTemplates templates_;
  localization::SiteRenderer renderer_;
  AgentStore& store_;
  OwnWriter writer_;
  std::map<std::string, std::uint64_t> seen_;  // origin -> last seq rendered
  bool full_render_due_ = true;                // at start, and after a failed refresh
  std::uint64_t truncations_seen_ = 0;         // AgentStore::truncation_count() last rendered
  std::vector<std::string> ancestors_;         // the registry's, at the last refresh
  // The site's list data, kept across refreshes so that a refresh reads only
  // what changed: every release without body or layers (a page is rendered
  // from FullPage), the topics.
  localization::SiteSnapshot site_;
  std::map<std::string, std::size_t> release_at_;  // release id -> index in site_.releases
  std::vector<EntryRef> kept_from_;                // the entry each of site_.releases was read from
  // The entries decoded last, newest first: a release and its layers.
  static constexpr std::size_t kDecodedEntries = 8;
  std::deque<std::pair<EntryRef, feeds::Entry>> decoded_;
};

}  // namespace zhanqun::agent

#endif  // ZHANQUN_AGENT_LOCALIZER_H_
