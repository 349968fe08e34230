#include "zhanqun/localization/interpretation.h"

#include <filesystem>
#include <system_error>

#include "view_model.h"
#include "zhanqun/base/env.h"
#include "zhanqun/text/sanitize.h"
#include "zhanqun/text/template.h"

namespace zhanqun::localization {
namespace {

constexpr const char* kDefault = "default";
constexpr const char* kExtension = ".mustache";

}  // namespace

base::Result<InterpretationTemplates> InterpretationTemplates::Load(const std::string& dir,
                                                                    base::Env& env) {
  namespace fs = std::filesystem;
  base::Result<std::vector<std::string>> names = env.ListFiles(dir);
  if (!names.ok()) {
    return base::Status::NotFound("interpretation template directory " + dir + " does not exist");
  }
  std::map<std::string, std::string> templates;
  for (const std::string& name : *names) {
    const fs::path p(name);
    if (p.extension() != kExtension || name.front() == '.') continue;
    base::Result<std::string> text = env.ReadFile(dir + "/" + name, base::kMaxConfigFileBytes);
    if (!text.ok()) return text.status();
    templates[p.stem().string()] = std::move(text).value();
  }
  if (templates.count(kDefault) == 0) {
    return base::Status::NotFound("interpretation templates in " + dir +
                                  ": default.mustache is missing");
  }
  return FromStrings(std::move(templates));
}

base::Result<InterpretationTemplates> InterpretationTemplates::FromStrings(
    std::map<std::string, std::string> templates) {
  if (templates.count(kDefault) == 0) {
    return base::Status::NotFound("interpretation templates: no \"default\" template");
  }
  for (const auto& [topic, text] : templates) {
    ZQ_RETURN_IF_ERROR(text::CheckTemplate(topic + kExtension, text));
  }
  return InterpretationTemplates(std::move(templates));
}

std::string InterpretationTemplates::Select(const feeds::Release& release) const {
  for (const std::string& topic : release.topics) {
    if (topic != kDefault && templates_.count(topic) != 0) return topic;
  }
  return kDefault;
}

base::Result<std::string> InterpretationTemplates::Render(const feeds::Release& release,
                                                          const NodeProfile& node) const {
  const std::string key = Select(release);
  text::TemplateData data;
  data.set("release", ReleaseFields(release));
  data.set("node", NodeData(node));
  data.set("topic", key == kDefault ? std::string() : key);
  base::Result<std::string> html = text::RenderTemplate(key + kExtension, templates_.at(key), data);
  if (!html.ok()) return html.status();
  // Templates are operator-editable files; never trust their output.
  return text::SanitizeHtml(*html);
}

}  // namespace zhanqun::localization
