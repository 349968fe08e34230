// The client contract (abort registry, URL checks) and its POCO
// implementation: the only file that sees POCO's client types.
#include <sys/socket.h>
#include <unistd.h>

#include <Poco/Exception.h>
#include <Poco/InflatingStream.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <istream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "zhanqun/feeds/http.h"

namespace zhanqun::feeds {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// Which clients watch which abort flag, for WakeAll.
struct Registry {
  std::mutex mu;
  std::multimap<const std::atomic<bool>*, HttpClient*> by_flag;

  static Registry& Get() {
    static Registry* r = new Registry;  // never destroyed: clients may outlive statics
    return *r;
  }
};

}  // namespace

HttpClient::~HttpClient() { set_abort_flag(nullptr); }

void HttpClient::set_abort_flag(const std::atomic<bool>* flag) {
  Registry& r = Registry::Get();
  std::lock_guard<std::mutex> lock(r.mu);
  if (abort_ != nullptr) {
    auto [b, e] = r.by_flag.equal_range(abort_);
    for (auto it = b; it != e; ++it) {
      if (it->second == this) {
        r.by_flag.erase(it);
        break;
      }
    }
  }
  abort_ = flag;
  if (flag != nullptr) r.by_flag.emplace(flag, this);
}

void HttpClient::WakeAll(const std::atomic<bool>* flag) {
  Registry& r = Registry::Get();
  std::lock_guard<std::mutex> lock(r.mu);
  auto [b, e] = r.by_flag.equal_range(flag);
  for (auto it = b; it != e; ++it) it->second->Wake();
}

namespace {

Status CheckUrl(const std::string& url) {
  std::string head = Lower(url.substr(0, 8));
  if (head.rfind("http://", 0) == 0 || head.rfind("https://", 0) == 0) return Status::Ok();
  return Status::Invalid("not an http(s) URL: " + url);
}

}  // namespace

Result<HttpResult> HttpClient::Get(const std::string& url, long timeout_ms,
                                   const std::vector<std::string>& headers) {
  if (Status s = CheckUrl(url); !s.ok()) return s;
  if (aborted()) return Status::Unavailable("GET " + url + ": aborted");
  return Perform(url, nullptr, "", timeout_ms, headers);
}

Result<HttpResult> HttpClient::Post(const std::string& url, const std::string& body,
                                    const std::string& content_type, long timeout_ms,
                                    const std::vector<std::string>& headers) {
  if (Status s = CheckUrl(url); !s.ok()) return s;
  if (aborted()) return Status::Unavailable("POST " + url + ": aborted");
  return Perform(url, &body, content_type, timeout_ms, headers);
}

// ---------------------------------------------------------------------------
// PocoHttpClient

namespace {

using Clock = std::chrono::steady_clock;

// How long an idle kept-alive connection is trusted. Our server closes idle
// connections after 2 s (HttpServerOptions::keep_alive_idle_s), nginx after
// 75 s; a stale one costs a retry, not a failure.
constexpr auto kReuseIdle = std::chrono::seconds(30);
constexpr long kMaxConnectMs = 5000;

Poco::Net::Context::Ptr TlsContext() {
  static std::once_flag once;
  static Poco::Net::Context::Ptr context;
  std::call_once(once, [] {
    Poco::Net::initializeSSL();
    context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "",
                                     Poco::Net::Context::VERIFY_RELAXED, 9,
                                     /*loadDefaultCAs=*/true, "HIGH:!aNULL:!MD5:!RC4");
    context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  });
  return context;
}

Poco::Timespan Remaining(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
  return Poco::Timespan(std::max<std::int64_t>(left.count(), 1000));
}

}  // namespace

struct PocoHttpClient::Impl {
  // The kept-alive connection, and where it goes ("https://host:port").
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  std::string origin;
  Clock::time_point idle_since;

  // A duplicate of the connection's socket, for Wake: shutdown() through it
  // ends a blocked read at once, and because it is our own descriptor, POCO
  // closing its own never lets Wake reach a reused descriptor number.
  std::mutex mu;
  int wake_fd = -1;

  void SetWakeFd(int fd) {
    std::lock_guard<std::mutex> lock(mu);
    if (wake_fd >= 0) ::close(wake_fd);
    wake_fd = fd;
  }

  void Disconnect() {
    SetWakeFd(-1);
    session.reset();  // closes POCO's descriptor
    origin.clear();
  }
};

PocoHttpClient::PocoHttpClient() : impl_(std::make_unique<Impl>()) {}

PocoHttpClient::~PocoHttpClient() {
  set_abort_flag(nullptr);  // no Wake from now on
  impl_->Disconnect();
}

void PocoHttpClient::Wake() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->wake_fd >= 0) ::shutdown(impl_->wake_fd, SHUT_RDWR);
}

