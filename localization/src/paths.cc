#include <string_view>

#include "zhanqun/localization/site.h"

namespace zhanqun::localization {
namespace {

constexpr std::string_view kReleaseDir = "releases/";
constexpr std::string_view kTopicDir = "topics/";
constexpr std::string_view kPageSuffix = ".html";

bool IsSafe(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;  // lowercase is never produced, so it is not a valid encoding
}

// Escapes '%' so that one round of URL decoding yields the file name again.
std::string EscapePercent(const std::string& name) {
  std::string out;
  for (char c : name) out += (c == '%') ? std::string("%25") : std::string(1, c);
  return out;
}

}  // namespace

std::string SafeFileName(const std::string& id) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : id) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsSafe(c)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  // "." and ".." would name directories; encode their dots.
  if (out == "." || out == "..") return out == "." ? "%2E" : "%2E%2E";
  return out;
}

std::optional<std::string> FromSafeFileName(const std::string& name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (IsSafe(c)) {
      out += name[i];
      continue;
    }
    if (c != '%' || i + 2 >= name.size()) return std::nullopt;
    const int hi = HexValue(name[i + 1]), lo = HexValue(name[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  if (SafeFileName(out) != name) return std::nullopt;  // keeps the mapping one-to-one
  return out;
}

std::string ReleasePath(const std::string& release_id) {
  return std::string(kReleaseDir) + SafeFileName(release_id) + std::string(kPageSuffix);
}

std::string TopicPath(const std::string& topic_id) {
  return std::string(kTopicDir) + SafeFileName(topic_id) + std::string(kPageSuffix);
}

std::optional<std::string> ReleaseIdFromPath(const std::string& path) {
  std::string_view p = path;
  if (!p.empty() && p.front() == '/') p.remove_prefix(1);
  if (p.size() <= kReleaseDir.size() + kPageSuffix.size() || !p.starts_with(kReleaseDir) ||
      !p.ends_with(kPageSuffix)) {
    return std::nullopt;
  }
  p.remove_prefix(kReleaseDir.size());
  p.remove_suffix(kPageSuffix.size());
  return FromSafeFileName(std::string(p));
}

std::string ReleaseUrl(const std::string& release_id) {
  return EscapePercent(ReleasePath(release_id));
}

std::string TopicUrl(const std::string& topic_id) { return EscapePercent(TopicPath(topic_id)); }

}  // namespace zhanqun::localization
