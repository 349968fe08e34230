#include "zhanqun/feeds/model.h"

#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <set>
#include <string_view>

#include "zhanqun/base/time.h"
#include "zhanqun/text/xml.h"

namespace zhanqun::feeds {
namespace {

constexpr std::size_t kMaxListItems = 32;
constexpr std::size_t kMaxLabelChars = 64;
constexpr std::size_t kMaxShortChars = 200;
constexpr std::size_t kMaxIdChars = 128;
constexpr std::size_t kMaxAttachments = 64;
constexpr std::size_t kMaxKeys = 8;
constexpr std::size_t kMaxQuoted = 80;
constexpr std::size_t kMaxTopicIdChars = 64;
constexpr std::size_t kMaxDescriptionChars = 2000;

// Quotes a value for an error message, cut short so messages stay readable.
std::string Quote(std::string_view s) {
  if (s.size() > kMaxQuoted) return "'" + std::string(s.substr(0, kMaxQuoted)) + "...'";
  return "'" + std::string(s) + "'";
}

// Unicode scalar values, as a person counts characters; assumes valid UTF-8.
std::size_t CharCount(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

base::Status CheckText(const std::string& field, std::string_view s) {
  std::size_t bad = text::xml::FindInvalidText(s);
  if (bad == std::string_view::npos) return base::Status::Ok();
  return base::Status::Invalid(field + ": invalid UTF-8 or disallowed control character at byte " +
                               std::to_string(bad));
}

// Text that must be 1..max characters (or 0..max when optional).
base::Status CheckLength(const std::string& field, std::string_view s, std::size_t max,
                         bool required) {
  ZQ_RETURN_IF_ERROR(CheckText(field, s));
  std::size_t n = CharCount(s);
  if ((required && n == 0) || n > max) {
    return base::Status::Invalid(field + ": " + (required ? "required, 1.." : "at most ") +
                                 std::to_string(max) + " characters, got " + std::to_string(n));
  }
  return base::Status::Ok();
}

bool IsLowerHex(std::string_view s, std::size_t len) {
  if (s.size() != len) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IsHttpUrl(std::string_view s) {
  std::string_view rest;
  if (s.starts_with("http://")) {
    rest = s.substr(7);
  } else if (s.starts_with("https://")) {
    rest = s.substr(8);
  } else {
    return false;
  }
  if (rest.empty() || rest[0] == '/' || s.size() > 2048) return false;
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F || c == '"' || c == '<' || c == '>') {
      return false;
    }
  }
  return true;
}

bool IsMediaType(std::string_view s) {
  std::size_t slash = s.find('/');
  if (slash == 0 || slash == std::string_view::npos || slash + 1 == s.size()) return false;
  if (s.size() > 127) return false;
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
      return false;
    }
  }
  return true;
}

base::Status CheckLabels(const std::string& field, const std::vector<std::string>& labels) {
  if (labels.size() > kMaxListItems) {
    return base::Status::Invalid(field + ": at most " + std::to_string(kMaxListItems) + ", got " +
                                 std::to_string(labels.size()));
  }
  for (std::size_t i = 0; i < labels.size(); ++i) {
    ZQ_RETURN_IF_ERROR(
        CheckLength(field + "[" + std::to_string(i) + "]", labels[i], kMaxLabelChars, true));
  }
  return base::Status::Ok();
}

base::Status CheckAttachment(const std::string& field, const Attachment& a) {
  if (!IsHttpUrl(a.href)) {
    return base::Status::Invalid(field + ".href: expected an absolute http or https URL, got " +
                                 Quote(a.href));
  }
  ZQ_RETURN_IF_ERROR(CheckLength(field + ".title", a.title, kMaxTitleChars, false));
  if (!a.media_type.empty() && !IsMediaType(a.media_type)) {
    return base::Status::Invalid(field + ".media_type: expected empty or type/subtype, got " +
                                 Quote(a.media_type));
  }
  if (!IsLowerHex(a.sha256_hex, 64)) {
    return base::Status::Invalid(field + ".sha256_hex: expected 64 lowercase hex digits, got " +
                                 Quote(a.sha256_hex));
  }
  return base::Status::Ok();
}

