// The agent's local site: writes this node's interpretation of each national
// release into its own signed log (from the interpretation templates, or by
// hand), and renders the static site from what the store holds.
//
// Thread-safe: every public method takes the localizer's mutex.
#ifndef ZHANQUN_AGENT_LOCALIZER_H_
#define ZHANQUN_AGENT_LOCALIZER_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

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
};

class Localizer {
 public:
  // Signs `entry` as the next entry of our own log and stores it.
  using OwnWriter = std::function<feeds::Result<feeds::SignedEntry>(feeds::Entry)>;

  static feeds::Result<std::unique_ptr<Localizer>> Open(const LocalizerOptions& options,
                                                        localization::NodeProfile profile,
                                                        AgentStore& store, OwnWriter writer);

  // Writes the template interpretation of every current national release
  // version we have not interpreted yet, then renders the pages that changed
  // since the last call (everything on the first call). Returns the number of
  // interpretations written. `interpreted`, if set, runs between the two
  // steps (the agent times its "localized" stage by it).
  feeds::Result<std::size_t> Refresh(const std::function<void()>& interpreted = {});

  // Writes an operator's interpretation of `release_id`: kReplace shows only
  // `html`; kExtend shows the template text followed by `html`.
  feeds::Result<feeds::SignedEntry> WriteManual(const std::string& release_id,
                                                const std::string& html,
                                                feeds::InterpretationMode mode);

  feeds::Result<std::string> SearchPage(const localization::SearchPageModel& model);
  // The 410 page for a withdrawn release; kNotFound if it is not withdrawn.
  feeds::Result<std::string> GonePage(const std::string& release_id);
  const std::string& site_dir() const { return options_.site_dir; }

 private:
  Localizer(LocalizerOptions options, localization::NodeProfile profile,
            localization::InterpretationTemplates templates, AgentStore& store, OwnWriter writer);
  localization::SiteSnapshot Snapshot();
  std::optional<feeds::Interpretation> OwnLayer(const std::string& release_id);
  feeds::Result<std::size_t> InterpretNewReleases();
  feeds::Result<feeds::SignedEntry> WriteLayer(const feeds::Release& release, std::string html,
                                               feeds::InterpretationMode mode,
                                               const std::string& source);
  std::vector<std::string> ChangedReleases(bool* everything);

  std::mutex mu_;
  LocalizerOptions options_;
  localization::NodeProfile profile_;
  localization::InterpretationTemplates templates_;
  localization::SiteRenderer renderer_;
  AgentStore& store_;
  OwnWriter writer_;
  std::map<std::string, std::uint64_t> seen_;  // origin -> last seq rendered
};

}  // namespace zhanqun::agent

#endif  // ZHANQUN_AGENT_LOCALIZER_H_
