// A network for the agent tests, with no sockets: clients made by
// FakeHttp::Factory() answer from handlers the test routes by URL prefix,
// and every request is recorded. A request no handler takes fails as a
// refused connection would. A handler may hold a request like a long-poll
// with nothing new (HoldUntilAborted): it returns once the client's abort
// flag is raised and HttpClient::WakeAll called, as on an agent's Stop().
//
// Thread-safe: clients on several threads may share one FakeHttp, which
// must outlive them.
#ifndef ZHANQUN_TESTS_AGENT_FAKE_HTTP_H_
#define ZHANQUN_TESTS_AGENT_FAKE_HTTP_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "zhanqun/base/status.h"
#include "zhanqun/feeds/atom.h"
#include "zhanqun/feeds/log.h"
#include "zhanqun/net/http.h"

namespace zhanqun::agent::test_util {

class FakeHttp {
 public:
  struct Request {
    std::string method;  // "GET" or "POST"
    std::string url;
    std::string body;
    std::vector<std::string> headers;  // "Name: value"
    long timeout_ms = 0;
    std::function<bool()> aborted;  // the client's abort flag
    // The value of query parameter `name` ("" when absent).
    std::string Query(const std::string& name) const {
      const std::string key = name + "=";
      for (std::size_t at = url.find('?'); at != std::string::npos; at = url.find('&', at + 1)) {
        if (url.compare(at + 1, key.size(), key) == 0) {
          std::size_t end = url.find('&', at + 1);
          return url.substr(at + 1 + key.size(), end == std::string::npos
                                                     ? std::string::npos
                                                     : end - at - 1 - key.size());
        }
      }
      return "";
    }
    // The value of header `name` (as sent, e.g. "X-Zhanqun-Signature"), "" when absent.
    std::string Header(const std::string& name) const {
      for (const std::string& h : headers) {
        if (h.compare(0, name.size() + 2, name + ": ") == 0) return h.substr(name.size() + 2);
      }
      return "";
    }
  };
  using Handler = std::function<base::Result<net::HttpResult>(const Request&)>;

  // Requests whose URL starts with `prefix` go to `handler`; the longest
  // matching prefix wins, and routing a prefix again replaces its handler.
  void Route(const std::string& prefix, Handler handler) {
    std::lock_guard<std::mutex> lock(mu_);
    routes_[prefix] = std::move(handler);
  }
  // Every request so far, in order.
  std::vector<Request> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  // Requests whose URL starts with `prefix`.
  std::vector<Request> RequestsTo(const std::string& prefix) {
    std::vector<Request> out;
    for (Request& r : requests()) {
      if (r.url.compare(0, prefix.size(), prefix) == 0) out.push_back(std::move(r));
    }
    return out;
  }
  // Blocks a handler until `req`'s client is aborted; then fails as an aborted transfer.
  base::Result<net::HttpResult> HoldUntilAborted(const Request& req) {
    std::unique_lock<std::mutex> lock(held_mu_);
    held_cv_.wait(lock, [&] { return req.aborted(); });
    return base::Status::Unavailable("GET " + req.url + ": aborted");
  }
  net::HttpClientFactory Factory() {
    return [this] { return std::unique_ptr<net::HttpClient>(new Client(*this)); };
  }

  // A 200 answer carrying `entries` as a feed page of `origin` (EncodeFeed),
  // with X-Zhanqun-Head: `head`.
  static net::HttpResult FeedAnswer(const std::string& origin,
                                    const std::vector<feeds::SignedEntry>& entries,
                                    std::uint64_t head) {
    feeds::FeedMeta meta;
    meta.origin = origin;
    meta.self_url = "http://fake/api/v1/feeds/" + origin;
    meta.title = "fake upstream";
    meta.head_seq = head;
    meta.updated_ms = 1;
    std::vector<std::string> wires;
    for (const feeds::SignedEntry& e : entries) wires.push_back(e.wire);
    net::HttpResult r;
    r.status = 200;
    r.headers["content-type"] = "application/atom+xml";
    r.headers["x-zhanqun-head"] = std::to_string(head);
    r.body = feeds::EncodeFeed(meta, wires);
    return r;
  }
  static net::HttpResult Answer(long status, std::string body = "") {
    net::HttpResult r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }

 private:
  class Client final : public net::HttpClient {
   public:
    explicit Client(FakeHttp& http) : http_(http) {}
    ~Client() override { set_abort_flag(nullptr); }

   protected:
    base::Result<net::HttpResult> Perform(const std::string& url, const std::string* body,
                                          const std::string& /*content_type*/, long timeout_ms,
                                          const std::vector<std::string>& headers) override {
      Request req{body ? "POST" : "GET",       url, body ? *body : "", headers, timeout_ms,
                  [this] { return aborted(); }};
      return http_.Handle(req);
    }
    void Wake() override {
      std::lock_guard<std::mutex> lock(http_.held_mu_);
      http_.held_cv_.notify_all();
    }

   private:
    FakeHttp& http_;
  };

  base::Result<net::HttpResult> Handle(const Request& req) {
    Handler handler;
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(req);
      std::size_t best = 0;
      for (const auto& [prefix, h] : routes_) {
        if (req.url.compare(0, prefix.size(), prefix) == 0 && prefix.size() >= best) {
          best = prefix.size();
          handler = h;
        }
      }
    }
    if (!handler) return base::Status::Unavailable(req.url + ": connection refused");
    return handler(req);
  }

  std::mutex mu_;
  std::map<std::string, Handler> routes_;
  std::vector<Request> requests_;
  std::mutex held_mu_;
  std::condition_variable held_cv_;
};

}  // namespace zhanqun::agent::test_util

#endif  // ZHANQUN_TESTS_AGENT_FAKE_HTTP_H_
