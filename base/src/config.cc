#include "zhanqun/base/config.h"

#include <nlohmann/json.hpp>
#include <sstream>

#include "zhanqun/base/env.h"

namespace zhanqun::base {

using json = nlohmann::json;

struct ConfigReader::Impl {
  json j;
  bool object = false;
  std::string prefix;
  std::string base_dir;
  std::vector<std::string> problems;

  const json* Find(const char* key) const {
    if (!object) return nullptr;
    auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
  }
};

ConfigReader::ConfigReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ConfigReader::ConfigReader(ConfigReader&&) noexcept = default;
ConfigReader& ConfigReader::operator=(ConfigReader&&) noexcept = default;
ConfigReader::~ConfigReader() = default;

ConfigReader ConfigReader::Parse(std::string_view json_text, std::string prefix,
                                 std::string base_dir) {
  auto impl = std::make_unique<Impl>();
  impl->j = json::parse(json_text, nullptr, false);
  impl->object = !impl->j.is_discarded() && impl->j.is_object();
  impl->base_dir = std::move(base_dir);
  if (!impl->object) {
    std::string what = prefix;
    while (!what.empty() && (what.back() == '.' || what.back() == ' ')) what.pop_back();
    if (!what.empty() && what.back() == ':') what.pop_back();
    impl->problems.push_back(what.empty() ? "not a JSON object" : what + ": expected an object");
  }
  impl->prefix = std::move(prefix);
  return ConfigReader(std::move(impl));
}

bool ConfigReader::is_object() const { return impl_->object; }
bool ConfigReader::Has(const char* key) const { return impl_->Find(key) != nullptr; }

void ConfigReader::CheckKnown(std::initializer_list<const char*> known) {
  CheckKnown(std::vector<std::string>(known.begin(), known.end()));
}

void ConfigReader::CheckKnown(const std::vector<std::string>& known) {
  if (!impl_->object) return;
  for (auto it = impl_->j.begin(); it != impl_->j.end(); ++it) {
    bool found = false;
    for (const std::string& k : known) found = found || it.key() == k;
    if (!found) Problem(it.key() + ": unknown setting");
  }
}

std::string ConfigReader::Str(const char* key, bool required) {
  const json* v = impl_->Find(key);
  if (v == nullptr) {
    if (required && impl_->object) Problem(std::string(key) + ": required");
    return "";
  }
  if (!v->is_string() || v->get<std::string>().empty()) {
    Problem(std::string(key) + ": expected a non-empty string");
    return "";
  }
  return v->get<std::string>();
}

std::string ConfigReader::Path(const char* key, bool required) {
  std::string p = Str(key, required);
  if (p.empty() || p[0] == '/' || impl_->base_dir.empty()) return p;
  return impl_->base_dir + "/" + p;
}

std::string ConfigReader::Url(const char* key, bool required) {
  std::string u = Str(key, required);
  if (!u.empty() && u.rfind("http://", 0) != 0 && u.rfind("https://", 0) != 0) {
    Problem(std::string(key) + ": expected an http:// or https:// URL, got '" + u + "'");
    return "";
  }
  while (!u.empty() && u.back() == '/') u.pop_back();
  return u;
}

long ConfigReader::Int(const char* key, long lo, long hi, long dflt) {
  const json* v = impl_->Find(key);
  if (v == nullptr) return dflt;
  if (!v->is_number_integer() || v->get<long>() < lo || v->get<long>() > hi) {
    Problem(std::string(key) + ": expected an integer in " + std::to_string(lo) + ".." +
            std::to_string(hi));
    return dflt;
  }
  return v->get<long>();
}

bool ConfigReader::Bool(const char* key, bool dflt) {
  const json* v = impl_->Find(key);
  if (v == nullptr) return dflt;
  if (!v->is_boolean()) {
    Problem(std::string(key) + ": expected true or false");
    return dflt;
  }
  return v->get<bool>();
}

std::vector<std::string> ConfigReader::Strings(const char* key) {
  std::vector<std::string> out;
  const json* v = impl_->Find(key);
  if (v == nullptr) return out;
  bool ok = v->is_array();
  for (const json& s : ok ? *v : json::array()) {
    if (!s.is_string() || s.get<std::string>().empty()) ok = false;
    if (s.is_string()) out.push_back(s.get<std::string>());
  }
  if (!ok) Problem(std::string(key) + ": expected an array of non-empty strings");
  return out;
}

bool ConfigReader::HostPort(const char* key, bool required, std::string* host, int* port) {
  const std::string s = Str(key, required);
  if (s.empty()) return false;
  const auto colon = s.rfind(':');
  const std::string digits = colon == std::string::npos ? "" : s.substr(colon + 1);
  bool ok = colon != std::string::npos && colon > 0 && !digits.empty() && digits.size() <= 5 &&
            digits.find_first_not_of("0123456789") == std::string::npos;
  if (ok && std::stoi(digits) > 65535) ok = false;
  if (!ok) {
    Problem(std::string(key) + ": expected host:port, got '" + s + "'");
    return false;
  }
  *host = s.substr(0, colon);
  *port = std::stoi(digits);
  return true;
}

std::string ConfigReader::Raw(const char* key) const {
  const json* v = impl_->Find(key);
  return v == nullptr ? "" : v->dump();
}

ConfigReader ConfigReader::Object(const char* key) {
  const json* v = impl_->Find(key);
  return Parse(v == nullptr ? "{}" : v->dump(), impl_->prefix + key + ".", impl_->base_dir);
}

void ConfigReader::Problem(const std::string& line) {
  impl_->problems.push_back(impl_->prefix + line);
}

void ConfigReader::AddProblems(const std::vector<std::string>& lines) {
  impl_->problems.insert(impl_->problems.end(), lines.begin(), lines.end());
}

void ConfigReader::Merge(const ConfigReader& child) { AddProblems(child.problems()); }

const std::vector<std::string>& ConfigReader::problems() const { return impl_->problems; }

Status ConfigReader::Check() const {
  if (impl_->problems.empty()) return Status::Ok();
  std::string msg;
  for (const std::string& p : impl_->problems) msg += (msg.empty() ? "" : "\n") + p;
  return Status::Invalid(msg);
}

Result<std::string> ReadConfigText(const std::string& path) {
  Result<std::string> text = Env::Default().ReadFile(path, kMaxConfigFileBytes);
  if (!text.ok()) return text.status().Context("config file");
  return text;
}

std::string ConfigDir(const std::string& path) { return DirName(path); }

Status PrefixLines(const Status& s, const std::string& path) {
  std::string msg;
  std::stringstream lines(s.message());
  for (std::string line; std::getline(lines, line);) {
    msg += (msg.empty() ? "" : "\n") + path + ": " + line;
  }
  return Status(s.code(), msg);
}

}  // namespace zhanqun::base
