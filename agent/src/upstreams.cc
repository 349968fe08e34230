#include "zhanqun/agent/upstreams.h"

namespace zhanqun::agent {

Upstreams::Upstreams(std::vector<std::string> urls, int failures_to_switch)
    : urls_(std::move(urls)), failures_to_switch_(failures_to_switch) {}

Upstreams::Choice Upstreams::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (urls_.empty()) return {};
  return {current_, urls_[current_]};
}

bool Upstreams::MoveOnLocked(std::size_t index) {
  if (index != current_ || urls_.size() < 2) return false;
  // Past the last one, start again from the parent: it may be back. A barred
  // one is passed over unless every other is barred too.
  std::size_t next = (current_ + 1) % urls_.size();
  for (std::size_t tried = 0; tried + 1 < urls_.size() && next < barred_.size() && barred_[next];
       ++tried) {
    next = (next + 1) % urls_.size();
  }
  if (next == current_) return false;
  current_ = next;
  failures_ = 0;
  misserved_.clear();
  switches_++;
  return true;
}

bool Upstreams::Failed(std::size_t index) {
  std::lock_guard<std::mutex> lock(mu_);
  if (index != current_) return false;
  if (++failures_ < failures_to_switch_) return false;
  return MoveOnLocked(index);
}

void Upstreams::Succeeded(std::size_t index) {
  std::lock_guard<std::mutex> lock(mu_);
  if (index == current_) failures_ = 0;
}

bool Upstreams::Misserved(std::size_t index, const std::string& origin) {
  std::lock_guard<std::mutex> lock(mu_);
  if (index != current_) return false;
  if (++misserved_[origin] < failures_to_switch_) return false;
  return MoveOnLocked(index);
}

void Upstreams::Served(std::size_t index, const std::string& origin) {
  std::lock_guard<std::mutex> lock(mu_);
  if (index != current_) return;
  failures_ = 0;
  misserved_.erase(origin);
}

bool Upstreams::Stale(std::size_t index) {
  std::lock_guard<std::mutex> lock(mu_);
  return MoveOnLocked(index);
}

bool Upstreams::SwitchTo(std::size_t index) {
  std::lock_guard<std::mutex> lock(mu_);
  if (index >= urls_.size() || index == current_) return false;
  if (index < barred_.size() && barred_[index]) return false;
  current_ = index;
  failures_ = 0;
  misserved_.clear();
  switches_++;
  return true;
}

bool Upstreams::SetBarred(std::size_t index, bool barred) {
  std::lock_guard<std::mutex> lock(mu_);
  if (index >= urls_.size()) return false;
  if (barred_.size() < urls_.size()) barred_.resize(urls_.size(), false);
  barred_[index] = barred;
  return barred && MoveOnLocked(index);
}

bool Upstreams::barred(std::size_t index) const {
  std::lock_guard<std::mutex> lock(mu_);
  return index < barred_.size() && barred_[index];
}

std::uint64_t Upstreams::switches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return switches_;
}

}  // namespace zhanqun::agent
