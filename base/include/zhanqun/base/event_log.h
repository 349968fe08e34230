// One line per event, key=value fields, to stderr. Used by the daemons'
// main() wiring only; libraries return values and never log.
// Thread-safe (each line is written with one call).
#ifndef ZHANQUN_BASE_EVENT_LOG_H_
#define ZHANQUN_BASE_EVENT_LOG_H_

#include <string>
#include <utility>
#include <vector>

namespace zhanqun::base {

using Field = std::pair<std::string, std::string>;

// ts=<RFC 3339> event=<event> k=v ...; values with spaces or quotes are
// quoted and escaped.
void LogEvent(const std::string& event, const std::vector<Field>& fields);
std::string FormatEvent(const std::string& event, const std::vector<Field>& fields);

}  // namespace zhanqun::base

#endif  // ZHANQUN_BASE_EVENT_LOG_H_
