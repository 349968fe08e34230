// WebSub subscriber: push from our parent's hub (docs/protocol.md §7).
//
// For every origin the agent follows, subscribes at {parent_url}/websub to
// the topic {parent_url}/api/v1/feeds/{origin}, with the callback
// {push_callback_url}/websub/callback/{token} and a secret; token and secret
// are derived from the node's key (Agent::DeriveSecret), so they are
// unguessable and survive restarts (a re-subscription updates the same
// subscription at the parent). Renews at 80 % of the granted lease.
//
// Callbacks: verification requests must name the topic we asked for (else
// 404); notifications must carry a valid X-Hub-Signature (else 403). A
// pushed feed goes through the agent's LogApplier like a long-polled page: nothing
// unverified is applied, and a page that does not start right after our head
// (a gap) is ignored and left to the long-poll, which keeps running.
//
// Thread-safe. The Agent must outlive it.
#ifndef ZHANQUN_AGENT_PUSH_SUBSCRIBER_H_
#define ZHANQUN_AGENT_PUSH_SUBSCRIBER_H_

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "zhanqun/agent/agent.h"
#include "zhanqun/base/counters.h"
#include "zhanqun/net/http.h"

namespace zhanqun::agent {

struct PushCounters : base::CounterSet {
  base::Counter subscribe_requests{*this, "push_subscribe_requests",
                                   "Subscription requests sent to the parent's WebSub hub."};
  base::Counter subscribe_errors{*this, "push_subscribe_errors",
                                 "Subscription requests that failed."};
  base::Counter verifications_confirmed{*this, "push_verifications_confirmed",
                                        "Intent verifications from the parent confirmed."};
  base::Counter verifications_refused{*this, "push_verifications_refused",
                                      "Intent verifications refused (unknown topic or token)."};
  base::Counter denied{*this, "push_denied", "Subscriptions the parent denied."};
  base::Counter pushes_received{*this, "push_received", "Notifications received."};
  base::Counter pushes_bad_signature{*this, "push_bad_signature",
                                     "Notifications refused for a bad X-Hub-Signature."};
  base::Counter pushes_bad_feed{*this, "push_bad_feed",
                                "Notifications whose body was not a decodable feed."};
  base::Counter pushes_gap{*this, "push_gap",
                           "Notifications that did not follow the held head (left to polling)."};
  base::Counter entries_applied{*this, "push_entries_applied",
                                "Entries verified and stored from notifications."};
};

class PushSubscriber {
 public:
  // REQUIRES: !agent.config().push_callback_url.empty().
  explicit PushSubscriber(Agent& agent);
  ~PushSubscriber();

  // GET and POST /websub/callback/{token}.
  void RegisterRoutes(net::HttpServer& server);
  // Starts the (re)subscription thread.
  void Start();
  void Stop();
  // Subscribes now to every followed origin whose subscription is not active.
  void SubscribeDue(net::HttpClient& client);

  net::HttpResponse HandleVerification(const std::string& token, const net::HttpRequest& req);
  net::HttpResponse HandleNotification(const std::string& token, const net::HttpRequest& req);

  std::string CallbackUrl(const std::string& origin) const;
  std::string TopicUrl(const std::string& origin) const;
  bool Active(const std::string& origin);
  const PushCounters& counters() const { return counters_; }

 private:
  struct State {
    std::string origin;
    std::string secret;
    bool active = false;
    std::int64_t next_ms = 0;  // monotonic: when to (re)subscribe
  };
  std::string Token(const std::string& origin) const;
  State& StateFor(const std::string& origin);  // REQUIRES: mu_ held
  void Loop();

  Agent& agent_;
  PushCounters counters_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::atomic<bool> abort_{false};
  std::map<std::string, State> by_token_;
  std::thread thread_;
};

}  // namespace zhanqun::agent

#endif  // ZHANQUN_AGENT_PUSH_SUBSCRIBER_H_
