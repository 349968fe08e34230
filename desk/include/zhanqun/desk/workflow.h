// The editorial workflow rules (三审) as pure functions: given the facts of a
// draft and who asks, decide whether an action is allowed and what state it
// leads to. No I/O; the Desk gathers the facts, asks, and applies the answer.
//
// Refusals: kPermissionDenied (the role is missing, or separation of duties
// forbids it), kFailedPrecondition (the action is illegal in the draft's
// state, or the embargo has not passed; the message names both),
// kInvalidArgument (a required comment, reason or time is missing or wrong).
// Thread-safe (no state).
#ifndef ZHANQUN_DESK_WORKFLOW_H_
#define ZHANQUN_DESK_WORKFLOW_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "zhanqun/base/status.h"
#include "zhanqun/desk/desk.h"
#include "zhanqun/feeds/model.h"
#include "zhanqun/staff/roles.h"

namespace zhanqun::desk {

enum class DeskAction {
  kEdit,
  kSubmit,
  kPass,
  kReject,
  kApprove,
  kPublish,  // publish now
  kSchedule,
  kUnschedule,
  kEmbargo,
  kAmend,
  kWithdraw,
  kRepeal,
  kAttach,
};
const char* DeskActionName(DeskAction a);  // "edit", "submit", ...
const std::vector<DeskAction>& AllDeskActions();
const std::vector<DraftState>& AllDraftStates();

// Who passed which level of the current review round.
struct RoundReviewer {
  int level = 0;
  std::int64_t user_id = 0;
  std::string username;
};

// What the rules look at. `levels` is the draft's number of review levels
// (for a submit: the number it will be fixed at).
struct WorkflowFacts {
  std::int64_t draft_id = 0;
  DraftState state = DraftState::kDraft;
  int level = 0;
  int levels = 3;
  std::vector<std::string> level_names;  // 初审, 复审, ... (may be shorter than levels)
  std::int64_t author_id = 0;
  std::string author;  // username, or "ingest:<source>"
  std::vector<RoundReviewer> round_reviewers;
  bool principal_is_author = false;
  std::optional<base::TimeMs> embargo_until_ms;
  base::TimeMs now_ms = 0;
};

struct WorkflowRequest {
  DeskAction action = DeskAction::kEdit;
  std::string comment;                // reject: required; withdraw/repeal: the reason
  std::optional<base::TimeMs> at_ms;  // schedule: when
};

struct Transition {
  DraftState state = DraftState::kDraft;
  int level = 0;
  bool new_round = false;  // the round's reviewers are forgotten (rejection)
};

// Allowed: the state and level the draft moves to. Refused: a Status naming
// the draft, its state and the action.
base::Result<Transition> Decide(const staff::Principal& who, const WorkflowFacts& facts,
                                const WorkflowRequest& request);

// True when `who` is the round reviewer `r` (same user id, or same username).
bool SamePerson(const staff::Principal& who, std::int64_t user_id, const std::string& username);

// "it is at review level 2 (复审)", "it is published", ...
std::string DescribeState(const WorkflowFacts& facts);

}  // namespace zhanqun::desk

#endif  // ZHANQUN_DESK_WORKFLOW_H_
