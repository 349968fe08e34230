// The HttpClient contract, checked on both implementations: POCO (agents,
// WebSub) and libcurl (the hub's ingestion).
#include <Poco/DeflatingStream.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/SecureStreamSocket.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "net/http_test_util.h"
#include "test_support.h"
#include "zhanqun/net/curl_http_client.h"
#include "zhanqun/net/http.h"

namespace zhanqun::net {
namespace {

std::string Gzip(const std::string& text) {
  std::ostringstream out;
  Poco::DeflatingOutputStream deflate(out, Poco::DeflatingStreamBuf::STREAM_GZIP);
  deflate << text;
  deflate.close();
  return out.str();
}

// Routes GET `path` to a handler that holds the request until `release` is
// set (or `hold_ms` pass), then answers `body`.
void RouteHeld(HttpServer& server, const std::string& path, const std::atomic<bool>& release,
               int hold_ms, const std::string& body) {
  server.Route("GET", path, [&release, hold_ms, body](const HttpRequest&) {
    for (int i = 0; i < hold_ms / 10 && !release; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return HttpResponse::Text(200, body);
  });
}

}  // namespace

TEMPLATE_TEST_CASE("the client sends headers and bodies and reads status and headers",
                   "[net][http]", PocoHttpClient, CurlHttpClient) {
  HttpServer server;
  server.Route("POST", "/echo", [](const HttpRequest& req) {
    HttpResponse r = HttpResponse::Json(201, req.body);
    r.headers.push_back({"X-Seen-Header", req.Header("x-custom")});
    r.headers.push_back({"X-Seen-Type", req.Header("content-type")});
    return r;
  });
  server.Route("GET", "/q", [](const HttpRequest& req) {
    return HttpResponse::Text(200, req.Query("q") + "|" + req.Header("user-agent"));
  });
  server.Route("GET", "/empty", [](const HttpRequest&) {
    HttpResponse r = HttpResponse::Text(304, "");
    r.headers.push_back({"ETag", "\"v1\""});
    return r;
  });
  StartServer(server);
  TestType client;
  HttpResult post = MustPost(client, BaseUrl(server) + "/echo", "{\"x\":1}", {"X-Custom: abc"});
  CHECK(post.status == 201);
  CHECK(post.body == "{\"x\":1}");
  CHECK(post.headers["x-seen-header"] == "abc");
  CHECK(post.headers["x-seen-type"] == "text/plain");
  CHECK_THAT(post.headers["content-type"], Catch::StartsWith("application/json"));
  HttpResult get = MustGet(client, BaseUrl(server) + "/q?q=%E6%94%BF%E7%AD%96%20a");
  CHECK(get.body == "政策 a|zhanqun/0.1");
  // A 304 has no body, and the connection stays usable after it.
  HttpResult not_modified = MustGet(client, BaseUrl(server) + "/empty");
  CHECK(not_modified.status == 304);
  CHECK(not_modified.body.empty());
  CHECK(not_modified.headers["etag"] == "\"v1\"");
  CHECK(MustGet(client, BaseUrl(server) + "/q?q=again").body == "again|zhanqun/0.1");
}

TEMPLATE_TEST_CASE("the client refuses a URL that is not http or https", "[net][http]",
                   PocoHttpClient, CurlHttpClient) {
  TestType client;
  for (const char* url : {"ftp://127.0.0.1/x", "file:///etc/passwd", "127.0.0.1:80/x", ""}) {
    INFO(url);
    base::Result<HttpResult> r = client.Get(url, 1000);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == base::Code::kInvalidArgument);
    CHECK_THAT(r.status().message(), Catch::Contains("http"));
  }
}

TEMPLATE_TEST_CASE("the client inflates a gzip body it asked for", "[net][http]", PocoHttpClient,
                   CurlHttpClient) {
  const std::string text = std::string(20000, 'x') + "国务院关于印发的通知";
  HttpServer server;
  server.Route("GET", "/gz", [&](const HttpRequest& req) {
    if (req.Header("accept-encoding").find("gzip") == std::string::npos) {
      return HttpResponse::Text(406, "gzip not offered");
    }
    HttpResponse r = HttpResponse::Text(200, Gzip(text));
    r.headers.push_back({"Content-Encoding", "gzip"});
    return r;
  });
  StartServer(server);
  TestType client;
  HttpResult r = MustGet(client, BaseUrl(server) + "/gz");
  CHECK(r.status == 200);
  CHECK(r.body == text);
  CHECK(r.headers["content-encoding"] == "gzip");
}

TEMPLATE_TEST_CASE("timeout_ms bounds a request whose answer does not come", "[net][http]",
                   PocoHttpClient, CurlHttpClient) {
  std::atomic<bool> release{false};
  HttpServer server;
  RouteHeld(server, "/silent", release, 5000, "late");
  StartServer(server);
  TestType client;
  auto t0 = std::chrono::steady_clock::now();
  base::Result<HttpResult> r = client.Get(BaseUrl(server) + "/silent", 400);
  auto waited = std::chrono::steady_clock::now() - t0;
  release = true;
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == base::Code::kUnavailable);
  CHECK(waited >= std::chrono::milliseconds(350));
  CHECK(waited < std::chrono::milliseconds(2500));
}

