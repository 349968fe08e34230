// zhanqun-agent's commands: serve, search, interpret, topic add, keygen,
// check-config. Each opens what it needs and wires it.
#include "zhanqun/agentd/commands.h"

#include <malloc.h>
#include <pthread.h>

#include <csignal>
#include <iostream>
#include <nlohmann/json.hpp>

#include "zhanqun/agent/agent.h"
#include "zhanqun/agent/agent_http.h"
#include "zhanqun/agent/config.h"
#include "zhanqun/base/cli.h"
#include "zhanqun/base/env.h"
#include "zhanqun/base/event_log.h"
#include "zhanqun/net/http.h"

namespace zhanqun::agentd {
namespace {

constexpr const char* kProgram = "zhanqun-agent";

constexpr const char* kUsage = R"(zhanqun-agent: the zhanqun site agent

usage: zhanqun-agent <command> [options]

commands:
  serve --config agent.json          follow the parent, verify, store, relay, index, acknowledge
  search "<query>" --config agent.json [--limit N]
                                     full-text search (Chinese) over what this site holds
  keygen --out <key file>            create an Ed25519 key (0600) and <key file>.pub
  interpret <release-id> <note.html> --config agent.json [--mode extend|replace]
                                     publish this site's own interpretation of a release
                                     (signed into its log, relayed to its children); extend
                                     (default) appends the note to the template text,
                                     replace shows only the note. Needs the running agent
                                     and admin_token_file.
  topic add <id> --title <title> [--description <text>] --config agent.json
                                     define a local topic (专题) on this site and below
  check-config --config agent.json   validate the configuration and exit

options:
  --config <file>   agent configuration (see config/agent.example.json)
  --help            show this help
)";

int Fail(const base::Status& s) { return base::Fail(kProgram, s); }

// With fault_injection on, SIGUSR1 freezes or unfreezes following (a frozen
// relay, for drills). Returns the terminating signal.
int WaitForSignals(agent::Agent& agent, bool fault_injection) {
  if (!fault_injection) return base::WaitForTerminationSignal();
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGUSR1}) sigaddset(&set, s);
  for (;;) {
    int sig = 0;
    sigwait(&set, &sig);
    if (sig != SIGUSR1) return sig;
    agent.SetFrozen(!agent.frozen());
  }
}

int Serve(const agent::AgentConfig& config) {
  base::BlockTerminationSignals();  // before any thread starts, so all inherit the mask
  // glibc gives each thread that meets a busy lock its own 64 MB heap arena,
  // and each keeps its own freed pages and fragments. An agent's threads are
  // idle nearly all the time; two arenas keep its idle heap small.
  mallopt(M_ARENA_MAX, 2);
  if (config.fault_injection) {
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, nullptr);
  }
  std::string node = config.node;
  auto sink = [node](const std::string& e,
                     const std::vector<std::pair<std::string, std::string>>& f) {
    std::vector<base::Field> fields = {{"node", node}};
    fields.insert(fields.end(), f.begin(), f.end());
    base::LogEvent(e, fields);
  };
  // A skewed clock is a drill: the lag figures must stay right regardless.
  static base::SkewedClock skewed(base::SystemClock(), config.clock_skew_ms);
  const base::Clock& clock =
      config.clock_skew_ms != 0 ? static_cast<const base::Clock&>(skewed) : base::SystemClock();
  auto a = agent::Agent::Open(config, clock, sink, net::PocoHttpClientFactory());
  if (!a.ok()) return Fail(a.status());
  std::unique_ptr<feeds::WebSubHub> websub;
  if (config.websub.enabled) {
    auto w = agent::OpenAgentWebSub(**a);
    if (!w.ok()) return Fail(w.status());
    websub = std::move(*w);
  }
  std::unique_ptr<agent::PushSubscriber> push;
  if (!config.push_callback_url.empty()) push = std::make_unique<agent::PushSubscriber>(**a);
  net::HttpServer server;
  agent::RegisterAdminRoutes(**a, server);
  agent::RegisterAgentRoutes(**a, server, websub.get(), push.get());
  net::HttpServerOptions options;
  options.host = config.listen_host;
  options.port = config.listen_port;
  options.max_threads = config.http_threads;
  base::Status s = server.Start(options);
  if (!s.ok()) return Fail(s);
  s = (*a)->Start();
  if (!s.ok()) return Fail(s);
  base::Result<std::uint64_t> head = (*a)->store().Head(feeds::kHubCode);
  if (!head.ok()) return Fail(head.status());
  if (websub) {
    s = websub->Start();
    if (!s.ok()) return Fail(s);
  }
  if (push) push->Start();
  base::LogEvent("agent_started",
                 {{"node", config.node},
                  {"listen", config.listen_host + ":" + std::to_string(server.port())},
                  {"parent", config.parent_url},
                  {"upstreams", std::to_string(config.upstreams.size())},
                  {"clock_skew_ms", std::to_string(config.clock_skew_ms)},
                  {"head", std::to_string(*head)}});
  const int sig = WaitForSignals(**a, config.fault_injection);
  base::LogEvent("agent_stopping", {{"node", config.node}, {"signal", std::to_string(sig)}});
  if (push) push->Stop();
  if (websub) websub->Stop();  // before the agent closes the notifier its scanner waits on
  (*a)->Stop();
  server.Stop();
  return 0;
}

