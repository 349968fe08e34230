// Applies fetched (or pushed) feed pages to the agent's store: verifies each
// entry in order against the trusted keys and the authority rules
// (feeds/authority.h: who may sign what), stores what verified in one
// transaction, quarantines the first entry that did not, and learns the
// node keys of verified registry entries. Followers and the WebSub push
// subscriber both hand their pages here, so nothing unverified is stored
// whatever its route.
//
// Thread-safe: one page is applied at a time per applier (its mutex), so
// concurrent pages of one origin cannot interleave. Holds references only;
// the store, keys, clock and counters must outlive it. Hooks run on the
// caller's thread, with the applier's mutex held.
#ifndef ZHANQUN_AGENT_LOG_APPLIER_H_
#define ZHANQUN_AGENT_LOG_APPLIER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "zhanqun/agent/agent_counters.h"
#include "zhanqun/agent/agent_store.h"
#include "zhanqun/agent/event_sink.h"
#include "zhanqun/agent/trusted_keys.h"
#include "zhanqun/base/clock.h"
#include "zhanqun/feeds/atom.h"
#include "zhanqun/feeds/authority.h"
#include "zhanqun/feeds/log.h"

namespace zhanqun::agent {

// Result of applying one fetched feed page.
struct ApplyOutcome {
  std::size_t applied = 0;     // newly verified and stored
  std::size_t duplicates = 0;  // identical to what we hold
  // First rejection, if any (later entries not applied), or the store's
  // error when it could not be read or written.
  base::Status rejected;
  // Set when an entry had to wait (an interpretation of a release not held
  // yet): it and what follows are not applied, nor refused; the next fetch
  // asks for them again. Not a fault of the upstream.
  base::Status deferred;
  // True when `rejected` is an entry that failed verification (the
  // sender's fault), false when it is the store's error.
  bool refused = false;
};

// What the other parts of the agent hear about a page. Each may be empty.
struct ApplyHooks {
  // After `stored` (verified entries of `origin`) were committed.
  std::function<void(const std::string& origin, const std::vector<feeds::SignedEntry>& stored)>
      stored;
  // `origin` was received up to `received` and verified up to `verified`.
  std::function<void(const std::string& origin, std::uint64_t received, std::uint64_t verified)>
      progressed;
  // A registry entry in the page truncated the held log of `origin`
  // (AgentStore::AppendVerified); the entries from `from_seq` on are gone.
  std::function<void(const std::string& origin, std::uint64_t from_seq)> truncated;
  // Entry `seq` of `origin` was refused for `reason` (and quarantined).
  std::function<void(const std::string& origin, std::uint64_t seq, const std::string& reason)>
      rejected;
};

class LogApplier {
 public:
  // `node` is this agent's code (the authority rules judge topics by it).
  LogApplier(std::string node, AgentStore& store, TrustedKeys& trust, const base::Clock& clock,
             AgentCounters& counters, EventSink sink, ApplyHooks hooks);

  // Verifies and stores the entries of one fetched page, in order. Stops at
  // the first entry that fails verification (signature, chain position, or
  // an authority rule): it is quarantined with the reason and `source`,
  // nothing after it is applied. An entry identical to one held is counted
  // as a duplicate and skipped. Stops without refusing at an entry the
  // rules defer (ApplyOutcome::deferred).
  ApplyOutcome ApplyPage(const std::string& origin, const std::vector<feeds::ParsedEntry>& page,
                         const std::string& source);

 private:
  // Steps of ApplyPage. REQUIRES: mu_ held.
  base::Result<bool> IsHeld(const std::string& origin, const feeds::ParsedEntry& e,
                            const feeds::ChainHead& head);
  // Counts and logs a store error and keeps it as the page's outcome.
  void StoreFailed(const std::string& origin, const base::Status& s, ApplyOutcome* out);
  base::Result<feeds::SignedEntry> VerifyFromFeed(const std::string& origin,
                                                  const feeds::ParsedEntry& e,
                                                  const feeds::ChainHead& head);
  // The authority rules on a verified entry: kAllowed, or why not.
  base::Result<feeds::AuthorityDecision> Judge(const feeds::SignedEntry& se);
  void Deferred(const feeds::AuthorityDecision& d, const std::string& source, ApplyOutcome* out);
  void Reject(const std::string& origin, const feeds::ParsedEntry& e, const base::Status& why,
              const std::string& source);
  // False (with out->rejected set if it was OK) when the store refused the entries.
  bool StoreVerified(const std::string& origin, const std::vector<feeds::SignedEntry>& verified,
                     ApplyOutcome* out);

  const std::string node_;
  AgentStore& store_;
  TrustedKeys& trust_;
  const base::Clock& clock_;
  AgentCounters& counters_;
  const EventSink sink_;
  const ApplyHooks hooks_;
  std::mutex mu_;  // one page at a time
};

}  // namespace zhanqun::agent

#endif  // ZHANQUN_AGENT_LOG_APPLIER_H_
