// The agent's counters, declared once and shared by its parts: each part
// counts what it does into the one AgentCounters the Agent owns, so
// /api/v1/counters and /metrics show one flat set per agent.
//
// Thread-safe (base::Counter).
#ifndef ZHANQUN_AGENT_AGENT_COUNTERS_H_
#define ZHANQUN_AGENT_AGENT_COUNTERS_H_

#include <array>
#include <atomic>
#include <cstdint>

#include "zhanqun/base/counters.h"
#include "zhanqun/feeds/authority.h"

namespace zhanqun::agent {

// Prometheus names are zhanqun_agent_<name>_total (docs/api.md).
struct AgentCounters : base::CounterSet {
  base::Counter fetches{*this, "fetches",
                        "Feed pages requested from the parent (long-polls included)."};
  base::Counter fetch_errors{
      *this, "fetch_errors",
      "Feed requests that failed (network, HTTP status or undecodable page)."};
  base::Counter entries_received{*this, "entries_received", "Entries received from the parent."};
  base::Counter entries_verified{*this, "entries_verified",
                                 "Entries that verified and were stored."};
  base::Counter entries_indexed{*this, "entries_indexed", "Entries added to the search index."};
  base::Counter store_commits{*this, "store_commits",
                              "Store transactions (one per applied page, not per entry)."};
  base::Counter index_commits{*this, "index_commits",
                              "Search index commits (one per batch, not per entry)."};
  base::Counter memory_releases{
      *this, "memory_releases",
      "Times the agent handed freed heap back to the system on going idle."};
  base::Counter entries_rejected{*this, "entries_rejected",
                                 "Entries or pages refused and quarantined."};
  base::Counter duplicates_ignored{*this, "duplicates_ignored",
                                   "Entries received again, identical to what is held."};
  base::Counter acks_sent{*this, "acks_sent", "Report envelopes the upstream accepted."};
  base::Counter ack_errors{*this, "ack_errors", "Report envelopes that failed."};
  base::Counter reports_relayed{*this, "reports_relayed", "Children's reports passed up the tree."};
  base::Counter reports_dropped{*this, "reports_dropped",
                                "Children's reports dropped because the relay queue was full."};
  base::Counter upstream_switches{*this, "upstream_switches",
                                  "Moves to another upstream (failover and return)."};
  base::Counter upstream_failures_request{
      *this, "upstream_failures_request",
      "Requests to the current upstream that failed (network or HTTP status; feeds and reports)."};
  base::Counter upstream_failures_verification{
      *this, "upstream_failures_verification",
      "Feed pages from the current upstream that did not decode or held an entry that did not "
      "verify (bad signature, fork, wrong origin)."};
  base::Counter upstream_failures_withholding{
      *this, "upstream_failures_withholding",
      "Answers from the current upstream that delivered none of the entries its own head "
      "statement says the hub's log has beyond ours."};
  base::Counter head_statements_refused{*this, "head_statements_refused",
                                        "Head statements from upstream that did not verify."};
  base::Counter sign_refused{*this, "sign_refused",
                             "Own entries not signed: the registry does not grant this node's "
                             "key for its next seq."};
  base::Counter upstream_bars{
      *this, "upstream_bars",
      "Times the parent was barred as upstream: the registry revoked or removed its keys."};
  base::Counter log_truncations{
      *this, "log_truncations",
      "Held logs cut back by a registry entry: a revoked key's entries after the revocation "
      "point, a removed node's log, an ended epoch."};
  base::Counter entries_truncated{*this, "entries_truncated",
                                  "Entries removed from held logs by those truncations."};
  base::Counter entries_deferred{
      *this, "entries_deferred",
      "Entries left for a later fetch: an interpretation of a release not held yet."};

  // Entries refused by each authority rule (feeds/authority.h), shown as
  // zhanqun_agent_entries_refused_total{rule="..."}; also counted in
  // entries_rejected.
  void CountRefusal(feeds::AuthorityRule rule) {
    refused_[static_cast<std::size_t>(rule)].fetch_add(1, std::memory_order_relaxed);
  }
  std::uint64_t Refusals(feeds::AuthorityRule rule) const {
    return refused_[static_cast<std::size_t>(rule)].load(std::memory_order_relaxed);
  }

 private:
  std::array<std::atomic<std::uint64_t>, feeds::kAuthorityRuleCount> refused_{};
};

}  // namespace zhanqun::agent

#endif  // ZHANQUN_AGENT_AGENT_COUNTERS_H_
