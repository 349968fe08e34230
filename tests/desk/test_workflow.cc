#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>

#include "hub/hub_test_support.h"
#include "staff/staff_test_support.h"
#include "zhanqun/desk/workflow.h"

namespace zhanqun::desk {
namespace {

using A = DeskAction;
using S = DraftState;

constexpr base::TimeMs kNow = 1700000000000;

using testing::Person;

const staff::Principal kEveryone = Person(
    9, "root",
    {staff::Role::kEditor, staff::Role::kReviewer, staff::Role::kApprover, staff::Role::kAdmin});
const staff::Principal kAlice = Person(1, "alice", {staff::Role::kEditor});
const staff::Principal kBob = Person(2, "bob", {staff::Role::kReviewer});
const staff::Principal kCarol = Person(3, "carol", {staff::Role::kReviewer});
const staff::Principal kDave = Person(4, "dave", {staff::Role::kApprover});
const staff::Principal kEve = Person(5, "eve", {staff::Role::kReviewer, staff::Role::kApprover});

WorkflowFacts Facts(S state, int level = 0) {
  WorkflowFacts f;
  f.draft_id = 12;
  f.state = state;
  f.level = state == S::kInReview ? (level == 0 ? 1 : level) : 0;
  f.levels = 3;
  f.level_names = {"初审", "复审", "终审"};
  f.author_id = 1;
  f.author = "alice";
  f.now_ms = kNow;
  return f;
}

WorkflowRequest Req(A a) {
  WorkflowRequest r;
  r.action = a;
  r.comment = "理由";
  r.at_ms = kNow;
  return r;
}

base::Result<Transition> Ask(const staff::Principal& who, WorkflowFacts f, A a) {
  f.principal_is_author = SamePerson(who, f.author_id, f.author);
  return Decide(who, f, Req(a));
}

// What someone holding every role (and not the author) may do in each state.
const std::map<S, std::set<A>>& Allowed() {
  static const std::map<S, std::set<A>> kAllowed = {
      {S::kDraft, {A::kEdit, A::kSubmit, A::kEmbargo, A::kAttach}},
      {S::kInReview, {A::kPass, A::kReject, A::kEmbargo}},
      {S::kAwaitingApproval, {A::kReject, A::kApprove, A::kEmbargo}},
      {S::kApproved, {A::kReject, A::kPublish, A::kSchedule, A::kEmbargo}},
      {S::kScheduled, {A::kReject, A::kUnschedule, A::kEmbargo}},
      {S::kPublished, {A::kAmend, A::kWithdraw, A::kRepeal}},
      {S::kWithdrawn, {}},
      {S::kRepealed, {}},
      {S::kSuperseded, {}},
  };
  return kAllowed;
}

}  // namespace

TEST_CASE("workflow allows exactly the legal state and action pairs and refuses every other",
          "[hub][workflow]") {
  REQUIRE(AllDraftStates().size() == Allowed().size());
  int refused = 0;
  for (S s : AllDraftStates()) {
    for (A a : AllDeskActions()) {
      bool expected = Allowed().at(s).count(a) > 0;
      base::Result<Transition> t = Ask(kEveryone, Facts(s), a);
      INFO(DraftStateName(s) << " x " << DeskActionName(a) << ": " << t.status().ToString());
      CHECK(t.ok() == expected);
      if (!t.ok()) {
        ++refused;
        CHECK(t.status().code() == base::Code::kFailedPrecondition);
        CHECK(t.status().message().find(DeskActionName(a)) != std::string::npos);
        CHECK(t.status().message().find("draft 12") != std::string::npos);
      }
    }
  }
  CHECK(refused == 9 * 13 - 20);
}

TEST_CASE("workflow transitions lead to the right next state and level", "[hub][workflow]") {
  CHECK(Ask(kAlice, Facts(S::kDraft), A::kSubmit)->state == S::kInReview);
  CHECK(Ask(kAlice, Facts(S::kDraft), A::kSubmit)->level == 1);
  CHECK(Ask(kBob, Facts(S::kInReview, 1), A::kPass)->level == 2);
  CHECK(Ask(kBob, Facts(S::kInReview, 3), A::kPass)->state == S::kAwaitingApproval);
  CHECK(Ask(kDave, Facts(S::kAwaitingApproval), A::kApprove)->state == S::kApproved);
  CHECK(Ask(kDave, Facts(S::kApproved), A::kPublish)->state == S::kPublished);
  CHECK(Ask(kDave, Facts(S::kApproved), A::kSchedule)->state == S::kScheduled);
  CHECK(Ask(kDave, Facts(S::kScheduled), A::kUnschedule)->state == S::kApproved);
  CHECK(Ask(kDave, Facts(S::kPublished), A::kWithdraw)->state == S::kWithdrawn);
  CHECK(Ask(kDave, Facts(S::kPublished), A::kRepeal)->state == S::kRepealed);
  CHECK(Ask(kAlice, Facts(S::kPublished), A::kAmend)->state == S::kPublished);
}

TEST_CASE("workflow refuses actions to principals without the role", "[hub][workflow][roles]") {
  CHECK(Ask(kBob, Facts(S::kDraft), A::kEdit).status().code() == base::Code::kPermissionDenied);
  CHECK(Ask(kAlice, Facts(S::kInReview), A::kPass).status().code() ==
        base::Code::kPermissionDenied);
  CHECK(Ask(kBob, Facts(S::kAwaitingApproval), A::kApprove).status().code() ==
        base::Code::kPermissionDenied);
  CHECK(Ask(kBob, Facts(S::kAwaitingApproval), A::kReject).status().code() ==
        base::Code::kPermissionDenied);
  CHECK(Ask(kAlice, Facts(S::kApproved), A::kPublish).status().code() ==
        base::Code::kPermissionDenied);
  CHECK(Ask(kAlice, Facts(S::kPublished), A::kWithdraw).status().code() ==
        base::Code::kPermissionDenied);
  CHECK(Ask(kDave, Facts(S::kPublished), A::kAmend).status().code() ==
        base::Code::kPermissionDenied);
  base::Result<Transition> t = Ask(kAlice, Facts(S::kApproved), A::kEmbargo);
  CHECK(t.status().code() == base::Code::kPermissionDenied);
  CHECK(Ask(kAlice, Facts(S::kInReview), A::kEmbargo).ok());
}

TEST_CASE("the author of a draft cannot review, approve or publish it", "[hub][workflow][sod]") {
  staff::Principal alice_all = kEveryone;
  alice_all.user_id = 1;
  alice_all.username = "alice";
  base::Result<Transition> t = Ask(alice_all, Facts(S::kInReview), A::kPass);
  REQUIRE(t.status().code() == base::Code::kPermissionDenied);
  CHECK(t.status().message() == "separation of duties: alice wrote draft 12 and cannot review it");
  CHECK(Ask(alice_all, Facts(S::kInReview), A::kReject).status().code() ==
        base::Code::kPermissionDenied);
  CHECK(Ask(alice_all, Facts(S::kAwaitingApproval), A::kApprove).status().code() ==
        base::Code::kPermissionDenied);
  CHECK(Ask(alice_all, Facts(S::kAwaitingApproval), A::kReject).status().code() ==
        base::Code::kPermissionDenied);
  CHECK(Ask(alice_all, Facts(S::kApproved), A::kPublish).status().code() ==
        base::Code::kPermissionDenied);
  CHECK(Ask(alice_all, Facts(S::kApproved), A::kSchedule).status().code() ==
        base::Code::kPermissionDenied);
  // Writing and submitting their own draft is what authors do.
  CHECK(Ask(alice_all, Facts(S::kDraft), A::kSubmit).ok());
}

TEST_CASE("one reviewer cannot take two levels of the same round", "[hub][workflow][sod]") {
  WorkflowFacts f = Facts(S::kInReview, 2);
  f.round_reviewers = {{1, 2, "bob"}};
  base::Result<Transition> t = Ask(kBob, f, A::kPass);
  REQUIRE(t.status().code() == base::Code::kPermissionDenied);
  CHECK(t.status().message() ==
        "bob already passed level 1 (初审) of draft 12; level 2 (复审) needs another reviewer");
  CHECK(Ask(kBob, f, A::kReject).status().code() == base::Code::kPermissionDenied);
  CHECK(Ask(kCarol, f, A::kPass).ok());
}

TEST_CASE("a reviewer of this round cannot approve or reject it as approver",
          "[hub][workflow][sod]") {
  WorkflowFacts f = Facts(S::kAwaitingApproval);
  f.round_reviewers = {{1, 2, "bob"}, {2, 3, "carol"}, {3, 5, "eve"}};
  base::Result<Transition> t = Ask(kEve, f, A::kApprove);
  REQUIRE(t.status().code() == base::Code::kPermissionDenied);
  CHECK(t.status().message().find("eve passed level 3 (终审) of draft 12") != std::string::npos);
  CHECK(Ask(kEve, f, A::kReject).status().code() == base::Code::kPermissionDenied);
  CHECK(Ask(kDave, f, A::kApprove).ok());
}

TEST_CASE("rejection needs a comment and starts a new round", "[hub][workflow]") {
  WorkflowFacts f = Facts(S::kInReview, 2);
  f.round_reviewers = {{1, 2, "bob"}};
  WorkflowRequest r = Req(A::kReject);
  r.comment = "  ";
  base::Result<Transition> bad = Decide(kCarol, f, r);
  REQUIRE(bad.status().code() == base::Code::kInvalidArgument);
  CHECK(bad.status().message().rfind("comment:", 0) == 0);
  base::Result<Transition> t = Ask(kCarol, f, A::kReject);
  REQUIRE(t.ok());
  CHECK(t->state == S::kDraft);
  CHECK(t->level == 0);
  CHECK(t->new_round);
  // After a new round, bob may take level 2 again (the list was reset).
  WorkflowFacts next = Facts(S::kInReview, 2);
  next.round_reviewers = {{1, 3, "carol"}};
  CHECK(Ask(kBob, next, A::kPass).ok());
}

TEST_CASE("an illegal transition names the state and the action", "[hub][workflow]") {
  base::Result<Transition> t = Ask(kDave, Facts(S::kInReview, 2), A::kApprove);
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().message() == "cannot approve draft 12: it is at review level 2 (复审)");
}

