#include "view_model.h"

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include "text_util.h"
#include "zhanqun/base/hash.h"
#include "zhanqun/feeds/signature.h"
#include "zhanqun/text/sanitize.h"

namespace zhanqun::localization {
namespace {

text::TemplateData List() { return text::TemplateData::List(); }

// A release page is rendered again as each level's interpretation arrives
// (three times at a county), and each render sanitizes the release's body
// and every layer's. The last few results are kept, keyed by the SHA-256 of
// the input (a few microseconds against about a millisecond to sanitize a
// 10 KB body), so each body is sanitized once. Whatever the key, the value
// is always the sanitizer's output. Thread-safe.
class SanitizedBodies {
 public:
  std::string Get(const std::string& html) {
    if (html.size() < kMinBytes) return text::SanitizeHtml(html);
    std::string key = base::Sha256Hex(html);
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& [k, v] : recent_) {
        if (k == key) return v;
      }
    }
    std::string safe = text::SanitizeHtml(html);
    std::lock_guard<std::mutex> lock(mu_);
    recent_.emplace_front(std::move(key), safe);
    if (recent_.size() > kKept) recent_.pop_back();
    return safe;
  }

  void Clear() {
    std::deque<std::pair<std::string, std::string>> dropped;
    std::lock_guard<std::mutex> lock(mu_);
    dropped.swap(recent_);
  }

 private:
  static constexpr std::size_t kMinBytes = 512;  // below this, sanitizing is as cheap
  static constexpr std::size_t kKept = 8;
  std::mutex mu_;
  std::deque<std::pair<std::string, std::string>> recent_;  // newest first
};

SanitizedBodies& Bodies() {
  static SanitizedBodies* bodies = new SanitizedBodies();  // never destroyed: no exit-order issue
  return *bodies;
}

std::string SanitizeBody(const std::string& html) { return Bodies().Get(html); }

text::TemplateData DepartmentData(const Department& d) {
  text::TemplateData out;
  out.set("name", d.name);
  out.set("address", d.address);
  out.set("phone", d.phone);
  out.set("has_address", !d.address.empty());
  out.set("has_phone", !d.phone.empty());
  return out;
}

text::TemplateData ServiceData(const ServiceLink& s) {
  text::TemplateData out;
  out.set("title", s.title);
  out.set("url", s.url);
  return out;
}

std::string TopicTitle(const std::vector<Topic>& topics, const std::string& id) {
  for (const Topic& t : topics) {
    if (t.id == id) return t.title;
  }
  return id;
}

text::TemplateData LayerData(const InterpretationLayer& l, int release_version, std::size_t index) {
  text::TemplateData out;
  out.set("index", std::to_string(index));
  out.set("level", feeds::NodeLevelName(l.level));
  out.set("level_label", LevelLabel(l.level));
  out.set("node_code", l.node_code);
  out.set("node_name", l.node_name);
  out.set("verified", l.verified);
  out.set("written_for_version", std::to_string(l.written_for_version));
  out.set("release_version", std::to_string(release_version));
  out.set("outdated", l.written_for_version < release_version);
  // Origins sanitize bodies before signing; we sanitize again on output, so a
  // hostile or buggy origin still cannot put script on a page.
  out.set("body_html", SanitizeBody(l.body_html));
  return out;
}

text::TemplateData LayersData(const ReleasePage& page) {
  std::vector<const InterpretationLayer*> layers;
  for (const InterpretationLayer& l : page.layers) layers.push_back(&l);
  std::stable_sort(layers.begin(), layers.end(), [](const auto* a, const auto* b) {
    return static_cast<int>(a->level) < static_cast<int>(b->level);
  });
  text::TemplateData list = List();
  for (std::size_t i = 0; i < layers.size(); ++i) {
    list.push_back(LayerData(*layers[i], page.release.version, i + 1));
  }
  return list;
}

text::TemplateData AttachmentsData(const feeds::Release& r) {
  text::TemplateData list = List();
  for (const feeds::Attachment& a : r.attachments) {
    text::TemplateData item;
    item.set("href", a.href);
    item.set("title", a.title.empty() ? a.href : a.title);
    list.push_back(item);
  }
  return list;
}

}  // namespace

void ForgetSanitizedBodies() { Bodies().Clear(); }

text::TemplateData NodeData(const NodeProfile& node) {
  text::TemplateData out;
  out.set("code", node.code);
  out.set("name", node.name);
  out.set("level", feeds::NodeLevelName(node.level));
  out.set("level_label", LevelLabel(node.level));
  out.set("site_title", node.site_title.empty() ? node.name : node.site_title);
  out.set("hotline", node.hotline);
  out.set("has_hotline", !node.hotline.empty());
  text::TemplateData deps = List();
  for (const Department& d : node.departments) deps.push_back(DepartmentData(d));
  out.set("departments", deps);
  out.set("has_departments", !node.departments.empty());
  text::TemplateData services = List();
  for (const ServiceLink& s : node.services) services.push_back(ServiceData(s));
  out.set("services", services);
  out.set("has_services", !node.services.empty());
  return out;
}

text::TemplateData ReleaseFields(const feeds::Release& r) {
  return ReleaseFields(r, ReleaseSummary(r));
}

