#include "zhanqun/agent/localizer.h"

#include <set>

#include "zhanqun/feeds/atom.h"
#include "zhanqun/text/sanitize.h"

namespace zhanqun::agent {

using base::Result;
using base::Status;

namespace {

feeds::NodeLevel LevelOf(AgentStore& store, const std::string& code) {
  std::optional<RegistryNode> n = store.FindRegistryNode(code);
  if (n) {
    Result<feeds::NodeLevel> l = feeds::ParseNodeLevel(n->level);
    if (l.ok()) return *l;
  }
  return feeds::NodeLevel::kCounty;
}

std::string NameOf(AgentStore& store, const std::string& code) {
  std::optional<RegistryNode> n = store.FindRegistryNode(code);
  return n ? n->name : code;
}

}  // namespace

Localizer::Localizer(LocalizerOptions options, localization::NodeProfile profile,
                     localization::InterpretationTemplates templates, AgentStore& store,
                     OwnWriter writer)
    : options_(std::move(options)),
      profile_(std::move(profile)),
      templates_(std::move(templates)),
      renderer_(options_.theme_dir, options_.theme_override_dir, options_.site_dir, *options_.env),
      store_(store),
      writer_(std::move(writer)) {
  // Until the first refresh fills it, search and 410 pages get an empty site.
  site_.node = profile_;
  site_.base_url = options_.base_url;
}

Result<std::unique_ptr<Localizer>> Localizer::Open(const LocalizerOptions& options,
                                                   localization::NodeProfile profile,
                                                   AgentStore& store, OwnWriter writer) {
  Result<localization::InterpretationTemplates> t =
      localization::InterpretationTemplates::Load(options.templates_dir, *options.env);
  if (!t.ok()) return t.status().Context("templates_dir");
  return std::unique_ptr<Localizer>(
      new Localizer(options, std::move(profile), std::move(*t), store, std::move(writer)));
}

// Log entries never change, so a decoded one stays good: a release's page is
// rendered again as each level's layer arrives, and each time it needs the
// release and the other layers.
Result<feeds::Entry> Localizer::Load(const EntryRef& ref) {
  for (const auto& [at, entry] : decoded_) {
    if (at.seq == ref.seq && at.origin == ref.origin) return entry;
  }
  Result<std::string> wire = store_.Wire(ref.origin, ref.seq);
  if (!wire.ok()) return wire.status();
  Result<feeds::Entry> e = feeds::DecodeStoredEntry(*wire);
  if (!e.ok())
    return e.status().Context("stored entry " + ref.origin + "#" + std::to_string(ref.seq));
  if (decoded_.size() == kDecodedEntries) decoded_.pop_back();
  decoded_.emplace_front(ref, *e);
  return e;
}

std::optional<feeds::Interpretation> Localizer::OwnLayer(const std::string& release_id) {
  for (const EntryRef& ref : store_.Layers(release_id)) {
    if (ref.origin != profile_.code) continue;
    Result<feeds::Entry> e = Load(ref);
    if (e.ok() && e->interpretation) return e->interpretation;
  }
  return std::nullopt;
}

Result<feeds::SignedEntry> Localizer::WriteLayer(const feeds::Release& release, std::string html,
                                                 feeds::InterpretationMode mode,
                                                 const std::string& source) {
  feeds::Entry entry;
  entry.kind = feeds::EntryKind::kInterpretation;
  feeds::Interpretation in;
  in.release_id = release.id;
  in.release_version = release.version;
  in.mode = mode;
  in.source = source;
  in.title = profile_.name + "关于《" + release.title.substr(0, 400) + "》的政策解读";
  in.body_html = text::SanitizeHtml(html);
  entry.interpretation = std::move(in);
  return writer_(std::move(entry));
}

Result<std::size_t> Localizer::Interpret(const std::vector<std::string>& release_ids) {
  std::size_t written = 0;
  for (const std::string& id : release_ids) {
    std::optional<ReleaseRef> ref = store_.FindRelease(id);
    if (!ref || ref->at.origin != feeds::kHubCode || ref->status == "withdrawn") continue;
    std::optional<feeds::Interpretation> mine = OwnLayer(id);
    if (mine && mine->release_version >= ref->version) continue;
    // A hand-written layer is the operator's to renew; only template layers follow amendments.
    if (mine && mine->source == "manual") continue;
    Result<feeds::Entry> e = Load(ref->at);
    if (!e.ok()) return e.status();
    Result<std::string> html = templates_.Render(*e->release, profile_);
    if (!html.ok()) return html.status();
    Result<feeds::SignedEntry> se =
        WriteLayer(*e->release, *html, feeds::InterpretationMode::kExtend, "template");
    if (!se.ok()) return se.status();
    ++written;
  }
  return written;
}

// Release ids whose pages changed since the last call, from what the entries
// appended since then made current in the store's views; `topics_changed`
// when a topic definition is among them.
std::vector<std::string> Localizer::ChangedReleases(bool* topics_changed) {
  std::set<std::string> ids;
  for (const std::string& origin : store_.Origins()) {
    const std::uint64_t head = store_.Head(origin);
    std::uint64_t& seen = seen_[origin];
    if (head <= seen) continue;
    ViewChanges c = store_.ChangedAfter(origin, seen, head);
    seen = head;
    ids.insert(c.release_ids.begin(), c.release_ids.end());
    if (c.topics) *topics_changed = true;
  }
  return {ids.begin(), ids.end()};
}

Result<std::size_t> Localizer::Refresh(const std::function<void()>& interpreted) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<std::size_t> written =
      full_render_due_ ? RefreshAll(interpreted) : RefreshChanged(interpreted);
  // A failed refresh (a template error, a broken theme override, a full disk)
  // is retried in full next time instead of leaving stale pages until a restart.
  if (!written.ok()) full_render_due_ = true;
  return written;
}