TEST_CASE("embargo blocks publishing now and scheduling before it lifts",
          "[hub][workflow][embargo]") {
  WorkflowFacts f = Facts(S::kApproved);
  f.embargo_until_ms = kNow + 3600000;
  base::Result<Transition> now = Ask(kDave, f, A::kPublish);
  REQUIRE(now.status().code() == base::Code::kFailedPrecondition);
  CHECK(now.status().message().find("embargo") != std::string::npos);
  WorkflowRequest early = Req(A::kSchedule);
  early.at_ms = kNow + 1000;
  CHECK(Decide(kDave, f, early).status().code() == base::Code::kFailedPrecondition);
  WorkflowRequest at_lift = Req(A::kSchedule);
  at_lift.at_ms = kNow + 3600000;
  CHECK(Decide(kDave, f, at_lift)->state == S::kScheduled);
  f.now_ms = kNow + 3600000;
  CHECK(Ask(kDave, f, A::kPublish).ok());
}

TEST_CASE("scheduling needs a time that is not in the past", "[hub][workflow][schedule]") {
  WorkflowFacts f = Facts(S::kApproved);
  WorkflowRequest r = Req(A::kSchedule);
  r.at_ms = kNow - 1;
  CHECK(Decide(kDave, f, r).status().code() == base::Code::kInvalidArgument);
  r.at_ms.reset();
  CHECK(Decide(kDave, f, r).status().code() == base::Code::kInvalidArgument);
  r.at_ms = kNow;
  CHECK(Decide(kDave, f, r).ok());
}

TEST_CASE("withdraw and repeal need a reason", "[hub][workflow]") {
  for (A a : {A::kWithdraw, A::kRepeal}) {
    WorkflowRequest r = Req(a);
    r.comment = "";
    base::Result<Transition> t = Decide(kDave, Facts(S::kPublished), r);
    REQUIRE(t.status().code() == base::Code::kInvalidArgument);
    CHECK(t.status().message().rfind("reason:", 0) == 0);
  }
}

TEST_CASE("submission fixes the number of review levels between 1 and 5", "[hub][workflow]") {
  WorkflowFacts f = Facts(S::kDraft);
  f.levels = 6;
  CHECK(Ask(kAlice, f, A::kSubmit).status().code() == base::Code::kInvalidArgument);
  f.levels = 1;
  CHECK(Ask(kAlice, f, A::kSubmit).ok());
  WorkflowFacts one = Facts(S::kInReview, 1);
  one.levels = 1;
  CHECK(Ask(kBob, one, A::kPass)->state == S::kAwaitingApproval);
}

}  // namespace zhanqun::desk
