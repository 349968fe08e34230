// Private to the Atom codec (atom_*.cc): helpers shared by entry encoding,
// entry decoding and feed framing. Never include from a public header.
#ifndef ZHANQUN_FEEDS_ATOM_INTERNAL_H_
#define ZHANQUN_FEEDS_ATOM_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "zhanqun/base/status.h"
#include "zhanqun/feeds/atom.h"
#include "zhanqun/text/xml.h"

namespace zhanqun::feeds::atom_internal {

inline constexpr const char* kTopicScheme = "urn:zhanqun:topic";
inline constexpr const char* kCategoryScheme = "urn:zhanqun:category";

// `s` in single quotes for error messages, cut after 80 bytes.
std::string Quote(std::string_view s);
// The Atom <id> of the entry at `log`.
std::string EntryId(const LogPosition& log);

// minisign public key encoding: base64 of "Ed" || key_id || pk.
std::string KeyBase64(const PublicKey& key);
// nullopt unless `text` is canonical base64 of a minisign public key.
std::optional<PublicKey> ParseKeyBase64(std::string_view text);
// nullopt unless `text` is padded base64 (at most 4096 characters).
std::optional<std::string> Unbase64(std::string_view text);
// True if `s` is exactly `len` hex digits of the given case.
bool IsHex(std::string_view s, std::size_t len, bool upper);
// Canonical decimal: digits only, no sign, no leading zeros.
std::optional<std::uint64_t> ParseDecimal(std::string_view s);

// The attribute `name` of `node`; kInvalidArgument naming it if missing.
base::Result<std::string> RequireAttr(const xmlNode* node, const char* name);
// The attribute `name` as a canonical decimal (> 0 if `positive`).
base::Result<std::uint64_t> RequireNumber(const xmlNode* node, const char* name, bool positive);

// OK if `node` is an Atom <entry> element.
base::Status CheckEntryElement(const xmlNode* node);
// OK if the fields of `sig` can be written into a <zq:signature> and read back.
base::Status ValidateSignatureElement(const SignatureElement& sig);

// The fields of an <entry> without its signature (atom_entry_fields.cc).
base::Result<Entry> DecodeFields(const xmlNode* root);
// Decodes one signed <entry> element whose bytes as received are `raw`
// (atom_entry_decode.cc).
base::Result<ParsedEntry> DecodeEntryElement(const xmlNode* element, std::string_view raw,
                                             const XmlLimits& limits);

}  // namespace zhanqun::feeds::atom_internal

#endif  // ZHANQUN_FEEDS_ATOM_INTERNAL_H_
