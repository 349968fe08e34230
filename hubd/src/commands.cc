// zhanqun-hub's commands: init, serve, publish, node add|move, topic add, status,
// source; user, token and audit (cli_accounts.h). Each opens what it needs
// and wires the layers together: the publishing core (hub/), the staff's
// accounts and audit log (staff/), the desk (desk/) and the web pages (web/).
#include "zhanqun/hubd/commands.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
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
  init [--root-key <root.key>] [--valid-days <n>]
                                create the data directory, signing key and database;
                                with --root-key the log begins with a trust entry in
                                which that offline root key certifies the new online
                                key for n days (default 365; docs/protocol.md 4.1)
  key init-root --out <root.key>
                                create an offline root key (0600) and <root.key>.pub,
                                the file agents pin as trust_root (no --config needed)
  key rotate --root-key <root.key>[,<root2.key>...]
                                replace the hub's online key: a new key, certified by
                                the root key(s) in a trust entry that ends the current
                                key's grant at that seq (a stolen key signs nothing
                                valid after it); the old key is kept as hub.key.old.
                                A running hub signs with the new key from its next entry
  key rotate-root --root-key <old.key>[,...] --new-root-key <new.key>[,...] [--threshold <t>]
                                replace the offline root keys: a trust entry signed by
                                the pinned threshold of the old roots and t of the new
                                ones (default: the pinned threshold, at most the new
                                set's size); agents pin the new set from it on
  serve                         run the HTTP service (feeds, publish API, acks, status)
  publish <release.json>...     sign and append releases (JSON as in docs/api.md)
  node add <code> --key <file.pub> [--parent <code>]
                                register a node (GB/T 2260 code) and announce its key
  node rekey <code> --key <file.pub> --from-seq <n>
                                a new key signs the node's log from seq n on; the old stops there
  node revoke <code> --after-seq <n>
                                the node's current key signs nothing after seq n
  node remove <code>            the node leaves: nothing more from it verifies
  node rejoin <code> --key <file.pub>
                                a node that lost its disk and key: new epoch, new key from seq 1
  node move <code> --parent <code>
                                put a registered node under its division-table parent
                                (one level up) when it was registered under another
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

// Usage of each `node` subcommand that changes keys, for its --help and its errors.
const std::map<std::string, std::string>& NodeKeyUsages() {
  static const std::map<std::string, std::string> kUsages = {
      {"rekey",
       "usage: zhanqun-hub node rekey <code> --key <file.pub> --from-seq <n> --config hub.json\n"
       "  Grants the new key the node's log from seq n (the node's next seq: see `status`);\n"
       "  every key granted without end stops before n. Entries before n stay valid.\n"},
      {"revoke",
       "usage: zhanqun-hub node revoke <code> --after-seq <n> --config hub.json\n"
       "  The node's current key signs nothing after seq n: every agent refuses what it\n"
       "  signed after n. Re-key the node to let it sign again.\n"},
      {"remove",
       "usage: zhanqun-hub node remove <code> --config hub.json\n"
       "  The node leaves the cluster: none of its keys verifies anything more.\n"},
      {"rejoin",
       "usage: zhanqun-hub node rejoin <code> --key <file.pub> --config hub.json\n"
       "  For a node whose disk and key are gone: a new epoch of its log, signed by the\n"
       "  new key from seq 1.\n"},
  };
  return kUsages;
}

base::Result<std::uint64_t> SeqOption(const base::CommandLine& a, const std::string& name) {
  const std::string& text = a.options.at(name);
  if (text.empty() || text.size() > 19 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return base::Status::Invalid("--" + name + ": expected a log seq (decimal), got '" + text +
                                 "'");
  }
  return std::stoull(text);
}

int NodeKeyCommand(desk::Operations& ops, const base::CommandLine& a) {
  const std::string& sub = a.positional[1];
  const std::string& usage = NodeKeyUsages().at(sub);
  const bool needs_key = sub == "rekey" || sub == "rejoin";
  const char* seq_name = sub == "rekey" ? "from-seq" : sub == "revoke" ? "after-seq" : nullptr;
  if (a.positional.size() != 3 || (needs_key && !a.options.count("key")) ||
      (seq_name && !a.options.count(seq_name))) {
    std::cerr << usage;
    return 2;
  }
  const std::string& code = a.positional[2];
  base::Result<feeds::PublicKey> key = feeds::PublicKey{};
  if (needs_key) {
    key = feeds::LoadPublicKeyFile(a.options.at("key"));
    if (!key.ok()) return Fail(key.status().Context("--key"));
  }
  base::Result<std::uint64_t> seq = std::uint64_t{0};
  if (seq_name) {
    seq = SeqOption(a, seq_name);
    if (!seq.ok()) return Fail(seq.status());
  }
  base::Result<feeds::SignedEntry> se = base::Status::Invalid("unknown node command " + sub);
  if (sub == "rekey") se = ops.RekeyNode(CliPrincipal(), code, *key, *seq);
  if (sub == "revoke") se = ops.RevokeNode(CliPrincipal(), code, *seq);
  if (sub == "remove") se = ops.RemoveNode(CliPrincipal(), code);
  if (sub == "rejoin") se = ops.RejoinNode(CliPrincipal(), code, *key);
  if (!se.ok()) return Fail(se.status());
  const feeds::Node& n = *se->entry.node;
  std::cout << "node " << sub << " code=" << n.code << " status=" << feeds::NodeStatusName(n.status)
            << " epoch=" << n.epoch;
  for (const feeds::KeyGrant& g : feeds::NodeGrants(n)) {
    std::cout << " key=" << g.key.KeyIdHex() << ":" << g.from_seq << "-"
              << (g.until_seq ? std::to_string(g.until_seq) : "");
  }
  std::cout << " seq=" << se->entry.log.seq << "\n";
  return 0;
}

const char kNodeMoveUsage[] =
    "usage: zhanqun-hub node move <code> --parent <code> --config hub.json\n"
    "  Puts a registered node under another registered parent: its parent in the\n"
    "  division table (the hub for a province). Its keys and children stay; agents\n"
    "  follow its new ancestors and show only their layers (docs/operations.md).\n";

int NodeMove(desk::Operations& ops, const base::CommandLine& a) {
  if (a.positional.size() != 3 || !a.options.count("parent")) {
    std::cerr << kNodeMoveUsage;
    return 2;
  }
  base::Result<feeds::SignedEntry> se =
      ops.MoveNode(CliPrincipal(), a.positional[2], a.options.at("parent"));
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

// An offline root key: written 0600, never printed; only its id is shown.
int KeyInitRoot(const base::CommandLine& a) {
  if (a.positional.size() != 2 || !a.options.count("out")) {
    return Fail(base::Status::Invalid("usage: key init-root --out <root.key>"));
  }
  base::Result<feeds::SecretKey> root = feeds::SecretKey::Generate();
  if (!root.ok()) return Fail(root.status());
  base::Status saved = root->Save(a.options.at("out"));
  if (!saved.ok()) return Fail(saved.Context("--out"));
  std::cout << "root key created file=" << a.options.at("out") << " public=" << a.options.at("out")
            << ".pub key_id=" << root->public_key().KeyIdHex() << "\n";
  return 0;
}

base::Status InitWithRoot(const Config& config, const base::CommandLine& a) {
  base::Result<feeds::SecretKey> root = feeds::SecretKey::Load(a.options.at("root-key"));
  if (!root.ok()) return root.status().Context("--root-key");
  long days = 365;
  if (a.options.count("valid-days")) {
    const std::string& v = a.options.at("valid-days");
    char* end = nullptr;
    days = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || days < 1 || days > 3650)
      return base::Status::Invalid("--valid-days: expected 1..3650, got '" + v + "'");
  }
  return hub::Hub::InitWithRoot(config.hub, base::SystemClock(), *root,
                                static_cast<base::TimeMs>(days) * 24 * 3600 * 1000);
}

// The secret keys named by option `name` (comma-separated paths), each
// loaded 0600 only; errors name the option and the file.
base::Result<std::vector<feeds::SecretKey>> LoadKeyList(const base::CommandLine& a,
                                                        const std::string& name) {
  std::vector<feeds::SecretKey> keys;
  const std::string& list = a.options.at(name);
  for (std::size_t pos = 0; pos <= list.size();) {
    std::size_t comma = list.find(',', pos);
    if (comma == std::string::npos) comma = list.size();
    const std::string path = list.substr(pos, comma - pos);
    base::Result<feeds::SecretKey> key = feeds::SecretKey::Load(path);
    if (!key.ok()) return key.status().Context("--" + name + " " + path);
    keys.push_back(std::move(*key));
    pos = comma + 1;
  }
  return keys;
}

std::vector<const feeds::SecretKey*> Pointers(const std::vector<feeds::SecretKey>& keys) {
  std::vector<const feeds::SecretKey*> out;
  for (const feeds::SecretKey& k : keys) out.push_back(&k);
  return out;
}

int KeyRotateRoot(desk::Operations& ops, const base::CommandLine& a) {
  if (a.positional.size() != 2 || !a.options.count("root-key") ||
      !a.options.count("new-root-key")) {
    return Fail(base::Status::Invalid(
        "usage: key rotate-root --root-key <old.key>[,...] --new-root-key <new.key>[,...] "
        "[--threshold <t>]"));
  }
  base::Result<std::vector<feeds::SecretKey>> old_roots = LoadKeyList(a, "root-key");
  if (!old_roots.ok()) return Fail(old_roots.status());
  base::Result<std::vector<feeds::SecretKey>> new_roots = LoadKeyList(a, "new-root-key");
  if (!new_roots.ok()) return Fail(new_roots.status());
  long threshold = 0;  // the pinned set's (hub::Hub::RotateRoots)
  if (a.options.count("threshold")) {
    const std::string& v = a.options.at("threshold");
    char* end = nullptr;
    threshold = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || threshold < 1 ||
        threshold > static_cast<long>(new_roots->size())) {
      return Fail(base::Status::Invalid("--threshold: expected 1.." +
                                        std::to_string(new_roots->size()) + ", got '" + v + "'"));
    }
  }
  base::Result<feeds::SignedEntry> se = ops.RotateRoots(
      CliPrincipal(), Pointers(*old_roots), Pointers(*new_roots), static_cast<int>(threshold));
  if (!se.ok()) return Fail(se.status());
  base::Result<feeds::TrustStatement> t = feeds::DecodeTrust(*se->entry.trust);
  std::cout << "root keys rotated threshold=" << (t.ok() ? t->roots.threshold : threshold);
  for (const feeds::SecretKey& k : *new_roots) std::cout << " root=" << k.public_key().KeyIdHex();
  std::cout << " seq=" << se->entry.log.seq << "\n";
  return 0;
}

