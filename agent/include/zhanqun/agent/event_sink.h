// Where the agent's parts report events: the daemon logs each as one line of
// key=value fields (agentd), tests record them. Libraries do not log.
//
// A sink is called from any of the agent's threads, so it must be
// thread-safe; an empty sink drops events.
#ifndef ZHANQUN_AGENT_EVENT_SINK_H_
#define ZHANQUN_AGENT_EVENT_SINK_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace zhanqun::agent {

using EventFields = std::vector<std::pair<std::string, std::string>>;

// One event for the daemon's log: name plus key=value fields.
using EventSink = std::function<void(const std::string& event, const EventFields&)>;

inline void Emit(const EventSink& sink, const std::string& event, const EventFields& fields) {
  if (sink) sink(event, fields);
}

}  // namespace zhanqun::agent

#endif  // ZHANQUN_AGENT_EVENT_SINK_H_
