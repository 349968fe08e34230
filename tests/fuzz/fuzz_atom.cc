// Fuzz target for the Atom codec, on bytes as a parent or a WebSub hub would
// send them: DecodeFeed and DecodeEntry, and CheckWireForm on what they
// return. Built with -fsanitize=fuzzer when ZHANQUN_FUZZ is ON (clang);
// otherwise fuzz_main.cc drives it, so it always builds and runs in ctest.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "zhanqun/feeds/atom.h"

namespace {

namespace zq = zhanqun::feeds;

// An entry CheckWireForm accepts is a fixed point: its bytes decode to the
// same fields, canonical form and bytes again.
void CheckAccepted(const zq::ParsedEntry& e, const zq::XmlLimits& limits) {
  if (!zq::CheckWireForm(e).ok()) return;
  zhanqun::base::Result<zq::ParsedEntry> again = zq::DecodeEntry(e.wire, limits);
  if (!again.ok() || again->wire != e.wire || again->canonical != e.canonical ||
      !(again->entry == e.entry) || !(again->signature == e.signature)) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  zq::XmlLimits limits;
  limits.max_document_bytes = 1 << 20;
  limits.max_entry_bytes = 1 << 20;
  limits.max_entries = 64;
  zhanqun::base::Result<zq::ParsedFeed> feed = zq::DecodeFeed(bytes, limits);
  if (feed.ok()) {
    for (const zq::ParsedEntry& e : feed->entries) CheckAccepted(e, limits);
  }
  zhanqun::base::Result<zq::ParsedEntry> entry = zq::DecodeEntry(bytes, limits);
  if (entry.ok()) CheckAccepted(*entry, limits);
  return 0;
}
