#include "zhanqun/localization/site_renderer.h"

#include <filesystem>
#include <set>

#include "pages.h"
#include "site_files.h"
#include "theme.h"
#include "view_model.h"

namespace zhanqun::localization {
namespace {

const ReleasePage* FindVisible(const SiteSnapshot& site, const std::string& id) {
  for (const ReleasePage& p : site.releases) {
    if (p.release.id == id && p.release.status != feeds::ReleaseStatus::kWithdrawn) return &p;
  }
  return nullptr;
}

// File names under `dir` that end in .html and are not in `keep`.
std::vector<std::string> StalePages(SiteFiles& files, const std::string& dir,
                                    const std::set<std::string>& keep) {
  std::vector<std::string> stale;
  for (const std::string& name : files.List(dir)) {
    if (name.ends_with(".html") && name.front() != '.' && keep.count(name) == 0) {
      stale.push_back(name);
    }
  }
  return stale;
}

std::string FileNameOf(const std::string& rel_path) {
  return std::filesystem::path(rel_path).filename().string();
}

}  // namespace

SiteRenderer::SiteRenderer(std::string theme_dir, std::string override_dir, std::string out_dir,
                           base::Env& env)
    : theme_dir_(std::move(theme_dir)),
      override_dir_(std::move(override_dir)),
      out_dir_(std::move(out_dir)),
      files_(std::make_unique<SiteFiles>(env)) {}

SiteRenderer::~SiteRenderer() = default;

void SiteRenderer::ReleaseMemory() {
  ForgetSanitizedBodies();
  files_->Forget();
}

base::Status SiteRenderer::WritePage(const std::string& rel_path, const std::string& content) {
  return files_->WriteAtomically(out_dir_ + "/" + rel_path, content);
}

base::Status SiteRenderer::CopyStylesheet() {
  base::Result<std::string> css = Theme(theme_dir_, override_dir_, *files_).Load("theme.css");
  if (!css.ok()) return css.status();
  // Read on every render, so an operator's change applies at once; written
  // only when it did change.
  base::Result<std::string> published = files_->ReadCached(out_dir_ + "/assets/theme.css");
  if (published.ok() && *published == *css) return base::Status::Ok();
  return WritePage("assets/theme.css", *css);
}

base::Status SiteRenderer::RenderIndexes(const SiteSnapshot& site,
                                         const std::set<std::string>* topics) {
  const Theme theme(theme_dir_, override_dir_, *files_);
  ZQ_RETURN_IF_ERROR(CopyStylesheet());
  base::Result<std::string> home = HomePage(theme, site);
  if (!home.ok()) return home.status();
  base::Result<std::string> index = TopicsIndexPage(theme, site);
  if (!index.ok()) return index.status();
  std::set<std::string> shown;
  for (const Topic& t : AllTopics(site)) {
    shown.insert(t.id);
    if (topics != nullptr && topics->count(t.id) == 0) continue;
    base::Result<std::string> page = TopicPage(theme, site, t);
    if (!page.ok()) return page.status();
    ZQ_RETURN_IF_ERROR(WritePage(TopicPath(t.id), *page));
  }
  ZQ_RETURN_IF_ERROR(WritePage("topics/index.html", *index));
  ZQ_RETURN_IF_ERROR(WritePage("feed.xml", AtomFeedXml(site)));
  ZQ_RETURN_IF_ERROR(WritePage("sitemap.xml", SitemapXml(site)));
  // The home page goes last: once it links something, that page exists.
  ZQ_RETURN_IF_ERROR(WritePage("index.html", *home));
  if (topics != nullptr) {
    for (const std::string& id : *topics) {
      if (shown.count(id) == 0) ZQ_RETURN_IF_ERROR(files_->Remove(out_dir_ + "/" + TopicPath(id)));
    }
  }
  return base::Status::Ok();
}

base::Status SiteRenderer::RemoveStale(const SiteSnapshot& site) {
  std::set<std::string> releases;
  for (const ReleasePage* p : VisibleReleases(site)) {
    releases.insert(FileNameOf(ReleasePath(p->release.id)));
  }
  std::set<std::string> topics = {"index.html"};
  for (const Topic& t : AllTopics(site)) topics.insert(FileNameOf(TopicPath(t.id)));
  for (const std::string& name : StalePages(*files_, out_dir_ + "/releases", releases)) {
    ZQ_RETURN_IF_ERROR(files_->Remove(out_dir_ + "/releases/" + name));
  }
  for (const std::string& name : StalePages(*files_, out_dir_ + "/topics", topics)) {
    ZQ_RETURN_IF_ERROR(files_->Remove(out_dir_ + "/topics/" + name));
  }
  return base::Status::Ok();
}

base::Status SiteRenderer::RenderReleasePage(const SiteSnapshot& site, const ReleasePage& page) {
  if (page.release.status == feeds::ReleaseStatus::kWithdrawn) {
    return files_->Remove(out_dir_ + "/" + ReleasePath(page.release.id));
  }
  base::Result<std::string> html =
      ReleasePageHtml(Theme(theme_dir_, override_dir_, *files_), site, page);
  if (!html.ok()) return html.status();
  return WritePage(ReleasePath(page.release.id), *html);
}

base::Status SiteRenderer::RenderAll(const SiteSnapshot& site) {
  for (const ReleasePage* p : VisibleReleases(site)) {
    ZQ_RETURN_IF_ERROR(RenderReleasePage(site, *p));
  }
  ZQ_RETURN_IF_ERROR(RenderIndexes(site, nullptr));
  return RemoveStale(site);
}

base::Status SiteRenderer::RenderRelease(const SiteSnapshot& site, const std::string& release_id) {
  const ReleasePage* page = FindVisible(site, release_id);
  if (page == nullptr) {
    // Unlink the indexes first so no page points at the file being removed.
    ZQ_RETURN_IF_ERROR(RenderIndexes(site, nullptr));
    ZQ_RETURN_IF_ERROR(files_->Remove(out_dir_ + "/" + ReleasePath(release_id)));
    return RemoveStale(site);
  }
  ZQ_RETURN_IF_ERROR(RenderReleasePage(site, *page));
  ZQ_RETURN_IF_ERROR(RenderIndexes(site, nullptr));
  return RemoveStale(site);
}

base::Result<std::string> SiteRenderer::RenderSearchPage(const SiteSnapshot& site,
                                                         const SearchPageModel& model) const {
  return SearchPage(Theme(theme_dir_, override_dir_, *files_), site, model);
}

base::Result<std::string> SiteRenderer::RenderGonePage(const SiteSnapshot& site,
                                                       const std::string& release_id) const {
  (void)release_id;  // the notice deliberately does not repeat what was withdrawn
  return GonePage(Theme(theme_dir_, override_dir_, *files_), site);
}

}  // namespace zhanqun::localization
