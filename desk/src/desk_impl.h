// The Desk's private state and the helpers its .cc files share.
#ifndef ZHANQUN_DESK_SRC_DESK_IMPL_H_
#define ZHANQUN_DESK_SRC_DESK_IMPL_H_

#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "desk_store.h"
#include "zhanqun/desk/desk.h"
#include "zhanqun/desk/workflow.h"
#include "zhanqun/hub/hub.h"

namespace zhanqun::desk {

// Who a step is recorded as: a principal, "system" or "ingest:<source>".
struct Actor {
  std::string name;
  std::int64_t id = 0;
};
inline Actor ActorOf(const staff::Principal& p) { return {p.AuditName(), p.user_id}; }

// A field-by-field line diff of two contents (desk_diff.cc).
std::vector<FieldDiff> DiffContents(const DraftContent& from, const DraftContent& to);

struct Desk::Impl {
  Impl(DeskOptions o, hub::Hub& h, staff::AuditLog& a, const base::Clock& c,
       std::unique_ptr<DeskStore> s)
      : options(std::move(o)), hub(h), audit(a), clock(c), store(std::move(s)) {}

  DeskOptions options;
  hub::Hub& hub;
  staff::AuditLog& audit;
  const base::Clock& clock;
  std::unique_ptr<DeskStore> store;
  std::mutex mu;  // serializes every desk operation

  // kNotFound when there is no draft `id`.
  base::Result<Draft> Load(std::int64_t id);
  // The facts the rules need (the round's reviewers come from the store).
  base::Result<WorkflowFacts> Facts(const staff::Principal& who, const Draft& d);
  // Decide(who, Facts(who, d), request).
  base::Result<Transition> Ask(const staff::Principal& who, const Draft& d,
                               const WorkflowRequest& request);
  // Sanitizes the body and validates every field as the release it becomes.
  base::Result<DraftContent> Clean(DraftContent c, const std::string& release_id, int version);
  feeds::Release ToRelease(const Draft& d) const;
  // Saves `d` and its history step in one transaction, then appends the
  // audit record (object "draft:<id>" unless `object` is given).
  // `extra` runs inside the same transaction (reviewer bookkeeping).
  base::Status Record(const Actor& actor, Draft& d, StepAction step,
                      const std::string& audit_action, nlohmann::json detail,
                      const std::string& comment = "", int level = 0,
                      const std::string& object = "",
                      const std::function<base::Status()>& extra = nullptr);
  base::Status Audit(const Actor& actor, const std::string& action, const std::string& object,
                     const nlohmann::json& detail);
  // Publishes an approved or scheduled draft through the Hub.
  base::Result<Draft> PublishDraft(const Actor& actor, Draft d);
  // A release published outside the desk, taken in as a published draft.
  base::Result<Draft> AdoptPublished(const std::string& release_id);
  // The newest published draft of a release (kNotFound when none); adopts a
  // release the desk has never seen.
  base::Result<Draft> PublishedDraft(const std::string& release_id);
  base::Result<feeds::SignedEntry> EndRelease(const staff::Principal& by,
                                              const std::string& release_id,
                                              const std::string& reason, DeskAction action);
  // Validates, stores and audits a new draft (`d.content` not yet clean).
  base::Result<Draft> CreateDraft(const Actor& actor, Draft d, StepAction step,
                                  const std::string& audit_action, nlohmann::json detail);
  base::Status CheckReleaseIdFree(const std::string& release_id);
  std::string LevelName(int level) const;
};

}  // namespace zhanqun::desk

#endif  // ZHANQUN_DESK_SRC_DESK_IMPL_H_
