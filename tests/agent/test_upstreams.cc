#include <catch2/catch.hpp>

#include "zhanqun/agent/upstreams.h"

namespace zhanqun::agent {
namespace {

TEST_CASE("upstreams: move on after repeated failures, on staleness, and back", "[upstreams]") {
  Upstreams u({"http://city", "http://province", "http://hub"}, 3);
  CHECK(u.Current().url == "http://city");
  CHECK_FALSE(u.Failed(0));
  CHECK_FALSE(u.Failed(0));
  u.Succeeded(0);  // a success resets the count
  CHECK_FALSE(u.Failed(0));
  CHECK_FALSE(u.Failed(0));
  CHECK(u.Failed(0));
  CHECK(u.Current().index == 1);
  CHECK_FALSE(u.Failed(0));  // a late failure of the old one changes nothing
  CHECK(u.Stale(1));
  CHECK(u.Current().url == "http://hub");
  CHECK(u.Stale(2));  // past the last one: back to the parent
  CHECK(u.Current().index == 0);
  CHECK(u.SwitchTo(2));
  CHECK_FALSE(u.SwitchTo(2));
  CHECK_FALSE(u.SwitchTo(7));
  CHECK(u.switches() == 4);

  Upstreams only({"http://city"}, 1);
  CHECK_FALSE(only.Failed(0));
  CHECK_FALSE(only.Stale(0));
  CHECK(only.Current().url == "http://city");
}

TEST_CASE("upstreams: bad pages of one log are a streak no other success ends", "[upstreams]") {
  Upstreams u({"http://city", "http://province"}, 3);
  CHECK_FALSE(u.Misserved(0, "000000"));
  u.Succeeded(0);            // the city accepted our reports
  u.Served(0, "330000");     // and served another log well
  CHECK_FALSE(u.Failed(0));  // a failed request is a streak of its own
  CHECK_FALSE(u.Misserved(0, "000000"));
  CHECK(u.Misserved(0, "000000"));  // the third bad page of the hub's log in a row
  CHECK(u.Current().index == 1);
  // Every switch starts every streak over.
  CHECK_FALSE(u.Misserved(1, "000000"));
  CHECK_FALSE(u.Misserved(1, "000000"));
  u.Served(1, "000000");  // a good page of that log ends its streak
  CHECK_FALSE(u.Misserved(1, "000000"));
  CHECK_FALSE(u.Misserved(1, "000000"));
  CHECK_FALSE(u.Misserved(0, "000000"));  // late news of the old one changes nothing
  CHECK(u.Current().index == 1);
  CHECK(u.switches() == 1);
}

}  // namespace
}  // namespace zhanqun::agent
