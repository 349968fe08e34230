#include "zhanqun/base/counters.h"

#include <nlohmann/json.hpp>

namespace zhanqun::base {

std::string CountersJson(const std::vector<const CounterSet*>& sets,
                         const std::vector<std::pair<std::string, std::uint64_t>>& values) {
  nlohmann::json j = nlohmann::json::object();
  for (const CounterSet* set : sets) {
    if (set == nullptr) continue;
    for (const Counter* c : set->counters()) j[c->name()] = c->load();
  }
  for (const auto& [name, value] : values) j[name] = value;
  return j.dump();
}

}  // namespace zhanqun::base
