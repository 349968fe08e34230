// Freshness and time across the tree: the hub's signed head statement and
// clock-offset estimation between a node and the hub.
//
// Head statement. The hub signs, every few seconds and on every append,
//   origin=000000;seq=N;hash=H;time=T;expires=E;sig=BASE64
// where sig is a raw Ed25519 signature by the hub key over every byte before
// ";sig=". It travels in the X-Zhanqun-Head-Statement response header of every
// feed answer for the hub's log; relays pass the newest one they verified on
// unchanged. A node whose newest statement has expired (on the hub's clock)
// is STALE: its upstream is frozen even if it answers.
//
// Clock. Every feed answer carries X-Zhanqun-Clock: t1=..;t2=..;err=.. — when
// the server received the request and when it answered, both as the server's
// estimate of the hub's clock (the hub: its own clock, err=0), and the bound
// on that estimate's error. With t0 and t3 the
// client's own send and receive times, the NTP estimate
//   offset = ((t1 - t0) + (t2 - t3)) / 2,  delay = (t3 - t0) - (t2 - t1)
// gives hub_time ~ local_time + offset, within delay / 2 plus the server's own
// error. A long-poll's waiting time falls out of `delay`, so held requests
// estimate as well as quick ones. ClockSync keeps the sample with the
// smallest delay among the recent ones (NTP's clock filter).
//
// The clock header is not signed, and an upstream may lie in it. So the
// offset is clamped to +-kMaxClockOffsetMs (the error bound grows by what
// was cut off), and staleness never rests on it alone: a statement's own
// signed `time` is a lower bound on the hub's clock when it is received
// (docs/protocol.md, "Freshness").
//
// Thread-safe: ClockSync takes its own mutex; the rest are functions.
#ifndef ZHANQUN_FEEDS_FRESHNESS_H_
#define ZHANQUN_FEEDS_FRESHNESS_H_

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

#include "zhanqun/base/status.h"
#include "zhanqun/feeds/model.h"
#include "zhanqun/feeds/signature.h"

namespace zhanqun::feeds {

inline constexpr char kHeadStatementHeader[] = "X-Zhanqun-Head-Statement";
inline constexpr char kClockHeader[] = "X-Zhanqun-Clock";

struct HeadStatement {
  std::string origin;
  std::uint64_t seq = 0;
  std::string hash;  // hash of entry `seq` (empty when seq is 0)
  base::TimeMs time_ms = 0;
  base::TimeMs expires_ms = 0;
  std::string text;  // the signed wire form, passed on unchanged
};

// Signs a statement; fills `text`.
HeadStatement SignHeadStatement(const SecretKey& key, const std::string& origin, std::uint64_t seq,
                                const std::string& hash, base::TimeMs time_ms,
                                base::TimeMs expires_ms);
// Parses and verifies `text` against `key`. Errors name the broken field.
base::Result<HeadStatement> VerifyHeadStatement(const std::string& text, const PublicKey& key);

// "t1=<ms>;t2=<ms>;err=<ms>"
std::string FormatClockHeader(base::TimeMs t1, base::TimeMs t2, std::int64_t error_ms);
// False if `value` is not a well-formed clock header.
bool ParseClockHeader(const std::string& value, base::TimeMs* t1, base::TimeMs* t2,
                      std::int64_t* error_ms);

// The largest offset between a node's clock and the hub's that an estimate
// may show. A node whose clock is further off must fix its clock: its
// estimate says `clamped`, and its lag figures are off by the difference.
inline constexpr std::int64_t kMaxClockOffsetMs = 10 * 60 * 1000;

struct ClockEstimate {
  bool known = false;
  std::int64_t offset_ms = 0;  // hub time = local time + offset, |offset| <= kMaxClockOffsetMs
  std::int64_t error_ms = 0;   // bound on |estimate - truth| (the clamped part included)
  bool clamped = false;        // the samples said more than kMaxClockOffsetMs
};

class ClockSync {
 public:
  // `window` samples are kept; the one with the smallest delay wins.
  explicit ClockSync(std::size_t window = 8) : window_(window) {}
  // t0/t3: our clock at send/receive; t1/t2/err from the server's header.
  void AddSample(base::TimeMs t0, base::TimeMs t1, base::TimeMs t2, base::TimeMs t3,
                 std::int64_t server_error_ms);
  // The best recent sample's offset, clamped to +-kMaxClockOffsetMs.
  ClockEstimate Estimate() const;
  // Our estimate of the hub's clock, or `local_ms` itself while unknown.
  base::TimeMs HubTime(base::TimeMs local_ms) const;

 private:
  struct Sample {
    std::int64_t offset, delay, server_error;
  };
  std::size_t window_;
  mutable std::mutex mu_;
  std::deque<Sample> samples_;
};

}  // namespace zhanqun::feeds

#endif  // ZHANQUN_FEEDS_FRESHNESS_H_
