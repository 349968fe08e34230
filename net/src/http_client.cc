// The client contract (abort registry, URL checks) and its POCO
// implementation: the only file that sees POCO's client types.
#include <Poco/Exception.h>
#include <Poco/InflatingStream.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/StreamSocketImpl.h>
#include <Poco/URI.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <istream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "zhanqun/base/strings.h"
#include "zhanqun/net/http.h"

namespace zhanqun::net {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Trim(std::string_view s) { return std::string(base::TrimAscii(s)); }

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

base::Status CheckUrl(const std::string& url) {
  std::string head = Lower(url.substr(0, 8));
  if (head.rfind("http://", 0) == 0 || head.rfind("https://", 0) == 0) return base::Status::Ok();
  return base::Status::Invalid("not an http(s) URL: " + url);
}

}  // namespace

base::Result<HttpResult> HttpClient::Get(const std::string& url, long timeout_ms,
                                         const std::vector<std::string>& headers) {
  if (base::Status s = CheckUrl(url); !s.ok()) return s;
  if (aborted()) return base::Status::Unavailable("GET " + url + ": aborted");
  return Perform(url, nullptr, "", timeout_ms, headers);
}

base::Result<HttpResult> HttpClient::Post(const std::string& url, const std::string& body,
                                          const std::string& content_type, long timeout_ms,
                                          const std::vector<std::string>& headers) {
  if (base::Status s = CheckUrl(url); !s.ok()) return s;
  if (aborted()) return base::Status::Unavailable("POST " + url + ": aborted");
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

// TLS on OpenSSL's libssl directly: libcrypto is loaded anyway, and POCO's
// NetSSL would bring PocoUtil, PocoXML, PocoJSON, PocoCrypto and expat into
// every agent (1.7 MB of RSS) for the same handshake. The context is made at
// the first https URL; it trusts the system's CAs, or SSL_CERT_FILE /
// SSL_CERT_DIR when set (a private CA).
SSL_CTX* TlsContext() {
  static SSL_CTX* context = [] {
    SSL_CTX* c = SSL_CTX_new(TLS_client_method());
    if (c == nullptr) return c;
    SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
    SSL_CTX_set_options(c, SSL_OP_IGNORE_UNEXPECTED_EOF);  // we check lengths ourselves
    SSL_CTX_set_default_verify_paths(c);
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
    return c;
  }();
  return context;
}

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "connection closed";
  char buffer[256];
  ERR_error_string_n(e, buffer, sizeof buffer);
  return buffer;
}

// A connected socket whose reads and writes go through an SSL object; POCO's
// HTTP session uses it like any stream socket. Owns its descriptor and SSL.
class TlsSocketImpl final : public Poco::Net::StreamSocketImpl {
 public:
  TlsSocketImpl(poco_socket_t fd, SSL* ssl) : StreamSocketImpl(fd), ssl_(ssl) {}

  int sendBytes(const void* buffer, int length, int) override {
    std::size_t written = 0;
    int rc = SSL_write_ex(ssl_, buffer, static_cast<std::size_t>(length), &written);
    if (rc != 1) Fail(rc, "write");
    return static_cast<int>(written);
  }
  int receiveBytes(void* buffer, int length, int) override {
    std::size_t n = 0;
    int rc = SSL_read_ex(ssl_, buffer, static_cast<std::size_t>(length), &n);
    if (rc == 1) return static_cast<int>(n);
    if (SSL_get_error(ssl_, rc) == SSL_ERROR_ZERO_RETURN) return 0;
    Fail(rc, "read");
  }
  void close() override {
    Free();
    StreamSocketImpl::close();
  }
  bool secure() const override { return true; }

 protected:
  ~TlsSocketImpl() override { Free(); }

 private:
  void Free() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    ssl_ = nullptr;
  }
  [[noreturn]] void Fail(int rc, const char* op) {
    int err = ssl_ != nullptr ? SSL_get_error(ssl_, rc) : SSL_ERROR_SSL;
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      ERR_clear_error();
      throw Poco::TimeoutException(std::string("TLS ") + op);  // SO_RCVTIMEO/SO_SNDTIMEO
    }
    throw Poco::Net::NetException(std::string("TLS ") + op + ": " + OpenSslError());
  }

  SSL* ssl_;
};

// Runs the TLS handshake over `plain` (connected), checking the server's
// certificate chain and that it names `host` (a DNS name or an IP address).
// The result has its own descriptor for the same connection.
Poco::Net::StreamSocket StartTls(const Poco::Net::StreamSocket& plain, const std::string& host) {
  SSL_CTX* context = TlsContext();
  if (context == nullptr) throw Poco::Net::NetException("TLS: " + OpenSslError());
  SSL* ssl = SSL_new(context);
  if (ssl == nullptr) throw Poco::Net::NetException("TLS: " + OpenSslError());
  int fd = ::dup(plain.impl()->sockfd());
  if (fd < 0) {
    SSL_free(ssl);
    throw Poco::Net::NetException("TLS: cannot duplicate the socket");
  }
  SSL_set_fd(ssl, fd);
  Poco::Net::StreamSocket secure(new TlsSocketImpl(fd, ssl));  // owns fd and ssl now
  Poco::Net::IPAddress ip;
  if (Poco::Net::IPAddress::tryParse(host, ip)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl, host.c_str());
    SSL_set1_host(ssl, host.c_str());
  }
  int rc = SSL_connect(ssl);
  if (rc != 1) {
    long verify = SSL_get_verify_result(ssl);
    std::string why = verify != X509_V_OK ? std::string("certificate verify failed: ") +
                                                X509_verify_cert_error_string(verify)
                                          : OpenSslError();
    ERR_clear_error();
    throw Poco::Net::NetException("TLS handshake with " + host + ": " + why);
  }
  return secure;
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

