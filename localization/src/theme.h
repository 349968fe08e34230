// A page theme: Mustache templates and theme.css, each read from the
// operator's override directory when present there, else from the theme.
#ifndef ZHANQUN_LOCALIZATION_THEME_H_
#define ZHANQUN_LOCALIZATION_THEME_H_

#include <string>

#include "site_files.h"
#include "zhanqun/base/status.h"
#include "zhanqun/localization/site.h"
#include "zhanqun/text/template.h"

namespace zhanqun::localization {

class Theme {
 public:
  // `files` must outlive the theme.
  Theme(std::string theme_dir, std::string override_dir, SiteFiles& files)
      : theme_dir_(std::move(theme_dir)), override_dir_(std::move(override_dir)), files_(files) {}

  // The path `file` resolves to; kNotFound naming both places if neither has it.
  base::Result<std::string> Resolve(const std::string& file) const;
  base::Result<std::string> Load(const std::string& file) const;

  // Renders <page>.mustache with `data` (plus node, site_title and root), then
  // wraps it in layout.mustache. `root` is the relative path from the page to
  // the site root ("" or "../"); `nav` names the current navigation entry.
  base::Result<std::string> RenderPage(const SiteSnapshot& site, const std::string& page,
                                       const std::string& page_title, const std::string& root,
                                       const std::string& nav, text::TemplateData data) const;

 private:
  std::string theme_dir_;
  std::string override_dir_;
  SiteFiles& files_;
};

}  // namespace zhanqun::localization

#endif  // ZHANQUN_LOCALIZATION_THEME_H_
