// The ordered upstreams an agent follows and reports to: its parent first,
// then grandparent or hub. The agent moves to the next one when the current
// one fails `failures_to_switch` times in a row, serves a log badly that
// many times in a row (a page that does not verify, or one that withholds
// entries its own head statement promises), or serves only expired head
// statements (STALE); it moves back when a probe finds a better-ranked one
// healthy again. Entries are verified whatever their route, and fetching
// always resumes after the verified head, so a switch can neither skip nor
// repeat an entry.
//
// Two kinds of streak are kept. Failed requests (any part: followers and
// the reporter) form one streak, which any answered request ends. Badly
// served pages form one streak per log, which only a good page of that
// log ends: an upstream that accepts our reports, or serves another log
// well, cannot hold one log hostage.
//
// Thread-safe.
#ifndef ZHANQUN_AGENT_UPSTREAMS_H_
#define ZHANQUN_AGENT_UPSTREAMS_H_

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "zhanqun/feeds/model.h"

namespace zhanqun::agent {

class Upstreams {
 public:
  explicit Upstreams(std::vector<std::string> urls, int failures_to_switch = 3);

  struct Choice {
    std::size_t index = 0;
    std::string url;
  };
  Choice Current() const;
  std::size_t size() const { return urls_.size(); }
  const std::string& url(std::size_t i) const { return urls_[i]; }

  // A request to upstream `index` failed. True if this moved us on.
  bool Failed(std::size_t index);
  // A request to upstream `index` was answered: ends the failed-request streak.
  void Succeeded(std::size_t index);
  // Upstream `index` served a page of `origin` that did not verify, or that
  // withheld entries. True if this moved us on.
  bool Misserved(std::size_t index, const std::string& origin);
  // Upstream `index` served a good page of `origin`: ends that log's streak
  // (and the failed-request one).
  void Served(std::size_t index, const std::string& origin);
  // Upstream `index` serves only expired head statements: move on now, if
  // there is anywhere to go. True if this moved us on.
  bool Stale(std::size_t index);
  // Moves to `index` (a probe found it healthy). True if it changed. Never
  // to a barred upstream.
  bool SwitchTo(std::size_t index);
  // Bars upstream `index` (its node's keys are revoked or removed in the
  // registry: it can neither report for us nor be trusted to relay), or lifts
  // the bar. Barring the current one moves on at once. True if this moved us on.
  bool SetBarred(std::size_t index, bool barred);
  bool barred(std::size_t index) const;
  std::uint64_t switches() const;

 private:
  bool MoveOnLocked(std::size_t index);

  const std::vector<std::string> urls_;
  const int failures_to_switch_;
  mutable std::mutex mu_;
  std::size_t current_ = 0;
  int failures_ = 0;                      // failed requests in a row
  std::map<std::string, int> misserved_;  // origin -> bad pages in a row
  std::vector<bool> barred_;              // by index; empty: none
  std::uint64_t switches_ = 0;
};

}  // namespace zhanqun::agent

#endif  // ZHANQUN_AGENT_UPSTREAMS_H_
