#include <cctype>

#include "zhanqun/net/http.h"

namespace zhanqun::net {
namespace {

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          static const char* kHex = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string FormDecode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
               HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ParseFormUrlEncodedAll(const std::string& body) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t end = body.find('&', start);
    if (end == std::string::npos) end = body.size();
    std::string pair = body.substr(start, end - start);
    if (!pair.empty()) {
      std::size_t eq = pair.find('=');
      out.emplace_back(FormDecode(pair.substr(0, eq)),
                       eq == std::string::npos ? "" : FormDecode(pair.substr(eq + 1)));
    }
    start = end + 1;
  }
  return out;
}

std::map<std::string, std::string> ParseFormUrlEncoded(const std::string& body) {
  std::map<std::string, std::string> out;
  for (auto& [name, value] : ParseFormUrlEncodedAll(body)) {
    out.emplace(std::move(name), std::move(value));  // the first of a repeated name wins
  }
  return out;
}

std::string HttpRequest::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

std::string HttpRequest::Query(const std::string& name, const std::string& dflt) const {
  auto it = query.find(name);
  return it == query.end() ? dflt : it->second;
}

HttpResponse HttpResponse::Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json; charset=utf-8";
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::Text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::Error(const base::Status& s) {
  return Json(HttpStatusFor(s.code()), "{\"error\":\"" + JsonEscape(s.message()) +
                                           "\",\"code\":\"" + base::CodeName(s.code()) + "\"}\n");
}

HttpResponse HttpResponse::ServerError(const base::Status& s) {
  HttpResponse r = Error(s);
  r.status = s.code() == base::Code::kUnavailable ? 503 : 500;
  return r;
}

int HttpStatusFor(base::Code code) {
  switch (code) {
    case base::Code::kOk:
      return 200;
    case base::Code::kInvalidArgument:
      return 400;
    case base::Code::kUnauthenticated:
      return 401;
    case base::Code::kPermissionDenied:
      return 403;
    case base::Code::kNotFound:
      return 404;
    case base::Code::kAlreadyExists:
      return 409;
    case base::Code::kFailedPrecondition:
      return 409;
    case base::Code::kResourceExhausted:
      return 413;
    case base::Code::kCorruption:
      return 422;
    case base::Code::kUnavailable:
      return 503;
    case base::Code::kIoError:
    case base::Code::kInternal:
      return 500;
  }
  return 500;
}

std::string UrlEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace zhanqun::net
