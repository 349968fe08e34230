// How another thread reaches one of the agent's worker threads: a "work
// waiting" request and a stop flag under one mutex and condition variable.
// Each thread has its own, so a wake-up reaches only the thread it is for.
// The stop flag doubles as the abort flag of the thread's HTTP clients
// (HttpClient::set_abort_flag), so Stop() also ends a transfer in flight;
// Interrupt() ends only the transfer in flight, and the thread goes on.
//
// Thread-safe. Waits are in real time: a part's loop waits here, and its
// tests call the part's one-round methods instead of running the loop.
#ifndef ZHANQUN_AGENT_WORK_SIGNAL_H_
#define ZHANQUN_AGENT_WORK_SIGNAL_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace zhanqun::agent {

class WorkSignal {
 public:
  // Asks the thread for a round of work.
  void Raise();
  // Withdraws the request (its work is being done now).
  void Clear();
  // Waits up to `timeout_ms` for a request; leaves it raised. False once stopped.
  bool Wait(std::int64_t timeout_ms);
  // As Wait, and takes the request in the same step.
  bool Take(std::int64_t timeout_ms);
  // Waits `ms` whatever is requested. False once stopped.
  bool Sleep(std::int64_t ms);
  // Ends every wait for good, and the transfers of clients watching abort_flag().
  void Stop();
  bool stopping() const { return stopped_.load(); }
  // Ends the transfer in flight (of clients watching abort_flag()), not the
  // thread: for a long-poll that asks where we no longer want to ask.
  void Interrupt();
  // Called before each transfer: re-arms after an Interrupt(). False once stopped.
  bool BeginTransfer();
  // The last transfer was ended by Interrupt(), not by Stop().
  bool interrupted() const { return abort_.load() && !stopped_.load(); }
  const std::atomic<bool>* abort_flag() const { return &abort_; }

 private:
  bool WaitLocked(std::unique_lock<std::mutex>& lock, std::int64_t timeout_ms);

  std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false;  // guarded by mu_
  // Written under mu_ (so no wait misses them), read without it. abort_ is
  // the clients' flag: set by Stop() for good, by Interrupt() until the
  // next BeginTransfer().
  std::atomic<bool> stopped_{false};
  std::atomic<bool> abort_{false};
};

}  // namespace zhanqun::agent

#endif  // ZHANQUN_AGENT_WORK_SIGNAL_H_
