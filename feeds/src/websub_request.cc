// WebSub hub requests, verification URLs, topic names and signatures.
#include <algorithm>

#include "websub_internal.h"
#include "zhanqun/base/hash.h"
#include "zhanqun/feeds/signature.h"

namespace zhanqun::feeds {
namespace websub_internal {
namespace {

constexpr std::size_t kMaxUrlBytes = 2048;
constexpr std::size_t kMaxSecretBytes = 199;  // the spec: "less than 200 bytes"

base::Status CheckUrl(const char* param, const std::string& url) {
  if (url.empty()) return base::Status::Invalid(std::string(param) + ": required");
  if (url.size() > kMaxUrlBytes) {
    return base::Status::Invalid(std::string(param) + ": longer than " +
                                 std::to_string(kMaxUrlBytes) + " bytes");
  }
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return base::Status::Invalid(std::string(param) +
                                 ": expected an http:// or https:// URL, got '" +
                                 url.substr(0, 200) + "'");
  }
  bool bad = std::any_of(url.begin(), url.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '#';
  });
  if (bad) {
    return base::Status::Invalid(std::string(param) +
                                 ": must not contain spaces, control characters or a fragment");
  }
  return base::Status::Ok();
}

base::Result<int> ParseLease(const std::map<std::string, std::string>& form,
                             const WebSubOptions& o) {
  auto it = form.find("hub.lease_seconds");
  if (it == form.end() || it->second.empty()) return o.default_lease_s;
  const std::string& v = it->second;
  if (v.size() > 10 ||
      !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return base::Status::Invalid("hub.lease_seconds: expected a non-negative integer, got '" +
                                 v.substr(0, 20) + "'");
  }
  long long lease = std::stoll(v);
  return static_cast<int>(std::clamp<long long>(lease, o.min_lease_s, o.max_lease_s));
}

std::string Field(const std::map<std::string, std::string>& form, const char* name) {
  auto it = form.find(name);
  return it == form.end() ? "" : it->second;
}

}  // namespace

base::Result<HubRequest> ParseHubRequest(const net::HttpRequest& req, const WebSubOptions& o) {
  std::string type = req.Header("content-type");
  if (!type.empty() && type.rfind("application/x-www-form-urlencoded", 0) != 0) {
    return base::Status::Invalid("Content-Type: expected application/x-www-form-urlencoded, got '" +
                                 type.substr(0, 100) + "'");
  }
  std::map<std::string, std::string> form = net::ParseFormUrlEncoded(req.body);
  HubRequest out;
  std::string mode = Field(form, "hub.mode");
  if (mode == "subscribe") {
    out.mode = Mode::kSubscribe;
  } else if (mode == "unsubscribe") {
    out.mode = Mode::kUnsubscribe;
  } else if (mode.empty()) {
    return base::Status::Invalid("hub.mode: required (subscribe or unsubscribe)");
  } else {
    return base::Status::Invalid("hub.mode: expected subscribe or unsubscribe, got '" +
                                 mode.substr(0, 50) + "'");
  }
  out.callback = Field(form, "hub.callback");
  ZQ_RETURN_IF_ERROR(CheckUrl("hub.callback", out.callback));
  out.topic = Field(form, "hub.topic");
  ZQ_RETURN_IF_ERROR(CheckUrl("hub.topic", out.topic));
  out.secret = Field(form, "hub.secret");
  if (out.secret.size() > kMaxSecretBytes) {
    return base::Status::Invalid("hub.secret: must be less than 200 bytes, got " +
                                 std::to_string(out.secret.size()));
  }
  base::Result<int> lease = ParseLease(form, o);
  if (!lease.ok()) return lease.status();
  out.lease_s = *lease;
  return out;
}

std::string WithQuery(const std::string& url,
                      const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out = url;
  char sep = url.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [k, v] : params) {
    out += sep + net::UrlEncode(k) + "=" + net::UrlEncode(v);
    sep = '&';
  }
  return out;
}

std::optional<std::string> FeedTopicOrigin(const std::string& base, const std::string& topic,
                                           bool* head) {
  const std::string prefix = base + "/api/v1/feeds/";
  if (topic.rfind(prefix, 0) != 0) return std::nullopt;
  std::string rest = topic.substr(prefix.size());
  rest = rest.substr(0, rest.find('?'));
  *head = rest.size() == 11 && rest.compare(6, 5, "/head") == 0;
  if (*head) rest.resize(6);
  if (!IsDivisionCode(rest)) return std::nullopt;
  return rest;
}

}  // namespace websub_internal

std::string WebSubSignature(const std::string& secret, const std::string& body) {
  return "sha256=" + base::HmacHex("sha256", secret, body);
}

bool WebSubSignatureValid(const std::string& secret, const std::string& body,
                          const std::string& header) {
  auto eq = header.find('=');
  if (eq == std::string::npos) return false;
  std::string expected = base::HmacHex(header.substr(0, eq), secret, body);
  return !expected.empty() && base::ConstantTimeEquals(expected, header.substr(eq + 1));
}

}  // namespace zhanqun::feeds
