// zhanqun-hub's commands: init, serve, publish, node add|move, topic add, status,
// source; user, token and audit (cli_accounts.h). Each opens what it needs
// and wires the layers together: the publishing core (hub/), the staff's
// accounts and audit log (staff/), the desk (desk/) and the web pages (web/).
#include "zhanqun/hubd/commands.h"

#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli_accounts.h"
#include "zhanqun/base/cli.h"
#include "zhanqun/base/config.h"
#include "zhanqun/base/event_log.h"
#include "zhanqun/desk/desk_api.h"
#include "zhanqun/desk/desk_stack.h"
#include "zhanqun/desk/ingest.h"
#include "zhanqun/desk/operations.h"
#include "zhanqun/hub/hub.h"
#include "zhanqun/hub/hub_http.h"
#include "zhanqun/hub/release_json.h"
#include "zhanqun/hub/status_json.h"
#include "zhanqun/hubd/config.h"
#include "zhanqun/net/http.h"
#include "zhanqun/staff/staff.h"
#include "zhanqun/web/web.h"

namespace zhanqun::hubd {
namespace {

using base::LogEvent;

constexpr const char* kProgram = "zhanqun-hub";

constexpr const char* kUsage = R"(zhanqun-hub: the zhanqun publishing hub

usage: zhanqun-hub <command> --config hub.json [options]

commands:
  init                          create the data directory, signing key and database
  serve                         run the HTTP service (feeds, publish API, acks, status)
  publish <release.json>...     sign and append releases (JSON as in docs/api.md)
  node add <code> --key <file.pub> [--parent <code>]
                                register a node (GB/T 2260 code) and announce its key
  node move <code> --parent <code>
                                put a registered node under another parent (the
                                hub, or a registered ancestor in the division table)
  topic add <id> --title <title> [--description <text>]
                                define a national topic (专题) for every site
  status                        print cluster status JSON
  source list                   table of upstream RSS/Atom sources and their state
  source poll <name|--all>      poll sources now (new items become drafts); one line each
%ACCOUNTS%
options:
  --config <file>   hub configuration (required)
  --help            show this help
)";

int Fail(const base::Status& s) { return base::Fail(kProgram, s); }

std::string Usage() {
  std::string u = kUsage;
  return u.replace(u.find("%ACCOUNTS%"), 10, kAccountsUsage);
}

// What every command but init opens: the publishing core and the staff.
struct Services {
  std::unique_ptr<hub::Hub> hub;
  std::unique_ptr<staff::Staff> staff;
};

base::Result<Services> OpenServices(const Config& config) {
  Services s;
  base::Result<std::unique_ptr<hub::Hub>> h = hub::Hub::Open(config.hub, base::SystemClock());
  if (!h.ok()) return h.status();
  s.hub = std::move(*h);
  base::Result<std::unique_ptr<staff::Staff>> st =
      staff::Staff::Open(config.hub.data_dir, config.accounts, base::SystemClock());
  if (!st.ok()) return st.status();
  s.staff = std::move(*st);
  s.hub->AddCounters(s.staff->counters());
  return s;
}

int Serve(const Config& config) {
  base::BlockTerminationSignals();  // before any thread starts, so all inherit the mask
  base::Result<Services> s = OpenServices(config);
  if (!s.ok()) return Fail(s.status());
  hub::Hub& h = *s->hub;
  std::unique_ptr<feeds::WebSubHub> websub;
  if (config.hub.websub.enabled) {
    auto w = hub::OpenHubWebSub(h);
    if (!w.ok()) return Fail(w.status());
    websub = std::move(*w);
  }
  auto stack = desk::DeskStack::Open(config.desk, h, s->staff->audit(), base::SystemClock());
  if (!stack.ok()) return Fail(stack.status());
  net::HttpServer server;
  web::RegisterWebRoutes(h, *s->staff, server, {&(*stack)->desk(), &(*stack)->ingestor()});
  desk::RegisterDeskApiRoutes(server, (*stack)->desk(), *s->staff, (*stack)->operations());
  hub::RegisterHubRoutes(h, server, websub.get());
  base::Result<std::uint64_t> head = h.store().Head(feeds::kHubCode);
  if (!head.ok()) return Fail(head.status());
  net::HttpServerOptions options;
  options.host = config.hub.listen_host;
  options.port = config.hub.listen_port;
  options.max_threads = config.hub.http_threads;
  base::Status started = server.Start(options);
  if (!started.ok()) return Fail(started);
  if (websub) {
    started = websub->Start();
    if (!started.ok()) return Fail(started);
  }
  (*stack)->Start(
      [](std::size_t n) {
        LogEvent("scheduled_published", {{"releases", std::to_string(n)}});
      },
      [](const base::Status& e) {
        LogEvent("desk_error", {{"error", e.ToString()}});
      });
  LogEvent("hub_started", {{"listen", config.hub.listen_host + ":" + std::to_string(server.port())},
                           {"public_url", config.hub.public_url},
                           {"websub", websub ? websub->options().HubUrl() : "off"},
                           {"key_id", h.public_key().KeyIdHex()},
                           {"head", std::to_string(*head)}});
  const int sig = base::WaitForTerminationSignal();
  LogEvent("hub_stopping", {{"signal", std::to_string(sig)}});
  (*stack)->Stop();
  if (websub) websub->Stop();  // before Close(): its scanner waits on the notifier
  h.notifier().Close();        // release children's long-polls so the pool drains at once
  server.Stop();
  return 0;
}

int Publish(desk::Operations& ops, const std::vector<std::string>& files) {
  if (files.empty()) return Fail(base::Status::Invalid("publish: name at least one release file"));
  int failures = 0;
  for (const std::string& f : files) {
    base::Result<std::string> text = base::ReadConfigText(f);
    base::Result<feeds::SignedEntry> se =
        text.ok() ? ops.PublishDirectJson(CliPrincipal(), *text)
                  : base::Result<feeds::SignedEntry>(base::Status::NotFound("cannot read"));
    if (!se.ok()) {
      std::cerr << kProgram << ": " << f << ": " << se.status().message() << "\n";
      ++failures;
      continue;
    }
    std::cout << "published id=" << se->entry.release->id
              << " version=" << se->entry.release->version << " seq=" << se->entry.log.seq
              << " hash=" << se->hash << "\n";
  }
  return failures == 0 ? 0 : 1;
}

int NodeAdd(desk::Operations& ops, const base::CommandLine& a) {
  if (a.positional.size() != 3 || !a.options.count("key")) {
    return Fail(base::Status::Invalid("usage: node add <code> --key <file.pub> [--parent <code>]"));
  }
  auto key = feeds::LoadPublicKeyFile(a.options.at("key"));
  if (!key.ok()) return Fail(key.status());
  std::string parent = a.options.count("parent") ? a.options.at("parent") : "";
  auto se = ops.AddNode(CliPrincipal(), a.positional[2], parent, *key);
  if (!se.ok()) return Fail(se.status());
  std::cout << "node added code=" << se->entry.node->code << " name=" << se->entry.node->name
            << " parent=" << se->entry.node->parent << " key_id=" << key->KeyIdHex()
            << " seq=" << se->entry.log.seq << "\n";
  return 0;
}

int NodeMove(desk::Operations& ops, const base::CommandLine& a) {
  if (a.positional.size() != 3 || !a.options.count("parent")) {
    return Fail(base::Status::Invalid("usage: node move <code> --parent <code>"));
  }
  auto se = ops.MoveNode(CliPrincipal(), a.positional[2], a.options.at("parent"));
  if (!se.ok()) return Fail(se.status());
  std::cout << "node moved code=" << se->entry.node->code << " parent=" << se->entry.node->parent
            << " seq=" << se->entry.log.seq << "\n";
  return 0;
}

int TopicAdd(desk::Operations& ops, const base::CommandLine& a) {
  if (a.positional.size() != 3 || !a.options.count("title")) {
    return Fail(
        base::Status::Invalid("usage: topic add <id> --title <title> [--description <text>]"));
  }
  std::string description = a.options.count("description") ? a.options.at("description") : "";
  auto se = ops.DefineTopic(CliPrincipal(), {a.positional[2], a.options.at("title"), description});
  if (!se.ok()) return Fail(se.status());
  std::cout << "topic added id=" << se->entry.topic->id << " seq=" << se->entry.log.seq << "\n";
  return 0;
}

// Upstream ingestion commands: the ingestor over ingest.db, its drafts going
// to the desk through Desk::Import.
int SourceCommand(desk::DeskStack& stack, const base::CommandLine& a, bool poll_all) {
  const std::string sub = a.positional.size() >= 2 ? a.positional[1] : "";
  if (sub != "list" && !(sub == "poll" && (poll_all || a.positional.size() == 3))) {
    return Fail(base::Status::Invalid("usage: source list | source poll <name|--all>"));
  }
  desk::Ingestor& ingestor = stack.ingestor();
  if (sub == "list") {
    base::Result<std::vector<desk::SourceView>> sources = ingestor.Sources();
    if (!sources.ok()) return Fail(sources.status());
    std::cout << desk::FormatSourceTable(*sources);
    return 0;
  }
  std::vector<desk::PollOutcome> outcomes;
  if (poll_all) {
    auto all = ingestor.PollAll();
    if (!all.ok()) return Fail(all.status());
    outcomes = std::move(*all);
  } else {
    auto one = ingestor.PollNow(a.positional[2]);
    if (!one.ok()) return Fail(one.status());
    outcomes.push_back(*one);
  }
  int failures = 0;
  for (const desk::PollOutcome& o : outcomes) {
    std::cout << desk::FormatPollOutcome(o) << "\n";
    bool ok = o.status == desk::SourceStatus::kOk || o.status == desk::SourceStatus::kNotModified;
    failures += ok ? 0 : 1;
  }
  return failures == 0 ? 0 : 1;
}

int Init(const Config& config) {
  base::Status s = hub::Hub::Init(config.hub, base::SystemClock());
  if (!s.ok()) return Fail(s);
  // The staff's databases are created with the hub's, so a fresh hub can be
  // given its first user at once.
  base::Result<std::unique_ptr<staff::Staff>> st =
      staff::Staff::Open(config.hub.data_dir, config.accounts, base::SystemClock());
  if (!st.ok()) return Fail(st.status());
  std::cout << "initialized " << config.hub.data_dir << "\n";
  return 0;
}

int Run(const base::CommandLine& a, bool poll_all) {
  if (a.help || a.positional.empty()) {
    std::cout << Usage();
    return a.help ? 0 : 2;
  }
  if (!a.options.count("config")) return Fail(base::Status::Invalid("--config is required"));
  base::Result<Config> config = LoadConfig(a.options.at("config"));
  if (!config.ok()) return Fail(config.status());
  const std::string& cmd = a.positional[0];
  if (cmd == "init") return Init(*config);
  if (cmd == "serve") return Serve(*config);
  base::Result<Services> s = OpenServices(*config);
  if (!s.ok()) return Fail(s.status());
  if (IsAccountsCommand(a)) return RunAccountsCommand(*s->staff, a);
  if (cmd == "status") {
    base::Result<hub::ClusterStatus> status = s->hub->ReadClusterStatus();
    if (!status.ok()) return Fail(status.status());
    std::cout << hub::ClusterStatusJson(*status) << "\n";
    return 0;
  }
  desk::Operations ops(*s->hub, s->staff->audit(), base::SystemClock());
  if (cmd == "publish") return Publish(ops, {a.positional.begin() + 1, a.positional.end()});
  const bool add = a.positional.size() >= 2 && a.positional[1] == "add";
  if (cmd == "node" && add) return NodeAdd(ops, a);
  if (cmd == "node" && a.positional.size() >= 2 && a.positional[1] == "move") {
    return NodeMove(ops, a);
  }
  if (cmd == "topic" && add) return TopicAdd(ops, a);
  if (cmd == "source") {
    auto stack =
        desk::DeskStack::Open(config->desk, *s->hub, s->staff->audit(), base::SystemClock());
    if (!stack.ok()) return Fail(stack.status());
    return SourceCommand(**stack, a, poll_all);
  }
  std::cerr << kProgram << ": unknown command '" << cmd << "'\n" << Usage();
  return 2;
}

}  // namespace

int Main(int argc, char** argv) {
  // "--all" is a flag, while ParseCommandLine gives every --name a value.
  bool poll_all = false;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--all") == 0) {
      poll_all = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  return Run(base::ParseCommandLine(static_cast<int>(args.size()), args.data()), poll_all);
}

}  // namespace zhanqun::hubd
