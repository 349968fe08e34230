// Atom (RFC 4287) codec for zhanqun entries and feed documents.
//
// Entries carry policy metadata in the namespace kZqNs (see docs/protocol.md).
// The canonical form of an entry is the exclusive XML canonicalization
// (http://www.w3.org/2001/10/xml-exc-c14n#, without comments) of the <entry>
// element as the apex node, after removing its <zq:signature> child element.
// The wire form is the same canonicalization with the signature element kept;
// it is what origins store, relays store and serve byte-for-byte, and feeds
// embed. All parsing goes through a hardened libxml2 configuration: no network,
// no DTD loading, no entity expansion, size and depth limits.
//
// Thread-safe: all functions are reentrant.
#ifndef ZHANQUN_FEEDS_ATOM_H_
#define ZHANQUN_FEEDS_ATOM_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zhanqun/base/status.h"
#include "zhanqun/feeds/model.h"
#include "zhanqun/feeds/signature.h"

namespace zhanqun::feeds {

inline constexpr const char* kAtomNs = "http://www.w3.org/2005/Atom";
inline constexpr const char* kZqNs = "urn:zhanqun:protocol:1";
inline constexpr const char* kFhNs = "http://purl.org/syndication/history/1.0";

struct XmlLimits {
  std::size_t max_document_bytes = 64 * 1024 * 1024;
  std::size_t max_entry_bytes = 4 * 1024 * 1024;
  int max_depth = 64;
  std::size_t max_entries = 1000;
};

// Canonical bytes (what gets signed) of an unsigned entry.
// Returns kInvalidArgument when the entry breaks a model rule.
base::Result<std::string> EncodeCanonicalEntry(const Entry& entry);

// Wire bytes: `canonical` (from EncodeCanonicalEntry) with the signature
// element appended as the entry's last child, canonicalized again.
base::Result<std::string> AttachSignature(std::string_view canonical, const SignatureElement& sig);

// An entry as read from the wire. `canonical` is recomputed from the parsed
// tree, so it is exactly what the origin signed if the entry is genuine.
struct ParsedEntry {
  Entry entry;
  SignatureElement signature;
  std::string canonical;
  std::string wire;  // exclusive c14n of the whole <entry>, signature kept
};

// Parses one wire-form entry (an <entry> element, optionally preceded by an
// XML declaration). Errors name the element or attribute at fault.
base::Result<ParsedEntry> DecodeEntry(std::string_view bytes, const XmlLimits& limits = {});

// The fields of an entry that DecodeEntry accepted and VerifyEntry verified
// before, read back from the store that kept its wire bytes: parsed under the
// same limits and field rules, but with no canonical form computed (about
// half of DecodeEntry's cost). Never for bytes from the network.
base::Result<Entry> DecodeStoredEntry(std::string_view bytes, const XmlLimits& limits = {});

// Metadata for a feed page served by a hub or agent.
struct FeedMeta {
  std::string origin;                   // whose log this is
  std::string self_url;                 // absolute URL of this document
  std::string title;                    // human title
  std::uint64_t head_seq = 0;           // latest seq the server holds for this origin
  std::optional<std::string> next_url;  // RFC 5005 rel="next": newer entries
  std::optional<std::string> prev_url;  // RFC 5005 rel="previous": older entries
  std::optional<std::string> first_url;
  std::optional<std::string> hub_url;  // WebSub hub, later
  bool archive = false;                // RFC 5005 <fh:archive/>: page is full and immutable
  base::TimeMs updated_ms = 0;
};

// Builds a feed document embedding the given wire-form entries verbatim.
std::string EncodeFeed(const FeedMeta& meta, const std::vector<std::string>& wire_entries);

struct ParsedFeed {
  FeedMeta meta;                     // fields recovered from the document
  std::vector<ParsedEntry> entries;  // in document order
};

// Parses a feed document. Fails as a whole if the document is malformed;
// an individual entry that cannot be decoded fails the parse too, naming
// its position, because a follower must not skip entries.
base::Result<ParsedFeed> DecodeFeed(std::string_view bytes, const XmlLimits& limits = {});

}  // namespace zhanqun::feeds

#endif  // ZHANQUN_FEEDS_ATOM_H_
