// The audit log: an append-only, hash-chained record of every state change
// made by people or automation (logins, drafts, reviews, publications, user
// and token changes, ingestion). Lives in its own SQLite file (audit.db).
//
// Record n's hash is SHA-256 over the canonical JSON array
//   [n, time_ms, actor, action, object, detail, prev_hash]
// (nlohmann dump(), UTF-8, no spaces); prev_hash of record 1 is 64 '0'.
// UPDATE and DELETE are refused by triggers; Verify() recomputes the chain
// from the stored columns, so editing the file by other means is caught.
//
// Thread-safe (one connection, one mutex). Appends are durable on return.
// Every method returns a failure of audit.db as its Status: a read that
// fails is never an empty list, a missing record or a broken chain.
#ifndef ZHANQUN_STAFF_AUDIT_H_
#define ZHANQUN_STAFF_AUDIT_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "zhanqun/base/status.h"
#include "zhanqun/base/time.h"

namespace zhanqun::sql {
class Db;
}

namespace zhanqun::staff {

struct AuditRecord {
  std::uint64_t seq = 0;  // 1, 2, 3, ... assigned by Append
  base::TimeMs time_ms = 0;
  std::string actor;            // Principal::AuditName(), or "system" / "ingest:<source>"
  std::string action;           // dotted verb: "draft.create", "review.pass", "user.add", ...
  std::string object;           // what it acted on: "draft:12", "release:gov-2019-1", "user:alice"
  std::string detail;           // JSON object text (compact), e.g. {"level":1,"comment":"..."}
  std::string prev_hash, hash;  // hex SHA-256, set by Append
};

struct AuditFilter {
  std::string actor, action_prefix, object;  // empty: any
  std::uint64_t before_seq = 0;              // 0: from the newest
  std::size_t limit = 100;
};

// Result of a full chain check.
struct AuditVerification {
  std::uint64_t records = 0;    // records checked
  std::uint64_t first_bad = 0;  // 0 when intact
  std::string problem;          // e.g. "record 17: hash does not match its contents"
  bool ok() const { return first_bad == 0; }
};

class AuditLog {
 public:
  static base::Result<std::unique_ptr<AuditLog>> Open(const std::string& path);
  ~AuditLog();

  // Appends; fills seq, prev_hash, hash. REQUIRES: detail is a JSON object
  // text (empty means "{}").
  base::Result<AuditRecord> Append(const base::TimeMs time_ms, const std::string& actor,
                                   const std::string& action, const std::string& object,
                                   const std::string& detail = "{}");
  // Newest first.
  base::Result<std::vector<AuditRecord>> List(const AuditFilter& filter);
  // nullopt when there is no record `seq`.
  base::Result<std::optional<AuditRecord>> Get(std::uint64_t seq);
  // The newest seq, 0 when the log is empty.
  base::Result<std::uint64_t> Head();
  // Walks every record in order: seq without gaps, prev_hash links, hash
  // recomputed. Stops at the first broken record and names it. Also catches
  // rows that cannot be read at all (a damaged file: kCorruption from
  // SQLite). Any other failure to read (I/O, busy) is returned as the Status,
  // not reported as a broken chain.
  base::Result<AuditVerification> Verify();

 private:
  explicit AuditLog(std::unique_ptr<sql::Db> db);
  std::mutex mu_;
  std::unique_ptr<sql::Db> db_;
};

// The hash a record must carry (exposed for tests and docs/operations.md).
std::string AuditRecordHash(const AuditRecord& r);

}  // namespace zhanqun::staff

#endif  // ZHANQUN_STAFF_AUDIT_H_