HttpClientFactory PocoHttpClientFactory() {
  return [] { return std::make_unique<PocoHttpClient>(); };
}

void PocoHttpClient::Wake() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->wake_fd >= 0) ::shutdown(impl_->wake_fd, SHUT_RDWR);
}

base::Result<HttpResult> PocoHttpClient::Perform(const std::string& url, const std::string* body,
                                                 const std::string& content_type, long timeout_ms,
                                                 const std::vector<std::string>& headers) {
  const std::string method = body != nullptr ? "POST" : "GET";
  const std::string what = method + " " + url;
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception& e) {
    return base::Status::Invalid("bad URL " + url + ": " + e.message());
  }
  const bool tls = Lower(uri.getScheme()) == "https";
  if (uri.getHost().empty()) return base::Status::Invalid("URL without a host: " + url);
  const std::string origin =
      (tls ? "https://" : "http://") + uri.getHost() + ":" + std::to_string(uri.getPort());
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  Impl& m = *impl_;
  bool reused =
      m.session != nullptr && m.origin == origin && Clock::now() - m.idle_since < kReuseIdle;
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
          return base::Status::Unavailable(what + ": aborted");
        }
        Poco::Timespan left = Remaining(deadline);
        socket.connect(address, std::min(left, Poco::Timespan(kMaxConnectMs * 1000)));
        socket.setNoDelay(true);
        socket.setSendTimeout(left);
        socket.setReceiveTimeout(left);
        m.session = std::make_unique<Poco::Net::HTTPClientSession>(
            tls ? StartTls(socket, uri.getHost()) : socket);
        // We decide when the connection is reused; POCO must never reconnect
        // on its own (it would make a descriptor Wake does not know).
        m.session->setKeepAlive(true);
        m.session->setKeepAliveTimeout(Poco::Timespan(365LL * 24 * 3600, 0));
        m.origin = origin;
      }
      if (aborted()) {  // a Wake that came before the connection existed
        m.Disconnect();
        return base::Status::Unavailable(what + ": aborted");
      }
      Poco::Net::StreamSocket& socket = m.session->socket();
      socket.setSendTimeout(Remaining(deadline));
      socket.setReceiveTimeout(Remaining(deadline));
      std::ostream& out = m.session->sendRequest(request);
      // A server may answer before it has read the whole body (413) and
      // close: the write then fails, but its answer is what counts.
      std::string send_error;
      if (body != nullptr) {
        try {
          out.exceptions(std::ios::badbit);
          out.write(body->data(), static_cast<std::streamsize>(body->size()));
          out.flush();
        } catch (const Poco::Exception& e) {
          send_error = e.displayText();
        }
      }
      Poco::Net::HTTPResponse response;
      std::istream* raw_stream = nullptr;
      try {
        raw_stream = &m.session->receiveResponse(response);
      } catch (const Poco::Exception&) {
        if (!send_error.empty()) throw Poco::IOException(send_error);
        throw;
      }
      std::istream& raw = *raw_stream;
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
          return base::Status::Exhausted("response from " + url + " exceeds " +
                                         std::to_string(max_response_bytes_) + " bytes");
        }
        result.body.append(buffer, static_cast<std::size_t>(n));
        if (Clock::now() >= deadline) throw Poco::TimeoutException("body not complete");
        socket.setReceiveTimeout(Remaining(deadline));
      }
      if (aborted()) {
        m.Disconnect();
        return base::Status::Unavailable(what + ": aborted");
      }
      if (!bodiless && !inflated && response.hasContentLength() &&
          static_cast<Poco::Int64>(result.body.size()) != response.getContentLength64()) {
        m.Disconnect();
        return base::Status::Unavailable(what + ": connection closed after " +
                                         std::to_string(result.body.size()) + " of " +
                                         std::to_string(response.getContentLength64()) + " bytes");
      }
      if (response.getKeepAlive() && send_error.empty()) {
        m.idle_since = Clock::now();
      } else {
        m.Disconnect();
      }
      return result;
    } catch (const Poco::TimeoutException&) {
      m.Disconnect();
      if (aborted()) return base::Status::Unavailable(what + ": aborted");
      return base::Status::Unavailable(what + ": timed out after " + std::to_string(timeout_ms) +
                                       " ms");
    } catch (const Poco::Exception& e) {
      m.Disconnect();
      if (aborted()) return base::Status::Unavailable(what + ": aborted");
      if (reused && attempt == 0 && !responded) continue;  // the server had closed it
      return base::Status::Unavailable(what + ": " + e.displayText());
    } catch (const std::exception& e) {
      m.Disconnect();
      if (aborted()) return base::Status::Unavailable(what + ": aborted");
      return base::Status::Unavailable(what + ": " + e.what());
    }
  }
}

}  // namespace zhanqun::net
