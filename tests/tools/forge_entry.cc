// zq-forge-entry: what an attacker holding a node's key and server can do,
// for the integration drills. Signs an entry with that key as the next
// entry of the node's own log and appends it to the node's agent.db (the
// agent must be stopped; it serves the entry to its children once started).
//
//   zq-forge-entry --db agent.db --key agent.key --origin 330000
//       --release-id ID --title TITLE     (a release in the node's own log)
//   zq-forge-entry --db agent.db --key agent.key --origin 330000
//       --topic-id ID --title TITLE       (a topic of the node's region)
//   zq-forge-entry --db agent.db --key agent.key --origin 330100
//       --interpretation-of ID --title TITLE  (the node's layer of release ID)
//
// Test tool only: it is not installed.
#include <cstdio>
#include <cstring>
#include <map>
#include <string>

#include "zhanqun/agent/agent_store.h"
#include "zhanqun/base/clock.h"
#include "zhanqun/feeds/log.h"
#include "zhanqun/feeds/signature.h"

namespace {

int Fail(const std::string& what) {
  std::fprintf(stderr, "zq-forge-entry: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace zhanqun;
  std::map<std::string, std::string> args;
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  const bool topic = args.count("--topic-id") > 0;
  const bool layer = args.count("--interpretation-of") > 0;
  const char* what = topic ? "--topic-id" : layer ? "--interpretation-of" : "--release-id";
  for (const char* need : {"--db", "--key", "--origin", what, "--title"}) {
    if (!args.count(need)) return Fail(std::string("missing ") + need);
  }
  base::Result<feeds::SecretKey> key = feeds::SecretKey::Load(args["--key"]);
  if (!key.ok()) return Fail(key.status().ToString());
  base::Result<std::unique_ptr<agent::AgentStore>> store = agent::AgentStore::Open(args["--db"]);
  if (!store.ok()) return Fail(store.status().ToString());
  feeds::Entry e;
  e.log.origin = args["--origin"];
  e.kind = topic   ? feeds::EntryKind::kTopic
           : layer ? feeds::EntryKind::kInterpretation
                   : feeds::EntryKind::kRelease;
  e.updated_ms = base::SystemClock().NowMs();
  if (topic) e.topic = feeds::TopicDef{args["--topic-id"], args["--title"], ""};
  feeds::Release r;
  r.id = args["--release-id"];
  r.version = 2;
  r.title = args["--title"];
  r.authority = "国务院";
  r.published_ms = e.updated_ms;
  r.body_html = "<p>" + r.title + "</p>";
  if (layer) {
    feeds::Interpretation in;
    in.release_id = args["--interpretation-of"];
    in.source = "manual";
    in.title = args["--title"];
    in.body_html = "<p>" + in.title + "</p>";
    e.interpretation = in;
  }
  if (!topic && !layer) e.release = r;
  base::Result<feeds::SignedEntry> se = (*store)->AppendOwn(
      e.log.origin, [&](const feeds::ChainHead& head) { return feeds::SignEntry(e, head, *key); },
      e.updated_ms);
  if (!se.ok()) return Fail(se.status().ToString());
  std::printf("origin=%s seq=%llu\n", e.log.origin.c_str(),
              static_cast<unsigned long long>(se->entry.log.seq));
  return 0;
}
