// Atom entries: the one wire form of a signed entry, and the check that bytes
// as received are exactly that form.
#include <algorithm>
#include <cstdio>

#include "atom_internal.h"
#include "zhanqun/feeds/atom.h"

namespace zhanqun::feeds {
namespace {

using namespace atom_internal;

constexpr std::string_view kEntryOpen = "<entry xmlns=\"http://www.w3.org/2005/Atom\">";
constexpr std::string_view kEntryClose = "</entry>";
constexpr std::string_view kSignatureTag = "<zq:signature";
// How much of each side CheckWireForm shows where they differ.
constexpr std::size_t kSnippetBytes = 40;

// Exclusive C14N escaping (xml-c14n §2.3): the signature element is built as
// a string, so it must escape exactly as the canonicalizer would. nullptr
// when `c` stands for itself.
const char* C14nReplacement(char c, bool attribute) {
  switch (c) {
    case '&':
      return "&amp;";
    case '<':
      return "&lt;";
    case '>':
      return attribute ? nullptr : "&gt;";
    case '"':
      return attribute ? "&quot;" : nullptr;
    case '\t':
      return attribute ? "&#x9;" : nullptr;
    case '\n':
      return attribute ? "&#xA;" : nullptr;
    case '\r':
      return "&#xD;";
    default:
      return nullptr;
  }
}

std::string C14nEscape(std::string_view s, bool attribute) {
  std::string out;
  for (char c : s) {
    const char* r = C14nReplacement(c, attribute);
    if (r == nullptr) {
      out += c;
    } else {
      out += r;
    }
  }
  return out;
}

// Namespace declaration first, then attributes by name (C14N order).
std::string SignatureMarkup(const SignatureElement& sig) {
  return std::string(kSignatureTag) + " xmlns:zq=\"" + kZqNs + "\" globalSignature=\"" +
         C14nEscape(sig.global_signature, true) + "\" keyId=\"" + C14nEscape(sig.key_id, true) +
         "\" trustedComment=\"" + C14nEscape(sig.trusted_comment, true) + "\">" +
         C14nEscape(sig.signature, false) + "</zq:signature>";
}

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Up to kSnippetBytes of `s` from `at`, widened to whole UTF-8 characters,
// quoted, with control bytes escaped so a log line stays one line.
std::string Snippet(std::string_view s, std::size_t at) {
  if (at >= s.size()) return "the end of the entry";
  std::size_t begin = at;
  while (begin > 0 && at - begin < 3 && IsContinuation(s[begin])) --begin;
  std::size_t end = std::min(s.size(), at + kSnippetBytes);
  while (end < s.size() && end - at < kSnippetBytes + 3 && IsContinuation(s[end])) ++end;
  std::string out = "'";
  for (char c : s.substr(begin, end - begin)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) {
      out += c;
      continue;
    }
    char hex[8];
    std::snprintf(hex, sizeof hex, "\\x%02X", u);
    out += hex;
  }
  return out + (end < s.size() ? "...'" : "'");
}

std::size_t FirstDifference(std::string_view a, std::string_view b) {
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return i;
}

}  // namespace

base::Result<std::string> AttachSignature(std::string_view canonical, const SignatureElement& sig) {
  ZQ_RETURN_IF_ERROR(ValidateSignatureElement(sig));
  if (!canonical.starts_with(kEntryOpen) || !canonical.ends_with(kEntryClose)) {
    return base::Status::Invalid("canonical entry: expected " + std::string(kEntryOpen) + "..." +
                                 std::string(kEntryClose) + ", got " + Quote(canonical));
  }
  // Text and attribute values escape '<', so this finds only a tag.
  if (canonical.find(kSignatureTag) != std::string_view::npos) {
    return base::Status::Invalid("entry: already has a <zq:signature>");
  }
  std::string wire(canonical.substr(0, canonical.size() - kEntryClose.size()));
  wire += SignatureMarkup(sig);
  wire += kEntryClose;
  return wire;
}

base::Status CheckWireForm(const ParsedEntry& parsed) {
  base::Result<std::string> expected = AttachSignature(parsed.canonical, parsed.signature);
  if (!expected.ok()) return expected.status();
  const std::string& want = *expected;
  const std::string& got = parsed.wire;
  if (got == want) return base::Status::Ok();
  const std::size_t at = FirstDifference(got, want);
  const std::size_t signature_at = parsed.canonical.size() - kEntryClose.size();
  const std::string what = at >= signature_at
                               ? "wire form: the <zq:signature> element is not in canonical form"
                               : "wire form: the entry is not in canonical zhanqun form";
  return base::Status::Invalid(what + ": at byte " + std::to_string(at) + " found " +
                               Snippet(got, at) + " where the re-encoding has " +
                               Snippet(want, at) +
                               " (the wire form admits no other whitespace, comments, CDATA, "
                               "character references, prefixes, attributes or elements)");
}

}  // namespace zhanqun::feeds