text::TemplateData ReleaseFields(const feeds::Release& r, const std::string& summary) {
  text::TemplateData out;
  out.set("id", r.id);
  out.set("version", std::to_string(r.version));
  out.set("title", r.title);
  out.set("doc_number", r.doc_number);
  out.set("has_doc_number", !r.doc_number.empty());
  out.set("authority", r.authority);
  out.set("signed_date", ChineseDateFromIso(r.signed_date));
  out.set("has_signed_date", !r.signed_date.empty());
  out.set("published", ChineseDate(r.published_ms));
  out.set("published_iso", IsoDate(r.published_ms));
  out.set("summary", summary);
  text::TemplateData topics = List();
  for (const std::string& t : r.topics) topics.push_back(text::TemplateData("name", t));
  out.set("topics", topics);
  out.set("has_topics", !r.topics.empty());
  out.set("repealed", r.status == feeds::ReleaseStatus::kRepealed);
  out.set("amended", r.status == feeds::ReleaseStatus::kAmended || r.version > 1);
  return out;
}

std::string SummaryOf(const ReleasePage& page) {
  return page.summary.empty() ? ReleaseSummary(page.release) : page.summary;
}

std::vector<const ReleasePage*> VisibleReleases(const SiteSnapshot& site) {
  std::vector<const ReleasePage*> out;
  for (const ReleasePage& p : site.releases) {
    if (p.release.status != feeds::ReleaseStatus::kWithdrawn) out.push_back(&p);
  }
  std::stable_sort(out.begin(), out.end(), [](const ReleasePage* a, const ReleasePage* b) {
    if (a->release.published_ms != b->release.published_ms) {
      return a->release.published_ms > b->release.published_ms;
    }
    return a->release.id < b->release.id;
  });
  return out;
}

std::vector<Topic> AllTopics(const SiteSnapshot& site) {
  std::vector<Topic> out;
  std::set<std::string> seen;
  for (const Topic& t : site.topics) {
    if (seen.insert(t.id).second) out.push_back(t);
  }
  for (const ReleasePage* p : VisibleReleases(site)) {
    for (const std::string& id : p->release.topics) {
      if (seen.insert(id).second) out.push_back(Topic{id, id, "", false});
    }
  }
  return out;
}

std::map<std::string, std::size_t> TopicCounts(const std::vector<const ReleasePage*>& releases) {
  std::map<std::string, std::size_t> counts;
  for (const ReleasePage* p : releases) {
    for (const std::string& id : p->release.topics) ++counts[id];
  }
  return counts;
}

text::TemplateData ReleaseListItem(const ReleasePage& page, const std::string& root) {
  text::TemplateData item = ReleaseFields(page.release, SummaryOf(page));
  item.set("url", root + ReleaseUrl(page.release.id));
  return item;
}

text::TemplateData ReleasePageData(const ReleasePage& page, const std::vector<Topic>& topics,
                                   const std::string& root) {
  const feeds::Release& r = page.release;
  text::TemplateData out = ReleaseFields(r, SummaryOf(page));
  out.set("body_html", SanitizeBody(r.body_html));
  text::TemplateData topic_links = List();
  for (const std::string& id : r.topics) {
    text::TemplateData t;
    t.set("title", TopicTitle(topics, id));
    t.set("url", root + TopicUrl(id));
    topic_links.push_back(t);
  }
  out.set("topic_links", topic_links);
  out.set("attachments", AttachmentsData(r));
  out.set("has_attachments", !r.attachments.empty());
  text::TemplateData layers = LayersData(page);
  out.set("has_layers", !page.layers.empty());
  out.set("layers", layers);
  return out;
}

text::TemplateData LayoutData(const SiteSnapshot& site, const std::string& page_title,
                              const std::string& root, const std::string& nav,
                              const std::string& content_html) {
  text::TemplateData out;
  out.set("node", NodeData(site.node));
  const std::string site_title =
      site.node.site_title.empty() ? site.node.name : site.node.site_title;
  out.set("site_title", site_title);
  out.set("page_title", page_title);
  out.set("root", root);
  out.set("nav_home", nav == "home");
  out.set("nav_topics", nav == "topics");
  out.set("nav_search", nav == "search");
  out.set("content", content_html);
  return out;
}

std::string ReleaseSummary(const feeds::Release& release) {
  // The excerpt needs the first few hundred characters of text, and a body
  // can be 2 MB of HTML: try the markup up to a tag end in the first 8 KB.
  // An excerpt cut short there ("…") is exactly the full body's, since the
  // full text only continues that text; otherwise parse the whole body.
  constexpr std::size_t kPrefixBytes = 8192;
  const std::string& body = release.body_html;
  if (body.size() > kPrefixBytes) {
    const std::size_t tag_end = body.rfind('>', kPrefixBytes);
    if (tag_end != std::string::npos) {
      std::string e =
          Excerpt(text::HtmlToText(std::string_view(body).substr(0, tag_end + 1)), kSummaryChars);
      if (e.ends_with("…")) return e;
    }
  }
  return Excerpt(text::HtmlToText(body), kSummaryChars);
}

}  // namespace zhanqun::localization
