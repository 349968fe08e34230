// Helpers for the tests of staff and the layers above it. Header-only.
#ifndef ZHANQUN_TESTS_STAFF_STAFF_TEST_SUPPORT_H_
#define ZHANQUN_TESTS_STAFF_STAFF_TEST_SUPPORT_H_

#include <cstdint>
#include <string>

#include "zhanqun/staff/roles.h"

namespace zhanqun::testing {

// A staff member as the desk sees them.
inline staff::Principal Person(std::int64_t id, const std::string& name, staff::RoleSet roles) {
  staff::Principal p;
  p.user_id = id;
  p.username = name;
  p.roles = roles;
  return p;
}

}  // namespace zhanqun::testing

#endif  // ZHANQUN_TESTS_STAFF_STAFF_TEST_SUPPORT_H_
