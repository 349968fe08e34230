// Interpretation templates: Mustache files that turn a national release and
// the node's own data into the node's local interpretation (政策解读).
//
// A template directory holds default.mustache and any number of
// <topic>.mustache (the topic id as the file stem, e.g. 教育.mustache). The
// data context each template sees:
//   release.id .title .doc_number .authority .signed_date .version
//   release.published   published date in Beijing time, "2019年2月13日"
//   release.topics      list of {name}
//   release.summary     first ~120 characters of the body text
//   node.code .name .level .level_label .site_title .hotline
//   node.departments    list of {name, address, phone}
//   node.services       list of {title, url}
//   node.has_hotline .has_departments .has_services   booleans for sections
//   topic               the topic whose template was chosen ("" for default)
// Output is passed through feeds::SanitizeHtml, so a template (or data) can
// never inject script into the site.
//
// Immutable after Load; Render is thread-safe.
#ifndef ZHANQUN_LOCALIZATION_INTERPRETATION_H_
#define ZHANQUN_LOCALIZATION_INTERPRETATION_H_

#include <map>
#include <string>

#include "zhanqun/base/env.h"
#include "zhanqun/base/status.h"
#include "zhanqun/feeds/model.h"
#include "zhanqun/localization/node_profile.h"

namespace zhanqun::localization {

class InterpretationTemplates {
 public:
  // Reads every *.mustache file in `dir` and checks that each parses.
  // Errors: kNotFound if `dir` or default.mustache is missing; kInvalidArgument
  // naming the file if a template does not parse; kIoError if unreadable.
  static base::Result<InterpretationTemplates> Load(const std::string& dir,
                                                    base::Env& env = base::Env::Default());

  // Builds from in-memory templates keyed by topic ("default" required).
  static base::Result<InterpretationTemplates> FromStrings(
      std::map<std::string, std::string> templates);

  // The key of the template Render would use: the first topic of `release`
  // that has a template, else "default".
  std::string Select(const feeds::Release& release) const;

  // Renders the local interpretation of `release` for `node` as sanitized
  // HTML. Errors: kInvalidArgument if rendering fails (message names the
  // template).
  base::Result<std::string> Render(const feeds::Release& release, const NodeProfile& node) const;

 private:
  explicit InterpretationTemplates(std::map<std::string, std::string> templates)
      : templates_(std::move(templates)) {}
  std::map<std::string, std::string> templates_;  // topic or "default" -> source
};

}  // namespace zhanqun::localization

#endif  // ZHANQUN_LOCALIZATION_INTERPRETATION_H_
