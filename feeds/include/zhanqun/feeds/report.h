// Node reports: the acknowledgements and heartbeats every node sends up the
// tree (docs/protocol.md, "Reports").
//
// A report is a JSON document signed by the node that wrote it; the
// signature travels beside it as "keyId=<16 hex>,sig=<base64>". Reports
// reach the hub inside envelopes: a node POSTs to its upstream's
// /api/v1/acks an envelope {"from", "reports": [{"body", "signature"}...]}
// holding its own report and the reports its children sent it, with the
// envelope itself signed by the sender (X-Zhanqun-Signature). A relay
// forwards its children's reports byte for byte, so it can neither forge
// nor alter one; each report's (boot, n) numbering lets the hub notice one
// that went missing.
#ifndef ZHANQUN_FEEDS_REPORT_H_
#define ZHANQUN_FEEDS_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "zhanqun/base/status.h"
#include "zhanqun/feeds/freshness.h"
#include "zhanqun/feeds/model.h"
#include "zhanqun/feeds/signature.h"

namespace zhanqun::feeds {

// The stages of an entry at a node, in order.
enum class Stage { kReceived, kVerified, kLocalized, kIndexed, kLive };
inline constexpr Stage kAllStages[] = {Stage::kReceived, Stage::kVerified, Stage::kLocalized,
                                       Stage::kIndexed, Stage::kLive};
const char* StageName(Stage s);  // "received", "verified", "localized", "indexed", "live"
// kInvalidArgument naming the value when `s` is not a stage name.
base::Result<Stage> ParseStage(const std::string& s);
// The names of kAllStages, in the same order.
inline constexpr const char* kStages[] = {"received", "verified", "localized", "indexed", "live"};
bool IsStage(const std::string& s);

struct StageAck {
  std::string origin;
  Stage stage = Stage::kReceived;
  std::uint64_t seq = 0;   // cumulative: every seq up to this one
  base::TimeMs at_ms = 0;  // node clock; 0 when unknown (the hub uses its receipt time)
};

struct ReportRejection {
  std::string origin;
  std::uint64_t seq = 0;
  std::string reason;
};

struct NodeReport {
  std::string node;
  std::uint64_t boot = 0;      // random per process start; 0 in legacy reports
  std::uint64_t n = 0;         // 1, 2, 3... within one boot
  base::TimeMs sent_ms = 0;    // node clock
  ClockEstimate clock;         // the node's offset to the hub's clock
  std::string head_statement;  // newest hub head statement it holds, verbatim
  std::string upstream;        // the upstream it follows now
  std::vector<StageAck> acks;
  std::vector<ReportRejection> rejected;
};

struct SignedReport {
  std::string body;       // the report's JSON text, as signed
  std::string signature;  // "keyId=<hex>,sig=<base64>"
};

struct Envelope {
  std::string from;
  std::vector<SignedReport> reports;
  bool bare = false;  // a legacy bare report, signed by the header signature
};

std::string EncodeReport(const NodeReport& r);
// Validates every field; errors name it ("acks[2].stage: ...").
base::Result<NodeReport> ParseReport(const std::string& json_text);

// "keyId=<hex>,sig=<base64>" over `body`.
std::string SignatureFor(const SecretKey& key, std::string_view body);
// Verifies a "keyId=..,sig=.." value against whichever of `keys` it names.
base::Status VerifySignatureFor(const std::vector<PublicKey>& keys, std::string_view body,
                                const std::string& signature);

std::string EncodeEnvelope(const Envelope& e);
// Accepts an envelope, or a bare legacy report (a body with "node" and
// "acks"), which becomes an envelope of one report signed by
// `header_signature`.
base::Result<Envelope> ParseEnvelope(const std::string& json_text,
                                     const std::string& header_signature);

inline constexpr std::size_t kMaxReportsPerEnvelope = 5000;

}  // namespace zhanqun::feeds

#endif  // ZHANQUN_FEEDS_REPORT_H_
