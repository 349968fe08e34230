// zhanqun-hub: wiring only. Commands: init, serve, publish, node add,
// topic add, status; user, token and audit (cli_accounts.h).
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli_accounts.h"
#include "zhanqun/base/cli.h"
#include "zhanqun/base/event_log.h"
#include "zhanqun/hub/config.h"
#include "zhanqun/hub/desk.h"
#include "zhanqun/hub/desk_api.h"
#include "zhanqun/hub/desk_stack.h"
#include "zhanqun/hub/hub.h"
#include "zhanqun/hub/hub_http.h"
#include "zhanqun/hub/ingest.h"
#include "zhanqun/hub/release_json.h"
#include "zhanqun/hub/web.h"
#include "zhanqun/net/http.h"

namespace {

using namespace zhanqun;
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
  return u.replace(u.find("%ACCOUNTS%"), 10, hub::cli::kAccountsUsage);
}

std::string ReadFile(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  *ok = static_cast<bool>(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int Serve(const hub::HubConfig& config) {
  base::BlockTerminationSignals();  // before any thread starts, so all inherit the mask
  auto h = hub::Hub::Open(config, base::SystemClock());
  if (!h.ok()) return Fail(h.status());
  std::unique_ptr<feeds::WebSubHub> websub;
  if (config.websub.enabled) {
    auto w = hub::OpenHubWebSub(**h);
    if (!w.ok()) return Fail(w.status());
    websub = std::move(*w);
  }
  auto stack = hub::DeskStack::Open(config, **h, base::SystemClock());
  if (!stack.ok()) return Fail(stack.status());
  net::HttpServer server;
  hub::RegisterWebRoutes(**h, (*h)->accounts(), server, {&(*stack)->desk(), &(*stack)->ingestor()});
  hub::RegisterDeskApiRoutes(server, (*stack)->desk(), (*h)->accounts(), (*h)->audit());
  hub::RegisterHubRoutes(**h, server, websub.get());
  net::HttpServerOptions options;
  options.host = config.listen_host;
  options.port = config.listen_port;
  options.max_threads = config.http_threads;
  base::Status s = server.Start(options);
  if (!s.ok()) return Fail(s);
  if (websub) {
    s = websub->Start();
    if (!s.ok()) return Fail(s);
  }
  (*stack)->Start([](std::size_t n) {
    LogEvent("scheduled_published", {{"releases", std::to_string(n)}});
  });
  LogEvent("hub_started", {{"listen", config.listen_host + ":" + std::to_string(server.port())},
                           {"public_url", config.public_url},
                           {"websub", websub ? websub->options().HubUrl() : "off"},
                           {"key_id", (*h)->public_key().KeyIdHex()},
                           {"head", std::to_string((*h)->store().Head(feeds::kHubCode))}});
  const int sig = base::WaitForTerminationSignal();
  LogEvent("hub_stopping", {{"signal", std::to_string(sig)}});
  (*stack)->Stop();
  if (websub) websub->Stop();  // before Close(): its scanner waits on the notifier
  (*h)->notifier().Close();    // release children's long-polls so the pool drains at once
  server.Stop();
  return 0;
}

int Publish(const hub::HubConfig& config, const std::vector<std::string>& files) {
  if (files.empty()) return Fail(base::Status::Invalid("publish: name at least one release file"));
  auto h = hub::Hub::Open(config, base::SystemClock());
  if (!h.ok()) return Fail(h.status());
  int failures = 0;
  for (const std::string& f : files) {
    bool ok = false;
    std::string text = ReadFile(f, &ok);
    if (!ok) {
      std::cerr << "zhanqun-hub: " << f << ": cannot read\n";
      ++failures;
      continue;
    }
    auto r = hub::ParseReleaseJson(text, base::SystemClock().NowMs());
    auto se = r.ok() ? (*h)->Publish(std::move(*r)) : base::Result<feeds::SignedEntry>(r.status());
    if (!se.ok()) {
      std::cerr << "zhanqun-hub: " << f << ": " << se.status().message() << "\n";
      ++failures;
      continue;
    }
    hub::cli::AuditCli(**h, "release.publish_direct", "release:" + se->entry.release->id,
                       "{\"version\":" + std::to_string(se->entry.release->version) + "}");
    std::cout << "published id=" << se->entry.release->id
              << " version=" << se->entry.release->version << " seq=" << se->entry.log.seq
              << " hash=" << se->hash << "\n";
  }
  return failures == 0 ? 0 : 1;
}

int NodeAdd(const hub::HubConfig& config, const base::CommandLine& a) {
  if (a.positional.size() != 3 || !a.options.count("key")) {
    return Fail(base::Status::Invalid("usage: node add <code> --key <file.pub> [--parent <code>]"));
  }
  auto key = feeds::LoadPublicKeyFile(a.options.at("key"));
  if (!key.ok()) return Fail(key.status());
  auto h = hub::Hub::Open(config, base::SystemClock());
  if (!h.ok()) return Fail(h.status());
  std::string parent = a.options.count("parent") ? a.options.at("parent") : "";
  auto se = (*h)->AddNode(a.positional[2], parent, *key);
  if (!se.ok()) return Fail(se.status());
  hub::cli::AuditCli(**h, "node.add", "node:" + se->entry.node->code, "{}");
  std::cout << "node added code=" << se->entry.node->code << " name=" << se->entry.node->name
            << " parent=" << se->entry.node->parent << " key_id=" << key->KeyIdHex()
            << " seq=" << se->entry.log.seq << "\n";
  return 0;
}

int TopicAdd(const hub::HubConfig& config, const base::CommandLine& a) {
  if (a.positional.size() != 3 || !a.options.count("title")) {
    return Fail(
        base::Status::Invalid("usage: topic add <id> --title <title> [--description <text>]"));
  }
  auto h = hub::Hub::Open(config, base::SystemClock());
  if (!h.ok()) return Fail(h.status());
  std::string description = a.options.count("description") ? a.options.at("description") : "";
  auto se = (*h)->AddTopic({a.positional[2], a.options.at("title"), description});
  if (!se.ok()) return Fail(se.status());
  hub::cli::AuditCli(**h, "topic.define", "topic:" + se->entry.topic->id, "{}");
  std::cout << "topic added id=" << se->entry.topic->id << " seq=" << se->entry.log.seq << "\n";
  return 0;
}

bool g_poll_all = false;  // "--all" given; taken out before ParseCommandLine

// Upstream ingestion commands: the ingestor over ingest.db, its drafts going
// to the desk through Desk::Import.
int SourceCommand(const hub::HubConfig& config, const base::CommandLine& a, hub::Hub& h) {
  const std::string sub = a.positional.size() >= 2 ? a.positional[1] : "";
  if (sub != "list" && !(sub == "poll" && (g_poll_all || a.positional.size() == 3))) {
    return Fail(base::Status::Invalid("usage: source list | source poll <name|--all>"));
  }
  auto stack = hub::DeskStack::Open(config, h, base::SystemClock());
  if (!stack.ok()) return Fail(stack.status());
  hub::Ingestor* ingestor = &(*stack)->ingestor();
  if (sub == "list") {
    std::cout << hub::FormatSourceTable(ingestor->Sources());
    return 0;
  }
  std::vector<hub::PollOutcome> outcomes;
  if (g_poll_all) {
    outcomes = ingestor->PollAll();
  } else {
    auto one = ingestor->PollNow(a.positional[2]);
    if (!one.ok()) return Fail(one.status());
    outcomes.push_back(*one);
  }
  int failures = 0;
  for (const hub::PollOutcome& o : outcomes) {
    std::cout << hub::FormatPollOutcome(o) << "\n";
    bool ok = o.status == hub::SourceStatus::kOk || o.status == hub::SourceStatus::kNotModified;
    failures += ok ? 0 : 1;
  }
  return failures == 0 ? 0 : 1;
}

int Run(const base::CommandLine& a) {
  if (a.help || a.positional.empty()) {
    std::cout << Usage();
    return a.help ? 0 : 2;
  }
  if (!a.options.count("config")) return Fail(base::Status::Invalid("--config is required"));
  auto config = hub::LoadHubConfig(a.options.at("config"));
  if (!config.ok()) return Fail(config.status());
  const std::string& cmd = a.positional[0];
  if (cmd == "init") {
    base::Status s = hub::Hub::Init(*config, base::SystemClock());
    if (!s.ok()) return Fail(s);
    std::cout << "initialized " << config->data_dir << "\n";
    return 0;
  }
  if (cmd == "serve") return Serve(*config);
  if (cmd == "publish") return Publish(*config, {a.positional.begin() + 1, a.positional.end()});
  if (cmd == "node" && a.positional.size() >= 2 && a.positional[1] == "add")
    return NodeAdd(*config, a);
  if (cmd == "topic" && a.positional.size() >= 2 && a.positional[1] == "add")
    return TopicAdd(*config, a);
  auto h = hub::Hub::Open(*config, base::SystemClock());
  if (!h.ok()) return Fail(h.status());
  if (hub::cli::IsAccountsCommand(a)) return hub::cli::RunAccountsCommand(**h, a);
  if (cmd == "status") {
    std::cout << (*h)->StatusJson() << "\n";
    return 0;
  }
  if (cmd == "source") return SourceCommand(*config, a, **h);
  std::cerr << "zhanqun-hub: unknown command '" << cmd << "'\n" << Usage();
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // "--all" is a flag, while ParseCommandLine gives every --name a value.
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--all") == 0) {
      g_poll_all = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  return Run(base::ParseCommandLine(static_cast<int>(args.size()), args.data()));
}
