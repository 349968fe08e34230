// Atom (RFC 4287) codec for zhanqun entries and feed documents.
//
// Entries carry policy metadata in the namespace kZqNs (see docs/protocol.md).
// The canonical form of an entry is the exclusive XML canonicalization
// (http://www.w3.org/2001/10/xml-exc-c14n#, without comments) of the <entry>
// element as the apex node, after removing its <zq:signature> child element.
// The wire form is the same canonicalization with the signature element kept
// (AttachSignature spells it out byte by byte). An entry has exactly one wire
// form, a function of its fields and signature alone: it is what origins
// store, relays store and serve byte-for-byte, and feeds embed, and a reader
// refuses an entry whose bytes as received differ from it (CheckWireForm). All
// parsing goes through a hardened libxml2 configuration: no network, no DTD
// loading, no entity expansion, size and depth limits.
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

// Wire bytes: `canonical` with the signature element inserted before its
// final "</entry>" as the entry's last child, exactly as exclusive C14N writes
// it: <zq:signature xmlns:zq="..." globalSignature="..." keyId="..."
// trustedComment="...">signature</zq:signature>.
// REQUIRES: `canonical` comes from EncodeCanonicalEntry. Returns
// kInvalidArgument if `sig` breaks a field rule or `canonical` is not an
// unsigned canonical entry.
base::Result<std::string> AttachSignature(std::string_view canonical, const SignatureElement& sig);

// An entry as read from the wire.
struct ParsedEntry {
  Entry entry;
  SignatureElement signature;
  // EncodeCanonicalEntry(entry): re-encoded from the decoded fields, so it is
  // exactly what the origin signed if the entry is genuine.
  std::string canonical;
  // The <entry> element's bytes exactly as received, from its '<' to the '>'
  // of its end tag. Not to be stored or relayed before CheckWireForm (which
  // VerifyEntry runs) has accepted them.
  std::string wire;
};

// OK if `parsed.wire` is byte for byte AttachSignature(parsed.canonical,
// parsed.signature), the entry's one wire form: so nothing a relay adds,
// removes or reshapes survives (whitespace, comments, CDATA sections,
// character references, other namespace prefixes or declarations, attribute
// order or quoting, extra attributes or elements), inside the signature
// element or anywhere else in the entry. Otherwise kInvalidArgument naming
// the first byte that differs, whether it lies in the <zq:signature> element
// or before it, and the bytes expected and found there.
base::Status CheckWireForm(const ParsedEntry& parsed);

// Parses one entry (an <entry> element, optionally preceded by an XML
// declaration) and re-encodes its canonical form. Errors name the element or
// attribute at fault. Does not check the wire form: see CheckWireForm.
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
// its position, because a follower must not skip entries. Each entry's
// `wire` is its bytes within `bytes` (so a feed must be UTF-8), unchecked.
base::Result<ParsedFeed> DecodeFeed(std::string_view bytes, const XmlLimits& limits = {});

}  // namespace zhanqun::feeds

#endif  // ZHANQUN_FEEDS_ATOM_H_
