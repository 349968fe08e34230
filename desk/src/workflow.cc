#include "zhanqun/desk/workflow.h"

#include <algorithm>
#include <array>

#include "zhanqun/base/time.h"

namespace zhanqun::desk {

using base::Result;
using base::Status;

namespace {

struct StateInfo {
  DraftState state;
  const char* name;
  const char* label;
};

constexpr std::array<StateInfo, 9> kStates = {{
    {DraftState::kDraft, "draft", "草稿"},
    {DraftState::kInReview, "in_review", "审核中"},
    {DraftState::kAwaitingApproval, "awaiting_approval", "待签发"},
    {DraftState::kApproved, "approved", "已签发"},
    {DraftState::kScheduled, "scheduled", "定时发布"},
    {DraftState::kPublished, "published", "已发布"},
    {DraftState::kWithdrawn, "withdrawn", "已撤回"},
    {DraftState::kRepealed, "repealed", "已废止"},
    {DraftState::kSuperseded, "superseded", "已被新版本取代"},
}};

const StateInfo& Info(DraftState s) {
  for (const StateInfo& i : kStates) {
    if (i.state == s) return i;
  }
  return kStates[0];  // unreachable: every enumerator is listed
}

std::string DraftName(const WorkflowFacts& f) { return "draft " + std::to_string(f.draft_id); }

std::string LevelText(const WorkflowFacts& f, int level) {
  std::string out = "level " + std::to_string(level);
  if (level >= 1 && static_cast<std::size_t>(level) <= f.level_names.size()) {
    out += " (" + f.level_names[static_cast<std::size_t>(level - 1)] + ")";
  }
  return out;
}

Status Illegal(const WorkflowFacts& f, DeskAction a) {
  return Status::Precondition(std::string("cannot ") + DeskActionName(a) + " " + DraftName(f) +
                              ": " + DescribeState(f));
}

bool In(DraftState s, std::initializer_list<DraftState> states) {
  return std::find(states.begin(), states.end(), s) != states.end();
}

// The author never passes, rejects, approves or publishes their own draft.
Status NotAuthor(const staff::Principal& who, const WorkflowFacts& f, const char* doing) {
  if (!f.principal_is_author) return Status::Ok();
  return Status::PermissionDenied("separation of duties: " + who.username + " wrote " +
                                  DraftName(f) + " and cannot " + doing + " it");
}

// Each level of a round is taken by a different reviewer.
Status NotEarlierReviewer(const staff::Principal& who, const WorkflowFacts& f) {
  for (const RoundReviewer& r : f.round_reviewers) {
    if (r.level < f.level && SamePerson(who, r.user_id, r.username)) {
      return Status::PermissionDenied(who.username + " already passed " + LevelText(f, r.level) +
                                      " of " + DraftName(f) + "; " + LevelText(f, f.level) +
                                      " needs another reviewer");
    }
  }
  return Status::Ok();
}

// The approver reviewed none of this round's levels.
Status NotRoundReviewer(const staff::Principal& who, const WorkflowFacts& f) {
  for (const RoundReviewer& r : f.round_reviewers) {
    if (SamePerson(who, r.user_id, r.username)) {
      return Status::PermissionDenied("separation of duties: " + who.username + " passed " +
                                      LevelText(f, r.level) + " of " + DraftName(f) +
                                      " in this round and cannot also approve or reject it");
    }
  }
  return Status::Ok();
}

Status EmbargoPassed(const WorkflowFacts& f, base::TimeMs at, const char* what) {
  if (!f.embargo_until_ms || at >= *f.embargo_until_ms) return Status::Ok();
  return Status::Precondition(std::string("cannot ") + what + " " + DraftName(f) +
                              " before its embargo lifts at " +
                              base::FormatTime(*f.embargo_until_ms));
}

Result<Transition> Stay(const WorkflowFacts& f) { return Transition{f.state, f.level, false}; }

Result<Transition> DecideEditing(const staff::Principal& who, const WorkflowFacts& f,
                                 DeskAction a) {
  ZQ_RETURN_IF_ERROR(staff::Require(who, staff::Permission::kDraftEdit));
  if (f.state != DraftState::kDraft) return Illegal(f, a);
  if (a != DeskAction::kSubmit) return Stay(f);
  if (f.levels < 1 || f.levels > 5) {
    return Status::Invalid("review levels: expected 1..5, got " + std::to_string(f.levels));
  }
  return Transition{DraftState::kInReview, 1, true};
}

Result<Transition> DecidePass(const staff::Principal& who, const WorkflowFacts& f) {
  ZQ_RETURN_IF_ERROR(staff::Require(who, staff::Permission::kReview));
  if (f.state != DraftState::kInReview) return Illegal(f, DeskAction::kPass);
  ZQ_RETURN_IF_ERROR(NotAuthor(who, f, "review"));
  ZQ_RETURN_IF_ERROR(NotEarlierReviewer(who, f));
  if (f.level < f.levels) return Transition{DraftState::kInReview, f.level + 1, false};
  return Transition{DraftState::kAwaitingApproval, 0, false};
}

Result<Transition> DecideReject(const staff::Principal& who, const WorkflowFacts& f,
                                const std::string& comment) {
  if (f.state == DraftState::kInReview) {
    ZQ_RETURN_IF_ERROR(staff::Require(who, staff::Permission::kReview));
    ZQ_RETURN_IF_ERROR(NotAuthor(who, f, "review"));
    ZQ_RETURN_IF_ERROR(NotEarlierReviewer(who, f));
  } else if (In(f.state,
                {DraftState::kAwaitingApproval, DraftState::kApproved, DraftState::kScheduled})) {
    ZQ_RETURN_IF_ERROR(staff::Require(who, staff::Permission::kApprove));
    ZQ_RETURN_IF_ERROR(NotAuthor(who, f, "reject"));
    ZQ_RETURN_IF_ERROR(NotRoundReviewer(who, f));
  } else {
    return Illegal(f, DeskAction::kReject);
  }
  if (comment.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::Invalid("comment: required when rejecting " + DraftName(f) +
                           " (say what must change)");
  }
  return Transition{DraftState::kDraft, 0, true};
}

Result<Transition> DecideApprove(const staff::Principal& who, const WorkflowFacts& f) {
  ZQ_RETURN_IF_ERROR(staff::Require(who, staff::Permission::kApprove));
  if (f.state != DraftState::kAwaitingApproval) return Illegal(f, DeskAction::kApprove);
  ZQ_RETURN_IF_ERROR(NotAuthor(who, f, "approve"));
  ZQ_RETURN_IF_ERROR(NotRoundReviewer(who, f));
  return Transition{DraftState::kApproved, 0, false};
}

Result<Transition> DecidePublishing(const staff::Principal& who, const WorkflowFacts& f,
                                    const WorkflowRequest& r) {
  ZQ_RETURN_IF_ERROR(staff::Require(who, staff::Permission::kPublish));
  DraftState from =
      r.action == DeskAction::kUnschedule ? DraftState::kScheduled : DraftState::kApproved;
  if (f.state != from) return Illegal(f, r.action);
  ZQ_RETURN_IF_ERROR(NotAuthor(who, f, "publish"));
  if (r.action == DeskAction::kUnschedule) return Transition{DraftState::kApproved, 0, false};
  if (r.action == DeskAction::kPublish) {
    ZQ_RETURN_IF_ERROR(EmbargoPassed(f, f.now_ms, "publish"));
    return Transition{DraftState::kPublished, 0, false};
  }
  if (!r.at_ms) return Status::Invalid("publish_at: required to schedule " + DraftName(f));
  if (*r.at_ms < f.now_ms) {
    return Status::Invalid("publish_at: " + base::FormatTime(*r.at_ms) + " is in the past (now " +
                           base::FormatTime(f.now_ms) + ")");
  }
  ZQ_RETURN_IF_ERROR(EmbargoPassed(f, *r.at_ms, "schedule"));
  return Transition{DraftState::kScheduled, 0, false};
}

Result<Transition> DecideEmbargo(const staff::Principal& who, const WorkflowFacts& f) {
  bool approver = who.Can(staff::Permission::kPublish);
  bool editor = who.Can(staff::Permission::kDraftEdit);
  if (!approver && !editor) return staff::Require(who, staff::Permission::kDraftEdit);
  bool before_approval =
      In(f.state, {DraftState::kDraft, DraftState::kInReview, DraftState::kAwaitingApproval});
  bool unpublished =
      before_approval || In(f.state, {DraftState::kApproved, DraftState::kScheduled});
  if (approver && unpublished) return Stay(f);
  if (editor && before_approval) return Stay(f);
  if (!approver && unpublished) {
    return Status::PermissionDenied(
        "set an embargo on an approved draft needs the approver role; " + who.AuditName() +
        " has " + who.roles.ToString());
  }
  return Illegal(f, DeskAction::kEmbargo);
}

Result<Transition> DecideReleaseChange(const staff::Principal& who, const WorkflowFacts& f,
                                       const WorkflowRequest& r) {
  staff::Permission p = r.action == DeskAction::kAmend      ? staff::Permission::kAmend
                        : r.action == DeskAction::kWithdraw ? staff::Permission::kWithdraw
                                                            : staff::Permission::kRepeal;
  ZQ_RETURN_IF_ERROR(staff::Require(who, p));
  if (f.state != DraftState::kPublished) return Illegal(f, r.action);
  if (r.action == DeskAction::kAmend) return Stay(f);
  if (r.comment.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::Invalid(std::string("reason: required to ") + DeskActionName(r.action) + " " +
                           DraftName(f));
  }
  return Transition{
      r.action == DeskAction::kWithdraw ? DraftState::kWithdrawn : DraftState::kRepealed, 0, false};
}

}  // namespace

const char* DraftStateName(DraftState s) { return Info(s).name; }
const char* DraftStateLabel(DraftState s) { return Info(s).label; }

const std::vector<DraftState>& AllDraftStates() {
  static const std::vector<DraftState> kAll = [] {
    std::vector<DraftState> v;
    for (const StateInfo& i : kStates) v.push_back(i.state);
    return v;
  }();
  return kAll;
}

const char* StepActionName(StepAction a) {
  switch (a) {
    case StepAction::kCreate:
      return "create";
    case StepAction::kImport:
      return "import";
    case StepAction::kAdopt:
      return "adopt";
    case StepAction::kAmend:
      return "amend";
    case StepAction::kEdit:
      return "edit";
    case StepAction::kAttach:
      return "attach";
    case StepAction::kSubmit:
      return "submit";
    case StepAction::kPass:
      return "pass";
    case StepAction::kReject:
      return "reject";
    case StepAction::kApprove:
      return "approve";
    case StepAction::kSchedule:
      return "schedule";
    case StepAction::kUnschedule:
      return "unschedule";
    case StepAction::kEmbargo:
      return "embargo";
    case StepAction::kPublish:
      return "publish";
    case StepAction::kSupersede:
      return "supersede";
    case StepAction::kWithdraw:
      return "withdraw";
    case StepAction::kRepeal:
      return "repeal";
  }
  return "?";
}

const std::vector<StepAction>& AllStepActions() {
  static const std::vector<StepAction> kAll = {
      StepAction::kCreate,  StepAction::kImport,  StepAction::kAdopt,     StepAction::kAmend,
      StepAction::kEdit,    StepAction::kAttach,  StepAction::kSubmit,    StepAction::kPass,
      StepAction::kReject,  StepAction::kApprove, StepAction::kSchedule,  StepAction::kUnschedule,
      StepAction::kEmbargo, StepAction::kPublish, StepAction::kSupersede, StepAction::kWithdraw,
      StepAction::kRepeal};
  return kAll;
}

const char* DeskActionName(DeskAction a) {
  switch (a) {
    case DeskAction::kEdit:
      return "edit";
    case DeskAction::kSubmit:
      return "submit";
    case DeskAction::kPass:
      return "pass";
    case DeskAction::kReject:
      return "reject";
    case DeskAction::kApprove:
      return "approve";
    case DeskAction::kPublish:
      return "publish";
    case DeskAction::kSchedule:
      return "schedule";
    case DeskAction::kUnschedule:
      return "unschedule";
    case DeskAction::kEmbargo:
      return "embargo";
    case DeskAction::kAmend:
      return "amend";
    case DeskAction::kWithdraw:
      return "withdraw";
    case DeskAction::kRepeal:
      return "repeal";
    case DeskAction::kAttach:
      return "attach";
  }
  return "?";
}

const std::vector<DeskAction>& AllDeskActions() {
  static const std::vector<DeskAction> kAll = {
      DeskAction::kEdit,    DeskAction::kSubmit,  DeskAction::kPass,     DeskAction::kReject,
      DeskAction::kApprove, DeskAction::kPublish, DeskAction::kSchedule, DeskAction::kUnschedule,
      DeskAction::kEmbargo, DeskAction::kAmend,   DeskAction::kWithdraw, DeskAction::kRepeal,
      DeskAction::kAttach};
  return kAll;
}

bool SamePerson(const staff::Principal& who, std::int64_t user_id, const std::string& username) {
  if (user_id != 0 && user_id == who.user_id) return true;
  return !username.empty() && username == who.username;
}

std::string DescribeState(const WorkflowFacts& f) {
  switch (f.state) {
    case DraftState::kDraft:
      return "it is a draft (not submitted)";
    case DraftState::kInReview:
      return "it is at review " + LevelText(f, f.level);
    case DraftState::kAwaitingApproval:
      return "it is awaiting approval";
    case DraftState::kApproved:
      return "it is approved and not yet published";
    case DraftState::kScheduled:
      return "it is scheduled for publication";
    case DraftState::kPublished:
      return "it is published";
    case DraftState::kWithdrawn:
      return "its release was withdrawn";
    case DraftState::kRepealed:
      return "its release was repealed";
    case DraftState::kSuperseded:
      return "a newer version of its release was published";
  }
  return "its state is unknown";
}

Result<Transition> Decide(const staff::Principal& who, const WorkflowFacts& f,
                          const WorkflowRequest& r) {
  switch (r.action) {
    case DeskAction::kEdit:
    case DeskAction::kSubmit:
    case DeskAction::kAttach:
      return DecideEditing(who, f, r.action);
    case DeskAction::kPass:
      return DecidePass(who, f);
    case DeskAction::kReject:
      return DecideReject(who, f, r.comment);
    case DeskAction::kApprove:
      return DecideApprove(who, f);
    case DeskAction::kPublish:
    case DeskAction::kSchedule:
    case DeskAction::kUnschedule:
      return DecidePublishing(who, f, r);
    case DeskAction::kEmbargo:
      return DecideEmbargo(who, f);
    case DeskAction::kAmend:
    case DeskAction::kWithdraw:
    case DeskAction::kRepeal:
      return DecideReleaseChange(who, f, r);
  }
  return Status::Internal("unknown desk action");
}

}  // namespace zhanqun::desk
