// The editorial desk (desk.db): drafts, their revisions, the review workflow
// (三审) and publication through the Hub. Every step is recorded in the
// draft's history and in the audit log.
//
// Workflow (workflow.h has the pure rules):
//   draft --submit--> review level 1 .. N --pass--> awaiting approval
//     --approve--> approved --publish now / schedule--> published
//   any review level or approval --reject(comment)--> draft (back to its editor)
//   published release: amend (new draft, next version, reviewed again),
//     withdraw (approver + reason: signed withdrawal entry), repeal (废止,
//     stays readable).
// Separation of duties: the author of a draft never passes, rejects,
// approves or publishes it; each review level of a round is taken by a
// different reviewer, and the approver reviewed none of them.
// Embargo: a not-before time; nothing is published (now or by schedule)
// earlier, so its content is never sent to any node before it.
//
// Thread-safe. Errors: kPermissionDenied (role or separation of duties),
// kFailedPrecondition (illegal transition: names the state and the action),
// kInvalidArgument (field named), kNotFound, kAlreadyExists (stale revision).
// A failure of desk.db (kIoError; kCorruption for a damaged file, or a row
// holding an unknown state or step, or draft content that is not JSON) is
// returned as such by every method, reads included: never an empty list or
// a missing draft.
#ifndef ZHANQUN_DESK_DESK_H_
#define ZHANQUN_DESK_DESK_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "zhanqun/base/clock.h"
#include "zhanqun/base/env.h"
#include "zhanqun/base/status.h"
#include "zhanqun/desk/config.h"
#include "zhanqun/feeds/log.h"  // feeds::SignedEntry
#include "zhanqun/feeds/model.h"
#include "zhanqun/feeds/signature.h"
#include "zhanqun/staff/audit.h"
#include "zhanqun/staff/roles.h"

namespace zhanqun::hub {
class Hub;
}

namespace zhanqun::desk {

enum class DraftState {
  kDraft,             // being written, or sent back by a rejection
  kInReview,          // waiting at review level `level` (1-based)
  kAwaitingApproval,  // every level passed; waiting for an approver
  kApproved,          // approved, not yet published
  kScheduled,         // approved, publishes by itself at publish_at_ms
  kPublished,
  kWithdrawn,   // its release was withdrawn
  kRepealed,    // its release was repealed (废止)
  kSuperseded,  // a newer version of its release was published
};
const char* DraftStateName(DraftState s);   // "draft", "in_review", ...
const char* DraftStateLabel(DraftState s);  // 草稿, 审核中, ...

// What an editor writes. `release_id` empty: generated at creation.
struct DraftContent {
  std::string title, doc_number, authority, signed_date;  // see feeds::Release
  std::vector<std::string> topics, categories;
  std::string body_html;  // sanitized on every save
  // The Markdown source when the body was written in Markdown; when set,
  // body_html is derived from it (feeds/markdown.h) on every save.
  std::string body_markdown;
  std::vector<feeds::Attachment> attachments;
  bool operator==(const DraftContent&) const = default;
};

struct Draft {
  std::int64_t id = 0;
  std::string release_id;
  int release_version = 1;  // the version it publishes as
  DraftState state = DraftState::kDraft;
  int level = 0;     // review level waited on (kInReview), else 0
  int levels = 3;    // review levels of this draft (fixed at submit)
  int revision = 1;  // content revision, +1 per edit
  DraftContent content;
  std::int64_t author_id = 0;
  std::string author;             // username
  std::string source = "manual";  // or "ingest:<source name>"
  std::string source_link;        // upstream item link, for ingested drafts
  std::optional<base::TimeMs> publish_at_ms, embargo_until_ms;
  std::string last_comment;  // of the newest rejection
  base::TimeMs created_ms = 0, updated_ms = 0;
  std::uint64_t published_seq = 0;  // hub log seq once published
};

// What a step in a draft's history did.
enum class StepAction {
  kCreate,
  kImport,  // created from an upstream item
  kAdopt,   // a release published outside the desk, taken in
  kAmend,   // created as the next version of a published release
  kEdit,
  kAttach,
  kSubmit,
  kPass,
  kReject,
  kApprove,
  kSchedule,
  kUnschedule,
  kEmbargo,
  kPublish,
  kSupersede,  // a newer version of its release was published
  kWithdraw,
  kRepeal,
};
const char* StepActionName(StepAction a);  // "create", "import", ... (stored, and in the API)
const std::vector<StepAction>& AllStepActions();

// One step in a draft's history.
struct DraftStep {
  std::int64_t draft_id = 0;
  base::TimeMs at_ms = 0;
  std::string actor;  // Principal::AuditName()
  std::int64_t actor_id = 0;
  StepAction action = StepAction::kCreate;
  int level = 0;     // for pass/reject at a review level
  int revision = 0;  // content revision the step applied to
  std::string comment;
};

struct DraftRevision {
  int revision = 0;
  DraftContent content;
  std::string actor;
  base::TimeMs at_ms = 0;
};

// A line diff of one field between two revisions.
struct FieldDiff {
  std::string field;  // "title", "body", "topics", ...
  struct Line {
    char op = ' ';  // ' ' same, '-' removed, '+' added
    std::string text;
  };
  std::vector<Line> lines;
};

struct DraftFilter {
  std::optional<DraftState> state;
  std::string release_id, author, text;  // text: substring of the title
  std::size_t limit = 100, offset = 0;
};

struct DeskOptions {
  std::vector<std::string> review_levels = {"初审", "复审", "终审"};  // 1..5 levels
  std::string attachments_dir;  // <data_dir>/attachments, files named by SHA-256
  std::string public_url;       // attachment hrefs: <public_url>/attachments/<sha256>/<name>
  std::size_t max_attachment_bytes = 20 * 1024 * 1024;
  base::Env* env = &base::Env::Default();  // attachments are read and written through it
};

// review_levels, attachments_dir (<data_dir>/attachments) and public_url
// from the desk's configuration; Desk::Open takes config.DeskDbPath().
DeskOptions DeskOptionsFromConfig(const DeskConfig& config);

class Desk {
 public:
  static base::Result<std::unique_ptr<Desk>> Open(const std::string& path,
                                                  const DeskOptions& options, hub::Hub& hub,
                                                  staff::AuditLog& audit, const base::Clock& clock);
  ~Desk();
  const DeskOptions& options() const;

