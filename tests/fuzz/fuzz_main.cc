// Runs a fuzz target without libFuzzer: over each file named on the command
// line, or, with none, over a signed-shaped feed and every one-byte deletion
// and duplication of it (a smoke run for ctest).
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "zhanqun/feeds/atom.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace zq = zhanqun::feeds;

void Run(const std::string& bytes) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

std::string SampleFeed() {
  zq::Entry e;
  e.log = {zq::kHubCode, 1, std::string(64, '0')};
  e.kind = zq::EntryKind::kTopic;
  e.updated_ms = 1700000000000;
  e.topic = zq::TopicDef{"营商环境", "优化营商环境 <专题>", "政策 & 解读"};
  const zq::SignatureElement sig{"0807060504030201",
                                 "RUQBAgMEBQYHCA==", "zhanqun origin=000000 seq=1 hash=ab\t<&>\"",
                                 "QUJDRA=="};
  zhanqun::base::Result<std::string> wire = zq::AttachSignature(*zq::EncodeCanonicalEntry(e), sig);
  if (!wire.ok()) return "";
  zq::FeedMeta meta;
  meta.origin = zq::kHubCode;
  meta.updated_ms = 1700000000000;
  return zq::EncodeFeed(meta, {*wire});
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    Run(std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
  }
  if (argc > 1) return 0;
  const std::string feed = SampleFeed();
  if (feed.empty()) return 1;
  Run(feed);
  for (std::size_t i = 0; i < feed.size(); ++i) {
    Run(std::string(feed).erase(i, 1));
    Run(std::string(feed).insert(i, 1, feed[i]));
  }
  std::printf("fuzz smoke: %zu inputs\n", 1 + 2 * feed.size());
  return 0;
}
