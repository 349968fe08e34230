// POCO adapter: the only file that sees Poco::Net server types.
#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerConnectionFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServerDispatcher.h>
#include <Poco/String.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <istream>
#include <sstream>
#include <thread>

#include "zhanqun/base/thread_name.h"
#include "zhanqun/net/http.h"

namespace zhanqun::net {
namespace {

struct RouteEntry {
  std::string method;
  std::vector<std::string> segments;
  HttpHandler handler;
};

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : path) {
    if (c == '/') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

bool Match(const RouteEntry& r, const std::vector<std::string>& segs,
           std::map<std::string, std::string>* params) {
  // A last segment "{name...}" takes the rest of the path, slashes included
  // (release ids such as "govcn:000014349/2019-00007").
  const bool rest = !r.segments.empty() && r.segments.back().size() > 5 &&
                    r.segments.back().compare(r.segments.back().size() - 4, 4, "...}") == 0;
  if (rest ? segs.size() < r.segments.size() : r.segments.size() != segs.size()) return false;
  for (std::size_t i = 0; i < r.segments.size(); ++i) {
    const std::string& p = r.segments[i];
    if (rest && i + 1 == r.segments.size()) {
      std::string joined = segs[i];
      for (std::size_t j = i + 1; j < segs.size(); ++j) joined += "/" + segs[j];
      (*params)[p.substr(1, p.size() - 5)] = joined;
    } else if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      (*params)[p.substr(1, p.size() - 2)] = segs[i];
    } else if (p != segs[i]) {
      return false;
    }
  }
  return true;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

// POCO's TCPServer wakes its accept thread every 250 ms (a poll with a fixed
// timeout, and in POCO 1.11 each poll creates and closes an epoll instance):
// a few microseconds each, but a whole-country cluster runs thousands of
// servers on one machine. So we accept ourselves, blocking in accept(2), and
// hand connections to POCO's own dispatcher and HTTP connection code; Stop
// wakes the accept with shutdown(2), which Linux answers with EINVAL.
struct HttpServer::Impl {
  std::vector<RouteEntry> routes;
  HttpServerOptions options;
  std::unique_ptr<Poco::ThreadPool> pool;
  Poco::Net::ServerSocket socket;
  Poco::Net::HTTPRequestHandlerFactory::Ptr handlers;
  Poco::AutoPtr<Poco::Net::TCPServerDispatcher> dispatcher;
  std::thread acceptor;
  std::atomic<bool> stopping{false};
  int port = 0;
  std::atomic<std::uint64_t> served{0};
  std::atomic<std::uint64_t> errors{0};

  void AcceptLoop() {
    base::SetThreadName("http accept");
    while (!stopping.load()) {
      try {
        Poco::Net::StreamSocket conn = socket.acceptConnection();
        if (stopping.load()) break;
        conn.setNoDelay(true);
        dispatcher->enqueue(conn);  // refused (and closed) when the queue is full
      } catch (const Poco::Exception&) {
        if (stopping.load()) break;
        // Out of descriptors or memory, or an aborted handshake: back off a
        // moment so a shortage does not spin, then accept again.
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  }

  HttpResponse Dispatch(HttpRequest& req) {
    std::vector<std::string> segs = SplitPath(req.path);
    bool path_matched = false;
    for (const RouteEntry& r : routes) {
      std::map<std::string, std::string> params;
      if (!Match(r, segs, &params)) continue;
      path_matched = true;
      if (r.method != req.method && !(r.method == "GET" && req.method == "HEAD")) continue;
      req.params = std::move(params);
      return r.handler(req);
    }
    if (path_matched) return HttpResponse::Json(405, "{\"error\":\"method not allowed\"}\n");
    return HttpResponse::Json(404, "{\"error\":\"no such resource: " + req.path + "\"}\n");
  }
};

namespace {

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(HttpServer::Impl* impl) : impl_(impl) {}

  void handleRequest(Poco::Net::HTTPServerRequest& in,
                     Poco::Net::HTTPServerResponse& out) override {
    thread_local bool named = false;  // POCO's pool threads, once each
    if (!named) {
      base::SetThreadName("http");
      named = true;
    }
    HttpResponse resp;
    bool body_read = false;
    try {
      HttpRequest req;
      body_read = ReadRequest(in, &req, &resp);
      if (body_read) resp = impl_->Dispatch(req);
      if (in.getMethod() == "HEAD") resp.body.clear();
    } catch (const std::exception& e) {
      impl_->errors++;
      resp = HttpResponse::Error(base::Status::Internal(std::string("unhandled: ") + e.what()));
    } catch (...) {
      impl_->errors++;
      resp = HttpResponse::Error(base::Status::Internal("unhandled: non-standard exception"));
    }
    impl_->served++;
    // Unread body bytes would be parsed as the next request on a kept-alive
    // connection, so a refused upload closes it.
    if (!body_read) out.setKeepAlive(false);
    Write(resp, out);
  }

 private:
  bool ReadRequest(Poco::Net::HTTPServerRequest& in, HttpRequest* req, HttpResponse* resp) {
    req->method = in.getMethod();
    Poco::URI uri(in.getURI());
    req->path = uri.getPath();
    for (const auto& [k, v] : uri.getQueryParameters()) req->query[k] = v;
    for (const auto& [k, v] : in) req->headers[Lower(k)] = v;
    req->remote = in.clientAddress().toString();
    std::size_t limit = impl_->options.max_body_bytes;
    if (in.hasContentLength() && in.getContentLength64() > static_cast<std::int64_t>(limit)) {
      *resp = HttpResponse::Error(
          base::Status::Exhausted("request body of " + std::to_string(in.getContentLength64()) +
                                  " bytes exceeds the limit of " + std::to_string(limit)));
      return false;
    }
    std::istream& is = in.stream();
    char buf[16384];
    while (is.read(buf, sizeof buf) || is.gcount() > 0) {
      req->body.append(buf, static_cast<std::size_t>(is.gcount()));
      if (req->body.size() > limit) {
        *resp = HttpResponse::Error(base::Status::Exhausted("request body exceeds the limit of " +
                                                            std::to_string(limit) + " bytes"));
        return false;
      }
    }
    return true;
  }

  static void Write(const HttpResponse& resp, Poco::Net::HTTPServerResponse& out) {
    out.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(resp.status));
    out.setContentType(resp.content_type);
    for (const auto& [k, v] : resp.headers) {
      // Set-Cookie is the one header a response may repeat (RFC 6265 §3).
      if (Poco::icompare(k, "Set-Cookie") == 0) {
        out.add(k, v);
      } else {
        out.set(k, v);
      }
    }
    out.setContentLength64(static_cast<Poco::Int64>(resp.body.size()));
    out.sendBuffer(resp.body.data(), resp.body.size());
  }

  HttpServer::Impl* impl_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(HttpServer::Impl* impl) : impl_(impl) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new Handler(impl_);  // POCO takes ownership
  }

  // What HTTPServer::stopAll(true) does: connections in a handler or idle
  // in keep-alive are shut down instead of waited for.
  void AbortConnections() {
    const bool abort_current = true;
    serverStopped(this, abort_current);
  }

 private:
  HttpServer::Impl* impl_;
};

}  // namespace

HttpServer::HttpServer() : impl_(std::make_unique<Impl>()) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Route(const std::string& method, const std::string& pattern, HttpHandler handler) {
  impl_->routes.push_back({method, SplitPath(pattern), std::move(handler)});
}

base::Status HttpServer::Start(const HttpServerOptions& options) {
  impl_->options = options;
  try {
    Poco::Net::SocketAddress addr(options.host, static_cast<Poco::UInt16>(options.port));
    Poco::Net::ServerSocket socket(addr, 256);
    impl_->port = socket.address().port();
    auto* params = new Poco::Net::HTTPServerParams;  // owned by the server (AutoPtr)
    params->setMaxThreads(options.max_threads);
    params->setMaxQueued(1024);
    params->setKeepAlive(true);
    // POCO holds a pool thread for as long as a kept-alive connection is idle,
    // so idle connections (an agent between two acks) must let go quickly or a
    // few dozen of them exhaust the pool. Followers reconnect cheaply.
    params->setKeepAliveTimeout(Poco::Timespan(options.keep_alive_idle_s, 0));
    params->setTimeout(Poco::Timespan(60, 0));
    impl_->pool = std::make_unique<Poco::ThreadPool>(2, options.max_threads + 4);
    impl_->handlers = new Factory(impl_.get());
    Poco::Net::HTTPServerParams::Ptr owned(params);
    impl_->dispatcher = new Poco::Net::TCPServerDispatcher(
        new Poco::Net::HTTPServerConnectionFactory(owned, impl_->handlers), *impl_->pool, owned);
    impl_->socket = socket;
    impl_->stopping = false;
    impl_->acceptor = std::thread([impl = impl_.get()] { impl->AcceptLoop(); });
  } catch (const Poco::Exception& e) {
    return base::Status::Unavailable("cannot listen on " + options.host + ":" +
                                     std::to_string(options.port) + ": " + e.displayText());
  }
  return base::Status::Ok();
}

void HttpServer::Stop() {
  if (impl_->acceptor.joinable()) {
    impl_->stopping = true;
    ::shutdown(impl_->socket.impl()->sockfd(), SHUT_RDWR);  // wakes accept(2)
    impl_->acceptor.join();
    impl_->socket.close();
    impl_->dispatcher->stop();
    static_cast<Factory*>(impl_->handlers.get())->AbortConnections();
    impl_->dispatcher = nullptr;
  }
  if (impl_->pool) {
    impl_->pool->joinAll();
    impl_->pool.reset();
  }
}

int HttpServer::port() const { return impl_->port; }
std::uint64_t HttpServer::requests_served() const { return impl_->served; }
std::uint64_t HttpServer::handler_errors() const { return impl_->errors; }

}  // namespace zhanqun::net
