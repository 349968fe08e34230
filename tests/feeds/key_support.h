// A fresh signing key for the tests of the protocol and the layers above it.
#ifndef ZHANQUN_TESTS_FEEDS_KEY_SUPPORT_H_
#define ZHANQUN_TESTS_FEEDS_KEY_SUPPORT_H_

#include <catch2/catch.hpp>
#include <utility>

#include "zhanqun/base/status.h"
#include "zhanqun/feeds/signature.h"

namespace zhanqun::testing {

// A newly generated signing key.
inline feeds::SecretKey NewKey() {
  base::Result<feeds::SecretKey> key = feeds::SecretKey::Generate();
  REQUIRE(key.ok());
  return std::move(key).value();
}

}  // namespace zhanqun::testing

#endif  // ZHANQUN_TESTS_FEEDS_KEY_SUPPORT_H_
