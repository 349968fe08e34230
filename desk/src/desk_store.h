// desk.db: drafts, their content revisions, history steps and the reviewers
// of each draft's current round. Private to the Desk, which serializes all
// calls under its own mutex (not thread-safe by itself).
#ifndef ZHANQUN_DESK_SRC_DESK_STORE_H_
#define ZHANQUN_DESK_SRC_DESK_STORE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "zhanqun/base/status.h"
#include "zhanqun/desk/desk.h"
#include "zhanqun/desk/workflow.h"
#include "zhanqun/sql/sqlite.h"

namespace zhanqun::desk {

std::string ContentToJson(const DraftContent& c);
base::Result<DraftContent> ContentFromJson(const std::string& text);

class DeskStore {
 public:
  static base::Result<std::unique_ptr<DeskStore>> Open(const std::string& path);

  sql::Db& db() { return *db_; }
  // Inserts a draft (id assigned, returned) and its first revision.
  base::Result<std::int64_t> Insert(const Draft& d, const std::string& actor);
  // Writes every column of `d` (by id).
  base::Status Update(const Draft& d);
  base::Status AddRevision(std::int64_t id, const DraftRevision& rev);
  base::Status AddStep(const DraftStep& step);
  base::Status AddReviewer(std::int64_t id, const RoundReviewer& r);
  base::Status ClearReviewers(std::int64_t id);

  // Reads return the store's errors, and kCorruption naming the table,
  // column and value for a row that does not convert (an unknown state or
  // step action, content that is not JSON).
  // nullopt when there is no draft `id`.
  base::Result<std::optional<Draft>> Get(std::int64_t id);
  base::Result<std::vector<Draft>> List(const DraftFilter& filter);
  // Drafts in any of `states`, oldest update first.
  base::Result<std::vector<Draft>> InStates(const std::vector<DraftState>& states);
  base::Result<std::vector<std::pair<DraftState, std::size_t>>> StateCounts();
  base::Result<std::vector<Draft>> ByRelease(const std::string& release_id);
  base::Result<std::vector<RoundReviewer>> Reviewers(std::int64_t id);
  base::Result<std::vector<DraftStep>> Steps(std::int64_t id);
  base::Result<std::vector<DraftRevision>> Revisions(std::int64_t id);
  // nullopt when the draft has no revision `revision`.
  base::Result<std::optional<DraftRevision>> Revision(std::int64_t id, int revision);

 private:
  explicit DeskStore(std::unique_ptr<sql::Db> db) : db_(std::move(db)) {}
  base::Result<std::vector<Draft>> Query(const std::string& where_order,
                                         const std::function<void(sql::Stmt&)>& bind);
  std::unique_ptr<sql::Db> db_;
};

}  // namespace zhanqun::desk

#endif  // ZHANQUN_DESK_SRC_DESK_STORE_H_