TEMPLATE_TEST_CASE("the client reuses its connection, and recovers when the server closed it",
                   "[net][http]", PocoHttpClient, CurlHttpClient) {
  std::mutex mu;
  std::vector<std::string> peers;
  HttpServer server;
  server.Route("GET", "/who", [&](const HttpRequest& req) {
    std::lock_guard<std::mutex> lock(mu);
    peers.push_back(req.remote);
    return HttpResponse::Text(200, req.remote);
  });
  HttpServerOptions options;
  options.keep_alive_idle_s = 1;
  StartServer(server, options);
  TestType client;
  for (int i = 0; i < 5; ++i) MustGet(client, BaseUrl(server) + "/who");
  // The server closes the idle connection after 1 s; the next request must
  // still succeed, on a new connection.
  std::this_thread::sleep_for(std::chrono::milliseconds(1600));
  HttpResult after = MustGet(client, BaseUrl(server) + "/who");
  CHECK(after.status == 200);
  std::lock_guard<std::mutex> lock(mu);
  REQUIRE(peers.size() == 6);
  CHECK(std::set<std::string>(peers.begin(), peers.begin() + 5).size() == 1);  // one connection
  CHECK(peers[5] != peers[0]);  // a new one after the server closed it
}

TEMPLATE_TEST_CASE("the client reports a refused connection as unavailable", "[net][http]",
                   PocoHttpClient, CurlHttpClient) {
  int port = 0;
  {
    HttpServer server;
    StartServer(server);
    port = server.port();
  }  // stopped: nothing listens on the port now
  TestType client;
  base::Result<HttpResult> r = client.Get("http://127.0.0.1:" + std::to_string(port) + "/", 2000);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == base::Code::kUnavailable);
}

TEMPLATE_TEST_CASE("WakeAll abandons a transfer in flight whose abort flag is set", "[net][http]",
                   PocoHttpClient, CurlHttpClient) {
  std::atomic<bool> release{false};
  HttpServer server;
  RouteHeld(server, "/slow", release, 3000, "late\n");
  StartServer(server);
  std::atomic<bool> abort{false};
  std::atomic<bool> other_abort{false};
  TestType client;
  client.set_abort_flag(&abort);
  TestType bystander;  // watches another flag: must be left alone
  bystander.set_abort_flag(&other_abort);
  auto t0 = std::chrono::steady_clock::now();
  auto pending =
      std::async(std::launch::async, [&] { return client.Get(BaseUrl(server) + "/slow", 20000); });
  auto untouched = std::async(std::launch::async,
                              [&] { return bystander.Get(BaseUrl(server) + "/slow", 20000); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  abort = true;
  HttpClient::WakeAll(&abort);
  base::Result<HttpResult> r = pending.get();
  auto waited = std::chrono::steady_clock::now() - t0;
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == base::Code::kUnavailable);
  CHECK(waited < std::chrono::milliseconds(1500));  // the handler holds it 3 s
  release = true;
  base::Result<HttpResult> other = untouched.get();
  REQUIRE(other.ok());
  CHECK(other->body == "late\n");
}

TEMPLATE_TEST_CASE("a client does many requests in a row on one handle", "[net][http]",
                   PocoHttpClient, CurlHttpClient) {
  std::atomic<int> n{0};
  HttpServer server;
  server.Route("GET", "/n",
               [&](const HttpRequest&) { return HttpResponse::Text(200, std::to_string(++n)); });
  server.Route("POST", "/echo",
               [](const HttpRequest& req) { return HttpResponse::Text(200, req.body); });
  StartServer(server);
  TestType client;
  std::atomic<bool> abort{false};
  client.set_abort_flag(&abort);
  for (int i = 1; i <= 20; ++i) {
    CHECK(MustGet(client, BaseUrl(server) + "/n").body == std::to_string(i));
    CHECK(MustPost(client, BaseUrl(server) + "/echo", "body " + std::to_string(i)).body ==
          "body " + std::to_string(i));
  }
  abort = true;  // a raised flag refuses the next transfer too
  base::Result<HttpResult> r = client.Get(BaseUrl(server) + "/n", kTimeoutMs);
  CHECK_FALSE(r.ok());
}

TEMPLATE_TEST_CASE("the client refuses a response larger than its limit", "[net][http]",
                   PocoHttpClient, CurlHttpClient) {
  HttpServer server;
  server.Route("GET", "/big", [](const HttpRequest&) {
    return HttpResponse::Text(200, std::string(100000, 'z'));
  });
  StartServer(server);
  TestType client;
  client.set_max_response_bytes(1000);
  base::Result<HttpResult> r = client.Get(BaseUrl(server) + "/big", kTimeoutMs);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == base::Code::kResourceExhausted);
}

