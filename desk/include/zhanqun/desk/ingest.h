// Upstream ingestion: RSS 2.0 / Atom 1.0 sources (config "sources") polled
// over HTTP become drafts in the review queue.
//
// The Ingestor owns <data_dir>/ingest.db: one row of state per source
// (validators for conditional GET, last outcome, failures, next poll time,
// counters) and the items already seen, keyed by (source, guid or else link),
// so duplicates are recognised across polls and restarts. Each poll of a
// source is independent: a hostile or broken feed is rejected with a
// recorded reason (source state, and an "ingest.rejected" audit record by
// "ingest:<name>") and never stops the other sources.
//
// Backoff: after a failure the next poll is interval * 2^failures later,
// capped at one hour (never sooner than the interval); Retry-After on 429 and
// 503 is honoured when it asks for longer. Due times come from the injected
// Clock.
//
// Errors: what a source does wrong (HTTP errors, network failures, a bad
// feed or item) is recorded in its state and outcome, never returned as a
// Status. A failure of ingest.db or of the audit log is returned, and ends
// the pass (PollDue, PollAll) at the source it happened on; a stored status
// the program does not know is kCorruption.
//
// Thread-safe: polls are serialised by one mutex; Sources() may be called
// from any thread and never waits for a poll in progress (the state store
// has its own short-held lock). The AuditLog and Clock must outlive the Ingestor.
#ifndef ZHANQUN_DESK_INGEST_H_
#define ZHANQUN_DESK_INGEST_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "zhanqun/base/clock.h"
#include "zhanqun/base/status.h"
#include "zhanqun/desk/config.h"
#include "zhanqun/desk/desk.h"
#include "zhanqun/desk/syndication.h"
#include "zhanqun/staff/audit.h"

namespace zhanqun::desk {

enum class SourceStatus {
  kNever,        // not polled yet
  kOk,           // fetched and parsed
  kNotModified,  // 304
  kHttpError,    // any status other than 2xx / 304
  kNetwork,      // connection failure or timeout
  kBadFeed,      // the body is not an acceptable feed (reason in last_error)
};
const char* SourceStatusName(SourceStatus s);  // "never", "ok", "not_modified", ...

struct SourceState {
  std::string etag, last_modified;  // validators of the last 200 response
  base::TimeMs last_poll_ms = 0, last_ok_ms = 0, next_poll_ms = 0;
  SourceStatus last_status = SourceStatus::kNever;
  std::string last_error;
  int failures = 0;                 // consecutive
  std::int64_t items_seen = 0;      // items read over all polls
  std::int64_t items_imported = 0;  // drafts created
  std::int64_t items_rejected = 0;  // items dropped by the parser or refused by the sink
};

// What a status page shows for one source.
struct SourceView {
  SourceConfig config;
  SourceState state;
};

// The result of polling one source once.
struct PollOutcome {
  std::string source;
  SourceStatus status = SourceStatus::kNever;
  long http_status = 0;
  std::string error;  // "" when status is kOk / kNotModified
  std::size_t items_seen = 0, items_new = 0, items_rejected = 0;
  base::TimeMs next_poll_ms = 0;
};

// Creates a draft for a new item; returns its id. The lead's wiring calls
// Desk::Import (which applies `trusted` and writes its own audit record).
using DraftSink = std::function<base::Result<std::int64_t>(
    const SourceConfig&, DraftContent content, const std::string& link)>;

// An item as a draft: title; body = sanitized content, else summary (plain
// text becomes paragraphs), and a last paragraph linking the original;
// authority and topics from the source; signed_date = the item's date
// (published, else updated) as YYYY-MM-DD in Beijing time, "" if it has none.
DraftContent ItemToDraft(const SourceConfig& source, const desk::ForeignItem& item);

// For `zhanqun-hub source list`: a header line and one line per source
// (name, status, failures, seen/imported/rejected, last poll, next poll,
// last error), times as RFC 3339 UTC or "-".
std::string FormatSourceTable(const std::vector<SourceView>& sources);
// For `zhanqun-hub source poll`: "gov: ok http=200 seen=5 new=5 rejected=0
// next=2019-...Z" plus " error=..." when there is one.
std::string FormatPollOutcome(const PollOutcome& o);

class Ingestor {
 public:
  static base::Result<std::unique_ptr<Ingestor>> Open(const std::string& db_path,
                                                      std::vector<SourceConfig> sources,
                                                      DraftSink sink, staff::AuditLog& audit,
                                                      const base::Clock& clock);
  ~Ingestor();  // stops the background thread

  // Polls every source whose next_poll_ms <= now, one after the other.
  base::Result<std::vector<PollOutcome>> PollDue(base::TimeMs now);
  // Polls one source now, whatever its due time. kNotFound for an unknown name.
  base::Result<PollOutcome> PollNow(const std::string& name);
  // Polls every source now.
  base::Result<std::vector<PollOutcome>> PollAll();
  // Config and state of every configured source, in config order.
  base::Result<std::vector<SourceView>> Sources();

  // A background thread calling PollDue(clock.NowMs()) every second;
  // `on_error` (may be empty) gets each pass's error, on that thread.
  void Start(std::function<void(const base::Status&)> on_error = nullptr);
  void Stop();

 private:
  struct Impl;
  explicit Ingestor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zhanqun::desk

#endif  // ZHANQUN_DESK_INGEST_H_
