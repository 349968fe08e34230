// The GB/T 2260 administrative division table (code, name, parent, level).
#ifndef ZHANQUN_HUB_DIVISIONS_H_
#define ZHANQUN_HUB_DIVISIONS_H_

#include <map>
#include <string>
#include <vector>

#include "zhanqun/base/env.h"
#include "zhanqun/base/status.h"
#include "zhanqun/feeds/model.h"

namespace zhanqun::hub {

struct Division {
  std::string code;
  std::string name;
  std::string parent;  // empty for provinces
  feeds::NodeLevel level = feeds::NodeLevel::kProvince;
};

class Divisions {
 public:
  // CSV with header "code,name,parent_code,level,gbt2260".
  static base::Result<Divisions> Load(const std::string& path,
                                      base::Env& env = base::Env::Default());
  const Division* Find(const std::string& code) const;
  // True when `ancestor` is the hub or lies on `code`'s parent chain.
  bool IsAncestor(const std::string& ancestor, const std::string& code) const;
  std::size_t size() const { return by_code_.size(); }

 private:
  std::map<std::string, Division> by_code_;
};

}  // namespace zhanqun::hub

#endif  // ZHANQUN_HUB_DIVISIONS_H_
