// Acknowledgements in, cluster status out.
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "zhanqun/hub/hub.h"

namespace zhanqun::hub {

using feeds::Result;
using feeds::Status;
using json = nlohmann::json;

namespace {

const char* const kStages[] = {"received", "verified", "indexed"};

bool KnownStage(const std::string& s) {
  for (const char* k : kStages) {
    if (s == k) return true;
  }
  return false;
}

// "keyId=<16 hex>,sig=<base64>" -> (key id, signature bytes)
Status ParseSignatureHeader(const std::string& header, std::string* key_id,
                            std::array<std::uint8_t, 64>* sig) {
  auto comma = header.find(',');
  if (header.rfind("keyId=", 0) != 0 || comma == std::string::npos ||
      header.compare(comma + 1, 4, "sig=") != 0) {
    return Status::Unauthenticated("X-Zhanqun-Signature: expected 'keyId=<hex>,sig=<base64>'");
  }
  *key_id = header.substr(6, comma - 6);
  Result<std::string> raw = feeds::Base64Decode(header.substr(comma + 5));
  if (!raw.ok() || raw->size() != 64) {
    return Status::Unauthenticated("X-Zhanqun-Signature: sig is not a base64 Ed25519 signature");
  }
  std::copy(raw->begin(), raw->end(), sig->begin());
  return Status::Ok();
}

json LagSummary(std::vector<feeds::TimeMs> lags) {
  if (lags.empty()) return json();
  std::sort(lags.begin(), lags.end());
  auto at = [&](double q) {
    return lags[std::min(lags.size() - 1,
                         static_cast<std::size_t>(q * static_cast<double>(lags.size())))];
  };
  return {{"count", lags.size()}, {"p50", at(0.5)}, {"p95", at(0.95)}, {"max", lags.back()}};
}

// Entries the node refused, as it reports them with its acks.
Status RecordRejections(HubStore& store, feeds::TimeMs now, const std::string& node,
                        const json& list) {
  if (!list.is_array()) return Status::Invalid("rejected: expected an array");
  for (std::size_t i = 0; i < list.size() && i < 100; ++i) {
    const json& r = list[i];
    if (!r.is_object() || !r.value("origin", json()).is_string() ||
        !r.value("seq", json()).is_number_unsigned() || !r.value("reason", json()).is_string()) {
      return Status::Invalid("rejected[" + std::to_string(i) + "]: expected {origin, seq, reason}");
    }
    std::string reason = r["reason"].get<std::string>().substr(0, 1000);
    ZQ_RETURN_IF_ERROR(
        store.RecordRejection({node, r["origin"], r["seq"].get<std::uint64_t>(), reason, now}));
  }
  return Status::Ok();
}

}  // namespace

namespace {

// Checks the X-Zhanqun-Signature of an ack batch against the sending node's
// registered key; on success fills `parsed` with the body.
Result<NodeRow> AuthenticateAcks(HubStore& store, const std::string& body,
                                 const std::string& header, json* parsed) {
  std::string key_id;
  std::array<std::uint8_t, 64> sig{};
  ZQ_RETURN_IF_ERROR(ParseSignatureHeader(header, &key_id, &sig));
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.value("node", json()).is_string() ||
      !j.value("acks", json()).is_array()) {
    return Status::Invalid("ack body: expected {\"node\": code, \"acks\": [...]}");
  }
  std::optional<NodeRow> node = store.FindNode(j["node"].get<std::string>());
  if (!node) return Status::Unauthenticated("ack from unregistered node " + j["node"].dump());
  for (const auto& k : node->node.keys) {
    if (k.KeyIdHex() != key_id) continue;
    ZQ_RETURN_IF_ERROR(feeds::VerifyRaw(k, body, sig));
    *parsed = std::move(j);
    return *node;
  }
  return Status::Unauthenticated("ack signed by key " + key_id + ", which node " + node->node.code +
                                 " does not hold");
}

struct Ack {
  std::string origin, stage;
  std::uint64_t seq;
};

// Validates every item before anything is recorded: a batch is all or nothing.
Result<std::vector<Ack>> ParseAcks(const json& list, HubStore& store) {
  std::vector<Ack> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& a = list[i];
    std::string where = "acks[" + std::to_string(i) + "]";
    if (!a.is_object() || !a.value("origin", json()).is_string() ||
        !a.value("stage", json()).is_string() || !a.value("seq", json()).is_number_unsigned()) {
      return Status::Invalid(where + ": expected {origin, stage, seq}");
    }
    Ack ack{a["origin"], a["stage"], a["seq"].get<std::uint64_t>()};
    if (!KnownStage(ack.stage)) {
      return Status::Invalid(where + ".stage: unknown stage '" + ack.stage + "'");
    }
    if (ack.seq > store.Head(ack.origin)) {
      return Status::Invalid(where + ".seq: " + std::to_string(ack.seq) +
                             " is beyond the head of " + ack.origin);
    }
    out.push_back(std::move(ack));
  }
  return out;
}

}  // namespace

