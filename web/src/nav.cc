// The navigation: every link of the desk and the console, with the roles
// that see it. A user sees a link when they hold any of its roles.
#include <string_view>

#include "web_internal.h"

namespace zhanqun::web {
namespace {

struct NavItem {
  const char* group;  // "desk" or "console"
  const char* label;
  const char* href;
  std::uint8_t roles;  // RoleSet bits; 0: every logged-in user
};

constexpr std::uint8_t kE = static_cast<std::uint8_t>(staff::Role::kEditor);
constexpr std::uint8_t kR = static_cast<std::uint8_t>(staff::Role::kReviewer);
constexpr std::uint8_t kP = static_cast<std::uint8_t>(staff::Role::kApprover);
constexpr std::uint8_t kA = static_cast<std::uint8_t>(staff::Role::kAdmin);

constexpr NavItem kNavItems[] = {
    {"desk", "待办", "/desk/queue", kE | kR | kP},
    {"desk", "新建", "/desk/compose", kE},
    {"desk", "稿件", "/desk/drafts", kE | kR | kP},
    {"desk", "审计", "/desk/audit", kA},
    {"desk", "专题", "/desk/topics", kA},
    {"desk", "用户", "/desk/users", kA},
    {"desk", "令牌", "/desk/tokens", 0},
    {"desk", "来源", "/desk/sources", kA},
    {"console", "集群", "/console", kA},
    {"console", "发布", "/console/releases", kA},
};

bool IsCurrent(std::string_view href, std::string_view path) {
  if (path == href) return true;
  // "/console/nodes/x" is under 集群 ("/console"), "/console/releases/x"
  // under 发布: the longest matching prefix wins, checked by the caller.
  return path.size() > href.size() && path.substr(0, href.size()) == href &&
         path[href.size()] == '/';
}

text::TemplateData Group(const staff::Principal& who, const char* id, const char* label,
                         const std::string& path) {
  const NavItem* current = nullptr;
  for (const NavItem& n : kNavItems) {
    if (IsCurrent(n.href, path) &&
        (current == nullptr ||
         std::string_view(n.href).size() > std::string_view(current->href).size())) {
      current = &n;
    }
  }
  text::TemplateData items = text::TemplateData::List();
  for (const NavItem& n : kNavItems) {
    if (std::string_view(n.group) != id) continue;
    if (n.roles != 0 && who.roles.Intersect(staff::RoleSet(n.roles)).empty()) continue;
    text::TemplateData item;
    item.set("label", n.label);
    item.set("href", n.href);
    item.set("current", &n == current);
    items.push_back(item);
  }
  text::TemplateData g;
  g.set("id", id);
  g.set("label", label);
  g.set("items", items);
  g.set("any", !items.is_empty_list());
  return g;
}

}  // namespace

text::TemplateData NavData(const staff::Principal& who, const std::string& current_path) {
  text::TemplateData groups = text::TemplateData::List();
  for (auto [id, label] : {std::pair{"desk", "工作台"}, std::pair{"console", "控制台"}}) {
    text::TemplateData g = Group(who, id, label, current_path);
    if (g.Get("items").is_non_empty_list()) groups.push_back(g);
  }
  return groups;
}

}  // namespace zhanqun::web