// Root keys named by --root-key (comma-separated paths), loaded 0600 only.
int KeyRotate(desk::Operations& ops, hub::Hub& h, const base::CommandLine& a) {
  if (a.positional.size() != 2 || !a.options.count("root-key")) {
    return Fail(base::Status::Invalid("usage: key rotate --root-key <root.key>[,<root2.key>...]"));
  }
  base::Result<std::vector<feeds::SecretKey>> roots = LoadKeyList(a, "root-key");
  if (!roots.ok()) return Fail(roots.status());
  std::vector<const feeds::SecretKey*> ptrs = Pointers(*roots);
  const std::string old_id = h.public_key().KeyIdHex();
  base::Result<feeds::SignedEntry> se = ops.RotateOnlineKey(CliPrincipal(), ptrs);
  if (!se.ok()) return Fail(se.status());
  std::cout << "online key rotated old_key_id=" << old_id
            << " new_key_id=" << h.public_key().KeyIdHex() << " seq=" << se->entry.log.seq
            << " old_key_file=" << h.config().key_file << ".old\n";
  return 0;
}

int Init(const Config& config, const base::CommandLine& a) {
  base::Status s = a.options.count("root-key") ? InitWithRoot(config, a)
                                               : hub::Hub::Init(config.hub, base::SystemClock());
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
  const bool node_key_command = a.positional.size() >= 2 && a.positional[0] == "node" &&
                                NodeKeyUsages().count(a.positional[1]) > 0;
  const bool node_move =
      a.positional.size() >= 2 && a.positional[0] == "node" && a.positional[1] == "move";
  if (a.help && node_key_command) {
    std::cout << NodeKeyUsages().at(a.positional[1]);
    return 0;
  }
  if (a.help && node_move) {
    std::cout << kNodeMoveUsage;
    return 0;
  }
  if (a.help || a.positional.empty()) {
    std::cout << Usage();
    return a.help ? 0 : 2;
  }
  if (a.positional[0] == "key" && a.positional.size() >= 2 && a.positional[1] == "init-root") {
    return KeyInitRoot(a);
  }
  if (!a.options.count("config")) return Fail(base::Status::Invalid("--config is required"));
  base::Result<Config> config = LoadConfig(a.options.at("config"));
  if (!config.ok()) return Fail(config.status());
  const std::string& cmd = a.positional[0];
  if (cmd == "init") return Init(*config, a);
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
  if (cmd == "key" && a.positional.size() >= 2 && a.positional[1] == "rotate") {
    return KeyRotate(ops, *s->hub, a);
  }
  if (cmd == "key" && a.positional.size() >= 2 && a.positional[1] == "rotate-root") {
    return KeyRotateRoot(ops, a);
  }
  if (node_key_command) return NodeKeyCommand(ops, a);
  if (node_move) return NodeMove(ops, a);
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