Status Hub::AcceptAcks(const std::string& body, const std::string& signature_header) {
  json j;
  Result<NodeRow> node = AuthenticateAcks(*store_, body, signature_header, &j);
  Result<std::vector<Ack>> acks =
      node.ok() ? ParseAcks(j["acks"], *store_) : Result<std::vector<Ack>>(node.status());
  Status s = acks.status();
  for (std::size_t i = 0; s.ok() && i < acks->size(); ++i) {
    const Ack& a = (*acks)[i];
    s = store_->RecordAck(node->node.code, a.origin, a.stage, a.seq, clock_.NowMs());
  }
  if (s.ok()) {
    s = RecordRejections(*store_, clock_.NowMs(), node->node.code,
                         j.value("rejected", json::array()));
  }
  (s.ok() ? counters_.acks_accepted : counters_.acks_rejected)++;
  return s;
}

namespace {

// Fills in the progress of `code` on the hub's own log: every stage (0 if
// never acknowledged), how many entries are missing, the age of the oldest
// missing one and the lag summary per stage.
void AddHubLogProgress(HubStore& store, const std::string& code, std::uint64_t head,
                       feeds::TimeMs now, json* origins) {
  json& mine = (*origins)[feeds::kHubCode];
  if (!mine.is_object()) mine = json::object();  // a node that never acknowledged
  std::uint64_t verified = mine.value("verified", std::uint64_t{0});
  for (const char* st : kStages) {
    if (!mine.contains(st)) mine[st] = 0;
  }
  mine["missing"] = head - std::min(head, verified);
  feeds::TimeMs lag = 0;
  if (verified < head) {
    Result<feeds::TimeMs> at = store.AppendedAt(feeds::kHubCode, verified + 1);
    if (at.ok()) lag = now - *at;
  }
  mine["oldest_missing_lag_ms"] = lag;
  json lag_ms = json::object();
  for (const char* st : kStages) lag_ms[st] = LagSummary(store.StageLags(code, st));
  mine["lag_ms"] = lag_ms;
}

void AddLastRejection(HubStore& store, const std::string& code, json* entry) {
  std::vector<RejectionRow> rejections = store.Rejections(code, 1);
  if (rejections.empty()) return;
  (*entry)["last_rejection"] = {{"origin", rejections[0].origin},
                                {"seq", rejections[0].seq},
                                {"reason", rejections[0].reason},
                                {"at", feeds::FormatTime(rejections[0].hub_ms)}};
}

}  // namespace

std::string Hub::StatusJson() {
  feeds::TimeMs now = clock_.NowMs();
  std::uint64_t head = store_->Head(feeds::kHubCode);
  std::map<std::string, json> per_node;
  std::map<std::string, feeds::TimeMs> last_contact;
  for (const AckRow& a : store_->Acks()) {
    per_node[a.node][a.origin][a.stage] = a.seq;
    last_contact[a.node] = std::max(last_contact[a.node], a.hub_ms);
  }
  json nodes = json::array();
  for (const NodeRow& row : store_->Nodes()) {
    const feeds::Node& n = row.node;
    if (n.code == feeds::kHubCode) continue;
    json o = per_node.count(n.code) ? per_node[n.code] : json::object();
    AddHubLogProgress(*store_, n.code, head, now, &o);
    json entry = {{"code", n.code},
                  {"name", n.name},
                  {"level", feeds::NodeLevelName(n.level)},
                  {"parent", n.parent},
                  {"origins", o}};
    AddLastRejection(*store_, n.code, &entry);
    entry["last_contact"] =
        last_contact.count(n.code) ? json(feeds::FormatTime(last_contact[n.code])) : json();
    nodes.push_back(entry);
  }
  json out = {{"hub",
               {{"code", feeds::kHubCode},
                {"now", feeds::FormatTime(now)},
                {"heads", {{feeds::kHubCode, head}}}}},
              {"nodes", nodes}};
  return out.dump(2);
}

}  // namespace zhanqun::hub