bool IsReleaseId(std::string_view s) {
  return !s.empty() && s.size() <= kMaxIdChars &&
         s.find_first_not_of(
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:/-") ==
             std::string_view::npos;
}

// The code point starting at s[*i], advancing past it; assumes valid UTF-8.
char32_t NextCodePoint(std::string_view s, std::size_t* i) {
  auto b = static_cast<unsigned char>(s[*i]);
  std::size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
  char32_t cp = len == 1 ? b : static_cast<char32_t>(b & (0x7F >> len));
  for (std::size_t k = 1; k < len && *i + k < s.size(); ++k) {
    cp = (cp << 6) | static_cast<char32_t>(static_cast<unsigned char>(s[*i + k]) & 0x3F);
  }
  *i += len;
  return cp;
}

// Topic ids appear in URL paths and query strings, so anything a URL or a
// person would read as a separator or an escape is refused.
bool IsTopicIdChar(char32_t c) {
  if (c < 0x20 || (c >= 0x7F && c <= 0xA0)) return false;  // C0, DEL, C1, NBSP
  if (c == ' ' || c == '/' || c == '?' || c == '#' || c == '%' || c == '\\') return false;
  // The other Unicode White_Space characters (ideographic space included).
  return !(c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000);
}

base::Status CheckTopicId(const std::string& id) {
  ZQ_RETURN_IF_ERROR(CheckLength("topic.id", id, kMaxTopicIdChars, true));
  for (std::size_t i = 0; i < id.size();) {
    std::size_t at = i;
    if (!IsTopicIdChar(NextCodePoint(id, &i))) {
      return base::Status::Invalid(
          "topic.id: whitespace, control characters and / ? # % \\ are not allowed, got " +
          Quote(id) + " (byte " + std::to_string(at) + ")");
    }
  }
  return base::Status::Ok();
}

base::Status CheckReleaseHeader(const Release& r) {
  if (!IsReleaseId(r.id)) {
    return base::Status::Invalid("release.id: expected [A-Za-z0-9._:/-]{1,128}, got " +
                                 Quote(r.id));
  }
  if (r.version < 1) {
    return base::Status::Invalid("release.version: must be >= 1, got " + std::to_string(r.version));
  }
  ZQ_RETURN_IF_ERROR(CheckLength("release.title", r.title, kMaxTitleChars, true));
  ZQ_RETURN_IF_ERROR(CheckLength("release.doc_number", r.doc_number, kMaxShortChars, false));
  ZQ_RETURN_IF_ERROR(CheckLength("release.authority", r.authority, kMaxShortChars, true));
  int y = 0, m = 0, d = 0;
  if (!r.signed_date.empty() && !base::ParseIsoDate(r.signed_date, &y, &m, &d)) {
    return base::Status::Invalid(
        "release.signed_date: expected empty or a valid YYYY-MM-DD date, got " +
        Quote(r.signed_date));
  }
  if (r.published_ms <= 0) {
    return base::Status::Invalid("release.published_ms: must be > 0, got " +
                                 std::to_string(r.published_ms));
  }
  if (ReleaseStatusName(r.status)[0] == '?') {
    return base::Status::Invalid("release.status: unknown value " +
                                 std::to_string(static_cast<int>(r.status)));
  }
  return base::Status::Ok();
}

base::Status CheckKeys(const std::vector<PublicKey>& keys) {
  if (keys.size() > kMaxKeys) {
    return base::Status::Invalid("node.keys: at most " + std::to_string(kMaxKeys) + ", got " +
                                 std::to_string(keys.size()));
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (!seen.insert(keys[i].KeyIdHex()).second) {
      return base::Status::Invalid("node.keys[" + std::to_string(i) + "]: duplicate key id " +
                                   keys[i].KeyIdHex());
    }
  }
  return base::Status::Ok();
}

base::Status CheckKeySpans(const Node& n) {
  if (!n.key_spans.empty() && n.key_spans.size() != n.keys.size()) {
    return base::Status::Invalid("node.key_spans: expected one per key (" +
                                 std::to_string(n.keys.size()) + "), got " +
                                 std::to_string(n.key_spans.size()));
  }
  for (std::size_t i = 0; i < n.key_spans.size(); ++i) {
    const KeySpan& span = n.key_spans[i];
    std::string where = "node.keys[" + std::to_string(i) + "] (" + n.keys[i].KeyIdHex() + ")";
    if (span.from_seq == 0) return base::Status::Invalid(where + ": from must be >= 1, got 0");
    // Seqs are SQLite integers wherever they are stored.
    constexpr std::uint64_t kMaxSeq = 9223372036854775807ULL;
    if (span.from_seq > kMaxSeq || span.until_seq > kMaxSeq) {
      return base::Status::Invalid(where +
                                   ": from and until must be <= " + std::to_string(kMaxSeq));
    }
    if (span.until_seq != 0 && span.until_seq <= span.from_seq) {
      return base::Status::Invalid(where + ": until must be after from " +
                                   std::to_string(span.from_seq) + ", got " +
                                   std::to_string(span.until_seq));
    }
  }
  if (n.epoch == 0) return base::Status::Invalid("node.epoch: must be >= 1, got 0");
  return base::Status::Ok();
}

}  // namespace

