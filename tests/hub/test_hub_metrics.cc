#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "feeds/key_support.h"
#include "hub_test_support.h"
#include "test_support.h"
#include "zhanqun/base/clock.h"
#include "zhanqun/base/encoding.h"
#include "zhanqun/feeds/signature.h"
#include "zhanqun/hub/hub.h"
#include "zhanqun/hub/hub_metrics.h"

namespace zhanqun::hub {
namespace {

using testing::NewKey;
using testing::TempDir;
using json = nlohmann::json;

constexpr base::TimeMs kT0 = 1700000000000;

struct MetricsFixture {
  TempDir dir;
  base::FakeClock clock{kT0};
  std::unique_ptr<Hub> hub;

  MetricsFixture() {
    HubConfig config;
    config.data_dir = dir.File("hub");
    config.key_file = config.data_dir + "/hub.key";
    config.divisions_file = ZQ_FIXTURES_DIR "/../../config/admin_divisions_cn.csv";
    REQUIRE(Hub::Init(config, clock).ok());
    auto opened = Hub::Open(config, clock);
    REQUIRE(opened.ok());
    hub = std::move(opened).value();
  }
  void Ack(const feeds::SecretKey& key, const std::string& node, std::uint64_t seq) {
    json j = {{"node", node}, {"acks", json::array()}};
    for (const char* stage : {"received", "verified", "indexed"}) {
      j["acks"].push_back({{"origin", feeds::kHubCode}, {"stage", stage}, {"seq", seq}});
    }
    std::string body = j.dump();
    std::array<std::uint8_t, 64> sig = key.SignRaw(body);
    std::string header =
        "keyId=" + key.public_key().KeyIdHex() + ",sig=" +
        base::Base64Encode(std::string_view(reinterpret_cast<const char*>(sig.data()), sig.size()));
    REQUIRE(hub->AcceptAcks(body, header).ok());
  }
};

TEST_CASE("hub metrics show counters and each node's progress labelled by code and level",
          "[hub][metrics]") {
  MetricsFixture f;  // seq 1: the hub's own registry entry
  feeds::SecretKey province = NewKey(), city = NewKey();
  REQUIRE(f.hub->AddNode("330000", "", province.public_key()).ok());  // seq 2
  REQUIRE(f.hub->AddNode("330100", "", city.public_key()).ok());      // seq 3
  f.clock.Advance(2000);
  f.Ack(province, "330000", 3);
  f.clock.Advance(1500);

  base::Result<std::string> metrics = HubMetricsText(*f.hub);
  REQUIRE(metrics.ok());
  const std::string& text = *metrics;
  INFO(text);
  CHECK_THAT(text, Catch::Contains("# TYPE zhanqun_hub_acks_accepted_total counter\n"
                                   "zhanqun_hub_acks_accepted_total 1\n"));
  CHECK_THAT(text, Catch::Contains("zhanqun_hub_releases_published_total 0\n"));
  CHECK_THAT(text, Catch::Contains("zhanqun_hub_log_head_seq{origin=\"000000\"} 3\n"));
  CHECK_THAT(text, Catch::Contains("# TYPE zhanqun_hub_node_verified_seq gauge\n"));
  CHECK_THAT(text,
             Catch::Contains("zhanqun_hub_node_verified_seq{node=\"330000\",level=\"province\","
                             "origin=\"000000\"} 3\n"));
  CHECK_THAT(text, Catch::Contains("zhanqun_hub_node_indexed_seq{node=\"330100\",level=\"city\","
                                   "origin=\"000000\"} 0\n"));
  CHECK_THAT(text,
             Catch::Contains("zhanqun_hub_node_missing_entries{node=\"330100\",level=\"city\","
                             "origin=\"000000\"} 3\n"));
  // seq 1 was appended at kT0; the city has verified nothing 3.5 s later.
  CHECK_THAT(text, Catch::Contains("zhanqun_hub_node_oldest_missing_lag_seconds{node=\"330100\","
                                   "level=\"city\",origin=\"000000\"} 3.5\n"));
  CHECK_THAT(text, Catch::Contains("zhanqun_hub_node_last_contact_age_seconds{node=\"330000\","
                                   "level=\"province\"} 1.5\n"));
  // A node never heard from has no last-contact sample rather than a made-up age.
  CHECK_THAT(text, !Catch::Contains("last_contact_age_seconds{node=\"330100\""));
}

}  // namespace
}  // namespace zhanqun::hub
