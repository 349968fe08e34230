// The agent's reports up the tree (docs/protocol.md, "Reports"): every
// report_interval_s, or within a second of progress, one envelope to the
// current upstream holding our own signed report (the stage marks of the
// hub's log with our own times, our clock estimate and head statement, the
// entries we refused) and the reports our children sent us, byte for byte.
// The answer's X-Zhanqun-Clock feeds the estimate of the hub's clock. Runs
// on its own thread (Run); the other parts record progress into it.
//
// What an envelope carried leaves the queues only once the upstream
// answered 200; until then it is sent again with whatever came since.
//
// Thread-safe. Holds references only (see ReporterEnv); owns its HTTP
// client, made by the factory it is given.
#ifndef ZHANQUN_AGENT_REPORTER_H_
#define ZHANQUN_AGENT_REPORTER_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "zhanqun/agent/agent_counters.h"
#include "zhanqun/agent/event_sink.h"
#include "zhanqun/agent/hub_freshness.h"
#include "zhanqun/agent/trusted_keys.h"
#include "zhanqun/agent/upstream_watch.h"
#include "zhanqun/agent/upstreams.h"
#include "zhanqun/agent/work_signal.h"
#include "zhanqun/base/clock.h"
#include "zhanqun/feeds/report.h"
#include "zhanqun/feeds/signature.h"
#include "zhanqun/net/http.h"

namespace zhanqun::agent {

// What a Reporter works with; everything referenced must outlive it.
struct ReporterEnv {
  std::string node;             // our code: the reports are from it
  const feeds::SecretKey& key;  // signs our reports and envelopes
  int report_interval_s;        // heartbeat once the clock estimate is known
  Upstreams& upstreams;
  HubFreshness& freshness;
  TrustedKeys& trust;      // keys of the children whose reports we relay
  UpstreamWatch& watch;    // runs before each report
  SwitchNote note_switch;  // told when failed reports moved us to another upstream
  const base::Clock& clock;
  AgentCounters& counters;
  EventSink sink;
  net::HttpClientFactory http;
};

// A stage of the hub's log reached up to `seq`.
struct StageReached {
  feeds::Stage stage;
  std::uint64_t seq;
};

class Reporter {
 public:
  explicit Reporter(ReporterEnv env);

  // What we held before this start was reached earlier; its times are not
  // known any more, so these marks carry none (the hub has them already).
  // Without a site, a node is localized and live once indexed.
  void MarkHeldAtStart(std::uint64_t stored, std::uint64_t indexed, bool site_on);
  // `origin` reached each of `reached` now (our clock). Only the hub's log
  // is measured; other origins are ignored.
  void RecordStages(const std::string& origin, const std::vector<StageReached>& reached);
  // An entry we refused, reported with the next acks (at most 100 wait).
  void NoteRejection(const std::string& origin, std::uint64_t seq, const std::string& reason);
  // Reports from a child (an envelope signed by it): queued and passed up
  // with our own. kUnauthenticated when the sender is not a registered node
  // or its signature does not verify. Returns how many reports were queued.
  base::Result<std::size_t> AcceptChildReports(const std::string& body,
                                               const std::string& signature_header);

  // One round of the thread: upstream housekeeping, then one envelope. A
  // failure is counted (ack_errors) and logged (ack_failed) and returned.
  base::Status Round();
  // Sends one envelope to the current upstream; trims the queues on a 200.
  base::Status SendReports();

  void Run();
  void Stop() { signal_.Stop(); }

 private:
  // Our report, numbered (boot_, report_n_ + 1); `rejections` receives how
  // many pending rejections it carries, `acks` how many stage transitions
  // (none while `with_acks` is false: the clock estimate is not known yet).
  std::string BuildOwnReport(bool with_acks, std::size_t* rejections, std::size_t* acks);
  // Stage times are only worth sending once our offset to the hub's clock is
  // known; until then (a few report rounds after start, at most
  // kClockWaitMs) reports carry no acks and the transitions wait.
  bool ClockReadyForAcks();
  // REQUIRES: mu_ held.
  void RecordStageLocked(feeds::Stage stage, std::uint64_t seq, base::TimeMs at);
  // Drops what a delivered envelope carried: `relayed` child reports,
  // `transitions` stage transitions, `rejections` rejections.
  void Delivered(std::size_t relayed, std::size_t transitions, std::size_t rejections);
  feeds::Envelope NewEnvelope(std::size_t* rejections, std::size_t* transitions);
  void TakeClockSample(const net::HttpResult& res, base::TimeMs t0, base::TimeMs t3);

  const ReporterEnv env_;
  std::unique_ptr<net::HttpClient> client_;
  WorkSignal signal_;
  std::uint64_t boot_ = 0;            // report numbering: (boot_, report_n_)
  std::uint64_t report_n_ = 0;        // report thread only
  base::TimeMs first_report_ms_ = 0;  // report thread only (monotonic)

  std::mutex mu_;  // the marks and queues below
  struct StageMark {
    std::uint64_t seq = 0;
    base::TimeMs at_ms = 0;
  };
  // Stage name -> newest. Keyed by name: reports list the marks in name
  // order, as they always have.
  std::map<std::string, StageMark> hub_stages_;
  std::deque<feeds::StageAck> transitions_;      // since the last report delivered
  std::deque<feeds::SignedReport> relay_queue_;  // children's reports to pass on
  std::vector<feeds::ReportRejection> pending_rejections_;
};

}  // namespace zhanqun::agent

#endif  // ZHANQUN_AGENT_REPORTER_H_
