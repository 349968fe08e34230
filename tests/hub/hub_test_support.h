// Helpers shared by the hub's unit tests. Header-only.
#ifndef ZHANQUN_TESTS_HUB_HUB_TEST_SUPPORT_H_
#define ZHANQUN_TESTS_HUB_HUB_TEST_SUPPORT_H_

#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "test_support.h"
#include "zhanqun/base/clock.h"
#include "zhanqun/base/encoding.h"
#include "zhanqun/feeds/atom.h"
#include "zhanqun/feeds/log.h"
#include "zhanqun/feeds/signature.h"
#include "zhanqun/hub/hub.h"
#include "zhanqun/hub/hub_store.h"
#include "zhanqun/hub/status_json.h"

namespace zhanqun::testing {

// Every entry of the hub's own log in `store`, decoded and verified in order
// against `key`. Fails the test on the first entry that does not verify.
inline std::vector<feeds::SignedEntry> VerifiedHubLog(hub::HubStore& store,
                                                      const feeds::PublicKey& key) {
  feeds::TrustStore trust;
  trust.Add(feeds::kHubCode, key);
  feeds::ChainHead head{feeds::kHubCode, 0, feeds::kZeroHash};
  base::Result<std::vector<std::string>> wires = store.ReadWire(feeds::kHubCode, 0, 100000);
  REQUIRE(wires.ok());
  std::vector<feeds::SignedEntry> out;
  for (const std::string& wire : *wires) {
    base::Result<feeds::ParsedEntry> parsed = feeds::DecodeEntry(wire);
    INFO(parsed.status().ToString());
    REQUIRE(parsed.ok());
    base::Result<feeds::SignedEntry> verified = feeds::VerifyEntry(*parsed, trust, head);
    INFO(verified.status().ToString());
    REQUIRE(verified.ok());
    head = {feeds::kHubCode, verified->entry.log.seq, verified->hash};
    out.push_back(std::move(verified).value());
  }
  return out;
}

inline constexpr base::TimeMs kT0 = 1700000000000;

inline hub::HubConfig MakeConfig(const TempDir& dir) {
  hub::HubConfig config;
  config.data_dir = dir.File("hub");
  config.key_file = config.data_dir + "/hub.key";
  config.divisions_file = ZQ_FIXTURES_DIR "/../../config/admin_divisions_cn.csv";
  config.page_size = 100;
  return config;
}

// A freshly initialized hub on a fake clock.
struct HubFixture {
  TempDir dir;
  base::FakeClock clock{kT0};
  hub::HubConfig config = MakeConfig(dir);
  std::unique_ptr<hub::Hub> hub;

  HubFixture() {
    base::Status init = hub::Hub::Init(config, clock);
    INFO(init.ToString());
    REQUIRE(init.ok());
    Reopen();
  }
  void Reopen() {
    hub.reset();
    base::Result<std::unique_ptr<hub::Hub>> opened = hub::Hub::Open(config, clock);
    INFO(opened.status().ToString());
    REQUIRE(opened.ok());
    hub = std::move(opened).value();
  }
  feeds::SignedEntry MustPublish(feeds::Release r) {
    base::Result<feeds::SignedEntry> se = hub->Publish(std::move(r));
    INFO(se.status().ToString());
    REQUIRE(se.ok());
    return std::move(se).value();
  }
  feeds::SignedEntry MustAddNode(const std::string& code, const feeds::PublicKey& key,
                                 const std::string& parent = "") {
    base::Result<feeds::SignedEntry> se = hub->AddNode(code, parent, key);
    INFO(se.status().ToString());
    REQUIRE(se.ok());
    return std::move(se).value();
  }
  // The /api/v1/status document, as the API serves it.
  nlohmann::json StatusDoc() {
    base::Result<hub::ClusterStatus> status = hub->ReadClusterStatus();
    INFO(status.status().ToString());
    REQUIRE(status.ok());
    nlohmann::json j = nlohmann::json::parse(hub::ClusterStatusJson(*status), nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    return j;
  }
};

inline feeds::Release MakeRelease(const std::string& id) {
  feeds::Release r;
  r.id = id;
  r.version = 0;  // "next"
  r.title = "国务院办公厅关于印发实施方案的通知";
  r.doc_number = "国办发〔2019〕5号";
  r.authority = "国务院办公厅";
  r.signed_date = "2019-02-15";
  r.published_ms = 1550217600000;
  r.topics = {"economy"};
  r.body_html = "<p>正文</p>";
  return r;
}

inline std::string SignatureHeader(const feeds::SecretKey& key, const std::string& body) {
  std::array<std::uint8_t, 64> sig = key.SignRaw(body);
  return "keyId=" + key.public_key().KeyIdHex() + ",sig=" +
         base::Base64Encode(
             std::string_view(reinterpret_cast<const char*>(sig.data()), sig.size()));
}

}  // namespace zhanqun::testing

#endif  // ZHANQUN_TESTS_HUB_HUB_TEST_SUPPORT_H_
