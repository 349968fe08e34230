#include "zhanqun/base/event_log.h"

#include <unistd.h>

#include "zhanqun/base/clock.h"
#include "zhanqun/base/time.h"

namespace zhanqun::base {
namespace {

std::string Quote(const std::string& v) {
  bool plain = !v.empty();
  for (unsigned char c : v) plain = plain && c > ' ' && c != '"' && c != '=' && c != '\\';
  if (plain) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string FormatEvent(const std::string& event, const std::vector<Field>& fields) {
  std::string line = "ts=" + FormatTime(SystemClock().NowMs()) + " event=" + Quote(event);
  for (const Field& f : fields) line += " " + f.first + "=" + Quote(f.second);
  return line + "\n";
}

void LogEvent(const std::string& event, const std::vector<Field>& fields) {
  std::string line = FormatEvent(event, fields);
  ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
  (void)n;
}

}  // namespace zhanqun::base
