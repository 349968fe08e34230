#include "zhanqun/hub/node_keys.h"

#include <algorithm>
#include <string>
#include <vector>

namespace zhanqun::hub {
namespace {

using base::Status;

// Seqs are stored as SQLite integers (int64) everywhere.
constexpr std::uint64_t kMaxSeq = 9223372036854775807ULL;

std::string Who(const feeds::Node& n) { return "node " + n.code; }

// The node with one explicit span per key, so edits can set any of them.
feeds::Node WithSpans(const feeds::Node& current) {
  feeds::Node n = current;
  n.key_spans.clear();
  for (std::size_t i = 0; i < n.keys.size(); ++i) n.key_spans.push_back(current.SpanOf(i));
  return n;
}

// Ends every open grant at `until`; how many it ended.
base::Result<int> EndOpenGrants(feeds::Node& n, std::uint64_t until) {
  int ended = 0;
  for (std::size_t i = 0; i < n.keys.size(); ++i) {
    feeds::KeySpan& span = n.key_spans[i];
    if (span.until_seq != 0) continue;
    if (until <= span.from_seq) {
      return Status::Invalid(Who(n) + ": key " + n.keys[i].KeyIdHex() + " is granted from seq " +
                             std::to_string(span.from_seq) + "; it cannot end at seq " +
                             std::to_string(until) + ", which is not after its start");
    }
    span.until_seq = until;
    ++ended;
  }
  return ended;
}

Status RequireActive(const feeds::Node& n) {
  if (n.status == feeds::NodeStatus::kRemoved) {
    return Status::Invalid(Who(n) + " is removed; rejoin it to give it a key again");
  }
  return Status::Ok();
}

Status RequireNewKey(const feeds::Node& n, const feeds::PublicKey& key) {
  for (const feeds::PublicKey& k : n.keys) {
    if (k.key_id == key.key_id) {
      return Status::Invalid(Who(n) + ": key " + key.KeyIdHex() +
                             " is already one of its keys; generate a new one");
    }
  }
  return Status::Ok();
}

// Old spans all default again (a fresh node) encode as none.
void Compact(feeds::Node& n) {
  for (const feeds::KeySpan& s : n.key_spans) {
    if (!(s == feeds::KeySpan{})) return;
  }
  n.key_spans.clear();
}

}  // namespace

base::Result<feeds::Node> RekeyNode(const feeds::Node& current, const feeds::PublicKey& key,
                                    std::uint64_t from_seq) {
  ZQ_RETURN_IF_ERROR(RequireActive(current));
  ZQ_RETURN_IF_ERROR(RequireNewKey(current, key));
  if (from_seq == 0) return Status::Invalid("from-seq: must be >= 1, got 0");
  if (from_seq > kMaxSeq) return Status::Invalid("from-seq: must be <= " + std::to_string(kMaxSeq));
  // The new key continues exactly where the node's keys end: no seq may be
  // signed by two keys (a revoked key's entries would stand) or by none
  // (the node could never sign its next entry).
  bool open = false;
  std::uint64_t ended_at = 0;
  for (std::size_t i = 0; i < current.keys.size(); ++i) {
    const feeds::KeySpan span = current.SpanOf(i);
    if (span.until_seq == 0) open = true;
    ended_at = std::max(ended_at, span.until_seq);
  }
  if (!open && ended_at != 0 && from_seq != ended_at) {
    return Status::Invalid(Who(current) + ": its keys sign nothing from seq " +
                           std::to_string(ended_at) + " on; the new key must start there (" +
                           "--from-seq " + std::to_string(ended_at) + "), not at seq " +
                           std::to_string(from_seq));
  }
  if (open && from_seq < ended_at) {
    return Status::Invalid(Who(current) + ": seq " + std::to_string(from_seq) +
                           " is inside a revoked key's range (it ends at seq " +
                           std::to_string(ended_at) + ")");
  }
  feeds::Node n = WithSpans(current);
  base::Result<int> ended = EndOpenGrants(n, from_seq);
  if (!ended.ok()) return ended.status();
  n.keys.push_back(key);
  n.key_spans.push_back(feeds::KeySpan{from_seq, 0});
  Compact(n);
  return n;
}

base::Result<feeds::Node> RevokeNode(const feeds::Node& current, std::uint64_t after_seq) {
  ZQ_RETURN_IF_ERROR(RequireActive(current));
  if (after_seq >= kMaxSeq) {
    return Status::Invalid("after-seq: must be < " + std::to_string(kMaxSeq));
  }
  feeds::Node n = WithSpans(current);
  // Every grant that reaches past the point ends there, open or already
  // ended later (a theft found to have begun earlier than first thought).
  const std::uint64_t until = after_seq + 1;
  int ended = 0;
  for (std::size_t i = 0; i < n.keys.size(); ++i) {
    feeds::KeySpan& span = n.key_spans[i];
    if (span.until_seq != 0 && span.until_seq <= until) continue;
    if (until <= span.from_seq) {
      return Status::Invalid(Who(n) + ": key " + n.keys[i].KeyIdHex() + " is granted from seq " +
                             std::to_string(span.from_seq) + ", after seq " +
                             std::to_string(after_seq) + "; revoke after seq " +
                             std::to_string(span.from_seq - 1) + " or later");
    }
    span.until_seq = until;
    ++ended;
  }
  if (ended == 0) {
    return Status::Invalid(Who(n) + " has no key granted past seq " + std::to_string(after_seq) +
                           "; nothing to revoke");
  }
  return n;
}

base::Result<feeds::Node> RemoveNode(const feeds::Node& current) {
  if (current.status == feeds::NodeStatus::kRemoved) {
    return Status::Invalid(Who(current) + " is already removed");
  }
  feeds::Node n = current;
  n.status = feeds::NodeStatus::kRemoved;
  return n;
}

base::Result<feeds::Node> RejoinNode(const feeds::Node& current, const feeds::PublicKey& key) {
  ZQ_RETURN_IF_ERROR(RequireNewKey(current, key));
  feeds::Node n = current;
  n.status = feeds::NodeStatus::kActive;
  n.epoch = current.epoch + 1;
  n.keys = {key};
  n.key_spans.clear();
  return n;
}

}  // namespace zhanqun::hub