Result<HttpResult> PocoHttpClient::Perform(const std::string& url, const std::string* body,
                                           const std::string& content_type, long timeout_ms,
                                           const std::vector<std::string>& headers) {
  const std::string method = body != nullptr ? "POST" : "GET";
  const std::string what = method + " " + url;
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception& e) {
    return Status::Invalid("bad URL " + url + ": " + e.message());
  }
  const bool tls = Lower(uri.getScheme()) == "https";
  if (uri.getHost().empty()) return Status::Invalid("URL without a host: " + url);
  const std::string origin =
      (tls ? "https://" : "http://") + uri.getHost() + ":" + std::to_string(uri.getPort());
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  Impl& m = *impl_;
  bool reused = m.session != nullptr && m.origin == origin &&
                Clock::now() - m.idle_since < kReuseIdle;
  if (!reused) m.Disconnect();

  // The request, built once: a retry sends it again.
  Poco::Net::HTTPRequest request(method, uri.getPathEtc(), Poco::Net::HTTPMessage::HTTP_1_1);
  request.setHost(uri.getHost(), uri.getPort());
  request.set("User-Agent", "zhanqun/0.1");
  request.set("Accept-Encoding", "gzip");
  bool chunked = false;
  for (const std::string& h : headers) {
    auto colon = h.find(':');
    if (colon == std::string::npos || colon == 0) continue;
    std::string name = Trim(h.substr(0, colon));
    std::string value = Trim(h.substr(colon + 1));
    if (Lower(name) == "transfer-encoding" && Lower(value) == "chunked") {
      chunked = true;
    } else if (value.empty()) {
      request.erase(name);  // "Name:" drops a header, as with libcurl
    } else {
      request.set(name, value);
    }
  }
  if (body != nullptr) {
    request.setContentType(content_type);
    if (chunked) {
      request.setChunkedTransferEncoding(true);
    } else {
      request.setContentLength64(static_cast<Poco::Int64>(body->size()));
    }
  }

  for (int attempt = 0;; ++attempt) {
    bool responded = false;
    try {
      if (m.session == nullptr) {
        Poco::Net::SocketAddress address(uri.getHost(), uri.getPort());
        Poco::Net::StreamSocket socket(address.family());  // descriptor made now
        m.SetWakeFd(::dup(socket.impl()->sockfd()));
        if (aborted()) {
          m.Disconnect();
          return Status::Unavailable(what + ": aborted");
        }
        Poco::Timespan left = Remaining(deadline);
        socket.connect(address, std::min(left, Poco::Timespan(kMaxConnectMs * 1000)));
        socket.setNoDelay(true);
        socket.setSendTimeout(left);
        socket.setReceiveTimeout(left);
        // A plain session over a secure socket speaks TLS (every read and
        // write goes through the socket); HTTPSClientSession's constructor
        // cannot take a connected socket in POCO 1.12.
        m.session = std::make_unique<Poco::Net::HTTPClientSession>(
            tls ? Poco::Net::SecureStreamSocket::attach(socket, uri.getHost(), TlsContext())
                : socket);
        // We decide when the connection is reused; POCO must never reconnect
        // on its own (it would make a descriptor Wake does not know).
        m.session->setKeepAlive(true);
        m.session->setKeepAliveTimeout(Poco::Timespan(365LL * 24 * 3600, 0));
        m.origin = origin;
      }
      if (aborted()) {  // a Wake that came before the connection existed
        m.Disconnect();
        return Status::Unavailable(what + ": aborted");
      }
      Poco::Net::StreamSocket& socket = m.session->socket();
      socket.setSendTimeout(Remaining(deadline));
      socket.setReceiveTimeout(Remaining(deadline));
      std::ostream& out = m.session->sendRequest(request);
      if (body != nullptr) out.write(body->data(), static_cast<std::streamsize>(body->size()));
      Poco::Net::HTTPResponse response;
      std::istream& raw = m.session->receiveResponse(response);
      responded = true;
      HttpResult result;
      result.status = static_cast<long>(response.getStatus());
      for (const auto& [name, value] : response) result.headers[Lower(name)] = value;
      raw.exceptions(std::ios::badbit);  // a read error throws, not a silent EOF
      std::optional<Poco::InflatingInputStream> inflated;
      std::istream* in = &raw;
      if (Lower(response.get("Content-Encoding", "")) == "gzip") {
        inflated.emplace(raw, Poco::InflatingStreamBuf::STREAM_GZIP);
        inflated->exceptions(std::ios::badbit);
        in = &*inflated;
      }
      const int status = response.getStatus();
      const bool bodiless = status == 204 || status == 304 || status < 200;
      char buffer[16384];
      while (!bodiless) {
        in->read(buffer, sizeof buffer);
        std::streamsize n = in->gcount();
        if (n <= 0) break;
        if (result.body.size() + static_cast<std::size_t>(n) > max_response_bytes_) {
          m.Disconnect();
          return Status::Exhausted("response from " + url + " exceeds " +
                                   std::to_string(max_response_bytes_) + " bytes");
        }
        result.body.append(buffer, static_cast<std::size_t>(n));
        if (Clock::now() >= deadline) throw Poco::TimeoutException("body not complete");
        socket.setReceiveTimeout(Remaining(deadline));
      }
      if (aborted()) {
        m.Disconnect();
        return Status::Unavailable(what + ": aborted");
      }
      if (!bodiless && !inflated && response.hasContentLength() &&
          static_cast<Poco::Int64>(result.body.size()) != response.getContentLength64()) {
        m.Disconnect();
        return Status::Unavailable(what + ": connection closed after " +
                                   std::to_string(result.body.size()) + " of " +
                                   std::to_string(response.getContentLength64()) + " bytes");
      }
      if (response.getKeepAlive()) {
        m.idle_since = Clock::now();
      } else {
        m.Disconnect();
      }
      return result;
    } catch (const Poco::TimeoutException&) {
      m.Disconnect();
      if (aborted()) return Status::Unavailable(what + ": aborted");
      return Status::Unavailable(what + ": timed out after " + std::to_string(timeout_ms) +
                                 " ms");
    } catch (const Poco::Exception& e) {
      m.Disconnect();
      if (aborted()) return Status::Unavailable(what + ": aborted");
      if (reused && attempt == 0 && !responded) continue;  // the server had closed it
      return Status::Unavailable(what + ": " + e.displayText());
    } catch (const std::exception& e) {
      m.Disconnect();
      if (aborted()) return Status::Unavailable(what + ": aborted");
      return Status::Unavailable(what + ": " + e.what());
    }
  }
}

}  // namespace zhanqun::feeds