  // `release_id` empty: "hub-<yyyymmdd>-<draft id>". A given id must be
  // valid and unused (kAlreadyExists: amend the published release instead).
  base::Result<Draft> Create(const staff::Principal& by, DraftContent content,
                             const std::string& release_id = "");
  // `revision` must be the draft's current revision (else kAlreadyExists:
  // someone else saved first).
  base::Result<Draft> Edit(const staff::Principal& by, std::int64_t id, int revision,
                           DraftContent content);
  base::Result<Draft> Submit(const staff::Principal& by, std::int64_t id);
  base::Result<Draft> Pass(const staff::Principal& by, std::int64_t id, const std::string& comment);
  // Reviewer (at a level) or approver (awaiting approval / approved / scheduled).
  // The comment is required.
  base::Result<Draft> Reject(const staff::Principal& by, std::int64_t id,
                             const std::string& comment);
  base::Result<Draft> Approve(const staff::Principal& by, std::int64_t id,
                              const std::string& comment);
  base::Result<Draft> PublishNow(const staff::Principal& by, std::int64_t id);
  base::Result<Draft> Schedule(const staff::Principal& by, std::int64_t id, base::TimeMs at_ms);
  base::Result<Draft> Unschedule(const staff::Principal& by, std::int64_t id);
  // Editor (before approval) or approver; nullopt lifts it.
  base::Result<Draft> SetEmbargo(const staff::Principal& by, std::int64_t id,
                                 std::optional<base::TimeMs> until_ms);
  // A new draft for the next version of a published release, its content
  // copied from the newest published version.
  base::Result<Draft> Amend(const staff::Principal& by, const std::string& release_id);
  base::Result<feeds::SignedEntry> Withdraw(const staff::Principal& by,
                                            const std::string& release_id,
                                            const std::string& reason);
  base::Result<feeds::SignedEntry> Repeal(const staff::Principal& by, const std::string& release_id,
                                          const std::string& reason);

  // Stores the bytes under attachments_dir by SHA-256 and adds the
  // attachment to the draft (a new revision). Editor, draft state only.
  base::Result<Draft> Attach(const staff::Principal& by, std::int64_t id,
                             const std::string& filename, const std::string& media_type,
                             const std::string& bytes);
  base::Result<std::string> AttachmentBytes(const std::string& sha256_hex);

  // Ingestion: a new draft from an upstream item, authored by "ingest:<source>".
  // A trusted source's draft skips the review levels (kAwaitingApproval).
  base::Result<Draft> Import(const std::string& source, bool trusted, DraftContent content,
                             const std::string& link);

  // What one PublishDue pass did.
  struct DuePass {
    std::size_t published = 0;
    // Due drafts that failed to publish, with why. They stay scheduled and
    // the next pass tries them again.
    std::vector<std::pair<std::int64_t, base::Status>> failed;
  };
  // Publishes every scheduled draft whose time has come (and whose embargo
  // has passed). Called by the daemon. Errors: the store's, when the
  // scheduled drafts cannot be read (nothing was published then).
  base::Result<DuePass> PublishDue();

  // nullopt when there is no draft `id`.
  base::Result<std::optional<Draft>> Get(std::int64_t id);
  base::Result<std::vector<Draft>> List(const DraftFilter& filter);
  // Drafts waiting on something `who` may do now (per role, excluding ones
  // separation of duties forbids them), oldest first.
  base::Result<std::vector<Draft>> Queue(const staff::Principal& who);
  // How many drafts are in each state (states with none are left out).
  base::Result<std::vector<std::pair<DraftState, std::size_t>>> StateCounts();
  // Empty for a draft without history (or no draft `id`).
  base::Result<std::vector<DraftStep>> History(std::int64_t id);
  base::Result<std::vector<DraftRevision>> Revisions(std::int64_t id);
  // Every draft (all versions) of one release, oldest first.
  base::Result<std::vector<Draft>> ReleaseDrafts(const std::string& release_id);
  base::Result<std::vector<FieldDiff>> Diff(std::int64_t id, int from_revision, int to_revision);
  std::string LevelName(int level) const;  // 1 -> 初审

 private:
  struct Impl;
  explicit Desk(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zhanqun::desk

#endif  // ZHANQUN_DESK_DESK_H_
