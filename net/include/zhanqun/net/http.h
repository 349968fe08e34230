// HTTP server and client adapters. POCO and libcurl stay behind these types;
// nothing of theirs leaks to callers.
//
// HttpServer: routes are registered before Start(); each request runs its
// handler on a pool thread, so handlers must be thread-safe. Handlers may
// block (long-poll) up to their own deadline. Exceptions thrown by a handler
// are caught, counted and answered with 500.
// HttpClient: the client contract; PocoHttpClient (here) and CurlHttpClient
// (curl_http_client.h, its own library) implement it. Each keeps one
// connection alive and reuses it; not thread-safe, give each thread its own.
// Agents use PocoHttpClient, so they do not load libcurl and the dozen
// libraries it brings (gnutls, krb5, ldap, ssh2 ...): ~3.5 MB of RSS per
// agent. The hub's ingestion of foreign feeds uses libcurl.
#ifndef ZHANQUN_NET_HTTP_H_
#define ZHANQUN_NET_HTTP_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "zhanqun/base/status.h"

namespace zhanqun::net {

struct HttpRequest {
  std::string method;                          // "GET", "POST", ...
  std::string path;                            // decoded path, no query
  std::map<std::string, std::string> query;    // decoded query parameters
  std::map<std::string, std::string> headers;  // names lowercased
  std::map<std::string, std::string> params;   // from {name} route segments
  std::string body;
  std::string remote;  // peer address
  std::string Header(const std::string& lower_name) const;
  std::string Query(const std::string& name, const std::string& dflt = "") const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  // Set-Cookie may repeat
  std::string body;

  static HttpResponse Json(int status, std::string body);
  static HttpResponse Text(int status, std::string body);
  // {"error": message, "code": code name}, status from the code.
  static HttpResponse Error(const base::Status& s);
  // The same body for a failure on our side (a store that could not be
  // read): 503 when `s` is kUnavailable, else 500, whatever its code.
  static HttpResponse ServerError(const base::Status& s);
};

// Maps a Status code to an HTTP status (400, 401, 404, 409, 413, 500, 503...).
int HttpStatusFor(base::Code code);

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;               // 0: pick a free port
  int max_threads = 64;       // concurrent requests (long-polls hold one each)
  int keep_alive_idle_s = 2;  // an idle kept-alive connection is closed after this
  std::size_t max_body_bytes = 8 * 1024 * 1024;
};

class HttpServer {
 public:
  HttpServer();
  ~HttpServer();
  // Route pattern: exact segments and {name} placeholders, e.g.
  // "/api/v1/feeds/{origin}"; a last "{name...}" takes the rest of the path,
  // slashes included. First match wins.
  void Route(const std::string& method, const std::string& pattern, HttpHandler handler);
  base::Status Start(const HttpServerOptions& options);
  void Stop();
  int port() const;
  std::uint64_t requests_served() const;
  std::uint64_t handler_errors() const;

  struct Impl;  // opaque; public only so the adapter's helpers can name it

 private:
  std::unique_ptr<Impl> impl_;
};

struct HttpResult {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
};

class HttpClient {
 public:
  virtual ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // kUnavailable on connection failure, timeout (timeout_ms bounds the whole
  // request) or abort; kInvalidArgument for a URL that is not http(s); any
  // HTTP status is a success at this level. Bodies over max_response_bytes
  // fail with kResourceExhausted. `headers` are "Name: value" lines.
  base::Result<HttpResult> Get(const std::string& url, long timeout_ms,
                               const std::vector<std::string>& headers = {});
  base::Result<HttpResult> Post(const std::string& url, const std::string& body,
                                const std::string& content_type, long timeout_ms,
                                const std::vector<std::string>& headers = {});
  void set_max_response_bytes(std::size_t n) { max_response_bytes_ = n; }
  // When set, no transfer starts while *flag is true, and a transfer in
  // progress is abandoned once *flag is true and WakeAll(flag) has been
  // called (so a long-poll does not delay shutdown). `flag` must outlive us.
  void set_abort_flag(const std::atomic<bool>* flag);
  // Wakes every transfer of every client whose abort flag is `flag`, so it
  // sees the flag now. Set the flag first. Thread-safe.
  static void WakeAll(const std::atomic<bool>* flag);

 protected:
  HttpClient() = default;
  // One request; `body` is null for a GET.
  virtual base::Result<HttpResult> Perform(const std::string& url, const std::string* body,
                                           const std::string& content_type, long timeout_ms,
                                           const std::vector<std::string>& headers) = 0;
  // Makes a transfer in flight look at the abort flag now. Called from other
  // threads, under the registry's lock. A subclass's destructor must call
  // set_abort_flag(nullptr) first, so Wake never reaches a dying object.
  virtual void Wake() = 0;
  bool aborted() const { return abort_ != nullptr && abort_->load(); }

  std::size_t max_response_bytes_ = 64 * 1024 * 1024;
  const std::atomic<bool>* abort_ = nullptr;
};

// HTTP/1.1 on POCO, and HTTPS on OpenSSL's libssl (TLS 1.2 or later). HTTPS
// checks the server's chain against the system's CA certificates (or
// SSL_CERT_FILE / SSL_CERT_DIR, for a private CA) and that the certificate
// names the URL's host. Sends "Accept-Encoding: gzip" and
// inflates gzip bodies. A request on a reused connection that the server had
// closed is retried once on a new connection, as long as no response byte
// arrived.
class PocoHttpClient final : public HttpClient {
 public:
  PocoHttpClient();
  ~PocoHttpClient() override;

 protected:
  base::Result<HttpResult> Perform(const std::string& url, const std::string* body,
                                   const std::string& content_type, long timeout_ms,
                                   const std::vector<std::string>& headers) override;
  void Wake() override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Makes a new client each call. Parts that talk HTTP take a factory instead
// of building their own client, so that tests hand them a fake that serves
// canned answers without sockets. Each client is for one thread (see
// HttpClient); the factory itself must be callable from any thread.
using HttpClientFactory = std::function<std::unique_ptr<HttpClient>()>;

// The production factory: a new PocoHttpClient each call.
HttpClientFactory PocoHttpClientFactory();

// Percent-encodes a query value.
std::string UrlEncode(const std::string& s);

// Decodes an application/x-www-form-urlencoded body ("a=1&b=x+y"; '+' is a
// space). A repeated name keeps its first value; a malformed %-escape is
// kept literally.
std::map<std::string, std::string> ParseFormUrlEncoded(const std::string& body);

// Like ParseFormUrlEncoded, but keeps every (name, value) pair in body order,
// so a repeated name (checkboxes, multi-selects) yields all its values.
std::vector<std::pair<std::string, std::string>> ParseFormUrlEncodedAll(const std::string& body);

// One part of a multipart/form-data body. `filename` and `content_type` are
// empty for plain fields; `bytes` is the part's content, unchanged.
struct MultipartPart {
  std::string name;
  std::string filename;
  std::string content_type;
  std::string bytes;
};

// Parses a multipart/form-data body given the request's Content-Type header
// (which carries the boundary). kInvalidArgument naming the problem when the
// header is not multipart/form-data, has no boundary, or the body is
// malformed (a part without a name, a missing closing boundary).
base::Result<std::vector<MultipartPart>> ParseMultipartFormData(const std::string& content_type,
                                                                const std::string& body);

}  // namespace zhanqun::net

#endif  // ZHANQUN_NET_HTTP_H_
