// Mustache templates (kainjow/mustache behind this adapter): the data a
// template is rendered with, and rendering. The one place the project
// includes kainjow's header is text/src/template.cc.
//
// {{x}} is HTML-escaped, {{{x}}} is not (use it only for markup built or
// sanitized by our code). Rendering errors (a section never closed, a
// missing partial) come back naming the template.
//
// TemplateData is a value (copies are deep); not thread-safe to mutate
// concurrently. RenderTemplate is thread-safe.
#ifndef ZHANQUN_TEXT_TEMPLATE_H_
#define ZHANQUN_TEXT_TEMPLATE_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "zhanqun/base/status.h"

namespace zhanqun::text {

class TemplateData {
 public:
  // An empty object (a map of names to values).
  TemplateData();
  TemplateData(const char* s);  // NOLINT: a string value, as in {{name}}
  TemplateData(std::string s);  // NOLINT
  TemplateData(bool b);         // NOLINT: a section switch, as in {{#flag}}
  // An object with one member.
  TemplateData(const std::string& name, TemplateData value);
  // An empty list; fill it with push_back.
  static TemplateData List();
  // A partial ({{> name}}): the template text `render` returns.
  static TemplateData Partial(std::function<std::string()> render);

  TemplateData(const TemplateData& other);
  TemplateData(TemplateData&& other) noexcept;
  TemplateData& operator=(const TemplateData& other);
  TemplateData& operator=(TemplateData&& other) noexcept;
  ~TemplateData();

  // REQUIRES: an object. Sets (replaces) member `name`.
  TemplateData& set(const std::string& name, TemplateData value);
  // REQUIRES: a list.
  void push_back(TemplateData item);
  bool is_object() const;
  bool is_list() const;
  bool is_empty_list() const;
  bool is_non_empty_list() const;
  // Reading back (tests, and code that inspects data it built): a copy of
  // member `name` (an empty object when absent), of the list's items, and a
  // string's value ("" for anything else).
  TemplateData Get(const std::string& name) const;
  std::vector<TemplateData> Items() const;
  std::string StringValue() const;

  struct Impl;

 private:
  friend base::Result<std::string> RenderTemplate(std::string_view name, std::string_view tmpl,
                                                  const TemplateData& data);
  explicit TemplateData(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Renders `tmpl` with `data`; `name` names the template in errors.
base::Result<std::string> RenderTemplate(std::string_view name, std::string_view tmpl,
                                         const TemplateData& data);
// Checks that `tmpl` parses; the error names `name`.
base::Status CheckTemplate(std::string_view name, std::string_view tmpl);

}  // namespace zhanqun::text

#endif  // ZHANQUN_TEXT_TEMPLATE_H_
