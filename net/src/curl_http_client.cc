// libcurl adapter: the only file that sees curl types.
#include "zhanqun/net/curl_http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace zhanqun::net {
namespace {

struct Sink {
  HttpResult* result;
  std::size_t limit;
  bool overflow = false;
};

std::size_t OnBody(char* data, std::size_t size, std::size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::size_t len = size * n;
  if (sink->result->body.size() + len > sink->limit) {
    sink->overflow = true;
    return 0;  // aborts the transfer
  }
  sink->result->body.append(data, len);
  return len;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::string line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string value = line.substr(colon + 1);
    auto b = value.find_first_not_of(" \t");
    auto e = value.find_last_not_of(" \t\r\n");
    sink->result->headers[name] = b == std::string::npos ? "" : value.substr(b, e - b + 1);
  }
  return size * n;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* flag = static_cast<const std::atomic<bool>*>(user);
  return flag != nullptr && flag->load() ? 1 : 0;
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Longest sleep between two looks at a transfer when libcurl asks for none;
// libcurl's own timers (the transfer's timeout) cut it short.
constexpr int kMaxPollMs = 60000;

}  // namespace

CurlHttpClient::CurlHttpClient() {
  GlobalInit();
  curl_ = curl_easy_init();
  multi_ = curl_multi_init();
}

CurlHttpClient::~CurlHttpClient() {
  set_abort_flag(nullptr);  // no Wake from now on
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
  curl_easy_cleanup(static_cast<CURL*>(curl_));
}

void CurlHttpClient::Wake() { curl_multi_wakeup(static_cast<CURLM*>(multi_)); }

base::Result<HttpResult> CurlHttpClient::Perform(const std::string& url, const std::string* body,
                                                 const std::string& content_type, long timeout_ms,
                                                 const std::vector<std::string>& headers) {
  CURL* c = static_cast<CURL*>(curl_);
  curl_easy_reset(c);
  HttpResult result;
  Sink sink{&result, max_response_bytes_};
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  if (body) list = curl_slist_append(list, ("Content-Type: " + content_type).c_str());
  list = curl_slist_append(list, "Expect:");
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, 5000L));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "zhanqun/0.1");
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  if (abort_ != nullptr) {
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, abort_);
  }
  if (body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  }
  CURLM* m = static_cast<CURLM*>(multi_);
  CURLcode rc = CURLE_OK;
  if (curl_multi_add_handle(m, c) != CURLM_OK) {
    curl_slist_free_all(list);
    return base::Status::Internal("libcurl: cannot start a transfer to " + url);
  }
  for (;;) {
    int running = 0;
    if (curl_multi_perform(m, &running) != CURLM_OK) {
      rc = CURLE_FAILED_INIT;
      break;
    }
    if (running == 0) {
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(m, &queued)) {
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == c) rc = msg->data.result;
      }
      break;
    }
    if (aborted()) {
      rc = CURLE_ABORTED_BY_CALLBACK;
      break;
    }
    if (curl_multi_poll(m, nullptr, 0, kMaxPollMs, nullptr) != CURLM_OK) {
      rc = CURLE_FAILED_INIT;
      break;
    }
  }
  curl_multi_remove_handle(m, c);
  curl_slist_free_all(list);
  if (sink.overflow) {
    return base::Status::Exhausted("response from " + url + " exceeds " +
                                   std::to_string(max_response_bytes_) + " bytes");
  }
  if (rc != CURLE_OK) {
    return base::Status::Unavailable(std::string("GET/POST ") + url + ": " +
                                     curl_easy_strerror(rc));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &result.status);
  return result;
}

}  // namespace zhanqun::net
