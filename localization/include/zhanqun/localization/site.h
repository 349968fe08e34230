// The model of a node's local site, as the agent hands it to SiteRenderer,
// and the mapping from ids to file paths and URLs inside the site.
//
// Plain value types; thread-compatible. The path functions are pure and
// thread-safe.
#ifndef ZHANQUN_LOCALIZATION_SITE_H_
#define ZHANQUN_LOCALIZATION_SITE_H_

#include <optional>
#include <string>
#include <vector>

#include "zhanqun/feeds/model.h"
#include "zhanqun/localization/node_profile.h"

namespace zhanqun::localization {

// One level's interpretation of a release, as stored in that level's log.
struct InterpretationLayer {
  feeds::NodeLevel level = feeds::NodeLevel::kProvince;
  std::string node_code;        // 330000
  std::string node_name;        // 浙江省
  std::string body_html;        // sanitized again by the renderer before use
  int written_for_version = 1;  // release version the layer was written for
  bool verified = false;        // signature checked against the level's registry key
};

struct ReleasePage {
  feeds::Release release;
  // Any order; the renderer shows them national -> province -> city -> county
  // (stable within a level).
  std::vector<InterpretationLayer> layers;
  // The plain-text excerpt that release lists show (ReleaseSummary of the
  // release). When empty it is computed from release.body_html, so a caller
  // that keeps list data only (no body) sets it.
  std::string summary;
};

// The excerpt of `release`'s body text that release lists and feed.xml show.
std::string ReleaseSummary(const feeds::Release& release);

// A topic (专题). Releases name topics by id in Release::topics.
struct Topic {
  std::string id;  // 教育
  std::string title;
  std::string description;
  bool local = false;  // defined by this node rather than by the hub
};

// What every page but a release's own needs of the site. `releases` may hold
// list data only (SiteRenderer::RenderIndexes, RenderReleasePage): a release
// page is rendered from the ReleasePage passed to it, with body and layers.
struct SiteSnapshot {
  NodeProfile node;
  std::vector<ReleasePage> releases;  // withdrawn ones are skipped everywhere
  std::vector<Topic> topics;  // topics used by releases but missing here get a page titled by id
  std::string base_url;       // absolute URL of the site root, for feed.xml and sitemap.xml
};

// Percent-encodes every byte outside [A-Za-z0-9._-], so any id becomes one
// safe file name component ("govcn:1/2" -> "govcn%3A1%2F2"). Injective.
std::string SafeFileName(const std::string& id);
// Inverse of SafeFileName; nullopt if `name` is not a valid encoding.
std::optional<std::string> FromSafeFileName(const std::string& name);

// File paths relative to the site root: "releases/<SafeFileName(id)>.html",
// "topics/<SafeFileName(id)>.html".
std::string ReleasePath(const std::string& release_id);
std::string TopicPath(const std::string& topic_id);
// The release id for a site-relative file path made by ReleasePath (after
// URL decoding of the request path); nullopt if it is not a release path.
std::optional<std::string> ReleaseIdFromPath(const std::string& path);

// The URL path (relative to the site root) that serves ReleasePath(id): the
// file name's '%' is itself escaped as "%25", because a web server decodes
// the request path once before looking up the file.
std::string ReleaseUrl(const std::string& release_id);
std::string TopicUrl(const std::string& topic_id);

}  // namespace zhanqun::localization

#endif  // ZHANQUN_LOCALIZATION_SITE_H_