int Search(const agent::AgentConfig& config, const base::CommandLine& a) {
  if (a.positional.size() != 2)
    return Fail(base::Status::Invalid("usage: search \"<query>\" --config agent.json"));
  auto index = search::SearchIndex::Open(config.IndexPath(), search::SearchIndex::Mode::kReadOnly);
  if (!index.ok()) return Fail(index.status());
  search::SearchQuery q;
  q.text = a.positional[1];
  if (a.options.count("limit"))
    q.limit = static_cast<std::size_t>(std::stoul(a.options.at("limit")));
  auto r = (*index)->Search(q);
  if (!r.ok()) return Fail(r.status());
  std::cout << agent::SearchResultsJson(q.text, *r) << "\n";
  return 0;
}

int Keygen(const base::CommandLine& a) {
  if (!a.options.count("out")) return Fail(base::Status::Invalid("usage: keygen --out <key file>"));
  auto key = feeds::SecretKey::Generate();
  if (!key.ok()) return Fail(key.status());
  base::Status s = key->Save(a.options.at("out"));
  if (!s.ok()) return Fail(s);
  std::cout << "key_id=" << key->public_key().KeyIdHex() << " public_key=" << a.options.at("out")
            << ".pub\n";
  return 0;
}

// Posts an operator request to the running agent with the admin token.
int PostToAgent(const agent::AgentConfig& config, const std::string& path,
                const nlohmann::json& body, const std::string& what) {
  if (config.admin_token_file.empty()) {
    return Fail(base::Status::Invalid(what + ": the config has no admin_token_file"));
  }
  base::Result<std::string> secret =
      base::Env::Default().ReadSecretFile(config.admin_token_file, 4096);
  if (!secret.ok()) return Fail(secret.status().Context("admin_token_file"));
  std::string token = std::move(secret).value();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  std::string host = config.listen_host == "0.0.0.0" ? "127.0.0.1" : config.listen_host;
  std::string url = "http://" + host + ":" + std::to_string(config.listen_port) + path;
  net::PocoHttpClient client;
  auto res =
      client.Post(url, body.dump(), "application/json", 30000, {"Authorization: Bearer " + token});
  if (!res.ok()) return Fail(res.status().Context("is the agent running?"));
  if (res->status != 201) {
    std::cerr << "zhanqun-agent: " << what << " refused (HTTP " << res->status
              << "): " << res->body;
    return 1;
  }
  std::cout << what << " published: " << res->body;
  return 0;
}

int Interpret(const agent::AgentConfig& config, const base::CommandLine& a) {
  if (a.positional.size() != 3) {
    return Fail(base::Status::Invalid(
        "usage: interpret <release-id> <note.html> --config agent.json [--mode extend|replace]"));
  }
  // A note is one interpretation layer, at most the protocol's body limit.
  base::Result<std::string> html =
      base::Env::Default().ReadFile(a.positional[2], feeds::kMaxBodyBytes);
  if (!html.ok()) return Fail(html.status());
  nlohmann::json body = {{"release_id", a.positional[1]},
                         {"html", *html},
                         {"mode", a.options.count("mode") ? a.options.at("mode") : "extend"}};
  return PostToAgent(config, "/api/v1/interpretations", body, "interpretation");
}

int TopicAdd(const agent::AgentConfig& config, const base::CommandLine& a) {
  if (a.positional.size() != 3 || !a.options.count("title")) {
    return Fail(base::Status::Invalid(
        "usage: topic add <id> --title <title> [--description <text>] --config agent.json"));
  }
  nlohmann::json body = {
      {"id", a.positional[2]},
      {"title", a.options.at("title")},
      {"description", a.options.count("description") ? a.options.at("description") : ""}};
  return PostToAgent(config, "/api/v1/topics", body, "topic");
}

int Run(const base::CommandLine& a) {
  if (a.help || a.positional.empty()) {
    std::cout << kUsage;
    return a.help ? 0 : 2;
  }
  const std::string& cmd = a.positional[0];
  if (cmd == "keygen") return Keygen(a);
  if (!a.options.count("config")) return Fail(base::Status::Invalid("--config is required"));
  auto config = agent::LoadAgentConfig(a.options.at("config"));
  if (!config.ok()) return Fail(config.status());
  if (cmd == "serve") return Serve(*config);
  if (cmd == "search") return Search(*config, a);
  if (cmd == "interpret") return Interpret(*config, a);
  if (cmd == "topic" && a.positional.size() >= 2 && a.positional[1] == "add") {
    return TopicAdd(*config, a);
  }
  if (cmd == "check-config") {
    std::cout << "config ok: node=" << config->node << " parent=" << config->parent_url << "\n";
    return 0;
  }
  std::cerr << "zhanqun-agent: unknown command '" << cmd << "'\n" << kUsage;
  return 2;
}

}  // namespace

int Main(int argc, char** argv) { return Run(base::ParseCommandLine(argc, argv)); }

}  // namespace zhanqun::agentd
