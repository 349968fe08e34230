#include "zhanqun/agent/work_signal.h"

#include <chrono>

#include "zhanqun/net/http.h"

namespace zhanqun::agent {

void WorkSignal::Raise() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    wanted_ = true;
  }
  cv_.notify_one();
}

void WorkSignal::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  wanted_ = false;
}

bool WorkSignal::WaitLocked(std::unique_lock<std::mutex>& lock, std::int64_t timeout_ms) {
  cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
               [&] { return stopped_.load() || wanted_; });
  return !stopped_.load();
}

bool WorkSignal::Wait(std::int64_t timeout_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  return WaitLocked(lock, timeout_ms);
}

bool WorkSignal::Take(std::int64_t timeout_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!WaitLocked(lock, timeout_ms)) return false;
  wanted_ = false;
  return true;
}

bool WorkSignal::Sleep(std::int64_t ms) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stopped_.load(); });
  return !stopped_.load();
}

void WorkSignal::Interrupt() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    abort_ = true;
  }
  net::HttpClient::WakeAll(&abort_);
}

bool WorkSignal::BeginTransfer() {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_) return false;
  abort_ = false;
  return true;
}

void WorkSignal::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    abort_ = true;
  }
  net::HttpClient::WakeAll(&abort_);  // a long-poll or report in flight
  cv_.notify_all();
}

}  // namespace zhanqun::agent
