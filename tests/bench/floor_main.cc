// zhanqun_bench_floor: the CPU floor of delivering one entry to one node —
// decode and verify it, store it, index it — measured in-process on the
// fixture documents, beside raw OpenSSL Ed25519 verification of the same
// bytes as a reference. scripts/bench/fanout multiplies it by the number of
// nodes to get the tree's floor.
//
// usage: zhanqun_bench_floor <fixture.jsonl> <work dir> [runs] [commit_every]
// Prints one JSON object (medians over runs, microseconds per entry).
#include <openssl/evp.h>
#include <time.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "zhanqun/agent/agent_store.h"
#include "zhanqun/feeds/atom.h"
#include "zhanqun/feeds/log.h"
#include "zhanqun/feeds/signature.h"
#include "zhanqun/search/search_index.h"
#include "zhanqun/text/sanitize.h"

namespace {

using namespace zhanqun;
using json = nlohmann::json;

double CpuUs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

template <typename T>
T Must(base::Result<T> r, const char* what) {
  if (!r.ok()) {
    std::cerr << "zhanqun_bench_floor: " << what << ": " << r.status().ToString() << "\n";
    std::exit(1);
  }
  return std::move(*r);
}

void Must(const base::Status& s, const char* what) {
  if (!s.ok()) {
    std::cerr << "zhanqun_bench_floor: " << what << ": " << s.ToString() << "\n";
    std::exit(1);
  }
}

std::vector<feeds::Release> LoadReleases(const std::string& path) {
  std::ifstream in(path);
  std::vector<feeds::Release> out;
  for (std::string line; std::getline(in, line);) {
    json d = json::parse(line, nullptr, false);
    if (d.is_discarded()) continue;
    feeds::Release r;
    r.id = "bench-" + std::to_string(out.size());
    r.version = 1;
    r.title = d.value("title", "");
    r.authority = d.value("authority", "");
    r.doc_number = d.value("doc_number", "");
    r.signed_date = d.value("date", "");
    r.published_ms = 1550217600000;
    r.categories = {"国务院文件"};
    r.body_html = text::TextToHtml(d.value("body", ""));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || std::string(argv[1]) == "--help") {
    std::cerr << "usage: zhanqun_bench_floor <fixture.jsonl> <work dir> [runs] [commit_every]\n"
                 "Per-entry CPU (µs, medians over runs) to verify, store and index one entry\n"
                 "at one node, beside raw OpenSSL Ed25519 verification of the same bytes.\n";
    return argc < 3 ? 2 : 0;
  }
  const std::string dir = argv[2];
  const int runs = argc > 3 ? std::max(1, std::atoi(argv[3])) : 3;
  // Entries per index commit: 1 is durable at once; agents share a commit
  // among the entries that arrive within Indexer::kCommitDelayMs.
  const int commit_every = argc > 4 ? std::max(1, std::atoi(argv[4])) : 1;
  std::vector<feeds::Release> releases = LoadReleases(argv[1]);
  if (releases.empty()) {
    std::cerr << "zhanqun_bench_floor: no documents in " << argv[1] << "\n";
    return 1;
  }
  feeds::SecretKey hub = Must(feeds::SecretKey::Generate(), "key");
  feeds::TrustStore trust;
  trust.Add(feeds::kHubCode, hub.public_key());
  // The hub's side, once: signed entries as they travel.
  std::vector<std::string> wires;
  feeds::ChainHead head{feeds::kHubCode, 0, feeds::kZeroHash};
  for (const feeds::Release& r : releases) {
    feeds::Entry e;
    e.kind = feeds::EntryKind::kRelease;
    e.log.origin = feeds::kHubCode;
    e.updated_ms = 1700000000000;
    e.release = r;
    feeds::SignedEntry se = Must(feeds::SignEntry(std::move(e), head, hub), "sign");
    head = {feeds::kHubCode, se.entry.log.seq, se.hash};
    wires.push_back(se.wire);
  }
  std::vector<double> verify_us, store_us, index_us, commit_us, openssl_us;
  for (int run = 0; run < runs; ++run) {
    std::string run_dir = dir + "/run" + std::to_string(run);
    std::filesystem::remove_all(run_dir);
    std::filesystem::create_directories(run_dir);
    auto store = Must(agent::AgentStore::Open(run_dir + "/agent.db"), "store");
    auto index =
        Must(search::SearchIndex::Open(run_dir + "/xapian", search::SearchIndex::Mode::kWritable),
             "index");
    double v = 0, s = 0, x = 0, o = 0, c = 0;
    feeds::ChainHead at{feeds::kHubCode, 0, feeds::kZeroHash};
    int since_commit = 0;
    for (const std::string& wire : wires) {
      double t0 = CpuUs();
      feeds::ParsedEntry p = Must(feeds::DecodeEntry(wire), "decode");
      feeds::SignedEntry se = Must(feeds::VerifyEntry(p, trust, at), "verify");
      double t1 = CpuUs();
      Must(store->AppendVerified({se}, 1700000000000), "store");
      double t2 = CpuUs();
      Must(index->Put(
               {*se.entry.release, feeds::kHubCode, se.entry.log.seq, feeds::NodeLevel::kNational}),
           "index");
      Must(index->SetIndexedSeq(feeds::kHubCode, se.entry.log.seq), "index seq");
      double t2b = CpuUs();
      if (++since_commit == commit_every || &wire == &wires.back()) {
        Must(index->Commit(), "commit");
        since_commit = 0;
      }
      double t3 = CpuUs();
      c += t3 - t2b;
      at = {feeds::kHubCode, se.entry.log.seq, se.hash};
      // Reference: OpenSSL alone verifying an Ed25519 signature over the
      // same canonical bytes (what the signature check cannot go below).
      auto sig = hub.SignRaw(se.canonical);
      const auto& raw = hub.public_key().bytes;
      EVP_PKEY* pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw.data(), raw.size());
      EVP_MD_CTX* ctx = EVP_MD_CTX_new();
      double t4 = CpuUs();
      EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pk);
      int ok = EVP_DigestVerify(ctx, sig.data(), sig.size(),
                                reinterpret_cast<const unsigned char*>(se.canonical.data()),
                                se.canonical.size());
      double t5 = CpuUs();
      EVP_MD_CTX_free(ctx);
      EVP_PKEY_free(pk);
      if (ok != 1) Must(base::Status::Internal("openssl verify"), "reference");
      v += t1 - t0;
      s += t2 - t1;
      x += t3 - t2;
      o += t5 - t4;
    }
    const double n = static_cast<double>(wires.size());
    verify_us.push_back(v / n);
    store_us.push_back(s / n);
    index_us.push_back(x / n);
    commit_us.push_back(c / n);
    openssl_us.push_back(o / n);
  }
  double verify = Median(verify_us), store = Median(store_us), index = Median(index_us);
  json out = {{"entries", wires.size()},
              {"runs", runs},
              {"commit_every", commit_every},
              {"mean_entry_bytes",
               [&] {
                 std::size_t b = 0;
                 for (const auto& w : wires) b += w.size();
                 return b / wires.size();
               }()},
              {"verify_us", verify},
              {"store_us", store},
              {"index_us", index},
              {"index_commit_us", Median(commit_us)},
              {"floor_us", verify + store + index},
              {"openssl_ed25519_verify_us", Median(openssl_us)}};
  std::cout << out.dump() << "\n";
  return 0;
}
