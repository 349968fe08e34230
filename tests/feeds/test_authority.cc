// The authority rules (feeds/authority.h): every entry kind from every kind
// of origin, judged against what the verifier knows.
#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <string>

#include "zhanqun/feeds/authority.h"

namespace zhanqun::feeds {
namespace {

using base::Result;

constexpr const char* kProvince = "330000";
constexpr const char* kCity = "330100";
constexpr const char* kCounty = "330106";  // the verifier
constexpr const char* kSibling = "330108";
constexpr const char* kUnregistered = "110000";

// The verifier is county 330106 under 330100 under 330000; 330108 is a
// sibling county. Release "held" is held, anything else is not.
class Facts : public AuthorityFacts {
 public:
  Result<std::optional<NodeLevel>> LevelOf(const std::string& origin) override {
    asked_level++;
    static const std::map<std::string, NodeLevel> kLevels = {{kHubCode, NodeLevel::kNational},
                                                             {kProvince, NodeLevel::kProvince},
                                                             {kCity, NodeLevel::kCity},
                                                             {kCounty, NodeLevel::kCounty},
                                                             {kSibling, NodeLevel::kCounty}};
    auto it = kLevels.find(origin);
    if (it == kLevels.end()) return std::optional<NodeLevel>();
    return std::optional(it->second);
  }
  Result<bool> HoldsRelease(const std::string& id) override { return id == "held"; }
  Result<bool> Covers(const std::string& origin) override {
    return origin == kCounty || origin == kCity || origin == kProvince;
  }
  int asked_level = 0;
};

Entry Of(EntryKind kind, const std::string& origin, const std::string& release_id = "held") {
  Entry e;
  e.kind = kind;
  e.log.origin = origin;
  e.log.seq = 7;
  switch (kind) {
    case EntryKind::kRelease:
      e.release = Release{};
      e.release->id = "gov.cn/2019/1";
      break;
    case EntryKind::kNode:
      e.node = Node{};
      break;
    case EntryKind::kInterpretation:
      e.interpretation = Interpretation{};
      e.interpretation->release_id = release_id;
      break;
    case EntryKind::kTopic:
      e.topic = TopicDef{"t", "T", ""};
      break;
    case EntryKind::kTrust:
      e.trust = "zhanqun-trust/1\n";  // the rules look at the origin only
      break;
  }
  return e;
}

AuthorityDecision Judge(const Entry& e) {
  Facts facts;
  Result<AuthorityDecision> d = JudgeAuthority(e, facts);
  REQUIRE(d.ok());
  return *d;
}

TEST_CASE("authority: every entry kind from every kind of origin", "[feeds][authority]") {
  using V = AuthorityVerdict;
  using R = AuthorityRule;
  struct Row {
    EntryKind kind;
    const char* origin;
    V verdict;
    R rule;  // when not allowed
  };
  const Row rows[] = {
      // release: the hub only
      {EntryKind::kRelease, kHubCode, V::kAllowed, R::kReleaseFromHub},
      {EntryKind::kRelease, kProvince, V::kRefused, R::kReleaseFromHub},
      {EntryKind::kRelease, kCity, V::kRefused, R::kReleaseFromHub},
      {EntryKind::kRelease, kCounty, V::kRefused, R::kReleaseFromHub},
      {EntryKind::kRelease, kSibling, V::kRefused, R::kReleaseFromHub},
      {EntryKind::kRelease, kUnregistered, V::kRefused, R::kReleaseFromHub},
      // node (registry): the hub only
      {EntryKind::kNode, kHubCode, V::kAllowed, R::kNodeFromHub},
      {EntryKind::kNode, kProvince, V::kRefused, R::kNodeFromHub},
      {EntryKind::kNode, kCity, V::kRefused, R::kNodeFromHub},
      {EntryKind::kNode, kCounty, V::kRefused, R::kNodeFromHub},
      {EntryKind::kNode, kSibling, V::kRefused, R::kNodeFromHub},
      {EntryKind::kNode, kUnregistered, V::kRefused, R::kNodeFromHub},
      // interpretation of a held release: registered nodes below the hub
      {EntryKind::kInterpretation, kHubCode, V::kRefused, R::kInterpretationByNode},
      {EntryKind::kInterpretation, kProvince, V::kAllowed, R::kInterpretationByNode},
      {EntryKind::kInterpretation, kCity, V::kAllowed, R::kInterpretationByNode},
      {EntryKind::kInterpretation, kCounty, V::kAllowed, R::kInterpretationByNode},
      {EntryKind::kInterpretation, kSibling, V::kAllowed, R::kInterpretationByNode},
      {EntryKind::kInterpretation, kUnregistered, V::kRefused, R::kInterpretationByNode},
      // topic: the hub, or a node whose region holds the verifier
      {EntryKind::kTopic, kHubCode, V::kAllowed, R::kTopicInRegion},
      {EntryKind::kTopic, kProvince, V::kAllowed, R::kTopicInRegion},
      {EntryKind::kTopic, kCity, V::kAllowed, R::kTopicInRegion},
      {EntryKind::kTopic, kCounty, V::kAllowed, R::kTopicInRegion},
      {EntryKind::kTopic, kSibling, V::kRefused, R::kTopicInRegion},
      {EntryKind::kTopic, kUnregistered, V::kRefused, R::kTopicInRegion},
      // trust: only the hub
      {EntryKind::kTrust, kHubCode, V::kAllowed, R::kTrustFromHub},
      {EntryKind::kTrust, kProvince, V::kRefused, R::kTrustFromHub},
      {EntryKind::kTrust, kCounty, V::kRefused, R::kTrustFromHub},
      {EntryKind::kTrust, kUnregistered, V::kRefused, R::kTrustFromHub},
  };
  for (const Row& row : rows) {
    INFO(EntryKindName(row.kind) << " from " << row.origin);
    AuthorityDecision d = Judge(Of(row.kind, row.origin));
    CHECK(d.verdict == row.verdict);
    if (row.verdict == V::kAllowed) {
      CHECK(d.reason.empty());
      continue;
    }
    CHECK(d.rule == row.rule);
    // The reason names the rule and the entry.
    CHECK_THAT(d.reason,
               Catch::StartsWith(std::string("authority rule ") + AuthorityRuleName(row.rule)));
    CHECK_THAT(d.reason, Catch::EndsWith("(origin=" + std::string(row.origin) + " seq=7)"));
  }
}

TEST_CASE("authority: an interpretation of a release not held yet waits, it is not refused",
          "[feeds][authority]") {
  for (const char* origin : {kProvince, kCity, kCounty}) {
    AuthorityDecision d = Judge(Of(EntryKind::kInterpretation, origin, "not-yet"));
    CHECK(d.verdict == AuthorityVerdict::kNotYet);
    CHECK(d.rule == AuthorityRule::kInterpretationOfHeldRelease);
    CHECK_THAT(d.reason, Catch::Contains("release not-yet is not held here"));
  }
  // Whoever may not interpret at all is refused, held or not.
  CHECK(Judge(Of(EntryKind::kInterpretation, kHubCode, "not-yet")).verdict ==
        AuthorityVerdict::kRefused);
  CHECK(Judge(Of(EntryKind::kInterpretation, kUnregistered, "not-yet")).verdict ==
        AuthorityVerdict::kRefused);
}

TEST_CASE("authority: a release or registry entry is judged without asking the registry",
          "[feeds][authority]") {
  Facts facts;
  REQUIRE(JudgeAuthority(Of(EntryKind::kRelease, kProvince), facts).ok());
  REQUIRE(JudgeAuthority(Of(EntryKind::kNode, kHubCode), facts).ok());
  CHECK(facts.asked_level == 0);
}

TEST_CASE("authority: the facts' errors come back as errors", "[feeds][authority]") {
  struct Broken : Facts {
    Result<std::optional<NodeLevel>> LevelOf(const std::string&) override {
      return base::Status::Corruption("registry unreadable");
    }
  } broken;
  Result<AuthorityDecision> d = JudgeAuthority(Of(EntryKind::kInterpretation, kCity), broken);
  REQUIRE_FALSE(d.ok());
  CHECK_THAT(d.status().message(), Catch::Contains("registry unreadable"));
}

TEST_CASE("authority: what views may show, from the origin's registered level alone",
          "[feeds][authority]") {
  const std::optional<NodeLevel> national = NodeLevel::kNational, province = NodeLevel::kProvince,
                                 county = NodeLevel::kCounty, none;
  CHECK(MayCarry(EntryKind::kRelease, kHubCode, national));
  CHECK_FALSE(MayCarry(EntryKind::kRelease, kProvince, province));
  CHECK(MayCarry(EntryKind::kNode, kHubCode, national));
  CHECK_FALSE(MayCarry(EntryKind::kNode, kCounty, county));
  CHECK_FALSE(MayCarry(EntryKind::kInterpretation, kHubCode, national));
  CHECK(MayCarry(EntryKind::kInterpretation, kProvince, province));
  CHECK(MayCarry(EntryKind::kInterpretation, kCounty, county));
  CHECK_FALSE(MayCarry(EntryKind::kInterpretation, kUnregistered, none));
  CHECK(MayCarry(EntryKind::kTopic, kHubCode, national));
  CHECK(MayCarry(EntryKind::kTopic, kCounty, county));
  CHECK_FALSE(MayCarry(EntryKind::kTopic, kUnregistered, none));
  CHECK(MayCarry(EntryKind::kTrust, kHubCode, national));
  CHECK_FALSE(MayCarry(EntryKind::kTrust, kCounty, county));
}

TEST_CASE("authority: every rule has its own name", "[feeds][authority]") {
  std::map<std::string, int> names;
  for (AuthorityRule r : AllAuthorityRules()) names[AuthorityRuleName(r)]++;
  CHECK(names.size() == kAuthorityRuleCount);
  CHECK(names.count("release-from-hub") == 1);
  CHECK(names.count("unknown") == 0);
}

}  // namespace
}  // namespace zhanqun::feeds
