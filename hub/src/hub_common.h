// Small helpers shared by the hub's HTTP routes and pages. Private.
#ifndef ZHANQUN_HUB_SRC_HUB_COMMON_H_
#define ZHANQUN_HUB_SRC_HUB_COMMON_H_

#include <ctime>
#include <string>

#include "zhanqun/feeds/model.h"
#include "zhanqun/net/http.h"

namespace zhanqun::hub {

// 401 for a missing or unknown bearer token, with WWW-Authenticate.
inline net::HttpResponse BearerUnauthorized() {
  net::HttpResponse r = net::HttpResponse::Error(base::Status::Unauthenticated(
      "missing or unknown bearer token (Authorization: Bearer <token>)"));
  r.headers.push_back({"WWW-Authenticate", "Bearer realm=\"zhanqun\""});
  return r;
}

inline constexpr base::TimeMs kBeijingOffsetMs = 8LL * 3600 * 1000;

// `t` in Beijing time (UTC+8) with a strftime format, e.g. "%Y-%m-%d".
inline std::string FormatBeijingTime(base::TimeMs t, const char* format) {
  std::time_t secs = static_cast<std::time_t>((t + kBeijingOffsetMs) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, format, &tm);
  return std::string(buf, n);
}

}  // namespace zhanqun::hub

#endif  // ZHANQUN_HUB_SRC_HUB_COMMON_H_
