#include "zhanqun/hub/divisions.h"

#include <sstream>

namespace zhanqun::hub {

using base::Result;
using base::Status;

namespace {

std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

}  // namespace

Result<Divisions> Divisions::Load(const std::string& path, base::Env& env) {
  // The whole country is about 3,500 rows, 150 KB.
  Result<std::string> text = env.ReadFile(path, 16 * 1024 * 1024);
  if (!text.ok()) return text.status().Context("division table");
  std::istringstream in(*text);
  Divisions d;
  std::string line;
  std::getline(in, line);
  if (line.rfind("code,name,parent_code,level", 0) != 0) {
    return Status::Invalid(path + ": expected header 'code,name,parent_code,level,...'");
  }
  for (int n = 2; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    std::vector<std::string> f = SplitCsv(line);
    if (f.size() < 4 || !feeds::IsDivisionCode(f[0]) ||
        (f[3] != "1" && f[3] != "2" && f[3] != "3")) {
      return Status::Invalid(path + ":" + std::to_string(n) + ": malformed division row");
    }
    Division div{f[0], f[1], f[2], static_cast<feeds::NodeLevel>(f[3][0] - '0')};
    d.by_code_[div.code] = div;
  }
  return d;
}

const Division* Divisions::Find(const std::string& code) const {
  auto it = by_code_.find(code);
  return it == by_code_.end() ? nullptr : &it->second;
}

bool Divisions::IsAncestor(const std::string& ancestor, const std::string& code) const {
  if (ancestor == feeds::kHubCode) return Find(code) != nullptr;
  const Division* d = Find(code);
  for (int guard = 0; d != nullptr && !d->parent.empty() && guard < 8; ++guard) {
    if (d->parent == ancestor) return true;
    d = Find(d->parent);
  }
  return false;
}

}  // namespace zhanqun::hub
