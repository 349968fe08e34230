#include "zhanqun/agent/localizer.h"

#include <set>

#include "zhanqun/feeds/atom.h"
#include "zhanqun/feeds/sanitize.h"

namespace zhanqun::agent {

using feeds::Result;
using feeds::Status;

namespace {

Result<feeds::Entry> Load(AgentStore& store, const EntryRef& ref) {
  Result<std::string> wire = store.Wire(ref.origin, ref.seq);
  if (!wire.ok()) return wire.status();
  Result<feeds::ParsedEntry> p = feeds::DecodeEntry(*wire);
  if (!p.ok())
    return p.status().Context("stored entry " + ref.origin + "#" + std::to_string(ref.seq));
  return std::move(p->entry);
}

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
      renderer_(options_.theme_dir, options_.theme_override_dir, options_.site_dir),
      store_(store),
      writer_(std::move(writer)) {}

Result<std::unique_ptr<Localizer>> Localizer::Open(const LocalizerOptions& options,
                                                   localization::NodeProfile profile,
                                                   AgentStore& store, OwnWriter writer) {
  Result<localization::InterpretationTemplates> t =
      localization::InterpretationTemplates::Load(options.templates_dir);
  if (!t.ok()) return t.status().Context("templates_dir");
  return std::unique_ptr<Localizer>(
      new Localizer(options, std::move(profile), std::move(*t), store, std::move(writer)));
}

std::optional<feeds::Interpretation> Localizer::OwnLayer(const std::string& release_id) {
  for (const EntryRef& ref : store_.Layers(release_id)) {
    if (ref.origin != profile_.code) continue;
    Result<feeds::Entry> e = Load(store_, ref);
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
  in.body_html = feeds::SanitizeHtml(html);
  entry.interpretation = std::move(in);
  return writer_(std::move(entry));
}

Result<std::size_t> Localizer::InterpretNewReleases() {
  std::size_t written = 0;
  for (const ReleaseRef& ref : store_.Releases()) {
    if (ref.at.origin != feeds::kHubCode || ref.status == "withdrawn") continue;
    std::optional<feeds::Interpretation> mine = OwnLayer(ref.id);
    if (mine && mine->release_version >= ref.version) continue;
    // A hand-written layer is the operator's to renew; only template layers follow amendments.
    if (mine && mine->source == "manual") continue;
    Result<feeds::Entry> e = Load(store_, ref.at);
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

// Release ids whose pages changed since the last refresh, from the entries
// appended since then; `everything` on the first refresh.
std::vector<std::string> Localizer::ChangedReleases(bool* everything) {
  *everything = seen_.empty();
  std::set<std::string> ids;
  for (const std::string& origin : store_.Origins()) {
    std::uint64_t& seen = seen_[origin];
    for (const StoredEntry& se : store_.ReadRange(origin, seen, 100000)) {
      seen = se.seq;
      Result<feeds::ParsedEntry> p = feeds::DecodeEntry(se.wire);
      if (!p.ok()) continue;
      if (p->entry.release) ids.insert(p->entry.release->id);
      if (p->entry.interpretation) ids.insert(p->entry.interpretation->release_id);
      if (p->entry.topic) *everything = true;
    }
  }
  return {ids.begin(), ids.end()};
}

Result<std::size_t> Localizer::Refresh(const std::function<void()>& interpreted) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<std::size_t> written = InterpretNewReleases();
  if (!written.ok()) return written.status();
  if (interpreted) interpreted();
  bool everything = false;
  std::vector<std::string> changed = ChangedReleases(&everything);
  if (!everything && changed.empty()) return written;
  localization::SiteSnapshot site = Snapshot();
  Status s = Status::Ok();
  if (everything) {
    s = renderer_.RenderAll(site);
  } else {
    for (std::size_t i = 0; s.ok() && i < changed.size(); ++i) {
      s = renderer_.RenderRelease(site, changed[i]);
    }
  }
  // A failed render (a broken theme override, a full disk) is retried in full
  // on the next refresh instead of leaving stale pages until a restart.
  if (!s.ok()) seen_.clear();
  ZQ_RETURN_IF_ERROR(s);
  return written;
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
  Result<feeds::Entry> e = Load(store_, ref->at);
  if (!e.ok()) return e.status();
  std::string body = feeds::SanitizeHtml(html);
  if (mode == feeds::InterpretationMode::kExtend) {
    Result<std::string> base = templates_.Render(*e->release, profile_);
    if (!base.ok()) return base.status();
    body = *base + body;
  }
  return WriteLayer(*e->release, body, mode, "manual");
}

localization::SiteSnapshot Localizer::Snapshot() {
  localization::SiteSnapshot site;
  site.node = profile_;
  site.base_url = options_.base_url;
  for (const ReleaseRef& ref : store_.Releases()) {
    Result<feeds::Entry> e = Load(store_, ref.at);
    if (!e.ok() || !e->release) continue;
    localization::ReleasePage page;
    page.release = std::move(*e->release);
    for (const EntryRef& layer_ref : store_.Layers(ref.id)) {
      Result<feeds::Entry> le = Load(store_, layer_ref);
      if (!le.ok() || !le->interpretation) continue;
      // Every stored entry was verified against its origin's registry key on arrival
      // (or signed by us), so the layer is shown as verified.
      page.layers.push_back({LevelOf(store_, layer_ref.origin), layer_ref.origin,
                             NameOf(store_, layer_ref.origin), le->interpretation->body_html,
                             le->interpretation->release_version, true});
    }
    site.releases.push_back(std::move(page));
  }
  for (const EntryRef& ref : store_.Topics()) {
    Result<feeds::Entry> e = Load(store_, ref);
    if (!e.ok() || !e->topic) continue;
    site.topics.push_back(
        {e->topic->id, e->topic->title, e->topic->description, ref.origin != feeds::kHubCode});
  }
  return site;
}

Result<std::string> Localizer::SearchPage(const localization::SearchPageModel& model) {
  std::lock_guard<std::mutex> lock(mu_);
  return renderer_.RenderSearchPage(Snapshot(), model);
}

Result<std::string> Localizer::GonePage(const std::string& release_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<ReleaseRef> ref = store_.FindRelease(release_id);
  if (!ref || ref->status != "withdrawn") return Status::NotFound("not withdrawn");
  return renderer_.RenderGonePage(Snapshot(), release_id);
}

}  // namespace zhanqun::agent