Result<std::size_t> Localizer::RefreshAll(const std::function<void()>& interpreted) {
  // What arrives from here on is a change for the next refresh; what arrived
  // before is read by this one.
  for (const std::string& origin : store_.Origins()) seen_[origin] = store_.Head(origin);
  std::vector<std::string> ids;
  for (const ReleaseRef& ref : store_.Releases()) ids.push_back(ref.id);
  Result<std::size_t> written = Interpret(ids);
  if (!written.ok()) return written.status();
  if (interpreted) interpreted();
  site_ = localization::SiteSnapshot{};
  site_.node = profile_;
  site_.base_url = options_.base_url;
  site_.topics = LoadTopics();
  release_at_.clear();
  kept_from_.clear();
  // One release in memory at a time: its page is written, its list data kept.
  for (const ReleaseRef& ref : store_.Releases()) {
    Result<localization::ReleasePage> page = FullPage(ref);
    if (!page.ok()) continue;  // an entry that does not decode is not shown
    KeepListData(ref.at, page->release);
    if (page->release.status == feeds::ReleaseStatus::kWithdrawn) continue;
    ZQ_RETURN_IF_ERROR(renderer_.RenderReleasePage(site_, *page));
  }
  ZQ_RETURN_IF_ERROR(renderer_.RenderIndexes(site_, nullptr));
  ZQ_RETURN_IF_ERROR(renderer_.RemoveStale(site_));
  full_render_due_ = false;
  return written;
}

Result<std::size_t> Localizer::RefreshChanged(const std::function<void()>& interpreted) {
  // Every id ChangedReleases returns is interpreted before it is rendered.
  // The layers written here are new entries of our own log, so another round
  // reads them back (with anything that arrived meanwhile).
  std::set<std::string> changed;
  bool topics_changed = false;
  std::size_t written = 0;
  for (int round = 0; round < 8; ++round) {
    std::vector<std::string> fresh = ChangedReleases(&topics_changed);
    if (fresh.empty()) break;
    changed.insert(fresh.begin(), fresh.end());
    Result<std::size_t> w = Interpret(fresh);
    if (!w.ok()) return w.status();
    written += *w;
    if (*w == 0) break;
  }
  if (interpreted) interpreted();
  if (changed.empty() && !topics_changed) return written;
  if (topics_changed) site_.topics = LoadTopics();
  std::set<std::string> topics;  // topic pages whose lists changed
  bool lists_changed = topics_changed;
  std::vector<localization::ReleasePage> withdrawn;
  for (const std::string& id : changed) {
    std::optional<ReleaseRef> ref = store_.FindRelease(id);
    if (!ref) continue;  // a layer that came before its release
    Result<localization::ReleasePage> page = FullPage(*ref);
    if (!page.ok()) continue;
    std::vector<std::string> topics_before;
    if (auto it = release_at_.find(id); it != release_at_.end()) {
      topics_before = site_.releases[it->second].release.topics;
    }
    // A new layer changes the release's own page only.
    if (KeepListData(ref->at, page->release)) {
      lists_changed = true;
      topics.insert(topics_before.begin(), topics_before.end());
      topics.insert(page->release.topics.begin(), page->release.topics.end());
    }
    if (page->release.status == feeds::ReleaseStatus::kWithdrawn) {
      withdrawn.push_back(std::move(*page));
      continue;
    }
    ZQ_RETURN_IF_ERROR(renderer_.RenderReleasePage(site_, *page));
  }
  if (lists_changed) {
    ZQ_RETURN_IF_ERROR(renderer_.RenderIndexes(site_, topics_changed ? nullptr : &topics));
  }
  // Deleted only once no index links them.
  for (const localization::ReleasePage& page : withdrawn) {
    ZQ_RETURN_IF_ERROR(renderer_.RenderReleasePage(site_, page));
  }
  return written;
}

