// The reporter's thread: when it sends, and one envelope's round trip.
#include <algorithm>

#include "zhanqun/agent/reporter.h"

namespace zhanqun::agent {

using base::Result;
using base::Status;

namespace {

// Reports carry their own times, so batching them costs no accuracy: only
// how soon the hub's status page shows progress.
constexpr std::int64_t kReportCoalesceMs = 1000;
// Until the clock estimate is known (it climbs the tree one report round
// per level), a report every second.
constexpr std::int64_t kClockUnknownIntervalMs = 1000;
constexpr std::int64_t kRetryMs = 1000;
constexpr std::size_t kMaxRelayedPerEnvelope = 1000;
constexpr long kPostTimeoutMs = 30000;

std::ptrdiff_t Diff(std::size_t n) { return static_cast<std::ptrdiff_t>(n); }

}  // namespace

void Reporter::Run() {
  for (;;) {
    const std::int64_t interval = env_.freshness.ClockEstimate().known
                                      ? env_.report_interval_s * 1000LL
                                      : kClockUnknownIntervalMs;
    if (!signal_.Wait(interval)) return;
    // Gather what else arrives in the next moment (our other stages, our
    // children's reports) into the same envelope.
    if (!signal_.Sleep(kReportCoalesceMs)) return;
    signal_.Clear();
    if (Round().ok()) continue;
    if (!signal_.Sleep(kRetryMs)) return;
    signal_.Raise();
  }
}

Status Reporter::Round() {
  env_.watch.Check(*client_);
  Status s = SendReports();
  if (!s.ok()) {
    env_.counters.ack_errors++;
    Emit(env_.sink, "ack_failed",
         {{"upstream", env_.upstreams.Current().url}, {"error", s.ToString()}});
  }
  return s;
}

feeds::Envelope Reporter::NewEnvelope(std::size_t* rejections, std::size_t* transitions) {
  feeds::Envelope env;
  env.from = env_.node;
  const bool with_acks = ClockReadyForAcks();
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::size_t take = std::min(relay_queue_.size(), kMaxRelayedPerEnvelope);
    env.reports.assign(relay_queue_.begin(), relay_queue_.begin() + Diff(take));
  }
  std::string own = BuildOwnReport(with_acks, rejections, transitions);
  env.reports.insert(env.reports.begin(), {own, feeds::SignatureFor(env_.key, own)});
  return env;
}

void Reporter::TakeClockSample(const net::HttpResult& res, base::TimeMs t0, base::TimeMs t3) {
  base::TimeMs t1 = 0, t2 = 0;
  std::int64_t err = 0;
  if (auto c = res.headers.find("x-zhanqun-clock");
      c != res.headers.end() && feeds::ParseClockHeader(c->second, &t1, &t2, &err)) {
    env_.freshness.AddClockSample(t0, t1, t2, t3, err);
  }
}

void Reporter::Delivered(std::size_t relayed, std::size_t transitions, std::size_t rejections) {
  bool more;
  {
    std::lock_guard<std::mutex> lock(mu_);
    relayed = std::min(relayed, relay_queue_.size());
    relay_queue_.erase(relay_queue_.begin(), relay_queue_.begin() + Diff(relayed));
    env_.counters.reports_relayed += relayed;
    transitions_.erase(transitions_.begin(),
                       transitions_.begin() + Diff(std::min(transitions, transitions_.size())));
    pending_rejections_.erase(
        pending_rejections_.begin(),
        pending_rejections_.begin() + Diff(std::min(rejections, pending_rejections_.size())));
    more = !relay_queue_.empty();  // more than one envelope's worth
  }
  if (more) signal_.Raise();
}

Status Reporter::SendReports() {
  std::size_t own_rejections = 0, own_transitions = 0;
  const feeds::Envelope env = NewEnvelope(&own_rejections, &own_transitions);
  const std::string text = feeds::EncodeEnvelope(env);
  const std::string header = "X-Zhanqun-Signature: " + feeds::SignatureFor(env_.key, text);
  Upstreams::Choice up = env_.upstreams.Current();
  base::TimeMs t0 = env_.clock.NowMs();
  Result<net::HttpResult> res =
      client_->Post(up.url + "/api/v1/acks", text, "application/json", kPostTimeoutMs, {header});
  base::TimeMs t3 = env_.clock.NowMs();
  if (!res.ok() || res->status != 200) {
    env_.counters.upstream_failures_request++;
    if (env_.upstreams.Failed(up.index))
      env_.note_switch("upstream " + up.url + " refused reports");
    if (!res.ok()) return res.status();
    return Status::Unavailable(up.url + " answered " + std::to_string(res->status) + ": " +
                               res->body.substr(0, 300));
  }
  env_.upstreams.Succeeded(up.index);
  TakeClockSample(*res, t0, t3);
  // Head statements count only when they come with feed data (followers): a
  // relay whose following froze must go STALE even though it still reports.
  env_.counters.acks_sent++;
  report_n_++;
  Delivered(env.reports.size() - 1, own_transitions, own_rejections);
  return Status::Ok();
}

}  // namespace zhanqun::agent
