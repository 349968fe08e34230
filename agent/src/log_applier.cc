#include "zhanqun/agent/log_applier.h"

#include <algorithm>
#include <utility>

#include "zhanqun/base/hash.h"

namespace zhanqun::agent {

using base::Result;
using base::Status;

namespace {

std::string Seq(std::uint64_t s) { return std::to_string(s); }

// The authority rules' questions, answered from the store's registry and
// release views as they stand before the page is applied.
class StoreFacts : public feeds::AuthorityFacts {
 public:
  StoreFacts(AgentStore& store, const std::string& node) : store_(store), node_(node) {}

  Result<std::optional<feeds::NodeLevel>> LevelOf(const std::string& origin) override {
    if (origin == feeds::kHubCode) return std::optional(feeds::NodeLevel::kNational);
    Result<std::optional<RegistryNode>> n = store_.FindRegistryNode(origin);
    if (!n.ok()) return n.status();
    if (!*n) return std::optional<feeds::NodeLevel>();
    return std::optional((*n)->level);
  }
  Result<bool> HoldsRelease(const std::string& id) override {
    Result<std::optional<ReleaseRef>> r = store_.FindRelease(id);
    if (!r.ok()) return r.status();
    return r->has_value();
  }
  Result<bool> Covers(const std::string& origin) override {
    std::string code = node_;
    // Depth is bounded by the levels; the guard stops a registry loop.
    for (int guard = 0; guard < 8 && !code.empty(); ++guard) {
      if (code == origin) return true;
      Result<std::optional<RegistryNode>> n = store_.FindRegistryNode(code);
      if (!n.ok()) return n.status();
      if (!*n) return false;
      code = (*n)->parent;
    }
    return false;
  }

