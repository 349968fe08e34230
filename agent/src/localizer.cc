#include "zhanqun/agent/localizer.h"

#include <algorithm>
#include <set>

#include "zhanqun/feeds/atom.h"
#include "zhanqun/feeds/authority.h"
#include "zhanqun/text/sanitize.h"

namespace zhanqun::agent {

using base::Result;
using base::Status;

namespace {

// Whether the site may show an entry of `kind` from `origin`: the authority
// rules' part that needs only the registry (feeds::MayCarry), checked again
// here after the applier (defence in depth). `by` receives the origin's
// registry node when it has one.
Result<bool> MayShow(AgentStore& store, feeds::EntryKind kind, const std::string& origin,
                     std::optional<RegistryNode>* by = nullptr) {
  std::optional<feeds::NodeLevel> level;
  if (origin == feeds::kHubCode) {
    level = feeds::NodeLevel::kNational;
  } else {
    Result<std::optional<RegistryNode>> n = store.FindRegistryNode(origin);
    if (!n.ok()) return n.status();
    if (*n) level = (*n)->level;
    if (by != nullptr) *by = std::move(*n);
  }
  return feeds::MayCarry(kind, origin, level);
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
Result<std::optional<feeds::Entry>> Localizer::Load(const EntryRef& ref) {
  for (const auto& [at, entry] : decoded_) {
    if (at.seq == ref.seq && at.origin == ref.origin) return std::optional<feeds::Entry>(entry);
  }
  Result<std::string> wire = store_.Wire(ref.origin, ref.seq);
  if (!wire.ok()) return wire.status();
  Result<feeds::Entry> e = feeds::DecodeStoredEntry(*wire);
  if (!e.ok()) return std::optional<feeds::Entry>();
  if (decoded_.size() == kDecodedEntries) decoded_.pop_back();
  decoded_.emplace_front(ref, *e);
  return std::optional<feeds::Entry>(std::move(*e));
}

Result<feeds::Entry> Localizer::LoadDecoded(const EntryRef& ref) {
  Result<std::optional<feeds::Entry>> e = Load(ref);
  if (!e.ok()) return e.status();
  if (!*e) {
    Result<std::string> wire = store_.Wire(ref.origin, ref.seq);
    Result<feeds::Entry> decoded =
        wire.ok() ? feeds::DecodeStoredEntry(*wire) : Result<feeds::Entry>(wire.status());
    std::string why = decoded.ok() ? "does not decode" : decoded.status().ToString();
    return Status::Corruption("stored entry " + ref.origin + "#" + std::to_string(ref.seq) + ": " +
                              why);
  }
  return std::move(**e);
}

Result<std::optional<feeds::Interpretation>> Localizer::OwnLayer(const std::string& release_id) {
  Result<std::vector<EntryRef>> layers = store_.Layers(release_id);
  if (!layers.ok()) return layers.status();
  for (const EntryRef& ref : *layers) {
    if (ref.origin != profile_.code) continue;
    Result<std::optional<feeds::Entry>> e = Load(ref);
    if (!e.ok()) return e.status();
    if (*e && (*e)->interpretation) return (*e)->interpretation;
  }
  return std::optional<feeds::Interpretation>();
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
    Result<std::optional<ReleaseRef>> found = store_.FindRelease(id);
    if (!found.ok()) return found.status();
    const std::optional<ReleaseRef>& ref = *found;
    if (!ref || ref->at.origin != feeds::kHubCode ||
        ref->status == feeds::ReleaseStatus::kWithdrawn) {
      continue;
    }
    Result<std::optional<feeds::Interpretation>> own = OwnLayer(id);
    if (!own.ok()) return own.status();
    const std::optional<feeds::Interpretation>& mine = *own;
    if (mine && mine->release_version >= ref->version) continue;
    // A hand-written layer is the operator's to renew; only template layers follow amendments.
    if (mine && mine->source == "manual") continue;
    Result<feeds::Entry> e = LoadDecoded(ref->at);
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
Result<std::vector<std::string>> Localizer::ChangedReleases(bool* topics_changed) {
  std::set<std::string> ids;
  Result<std::vector<std::string>> origins = store_.Origins();
  if (!origins.ok()) return origins.status();
  for (const std::string& origin : *origins) {
    Result<std::uint64_t> head = store_.Head(origin);
    if (!head.ok()) return head.status();
    std::uint64_t& seen = seen_[origin];
    if (*head <= seen) continue;
    Result<ViewChanges> c = store_.ChangedAfter(origin, seen, *head);
    if (!c.ok()) return c.status();
    seen = *head;
    ids.insert(c->release_ids.begin(), c->release_ids.end());
    if (c->topics) *topics_changed = true;
  }
  return std::vector<std::string>(ids.begin(), ids.end());
}

Result<std::size_t> Localizer::Refresh(const std::function<void()>& interpreted) {
  std::lock_guard<std::mutex> lock(mu_);
  // A truncated log (AgentStore::TakeTruncations) took layers or topics back:
  // the changes since seen_ no longer describe the store, so render it all.
  if (const std::uint64_t cut = store_.truncation_count(); cut != truncations_seen_) {
    truncations_seen_ = cut;
    full_render_due_ = true;
  }
  // Whose layers a page shows follows the registry: a move changes them on
  // every page, so every page is rendered again.
  Result<std::vector<std::string>> ancestors = store_.Ancestors(profile_.code);
  if (!ancestors.ok()) return ancestors.status();
  if (*ancestors != ancestors_) {
    ancestors_ = std::move(*ancestors);
    full_render_due_ = true;
  }
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
  Result<std::vector<std::string>> origins = store_.Origins();
  if (!origins.ok()) return origins.status();
  for (const std::string& origin : *origins) {
    Result<std::uint64_t> head = store_.Head(origin);
    if (!head.ok()) return head.status();
    seen_[origin] = *head;
  }
  Result<std::vector<ReleaseRef>> releases = store_.Releases();
  if (!releases.ok()) return releases.status();
  std::vector<std::string> ids;
  for (const ReleaseRef& ref : *releases) ids.push_back(ref.id);
  Result<std::size_t> written = Interpret(ids);
  if (!written.ok()) return written.status();
  if (interpreted) interpreted();
  Result<std::vector<localization::Topic>> topics = LoadTopics();
  if (!topics.ok()) return topics.status();
  site_ = localization::SiteSnapshot{};
  site_.node = profile_;
  site_.base_url = options_.base_url;
  site_.topics = std::move(*topics);
  release_at_.clear();
  kept_from_.clear();
  releases = store_.Releases();
  if (!releases.ok()) return releases.status();
  // One release in memory at a time: its page is written, its list data kept.
  for (const ReleaseRef& ref : *releases) {
    Result<std::optional<localization::ReleasePage>> page = FullPage(ref);
    if (!page.ok()) return page.status();
    if (!*page) continue;  // an entry that does not decode is not shown
    KeepListData(ref.at, (*page)->release);
    if ((*page)->release.status == feeds::ReleaseStatus::kWithdrawn) continue;
    ZQ_RETURN_IF_ERROR(renderer_.RenderReleasePage(site_, **page));
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
    Result<std::vector<std::string>> changed_now = ChangedReleases(&topics_changed);
    if (!changed_now.ok()) return changed_now.status();
    const std::vector<std::string>& fresh = *changed_now;
    if (fresh.empty()) break;
    changed.insert(fresh.begin(), fresh.end());
    Result<std::size_t> w = Interpret(fresh);
    if (!w.ok()) return w.status();
    written += *w;
    if (*w == 0) break;
  }
  if (interpreted) interpreted();
  if (changed.empty() && !topics_changed) return written;
  if (topics_changed) {
    Result<std::vector<localization::Topic>> loaded = LoadTopics();
    if (!loaded.ok()) return loaded.status();
    site_.topics = std::move(*loaded);
  }
  std::set<std::string> topics;  // topic pages whose lists changed
  bool lists_changed = topics_changed;
  std::vector<localization::ReleasePage> withdrawn;
  for (const std::string& id : changed) {
    Result<std::optional<ReleaseRef>> found = store_.FindRelease(id);
    if (!found.ok()) return found.status();
    const std::optional<ReleaseRef>& ref = *found;
    if (!ref) continue;  // a layer that came before its release
    Result<std::optional<localization::ReleasePage>> full = FullPage(*ref);
    if (!full.ok()) return full.status();
    if (!*full) continue;  // an entry that does not decode is not shown
    std::optional<localization::ReleasePage>& page = *full;
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

Result<std::optional<localization::ReleasePage>> Localizer::FullPage(const ReleaseRef& ref) {
  Result<std::optional<feeds::Entry>> e = Load(ref.at);
  if (!e.ok()) return e.status();
  if (!*e || !(*e)->release) return std::optional<localization::ReleasePage>();
  Result<bool> may = MayShow(store_, feeds::EntryKind::kRelease, ref.at.origin);
  if (!may.ok()) return may.status();
  if (!*may) return std::optional<localization::ReleasePage>();
  localization::ReleasePage page;
  page.release = std::move(*(*e)->release);
  Result<std::vector<EntryRef>> layers = store_.Layers(ref.id);
  if (!layers.ok()) return layers.status();
  for (const EntryRef& layer_ref : *layers) {
    Result<std::optional<feeds::Entry>> le = Load(layer_ref);
    if (!le.ok()) return le.status();
    if (!*le || !(*le)->interpretation) continue;
    // Our own layer and our ancestors' only: a level we were moved away
    // from no longer speaks for our region.
    if (layer_ref.origin != profile_.code &&
        std::find(ancestors_.begin(), ancestors_.end(), layer_ref.origin) == ancestors_.end()) {
      continue;
    }
    // Shown at the level the registry gives its origin, and not at all
    // when the registry does not list it below the hub.
    std::optional<RegistryNode> by;
    Result<bool> shown = MayShow(store_, feeds::EntryKind::kInterpretation, layer_ref.origin, &by);
    if (!shown.ok()) return shown.status();
    if (!*shown || !by) continue;
    // Every stored entry was verified against its origin's registry key on
    // arrival (or signed by us), so the layer is shown as verified.
    page.layers.push_back({by->level, layer_ref.origin, by->name, (*le)->interpretation->body_html,
                           (*le)->interpretation->release_version, true});
  }
  return std::optional<localization::ReleasePage>(std::move(page));
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

Result<std::vector<localization::Topic>> Localizer::LoadTopics() {
  Result<std::vector<EntryRef>> refs = store_.Topics();
  if (!refs.ok()) return refs.status();
  std::vector<localization::Topic> topics;
  for (const EntryRef& ref : *refs) {
    Result<std::optional<feeds::Entry>> e = Load(ref);
    if (!e.ok()) return e.status();
    if (!*e || !(*e)->topic) continue;  // an entry that does not decode is not shown
    Result<bool> may = MayShow(store_, feeds::EntryKind::kTopic, ref.origin);
    if (!may.ok()) return may.status();
    if (!*may) continue;
    // National topics, ours and our ancestors': a level we were moved away
    // from no longer speaks for our region (as for layers, FullPage).
    if (ref.origin != feeds::kHubCode && ref.origin != profile_.code &&
        std::find(ancestors_.begin(), ancestors_.end(), ref.origin) == ancestors_.end()) {
      continue;
    }
    const feeds::TopicDef& t = *(*e)->topic;
    topics.push_back({t.id, t.title, t.description, ref.origin != feeds::kHubCode});
  }
  return topics;
}

Result<feeds::SignedEntry> Localizer::WriteManual(const std::string& release_id,
                                                  const std::string& html,
                                                  feeds::InterpretationMode mode) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<std::optional<ReleaseRef>> found = store_.FindRelease(release_id);
  if (!found.ok()) return found.status();
  const std::optional<ReleaseRef>& ref = *found;
  if (!ref || ref->at.origin != feeds::kHubCode) {
    return Status::NotFound("release '" + release_id + "' is not held here");
  }
  if (ref->status == feeds::ReleaseStatus::kWithdrawn) {
    return Status::Precondition("release '" + release_id + "' has been withdrawn");
  }
  Result<feeds::Entry> e = LoadDecoded(ref->at);
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
  Result<std::optional<ReleaseRef>> ref = store_.FindRelease(release_id);
  if (!ref.ok()) return ref.status();
  if (!*ref || (*ref)->status != feeds::ReleaseStatus::kWithdrawn) {
    return Status::NotFound("not withdrawn");
  }
  return renderer_.RenderGonePage(site_, release_id);
}

}  // namespace zhanqun::agent
