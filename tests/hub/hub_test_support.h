// Helpers shared by the hub's unit tests. Header-only.
#ifndef ZHANQUN_TESTS_HUB_HUB_TEST_SUPPORT_H_
#define ZHANQUN_TESTS_HUB_HUB_TEST_SUPPORT_H_

#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "zhanqun/feeds/atom.h"
#include "zhanqun/feeds/log.h"
#include "zhanqun/feeds/signature.h"
#include "zhanqun/hub/hub_store.h"

namespace zhanqun::testing {

// Every entry of the hub's own log in `store`, decoded and verified in order
// against `key`. Fails the test on the first entry that does not verify.
inline std::vector<feeds::SignedEntry> VerifiedHubLog(hub::HubStore& store,
                                                      const feeds::PublicKey& key) {
  feeds::TrustStore trust;
  trust.Add(feeds::kHubCode, key);
  feeds::ChainHead head{feeds::kHubCode, 0, feeds::kZeroHash};
  feeds::Result<std::vector<std::string>> wires = store.ReadWire(feeds::kHubCode, 0, 100000);
  REQUIRE(wires.ok());
  std::vector<feeds::SignedEntry> out;
  for (const std::string& wire : *wires) {
    feeds::Result<feeds::ParsedEntry> parsed = feeds::DecodeEntry(wire);
    INFO(parsed.status().ToString());
    REQUIRE(parsed.ok());
    feeds::Result<feeds::SignedEntry> verified = feeds::VerifyEntry(*parsed, trust, head);
    INFO(verified.status().ToString());
    REQUIRE(verified.ok());
    head = {feeds::kHubCode, verified->entry.log.seq, verified->hash};
    out.push_back(std::move(verified).value());
  }
  return out;
}

}  // namespace zhanqun::testing

#endif  // ZHANQUN_TESTS_HUB_HUB_TEST_SUPPORT_H_
