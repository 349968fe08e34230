#include "zhanqun/feeds/authority.h"

namespace zhanqun::feeds {

using base::Result;

const char* AuthorityRuleName(AuthorityRule r) {
  switch (r) {
    case AuthorityRule::kReleaseFromHub:
      return "release-from-hub";
    case AuthorityRule::kNodeFromHub:
      return "node-from-hub";
    case AuthorityRule::kInterpretationByNode:
      return "interpretation-by-node";
    case AuthorityRule::kInterpretationOfHeldRelease:
      return "interpretation-of-held-release";
    case AuthorityRule::kTopicInRegion:
      return "topic-in-region";
    case AuthorityRule::kTrustFromHub:
      return "trust-from-hub";
  }
  return "unknown";
}

const std::array<AuthorityRule, kAuthorityRuleCount>& AllAuthorityRules() {
  static const std::array<AuthorityRule, kAuthorityRuleCount> kAll = {
      AuthorityRule::kReleaseFromHub,       AuthorityRule::kNodeFromHub,
      AuthorityRule::kInterpretationByNode, AuthorityRule::kInterpretationOfHeldRelease,
      AuthorityRule::kTopicInRegion,        AuthorityRule::kTrustFromHub};
  return kAll;
}

namespace {

bool IsHub(const std::string& origin) { return origin == kHubCode; }

AuthorityDecision Decide(AuthorityVerdict v, AuthorityRule rule, const Entry& e,
                         const std::string& what) {
  return {v, rule,
          std::string("authority rule ") + AuthorityRuleName(rule) + ": " + what +
              " (origin=" + e.log.origin + " seq=" + std::to_string(e.log.seq) + ")"};
}

AuthorityDecision Refuse(AuthorityRule rule, const Entry& e, const std::string& what) {
  return Decide(AuthorityVerdict::kRefused, rule, e, what);
}

Result<AuthorityDecision> JudgeInterpretation(const Entry& e, AuthorityFacts& facts) {
  const std::string& origin = e.log.origin;
  if (IsHub(origin)) {
    return Refuse(AuthorityRule::kInterpretationByNode, e,
                  "the hub does not sign interpretations; only registered nodes below it do");
  }
  Result<std::optional<NodeLevel>> level = facts.LevelOf(origin);
  if (!level.ok()) return level.status();
  if (!*level || **level == NodeLevel::kNational) {
    return Refuse(AuthorityRule::kInterpretationByNode, e,
                  "origin " + origin + " is not a registered node below the hub");
  }
  const std::string& id = e.interpretation->release_id;
  Result<bool> held = facts.HoldsRelease(id);
  if (!held.ok()) return held.status();
  if (!*held) {
    return Decide(AuthorityVerdict::kNotYet, AuthorityRule::kInterpretationOfHeldRelease, e,
                  "release " + id + " is not held here (yet)");
  }
  return AuthorityDecision{};
}

Result<AuthorityDecision> JudgeTopic(const Entry& e, AuthorityFacts& facts) {
  const std::string& origin = e.log.origin;
  if (IsHub(origin)) return AuthorityDecision{};
  Result<bool> covers = facts.Covers(origin);
  if (!covers.ok()) return covers.status();
  if (!*covers) {
    return Refuse(AuthorityRule::kTopicInRegion, e,
                  "origin " + origin +
                      " may define topics only for its own region, which does not hold this node");
  }
  return AuthorityDecision{};
}

}  // namespace

Result<AuthorityDecision> JudgeAuthority(const Entry& e, AuthorityFacts& facts) {
  const std::string& origin = e.log.origin;
  switch (e.kind) {
    case EntryKind::kRelease:
      if (IsHub(origin)) return AuthorityDecision{};
      return Refuse(AuthorityRule::kReleaseFromHub, e,
                    "origin " + origin + " may not sign a release; only the hub (" +
                        std::string(kHubCode) + ") may");
    case EntryKind::kNode:
      if (IsHub(origin)) return AuthorityDecision{};
      return Refuse(AuthorityRule::kNodeFromHub, e,
                    "origin " + origin + " may not sign a registry entry; only the hub (" +
                        std::string(kHubCode) + ") may");
    case EntryKind::kInterpretation:
      return JudgeInterpretation(e, facts);
    case EntryKind::kTopic:
      return JudgeTopic(e, facts);
    case EntryKind::kTrust:
      if (IsHub(origin)) return AuthorityDecision{};
      return Refuse(AuthorityRule::kTrustFromHub, e,
                    "origin " + origin + " may not sign a trust statement; only the hub (" +
                        std::string(kHubCode) + ") may");
  }
  return Refuse(AuthorityRule::kReleaseFromHub, e, "unknown entry kind");
}

bool MayCarry(EntryKind kind, const std::string& origin, std::optional<NodeLevel> origin_level) {
  switch (kind) {
    case EntryKind::kRelease:
    case EntryKind::kNode:
    case EntryKind::kTrust:
      return IsHub(origin);
    case EntryKind::kInterpretation:
      return !IsHub(origin) && origin_level && *origin_level != NodeLevel::kNational;
    case EntryKind::kTopic:
      return IsHub(origin) || origin_level.has_value();
  }
  return false;
}

}  // namespace zhanqun::feeds
