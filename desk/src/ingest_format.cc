// Text renderings of ingestion state for the command line.
#include <iomanip>
#include <sstream>

#include "zhanqun/base/time.h"
#include "zhanqun/desk/ingest.h"

namespace zhanqun::desk {
namespace {

std::string Time(base::TimeMs t) { return t == 0 ? "-" : base::FormatTime(t); }

}  // namespace

std::string FormatSourceTable(const std::vector<SourceView>& sources) {
  std::ostringstream out;
  out << std::left << std::setw(20) << "NAME" << std::setw(14) << "STATUS" << std::setw(6) << "FAIL"
      << std::setw(18) << "SEEN/NEW/REJ" << std::setw(26) << "LAST POLL" << std::setw(26)
      << "NEXT POLL"
      << "LAST ERROR\n";
  for (const SourceView& v : sources) {
    const SourceState& s = v.state;
    std::string counts = std::to_string(s.items_seen) + "/" + std::to_string(s.items_imported) +
                         "/" + std::to_string(s.items_rejected);
    out << std::setw(20) << v.config.name << std::setw(14) << SourceStatusName(s.last_status)
        << std::setw(6) << s.failures << std::setw(18) << counts << std::setw(26)
        << Time(s.last_poll_ms) << std::setw(26) << Time(s.next_poll_ms)
        << (s.last_error.empty() ? "-" : s.last_error) << "\n";
  }
  return out.str();
}

std::string FormatPollOutcome(const PollOutcome& o) {
  std::string line =
      o.source + ": " + SourceStatusName(o.status) + " http=" + std::to_string(o.http_status) +
      " seen=" + std::to_string(o.items_seen) + " new=" + std::to_string(o.items_new) +
      " rejected=" + std::to_string(o.items_rejected) + " next=" + Time(o.next_poll_ms);
  if (!o.error.empty()) line += " error=" + o.error;
  return line;
}

}  // namespace zhanqun::desk