const char* ReleaseStatusName(ReleaseStatus s) {
  switch (s) {
    case ReleaseStatus::kActive:
      return "active";
    case ReleaseStatus::kAmended:
      return "amended";
    case ReleaseStatus::kWithdrawn:
      return "withdrawn";
    case ReleaseStatus::kRepealed:
      return "repealed";
  }
  return "?";
}

base::Result<ReleaseStatus> ParseReleaseStatus(const std::string& s) {
  for (ReleaseStatus v : {ReleaseStatus::kActive, ReleaseStatus::kAmended,
                          ReleaseStatus::kWithdrawn, ReleaseStatus::kRepealed}) {
    if (s == ReleaseStatusName(v)) return v;
  }
  return base::Status::Invalid(
      "release status: expected active, amended, withdrawn or repealed, got " + Quote(s));
}

base::Status ValidateRelease(const Release& r) {
  ZQ_RETURN_IF_ERROR(CheckReleaseHeader(r));
  ZQ_RETURN_IF_ERROR(CheckLabels("release.topics", r.topics));
  ZQ_RETURN_IF_ERROR(CheckLabels("release.categories", r.categories));
  if (r.body_html.size() > kMaxBodyBytes) {
    return base::Status::Invalid("release.body_html: " + std::to_string(r.body_html.size()) +
                                 " bytes exceeds the limit of " + std::to_string(kMaxBodyBytes));
  }
  ZQ_RETURN_IF_ERROR(CheckText("release.body_html", r.body_html));
  if (r.attachments.size() > kMaxAttachments) {
    return base::Status::Invalid("release.attachments: at most " + std::to_string(kMaxAttachments) +
                                 ", got " + std::to_string(r.attachments.size()));
  }
  for (std::size_t i = 0; i < r.attachments.size(); ++i) {
    ZQ_RETURN_IF_ERROR(
        CheckAttachment("release.attachments[" + std::to_string(i) + "]", r.attachments[i]));
  }
  return base::Status::Ok();
}

const char* NodeLevelName(NodeLevel l) {
  switch (l) {
    case NodeLevel::kNational:
      return "national";
    case NodeLevel::kProvince:
      return "province";
    case NodeLevel::kCity:
      return "city";
    case NodeLevel::kCounty:
      return "county";
  }
  return "?";
}

base::Result<NodeLevel> ParseNodeLevel(const std::string& s) {
  for (NodeLevel v :
       {NodeLevel::kNational, NodeLevel::kProvince, NodeLevel::kCity, NodeLevel::kCounty}) {
    if (s == NodeLevelName(v)) return v;
  }
  return base::Status::Invalid("node level: expected national, province, city or county, got " +
                               Quote(s));
}

bool IsDivisionCode(const std::string& s) { return s.size() == 6 && IsDigits(s); }

