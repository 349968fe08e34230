// Who may sign what: the authority rules every node applies to an entry
// after its signature and chain position verified and before it is stored
// or relayed (docs/protocol.md, "Authority"). A signature says *that* an
// origin signed; these rules say whether that origin may sign *this*.
//
//   release          only the hub (000000)                 release-from-hub
//   node             only the hub                          node-from-hub
//   interpretation   a registered node below the hub       interpretation-by-node
//                    about a release the verifier holds    interpretation-of-held-release
//   topic            the hub, or a node whose region       topic-in-region
//                    holds the verifier (itself or an ancestor)
//   trust            only the hub                          trust-from-hub
//
// An interpretation of a release the verifier does not hold yet is not
// refused but deferred (kNotYet): the release may still be on its way in
// the hub's log, which is followed on its own.
//
// The rules are pure; the verifier answers the questions about its own
// registry and views through AuthorityFacts. Thread-safe (no state).
#ifndef ZHANQUN_FEEDS_AUTHORITY_H_
#define ZHANQUN_FEEDS_AUTHORITY_H_

#include <array>
#include <cstddef>
#include <optional>
#include <string>

#include "zhanqun/base/status.h"
#include "zhanqun/feeds/model.h"

namespace zhanqun::feeds {

enum class AuthorityRule {
  kReleaseFromHub,
  kNodeFromHub,
  kInterpretationByNode,
  kInterpretationOfHeldRelease,
  kTopicInRegion,
  kTrustFromHub,
};
inline constexpr std::size_t kAuthorityRuleCount = 6;
// "release-from-hub", "node-from-hub", "interpretation-by-node",
// "interpretation-of-held-release", "topic-in-region", "trust-from-hub"
const char* AuthorityRuleName(AuthorityRule r);
const std::array<AuthorityRule, kAuthorityRuleCount>& AllAuthorityRules();

// What the verifier knows, from its registry (the hub's node entries it
// holds) and its views. Each answer may fail (its store's error).
class AuthorityFacts {
 public:
  virtual ~AuthorityFacts() = default;
  // The level the registry gives `origin`; nullopt when it is not registered.
  virtual base::Result<std::optional<NodeLevel>> LevelOf(const std::string& origin) = 0;
  // Whether the verifier holds a release `id` from the hub's log.
  virtual base::Result<bool> HoldsRelease(const std::string& id) = 0;
  // Whether `origin` is the verifier itself or one of its ancestors in the
  // registry: its region holds the verifier's.
  virtual base::Result<bool> Covers(const std::string& origin) = 0;
};

enum class AuthorityVerdict { kAllowed, kRefused, kNotYet };

struct AuthorityDecision {
  AuthorityVerdict verdict = AuthorityVerdict::kAllowed;
  AuthorityRule rule = AuthorityRule::kReleaseFromHub;  // the rule that refused or deferred
  // For kRefused and kNotYet: "authority rule <name>: <what> (origin=<code> seq=<n>)".
  std::string reason;
  bool allowed() const { return verdict == AuthorityVerdict::kAllowed; }
};

// Judges `e` by the rules above. Errors: only those of `facts`.
base::Result<AuthorityDecision> JudgeAuthority(const Entry& e, AuthorityFacts& facts);

// The part of the rules that needs no facts beyond the origin's registered
// level (nullopt: not registered): whether an entry of `kind` from `origin`
// may be shown at all. Views and renderers check it again before they show
// anything (defence in depth).
bool MayCarry(EntryKind kind, const std::string& origin, std::optional<NodeLevel> origin_level);

}  // namespace zhanqun::feeds

#endif  // ZHANQUN_FEEDS_AUTHORITY_H_
