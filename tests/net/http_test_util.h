// Helpers for tests that run an HttpServer on loopback and talk to it.
#ifndef ZHANQUN_TESTS_FEEDS_HTTP_TEST_UTIL_H_
#define ZHANQUN_TESTS_FEEDS_HTTP_TEST_UTIL_H_

#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "zhanqun/net/http.h"

namespace zhanqun::net {

inline constexpr long kTimeoutMs = 10000;

inline std::string BaseUrl(const HttpServer& server) {
  return "http://127.0.0.1:" + std::to_string(server.port());
}

inline void StartServer(HttpServer& server, HttpServerOptions options = {}) {
  options.port = 0;
  base::Status s = server.Start(options);
  INFO(s.ToString());
  REQUIRE(s.ok());
  REQUIRE(server.port() > 0);
}

inline HttpResult MustGet(HttpClient& client, const std::string& url,
                          const std::vector<std::string>& headers = {}) {
  base::Result<HttpResult> r = client.Get(url, kTimeoutMs, headers);
  INFO(url << ": " << r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

inline HttpResult MustPost(HttpClient& client, const std::string& url, const std::string& body,
                           const std::vector<std::string>& headers = {}) {
  base::Result<HttpResult> r = client.Post(url, body, "text/plain", kTimeoutMs, headers);
  INFO(url << ": " << r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

}  // namespace zhanqun::net

#endif  // ZHANQUN_TESTS_FEEDS_HTTP_TEST_UTIL_H_