// A TLS server on loopback that answers one request with "ok", using the
// certificate and key given.
class TlsServer {
 public:
  TlsServer(const std::string& cert, const std::string& key)
      : context_(new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, key, cert, "",
                                        Poco::Net::Context::VERIFY_NONE)),
        socket_(Poco::Net::SocketAddress("127.0.0.1", 0), 16, context_) {
    thread_ = std::thread([this] {
      for (;;) {
        try {
          Poco::Net::StreamSocket s = socket_.acceptConnection();
          if (stop_) return;
          Poco::Net::SecureStreamSocket tls(s);
          tls.completeHandshake();
          char buf[4096];
          std::string got;
          while (got.find("\r\n\r\n") == std::string::npos) {
            int n = tls.receiveBytes(buf, sizeof buf);
            if (n <= 0) break;
            got.append(buf, static_cast<std::size_t>(n));
          }
          const std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
          tls.sendBytes(reply.data(), static_cast<int>(reply.size()));
          tls.close();
        } catch (const Poco::Exception&) {
          if (stop_) return;  // a refused handshake: wait for the next
        }
      }
    });
  }
  ~TlsServer() {
    stop_ = true;
    try {
      Poco::Net::StreamSocket poke;
      poke.connect(socket_.address());
    } catch (const Poco::Exception&) {
    }
    thread_.join();
  }
  int port() const { return socket_.address().port(); }

 private:
  Poco::Net::Context::Ptr context_;
  Poco::Net::SecureServerSocket socket_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A self-signed certificate for `ip` (subjectAltName) and its key.
void MakeCertificate(const testing::TempDir& dir, const std::string& name,
                     const std::string& ip = "127.0.0.1") {
  std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
      "-nodes -days 2 -subj /CN=zhanqun-test -addext subjectAltName=IP:" +
      ip +
      " "
      "-keyout '" +
      dir.File(name + ".key") + "' -out '" + dir.File(name + ".pem") + "' 2>/dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
}

TEST_CASE("the POCO client speaks TLS, verifying the chain and the host name",
          "[net][http][security]") {
  // OpenSSL reads SSL_CERT_FILE when the client's context is made (once per
  // process, at its first https URL), as operators do for a private CA.
  testing::TempDir dir;
  MakeCertificate(dir, "trusted");
  MakeCertificate(dir, "stranger");
  MakeCertificate(dir, "misnamed", "127.0.0.9");  // trusted, but for another address
  {
    std::ofstream cas(dir.File("cas.pem"));
    for (const char* name : {"trusted.pem", "misnamed.pem"}) {
      std::ifstream in(dir.File(name));
      cas << in.rdbuf();
    }
  }
  ::setenv("SSL_CERT_FILE", dir.File("cas.pem").c_str(), 1);
  TlsServer trusted(dir.File("trusted.pem"), dir.File("trusted.key"));
  TlsServer stranger(dir.File("stranger.pem"), dir.File("stranger.key"));
  TlsServer misnamed(dir.File("misnamed.pem"), dir.File("misnamed.key"));
  PocoHttpClient client;
  base::Result<HttpResult> ok =
      client.Get("https://127.0.0.1:" + std::to_string(trusted.port()) + "/", 5000);
  INFO(ok.status().ToString());
  REQUIRE(ok.ok());
  CHECK(ok->status == 200);
  CHECK(ok->body == "ok");

  base::Result<HttpResult> refused =
      client.Get("https://127.0.0.1:" + std::to_string(stranger.port()) + "/", 5000);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == base::Code::kUnavailable);
  CHECK_THAT(refused.status().message(), Catch::Contains("certificate verify failed"));
  CHECK_THAT(refused.status().message(), Catch::Contains("self-signed"));

  base::Result<HttpResult> wrong_host =
      client.Get("https://127.0.0.1:" + std::to_string(misnamed.port()) + "/", 5000);
  REQUIRE_FALSE(wrong_host.ok());
  CHECK_THAT(wrong_host.status().message(), Catch::Contains("IP address mismatch"));

  // https to a server that does not speak TLS fails cleanly.
  HttpServer plain;
  StartServer(plain);
  base::Result<HttpResult> not_tls =
      client.Get("https://127.0.0.1:" + std::to_string(plain.port()) + "/", 5000);
  REQUIRE_FALSE(not_tls.ok());
  CHECK(not_tls.status().code() == base::Code::kUnavailable);
}

}  // namespace zhanqun::net
