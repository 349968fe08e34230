#include "theme.h"

#include "view_model.h"

namespace zhanqun::localization {

base::Result<std::string> Theme::Resolve(const std::string& file) const {
  if (!override_dir_.empty() && files_.Exists(override_dir_ + "/" + file)) {
    return override_dir_ + "/" + file;
  }
  if (files_.Exists(theme_dir_ + "/" + file)) return theme_dir_ + "/" + file;
  return base::Status::NotFound("theme file " + file + " is in neither " + theme_dir_ +
                                (override_dir_.empty() ? "" : " nor " + override_dir_));
}

base::Result<std::string> Theme::Load(const std::string& file) const {
  base::Result<std::string> path = Resolve(file);
  if (!path.ok()) return path.status();
  return files_.ReadCached(*path);
}

base::Result<std::string> Theme::RenderPage(const SiteSnapshot& site, const std::string& page,
                                            const std::string& page_title, const std::string& root,
                                            const std::string& nav, text::TemplateData data) const {
  base::Result<std::string> page_tmpl = Load(page + ".mustache");
  if (!page_tmpl.ok()) return page_tmpl.status();
  base::Result<std::string> layout_tmpl = Load("layout.mustache");
  if (!layout_tmpl.ok()) return layout_tmpl.status();
  data.set("node", NodeData(site.node));
  data.set("site_title", site.node.site_title.empty() ? site.node.name : site.node.site_title);
  data.set("root", root);
  base::Result<std::string> content = text::RenderTemplate(page + ".mustache", *page_tmpl, data);
  if (!content.ok()) return content.status();
  return text::RenderTemplate("layout.mustache", *layout_tmpl,
                              LayoutData(site, page_title, root, nav, *content));
}

}  // namespace zhanqun::localization
