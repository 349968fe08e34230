#include "zhanqun/feeds/report.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "zhanqun/base/encoding.h"

namespace zhanqun::feeds {

using json = nlohmann::json;

namespace {

constexpr std::size_t kMaxAcks = 1000;
constexpr std::size_t kMaxRejections = 100;

bool IsString(const json& j, const char* key) { return j.contains(key) && j[key].is_string(); }
bool IsUint(const json& j, const char* key) {
  return j.contains(key) && j[key].is_number_unsigned();
}
bool IsInt(const json& j, const char* key) { return j.contains(key) && j[key].is_number_integer(); }

}  // namespace

const char* StageName(Stage s) { return kStages[static_cast<std::size_t>(s)]; }

base::Result<Stage> ParseStage(const std::string& s) {
  for (Stage st : kAllStages) {
    if (s == StageName(st)) return st;
  }
  return base::Status::Invalid("unknown stage '" + s + "'");
}

bool IsStage(const std::string& s) {
  return std::any_of(std::begin(kStages), std::end(kStages), [&](const char* k) { return s == k; });
}

std::string EncodeReport(const NodeReport& r) {
  json acks = json::array();
  for (const StageAck& a : r.acks) {
    json j = {{"origin", a.origin}, {"stage", StageName(a.stage)}, {"seq", a.seq}};
    if (a.at_ms > 0) j["at_ms"] = a.at_ms;
    acks.push_back(std::move(j));
  }
  json j = {{"node", r.node}, {"boot", r.boot}, {"n", r.n}, {"sent_ms", r.sent_ms}, {"acks", acks}};
  if (r.clock.known) {
    j["clock"] = {{"offset_ms", r.clock.offset_ms}, {"error_ms", r.clock.error_ms}};
  }
  if (!r.head_statement.empty()) j["head_statement"] = r.head_statement;
  if (!r.upstream.empty()) j["upstream"] = r.upstream;
  if (!r.rejected.empty()) {
    json rej = json::array();
    for (const ReportRejection& x : r.rejected) {
      rej.push_back({{"origin", x.origin}, {"seq", x.seq}, {"reason", x.reason}});
    }
    j["rejected"] = std::move(rej);
  }
  return j.dump();
}

base::Result<NodeReport> ParseReport(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return base::Status::Invalid("report: not a JSON object");
  if (!IsString(j, "node") || !IsDivisionCode(j["node"].get<std::string>())) {
    return base::Status::Invalid("report.node: expected a 6-digit division code");
  }
  if (!j.contains("acks") || !j["acks"].is_array()) {
    return base::Status::Invalid("report.acks: expected an array");
  }
  NodeReport r;
  r.node = j["node"];
  if (j.contains("boot")) {
    if (!IsUint(j, "boot"))
      return base::Status::Invalid("report.boot: expected an unsigned integer");
    r.boot = j["boot"];
  }
  if (j.contains("n")) {
    if (!IsUint(j, "n")) return base::Status::Invalid("report.n: expected an unsigned integer");
    r.n = j["n"];
  }
  if (j.contains("sent_ms")) {
    if (!IsInt(j, "sent_ms")) return base::Status::Invalid("report.sent_ms: expected milliseconds");
    r.sent_ms = j["sent_ms"];
  }
  if (j.contains("clock")) {
    const json& c = j["clock"];
    if (!c.is_object() || !IsInt(c, "offset_ms") || !IsInt(c, "error_ms") ||
        c["error_ms"].get<std::int64_t>() < 0) {
      return base::Status::Invalid("report.clock: expected {offset_ms, error_ms >= 0}");
    }
    r.clock = {true, c["offset_ms"], c["error_ms"]};
  }
  if (j.contains("head_statement")) {
    if (!IsString(j, "head_statement")) {
      return base::Status::Invalid("report.head_statement: expected a string");
    }
    r.head_statement = j["head_statement"];
  }
  if (j.contains("upstream")) {
    if (!IsString(j, "upstream"))
      return base::Status::Invalid("report.upstream: expected a string");
    r.upstream = j["upstream"].get<std::string>().substr(0, 300);
  }
  const json& acks = j["acks"];
  if (acks.size() > kMaxAcks) return base::Status::Invalid("report.acks: more than 1000 items");
  for (std::size_t i = 0; i < acks.size(); ++i) {
    const json& a = acks[i];
    std::string where = "acks[" + std::to_string(i) + "]";
    if (!a.is_object() || !IsString(a, "origin") || !IsString(a, "stage") || !IsUint(a, "seq")) {
      return base::Status::Invalid(where + ": expected {origin, stage, seq[, at_ms]}");
    }
    StageAck ack{a["origin"], Stage::kReceived, a["seq"], 0};
    if (!IsDivisionCode(ack.origin))
      return base::Status::Invalid(where + ".origin: not a division code");
    base::Result<Stage> stage = ParseStage(a["stage"].get<std::string>());
    if (!stage.ok()) return stage.status().Context(where + ".stage");
    ack.stage = *stage;
    if (a.contains("at_ms")) {
      if (!IsInt(a, "at_ms")) return base::Status::Invalid(where + ".at_ms: expected milliseconds");
      ack.at_ms = a["at_ms"];
    }
    r.acks.push_back(std::move(ack));
  }
  if (j.contains("rejected")) {
    const json& list = j["rejected"];
    if (!list.is_array()) return base::Status::Invalid("report.rejected: expected an array");
    for (std::size_t i = 0; i < list.size() && i < kMaxRejections; ++i) {
      const json& x = list[i];
      if (!x.is_object() || !IsString(x, "origin") || !IsUint(x, "seq") || !IsString(x, "reason")) {
        return base::Status::Invalid("rejected[" + std::to_string(i) +
                                     "]: expected {origin, seq, reason}");
      }
      r.rejected.push_back({x["origin"], x["seq"], x["reason"].get<std::string>().substr(0, 1000)});
    }
  }
  return r;
}

std::string SignatureFor(const SecretKey& key, std::string_view body) {
  auto sig = key.SignRaw(body);
  return "keyId=" + key.public_key().KeyIdHex() + ",sig=" +
         base::Base64Encode(
             std::string_view(reinterpret_cast<const char*>(sig.data()), sig.size()));
}

base::Status VerifySignatureFor(const std::vector<PublicKey>& keys, std::string_view body,
                                const std::string& signature) {
  auto comma = signature.find(',');
  if (signature.rfind("keyId=", 0) != 0 || comma == std::string::npos ||
      signature.compare(comma + 1, 4, "sig=") != 0) {
    return base::Status::Unauthenticated("signature: expected 'keyId=<hex>,sig=<base64>'");
  }
  std::string key_id = signature.substr(6, comma - 6);
  base::Result<std::string> raw = base::Base64Decode(signature.substr(comma + 5));
  if (!raw.ok() || raw->size() != 64) {
    return base::Status::Unauthenticated("signature: sig is not a base64 Ed25519 signature");
  }
  std::array<std::uint8_t, 64> sig{};
  std::copy(raw->begin(), raw->end(), sig.begin());
  for (const PublicKey& k : keys) {
    if (k.KeyIdHex() != key_id) continue;
    base::Status s = VerifyRaw(k, body, sig);
    if (!s.ok())
      return base::Status::Unauthenticated("signature by key " + key_id + " does not verify");
    return base::Status::Ok();
  }
  return base::Status::Unauthenticated("signed by key " + key_id +
                                       ", which the sender does not hold");
}

std::string EncodeEnvelope(const Envelope& e) {
  json reports = json::array();
  for (const SignedReport& r : e.reports) {
    reports.push_back({{"body", r.body}, {"signature", r.signature}});
  }
  return json{{"from", e.from}, {"reports", reports}}.dump();
}

base::Result<Envelope> ParseEnvelope(const std::string& text, const std::string& header_signature) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return base::Status::Invalid("ack body: expected a JSON object (an envelope or a report)");
  }
  Envelope e;
  if (!j.contains("reports")) {
    if (!IsString(j, "node") || !j.contains("acks")) {
      return base::Status::Invalid(
          "ack body: expected {\"from\", \"reports\"} or {\"node\", \"acks\"}");
    }
    e.from = j["node"];
    e.bare = true;
    e.reports.push_back({text, header_signature});
    return e;
  }
  if (!IsString(j, "from") || !IsDivisionCode(j["from"].get<std::string>())) {
    return base::Status::Invalid("envelope.from: expected a 6-digit division code");
  }
  if (!j["reports"].is_array()) return base::Status::Invalid("envelope.reports: expected an array");
  if (j["reports"].size() > kMaxReportsPerEnvelope) {
    return base::Status::Invalid("envelope.reports: more than " +
                                 std::to_string(kMaxReportsPerEnvelope) + " reports");
  }
  e.from = j["from"];
  for (std::size_t i = 0; i < j["reports"].size(); ++i) {
    const json& r = j["reports"][i];
    if (!r.is_object() || !IsString(r, "body") || !IsString(r, "signature")) {
      return base::Status::Invalid("envelope.reports[" + std::to_string(i) +
                                   "]: expected {body, signature}");
    }
    e.reports.push_back({r["body"], r["signature"]});
  }
  return e;
}

}  // namespace zhanqun::feeds