base::Status ValidateNode(const Node& n) {
  if (!IsDivisionCode(n.code)) {
    return base::Status::Invalid("node.code: expected 6 ASCII digits, got " + Quote(n.code));
  }
  ZQ_RETURN_IF_ERROR(CheckLength("node.name", n.name, kMaxShortChars, true));
  if (NodeLevelName(n.level)[0] == '?') {
    return base::Status::Invalid("node.level: unknown value " +
                                 std::to_string(static_cast<int>(n.level)));
  }
  if (n.code == kHubCode && !n.parent.empty()) {
    return base::Status::Invalid("node.parent: must be empty for the hub, got " + Quote(n.parent));
  }
  if (n.code != kHubCode && (!IsDivisionCode(n.parent) || n.parent == n.code)) {
    return base::Status::Invalid(
        "node.parent: expected the 6-digit code of another node (required except for the "
        "hub), got " +
        Quote(n.parent));
  }
  ZQ_RETURN_IF_ERROR(CheckKeys(n.keys));
  return CheckKeySpans(n);
}

const char* NodeStatusName(NodeStatus s) {
  switch (s) {
    case NodeStatus::kActive:
      return "active";
    case NodeStatus::kRemoved:
      return "removed";
  }
  return "?";
}

base::Result<NodeStatus> ParseNodeStatus(const std::string& s) {
  for (NodeStatus v : {NodeStatus::kActive, NodeStatus::kRemoved}) {
    if (s == NodeStatusName(v)) return v;
  }
  return base::Status::Invalid("node status: expected active or removed, got " + Quote(s));
}

const char* InterpretationModeName(InterpretationMode m) {
  switch (m) {
    case InterpretationMode::kExtend:
      return "extend";
    case InterpretationMode::kReplace:
      return "replace";
  }
  return "?";
}

base::Result<InterpretationMode> ParseInterpretationMode(const std::string& s) {
  for (InterpretationMode v : {InterpretationMode::kExtend, InterpretationMode::kReplace}) {
    if (s == InterpretationModeName(v)) return v;
  }
  return base::Status::Invalid("interpretation mode: expected extend or replace, got " + Quote(s));
}

base::Status ValidateInterpretation(const Interpretation& i) {
  if (!IsReleaseId(i.release_id)) {
    return base::Status::Invalid(
        "interpretation.release_id: expected [A-Za-z0-9._:/-]{1,128}, got " + Quote(i.release_id));
  }
  if (i.release_version < 1) {
    return base::Status::Invalid("interpretation.release_version: must be >= 1, got " +
                                 std::to_string(i.release_version));
  }
  if (InterpretationModeName(i.mode)[0] == '?') {
    return base::Status::Invalid("interpretation.mode: unknown value " +
                                 std::to_string(static_cast<int>(i.mode)));
  }
  if (i.source != "template" && i.source != "manual") {
    return base::Status::Invalid("interpretation.source: expected template or manual, got " +
                                 Quote(i.source));
  }
  ZQ_RETURN_IF_ERROR(CheckLength("interpretation.title", i.title, kMaxTitleChars, true));
  if (i.body_html.size() > kMaxBodyBytes) {
    return base::Status::Invalid("interpretation.body_html: " + std::to_string(i.body_html.size()) +
                                 " bytes exceeds the limit of " + std::to_string(kMaxBodyBytes));
  }
  return CheckText("interpretation.body_html", i.body_html);
}

base::Status ValidateTopic(const TopicDef& t) {
  ZQ_RETURN_IF_ERROR(CheckTopicId(t.id));
  ZQ_RETURN_IF_ERROR(CheckLength("topic.title", t.title, kMaxShortChars, true));
  return CheckLength("topic.description", t.description, kMaxDescriptionChars, false);
}

const char* EntryKindName(EntryKind k) {
  switch (k) {
    case EntryKind::kRelease:
      return "release";
    case EntryKind::kNode:
      return "node";
    case EntryKind::kInterpretation:
      return "interpretation";
    case EntryKind::kTopic:
      return "topic";
    case EntryKind::kTrust:
      return "trust";
  }
  return "?";
}

std::string PublicKey::KeyIdHex() const {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < key_id.size(); ++i) {
    v |= static_cast<std::uint64_t>(key_id[i]) << (8 * i);
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIX64, v);
  return buf;
}

}  // namespace zhanqun::feeds
