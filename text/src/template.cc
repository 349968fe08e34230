#include "zhanqun/text/template.h"

// kainjow's header trips -Wshadow and -Wconversion, which we build with as
// errors; they are silenced for it alone.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wpedantic"
#include <kainjow/mustache.hpp>
#pragma GCC diagnostic pop

namespace zhanqun::text {

namespace mustache = kainjow::mustache;

struct TemplateData::Impl {
  mustache::data data;
};

TemplateData::TemplateData(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TemplateData::TemplateData() : impl_(std::make_unique<Impl>()) {}
TemplateData::TemplateData(const char* s) : impl_(new Impl{mustache::data(std::string(s))}) {}
TemplateData::TemplateData(std::string s) : impl_(new Impl{mustache::data(std::move(s))}) {}
TemplateData::TemplateData(bool b) : impl_(new Impl{mustache::data(b)}) {}
TemplateData::TemplateData(const std::string& name, TemplateData value)
    : impl_(new Impl{mustache::data(name, value.impl_->data)}) {}

TemplateData TemplateData::List() {
  return TemplateData(std::make_unique<Impl>(Impl{mustache::data(mustache::data::type::list)}));
}

TemplateData TemplateData::Partial(std::function<std::string()> render) {
  return TemplateData(std::make_unique<Impl>(Impl{mustache::partial(std::move(render))}));
}

TemplateData::TemplateData(const TemplateData& other)
    : impl_(std::make_unique<Impl>(*other.impl_)) {}
TemplateData::TemplateData(TemplateData&& other) noexcept = default;
TemplateData& TemplateData::operator=(const TemplateData& other) {
  if (this != &other) impl_ = std::make_unique<Impl>(*other.impl_);
  return *this;
}
TemplateData& TemplateData::operator=(TemplateData&& other) noexcept = default;
TemplateData::~TemplateData() = default;

TemplateData& TemplateData::set(const std::string& name, TemplateData value) {
  impl_->data.set(name, std::move(value.impl_->data));
  return *this;
}

void TemplateData::push_back(TemplateData item) {
  impl_->data.push_back(std::move(item.impl_->data));
}

bool TemplateData::is_object() const { return impl_->data.is_object(); }
bool TemplateData::is_list() const { return impl_->data.is_list(); }
bool TemplateData::is_empty_list() const { return impl_->data.is_empty_list(); }
bool TemplateData::is_non_empty_list() const { return impl_->data.is_non_empty_list(); }

TemplateData TemplateData::Get(const std::string& name) const {
  const mustache::data* d = impl_->data.is_object() ? impl_->data.get(name) : nullptr;
  return d == nullptr ? TemplateData() : TemplateData(std::make_unique<Impl>(Impl{*d}));
}

std::vector<TemplateData> TemplateData::Items() const {
  std::vector<TemplateData> out;
  if (!impl_->data.is_list()) return out;
  for (const mustache::data& d : impl_->data.list_value()) {
    out.push_back(TemplateData(std::make_unique<Impl>(Impl{d})));
  }
  return out;
}

std::string TemplateData::StringValue() const {
  return impl_->data.is_string() ? impl_->data.string_value() : "";
}

base::Result<std::string> RenderTemplate(std::string_view name, std::string_view tmpl,
                                         const TemplateData& data) {
  mustache::mustache m{std::string(tmpl)};
  auto fail = [&] {
    return base::Status::Invalid("template " + std::string(name) + ": " + m.error_message());
  };
  if (!m.is_valid()) return fail();
  std::string out = m.render(data.impl_->data);
  // kainjow reports errors found while rendering (e.g. a bad partial) here.
  if (!m.is_valid()) return fail();
  return out;
}

base::Status CheckTemplate(std::string_view name, std::string_view tmpl) {
  mustache::mustache m{std::string(tmpl)};
  if (!m.is_valid()) {
    return base::Status::Invalid("template " + std::string(name) + ": " + m.error_message());
  }
  return base::Status::Ok();
}

}  // namespace zhanqun::text