Result<localization::ReleasePage> Localizer::FullPage(const ReleaseRef& ref) {
  Result<feeds::Entry> e = Load(ref.at);
  if (!e.ok()) return e.status();
  if (!e->release) {
    return Status::Corruption("stored entry " + ref.at.origin + "#" + std::to_string(ref.at.seq) +
                              " holds no release");
  }
  localization::ReleasePage page;
  page.release = std::move(*e->release);
  for (const EntryRef& layer_ref : store_.Layers(ref.id)) {
    Result<feeds::Entry> le = Load(layer_ref);
    if (!le.ok() || !le->interpretation) continue;
    // Every stored entry was verified against its origin's registry key on
    // arrival (or signed by us), so the layer is shown as verified.
    page.layers.push_back({LevelOf(store_, layer_ref.origin), layer_ref.origin,
                           NameOf(store_, layer_ref.origin), le->interpretation->body_html,
                           le->interpretation->release_version, true});
  }
  return page;
}

bool Localizer::KeepListData(const EntryRef& at, const feeds::Release& release) {
  auto it = release_at_.find(release.id);
  if (it != release_at_.end()) {
    const EntryRef& kept = kept_from_[it->second];
    if (kept.seq == at.seq && kept.origin == at.origin) return false;  // a new layer only
  }
  localization::ReleasePage item;
  item.summary = localization::ReleaseSummary(release);
  // Lists need the metadata only: the body (up to 2 MB) and attachments go.
  item.release = release;
  item.release.body_html = std::string();
  item.release.attachments = {};
  if (it == release_at_.end()) {
    release_at_.emplace(release.id, site_.releases.size());
    site_.releases.push_back(std::move(item));
    kept_from_.push_back(at);
    return true;
  }
  kept_from_[it->second] = at;
  localization::ReleasePage& kept = site_.releases[it->second];
  if (kept.release == item.release && kept.summary == item.summary) return false;
  kept = std::move(item);
  return true;
}

std::vector<localization::Topic> Localizer::LoadTopics() {
  std::vector<localization::Topic> topics;
  for (const EntryRef& ref : store_.Topics()) {
    Result<feeds::Entry> e = Load(ref);
    if (!e.ok() || !e->topic) continue;
    topics.push_back(
        {e->topic->id, e->topic->title, e->topic->description, ref.origin != feeds::kHubCode});
  }
  return topics;
}

Result<feeds::SignedEntry> Localizer::WriteManual(const std::string& release_id,
                                                  const std::string& html,
                                                  feeds::InterpretationMode mode) {
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<ReleaseRef> ref = store_.FindRelease(release_id);
  if (!ref || ref->at.origin != feeds::kHubCode) {
    return Status::NotFound("release '" + release_id + "' is not held here");
  }
  if (ref->status == "withdrawn") {
    return Status::Precondition("release '" + release_id + "' has been withdrawn");
  }
  Result<feeds::Entry> e = Load(ref->at);
  if (!e.ok()) return e.status();
  std::string body = text::SanitizeHtml(html);
  if (mode == feeds::InterpretationMode::kExtend) {
    Result<std::string> base = templates_.Render(*e->release, profile_);
    if (!base.ok()) return base.status();
    body = *base + body;
  }
  return WriteLayer(*e->release, body, mode, "manual");
}

void Localizer::ReleaseMemory() {
  std::deque<std::pair<EntryRef, feeds::Entry>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    dropped.swap(decoded_);
  }
  renderer_.ReleaseMemory();
}

Result<std::string> Localizer::ReadPage(const std::string& rel_path) {
  // Site pages are at most a release body plus its layers, well under this.
  return options_.env->ReadFile(options_.site_dir + "/" + rel_path, 64 * 1024 * 1024);
}

Result<std::string> Localizer::SearchPage(const localization::SearchPageModel& model) {
  std::lock_guard<std::mutex> lock(mu_);
  return renderer_.RenderSearchPage(site_, model);
}

Result<std::string> Localizer::GonePage(const std::string& release_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<ReleaseRef> ref = store_.FindRelease(release_id);
  if (!ref || ref->status != "withdrawn") return Status::NotFound("not withdrawn");
  return renderer_.RenderGonePage(site_, release_id);
}

}  // namespace zhanqun::agent