 private:
  AgentStore& store_;
  const std::string& node_;
};

}  // namespace

LogApplier::LogApplier(std::string node, AgentStore& store, TrustedKeys& trust,
                       const base::Clock& clock, AgentCounters& counters, EventSink sink,
                       ApplyHooks hooks)
    : node_(std::move(node)),
      store_(store),
      trust_(trust),
      clock_(clock),
      counters_(counters),
      sink_(std::move(sink)),
      hooks_(std::move(hooks)) {}

void LogApplier::Reject(const std::string& origin, const feeds::ParsedEntry& e, const Status& why,
                        const std::string& source) {
  counters_.entries_rejected++;
  Status q =
      store_.Quarantine({origin, e.entry.log.seq, why.ToString(), source, clock_.NowMs(), e.wire});
  if (hooks_.rejected) hooks_.rejected(origin, e.entry.log.seq, why.ToString());
  Emit(sink_, "entry_rejected",
       {{"origin", origin},
        {"seq", Seq(e.entry.log.seq)},
        {"reason", why.ToString()},
        {"source", source},
        {"quarantined", q.ok() ? "yes" : q.ToString()}});
}

Result<bool> LogApplier::IsHeld(const std::string& origin, const feeds::ParsedEntry& e,
                                const feeds::ChainHead& head) {
  const feeds::LogPosition& pos = e.entry.log;
  if (pos.origin != origin || pos.seq > head.seq) return false;
  Result<std::optional<std::string>> hash = store_.HashAt(origin, pos.seq);
  if (!hash.ok()) return hash.status();
  return *hash == base::Sha256Hex(e.canonical);
}

void LogApplier::StoreFailed(const std::string& origin, const Status& s, ApplyOutcome* out) {
  Emit(sink_, "store_failed", {{"origin", origin}, {"error", s.ToString()}});
  if (out->rejected.ok()) out->rejected = s;
}

Result<feeds::SignedEntry> LogApplier::VerifyFromFeed(const std::string& origin,
                                                      const feeds::ParsedEntry& e,
                                                      const feeds::ChainHead& head) {
  if (e.entry.log.origin != origin) {
    return Status::Invalid("entry of origin " + e.entry.log.origin + " inside the feed of origin " +
                           origin);
  }
  return trust_.Verify(e, head);
}

Result<feeds::AuthorityDecision> LogApplier::Judge(const feeds::SignedEntry& se) {
  StoreFacts facts(store_, node_);
  return feeds::JudgeAuthority(se.entry, facts);
}

void LogApplier::Deferred(const feeds::AuthorityDecision& d, const std::string& source,
                          ApplyOutcome* out) {
  counters_.entries_deferred++;
  out->deferred = Status::Precondition(d.reason);
  Emit(sink_, "entry_deferred",
       {{"rule", feeds::AuthorityRuleName(d.rule)}, {"reason", d.reason}, {"source", source}});
}

bool LogApplier::StoreVerified(const std::string& origin,
                               const std::vector<feeds::SignedEntry>& verified, ApplyOutcome* out) {
  if (verified.empty()) return true;
  Status s = store_.AppendVerified(verified, clock_.NowMs());
  if (!s.ok()) {
    StoreFailed(origin, s, out);
    return false;
  }
  out->applied = verified.size();
  counters_.entries_verified += verified.size();
  counters_.store_commits++;
  if (hooks_.stored) hooks_.stored(origin, verified);
  for (const Truncation& t : store_.TakeTruncations()) {
    counters_.log_truncations++;
    counters_.entries_truncated += t.removed;
    Emit(sink_, "log_truncated",
         {{"origin", t.origin},
          {"from_seq", Seq(t.from_seq)},
          {"removed", Seq(t.removed)},
          {"registry_seq", Seq(t.by_seq)},
          {"reason", t.reason}});
    if (hooks_.truncated) hooks_.truncated(t.origin, t.from_seq);
  }
  return true;
}

ApplyOutcome LogApplier::ApplyPage(const std::string& origin,
                                   const std::vector<feeds::ParsedEntry>& page,
                                   const std::string& source) {
  std::lock_guard<std::mutex> apply_lock(mu_);
  ApplyOutcome out;
  Result<feeds::ChainHead> stored = store_.HeadOf(origin);
  if (!stored.ok()) {
    StoreFailed(origin, stored.status(), &out);
    return out;
  }
  feeds::ChainHead head = std::move(*stored);
  std::uint64_t received = 0;
  std::vector<feeds::SignedEntry> verified;
  for (const feeds::ParsedEntry& e : page) {
    const feeds::LogPosition& pos = e.entry.log;
    Result<bool> held = IsHeld(origin, e, head);
    if (!held.ok()) {
      // What was verified before it is still stored below.
      StoreFailed(origin, held.status(), &out);
      break;
    }
    if (pos.seq <= head.seq + 1) received = std::max(received, pos.seq);
    if (*held) {
      // Applying what we hold changes nothing; a parent that sends it again
      // is still worth a line, since we only ever ask for entries after our head.
      out.duplicates++;
      Emit(
          sink_, "duplicate_ignored",
          {{"origin", origin}, {"seq", Seq(pos.seq)}, {"head", Seq(head.seq)}, {"source", source}});
      continue;
    }
    Result<feeds::SignedEntry> r = VerifyFromFeed(origin, e, head);
    if (!r.ok()) {
      Reject(origin, e, r.status(), source);
      out.rejected = r.status();
      out.refused = true;
      break;
    }
    Result<feeds::AuthorityDecision> judged = Judge(*r);
    if (!judged.ok()) {
      StoreFailed(origin, judged.status(), &out);
      break;
    }
    if (judged->verdict == feeds::AuthorityVerdict::kNotYet) {
      Deferred(*judged, source, &out);
      break;
    }
    if (judged->verdict == feeds::AuthorityVerdict::kRefused) {
      Status why = Status::PermissionDenied(judged->reason);
      counters_.CountRefusal(judged->rule);
      Reject(origin, e, why, source);
      out.rejected = why;
      // Signed by its origin, but an honest relay would have refused it too.
      out.refused = true;
      break;
    }
    trust_.Learn(origin, *r);
    head = {origin, pos.seq, r->hash};
    verified.push_back(std::move(*r));
  }
  counters_.duplicates_ignored += out.duplicates;
  counters_.entries_received += page.size();
  if (!StoreVerified(origin, verified, &out)) return out;
  if (hooks_.progressed) hooks_.progressed(origin, received, head.seq);
  return out;
}

}  // namespace zhanqun::agent
