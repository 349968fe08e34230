// The zhanqun data model: releases, nodes, and log entries that carry them.
//
// Plain value types; no I/O. Validation functions return a Status whose
// message names the offending field and the rule it breaks.
#ifndef ZHANQUN_FEEDS_MODEL_H_
#define ZHANQUN_FEEDS_MODEL_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "zhanqun/base/status.h"
#include "zhanqun/base/time.h"

namespace zhanqun::feeds {

enum class ReleaseStatus { kActive, kAmended, kWithdrawn, kRepealed };
const char* ReleaseStatusName(ReleaseStatus s);  // "active", "amended", ...
base::Result<ReleaseStatus> ParseReleaseStatus(const std::string& s);

struct Attachment {
  std::string href;  // absolute http(s) URL
  std::string title;
  std::string media_type;  // may be empty
  std::string sha256_hex;  // 64 lowercase hex digits
  std::uint64_t length = 0;
  bool operator==(const Attachment&) const = default;
};

// A policy release. `id` is stable across versions; `version` starts at 1.
struct Release {
  std::string id;  // [A-Za-z0-9._:/-]{1,128}
  int version = 1;
  std::string title;              // 1..500 chars
  std::string doc_number;         // 文号, may be empty
  std::string authority;          // 发文机关, required
  std::string signed_date;        // 成文日期 YYYY-MM-DD, may be empty
  base::TimeMs published_ms = 0;  // 发布时间
  std::vector<std::string> topics;
  std::vector<std::string> categories;
  std::string body_html;  // sanitized HTML (see sanitize.h)
  std::vector<Attachment> attachments;
  ReleaseStatus status = ReleaseStatus::kActive;
  bool operator==(const Release&) const = default;
};

// Limits applied to releases before they are signed.
inline constexpr std::size_t kMaxBodyBytes = 2 * 1024 * 1024;
inline constexpr std::size_t kMaxTitleChars = 500;

// Checks every field; the first violation is returned, naming the field.
base::Status ValidateRelease(const Release& r);

enum class NodeLevel { kNational = 0, kProvince = 1, kCity = 2, kCounty = 3 };
const char* NodeLevelName(NodeLevel l);  // "national", "province", "city", "county"
base::Result<NodeLevel> ParseNodeLevel(const std::string& s);

// An Ed25519 public key with its minisign-style key id.
struct PublicKey {
  std::array<std::uint8_t, 8> key_id{};  // as stored by minisign (little-endian)
  std::array<std::uint8_t, 32> bytes{};
  // Key id as minisign prints it: 16 uppercase hex digits.
  std::string KeyIdHex() const;
  bool operator==(const PublicKey&) const = default;
};

// The range of its node's own log a registry key may sign: the entries with
// from_seq <= seq < until_seq (until_seq 0: no end). Encoded as the optional
// `from`/`until` attributes of <zq:key>, each only when not the default.
struct KeySpan {
  std::uint64_t from_seq = 1;
  std::uint64_t until_seq = 0;
  bool operator==(const KeySpan&) const = default;
};

// kRemoved: the node left the cluster; none of its keys signs anything.
enum class NodeStatus { kActive = 0, kRemoved = 1 };
const char* NodeStatusName(NodeStatus s);  // "active", "removed"
base::Result<NodeStatus> ParseNodeStatus(const std::string& s);

// A site in the cluster, named by its GB/T 2260 code; the hub is "000000".
// A registry entry states the node's complete key history: the newest entry
// of a code replaces everything earlier ones said about its keys.
struct Node {
  std::string code;  // 6 digits
  std::string name;
  NodeLevel level = NodeLevel::kNational;
  std::string parent;  // empty for the hub
  std::vector<PublicKey> keys;
  // Parallel to `keys` when not empty; empty means every key spans the whole
  // log (what entries written before key histories existed say).
  std::vector<KeySpan> key_spans{};
  NodeStatus status = NodeStatus::kActive;
  std::uint32_t epoch = 1;  // a rejoined node (new disk, new key) starts a new epoch
  // The span of keys[i]: key_spans[i], or the whole log when there are none.
  KeySpan SpanOf(std::size_t i) const { return i < key_spans.size() ? key_spans[i] : KeySpan{}; }
  bool operator==(const Node&) const = default;
};

inline constexpr const char* kHubCode = "000000";
bool IsDivisionCode(const std::string& s);  // exactly 6 ASCII digits
base::Status ValidateNode(const Node& n);

// A local interpretation (政策解读) of a release, written by one node for its
// region. Each is an entry in that node's own log; the newest entry of an
// origin for a release is that origin's layer. `body_html` is the complete
// layer as it should be shown (sanitized HTML).
enum class InterpretationMode { kExtend, kReplace };
const char* InterpretationModeName(InterpretationMode m);  // "extend", "replace"
base::Result<InterpretationMode> ParseInterpretationMode(const std::string& s);

struct Interpretation {
  std::string release_id;
  int release_version = 1;  // the release version it was written for
  // How a manual note combined with the template output when it was written:
  // kExtend appended it, kReplace replaced the template text.
  InterpretationMode mode = InterpretationMode::kExtend;
  std::string source = "template";  // "template" or "manual"
  std::string title;                // 1..500 chars
  std::string body_html;            // sanitized HTML, <= kMaxBodyBytes
  bool operator==(const Interpretation&) const = default;
};
base::Status ValidateInterpretation(const Interpretation& i);

// A topic (专题): the hub defines national ones, agents may add local ones.
struct TopicDef {
  std::string id;     // 1..64 UTF-8 chars (CJK ok); no whitespace, controls, / ? # % or backslash
  std::string title;  // 1..200 chars
  std::string description;  // plain text, may be empty, <= 2000 chars
  bool operator==(const TopicDef&) const = default;
};
base::Status ValidateTopic(const TopicDef& t);

enum class EntryKind { kRelease, kNode, kInterpretation, kTopic, kTrust };
// "release", "node", "interpretation", "topic", "trust"
const char* EntryKindName(EntryKind k);

// Position of an entry in its origin's append-only log.
struct LogPosition {
  std::string origin;     // division code of the signer
  std::uint64_t seq = 0;  // 1, 2, 3, ... with no gaps
  std::string prev_hash;  // hex SHA-256 of the predecessor's canonical form; 64 '0' for seq 1
  bool operator==(const LogPosition&) const = default;
};

inline const std::string kZeroHash(64, '0');

// One log entry before signing. Exactly one payload is set, matching kind.
struct Entry {
  LogPosition log;
  EntryKind kind = EntryKind::kRelease;
  base::TimeMs updated_ms = 0;  // time the origin appended it, on the origin's clock
  std::optional<Release> release;
  std::optional<Node> node;
  std::optional<Interpretation> interpretation;
  std::optional<TopicDef> topic;
  // A root-signed trust statement in its text form (trust.h EncodeTrust); only
  // the hub's log carries them. The codec checks the text is one; VerifyTrust
  // decides whether it holds.
  std::optional<std::string> trust;
  bool operator==(const Entry&) const = default;
};

}  // namespace zhanqun::feeds

#endif  // ZHANQUN_FEEDS_MODEL_H_
