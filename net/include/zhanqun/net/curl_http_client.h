// HttpClient on libcurl, in its own library (zhanqun::feeds_curl) so that
// only the programs that want libcurl load it: the hub, whose ingestion
// fetches foreign feeds from servers of every kind (redirect-free, proxies
// from the environment, every compression libcurl knows).
#ifndef ZHANQUN_NET_CURL_HTTP_CLIENT_H_
#define ZHANQUN_NET_CURL_HTTP_CLIENT_H_

#include <string>
#include <vector>

#include "zhanqun/net/http.h"

namespace zhanqun::net {

// One libcurl easy handle (connection reuse) driven by a multi handle, which
// sleeps until the socket or libcurl's own timers need it (curl_easy_perform
// wakes every second) and can be woken from another thread.
class CurlHttpClient final : public HttpClient {
 public:
  CurlHttpClient();
  ~CurlHttpClient() override;

 protected:
  base::Result<HttpResult> Perform(const std::string& url, const std::string* body,
                                   const std::string& content_type, long timeout_ms,
                                   const std::vector<std::string>& headers) override;
  void Wake() override;

 private:
  void* curl_;
  void* multi_;
};

}  // namespace zhanqun::net

#endif  // ZHANQUN_NET_CURL_HTTP_CLIENT_H_
