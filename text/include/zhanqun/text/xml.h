// Private adapter around libxml2: hardened parsing, exclusive C14N, and small
// tree helpers. The only header in the project that exposes libxml2 types; it
// must never be included from a public header.
//
// Parsing policy (ParseXml): no network, no DTD loading, no entity expansion,
// and any document with a DOCTYPE is refused outright, which rules out entity
// expansion attacks (billion laughs) and external entities (XXE) whatever the
// libxml2 version. Size is checked before parsing, nesting depth during it.
// Errors are collected per parse context, never through libxml2's globals.
//
// Thread-safe: every function works on its own parser context and document.
#ifndef ZHANQUN_TEXT_XML_H_
#define ZHANQUN_TEXT_XML_H_

#include <libxml/tree.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zhanqun/base/status.h"

namespace zhanqun::text::xml {

struct DocDeleter {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocDeleter>;

inline const xmlChar* X(const char* s) { return reinterpret_cast<const xmlChar*>(s); }
inline const char* C(const xmlChar* s) { return reinterpret_cast<const char*>(s); }

// What to do with a DOCTYPE: our own documents refuse any; foreign feeds
// (old RSS) may carry a bare one, but never an entity declaration.
enum class Doctype { kRefuse, kAllowWithoutEntities };

// Parses a well-formed, namespace-well-formed XML document.
// Errors: kResourceExhausted when `bytes` exceeds max_bytes or elements nest
// deeper than max_depth; kInvalidArgument for a refused DOCTYPE, an entity
// declaration ("DTD declares entity 'x'; ...") or a syntax error
// ("XML parse error at line 3: ...").
base::Result<DocPtr> ParseXml(std::string_view bytes, std::size_t max_bytes, int max_depth,
                              Doctype doctype = Doctype::kRefuse);

// Where an element's markup lies in the document text: bytes [begin, end),
// from its start tag's '<' to just past its end tag's (or empty tag's) '>'.
struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;
};
struct ElementSpans {
  Span root;
  std::vector<Span> children;  // the root's child elements, in document order
};

// Finds the spans of the root element and of its child elements by a lexical
// scan of `bytes` that skips comments, processing instructions, CDATA
// sections and quoted attribute values. For a UTF-8 document that ParseXml
// accepted with Doctype::kRefuse, `children[i]` is the i-th element of
// ChildElements(root). Errors (kInvalidArgument, naming the byte offset): a
// NUL byte (not UTF-8), a DOCTYPE or other declaration, an unterminated
// construct, or elements that do not nest.
base::Result<ElementSpans> ScanElementSpans(std::string_view bytes);

// Parses HTML leniently (UTF-8, no network, errors silenced). Returns nullptr
// only when libxml2 produces no document at all.
DocPtr ParseHtml(std::string_view html);

// Exclusive XML canonicalization 1.0 without comments of the whole document.
base::Result<std::string> Canonicalize(xmlDoc* doc);

// A new document whose root is a deep copy of `element`; namespaces the
// element inherits from its ancestors are declared on the new root.
DocPtr CopyAsDocument(const xmlNode* element);

// True when `node` is an element named `local` in namespace `ns`.
bool IsElement(const xmlNode* node, const char* ns, const char* local);
std::vector<xmlNode*> ChildElements(const xmlNode* node);
// Concatenated text content; "" when there is none.
std::string Content(const xmlNode* node);
// Value of the attribute `name` in no namespace, if present.
std::optional<std::string> Attr(const xmlNode* node, const char* name);
// "prefix:local" or "local", for error messages.
std::string QName(const xmlNode* node);

// Tree building; strings are stored literally (no entity interpretation).
xmlNode* AddChild(xmlNode* parent, xmlNs* ns, const char* name);
xmlNode* AddTextChild(xmlNode* parent, xmlNs* ns, const char* name, const std::string& text);
void SetAttr(xmlNode* node, const char* name, const std::string& value);

// XML 1.0 text rules (valid UTF-8 and the Char production: no NUL, no C0
// controls other than tab/LF/CR, no U+FFFE/U+FFFF). Returns the byte offset
// of the first offending byte, or std::string_view::npos when `s` is fine.
std::size_t FindInvalidText(std::string_view s);
// `s` with invalid UTF-8 sequences replaced by U+FFFD and disallowed
// characters dropped, so the result always passes FindInvalidText.
std::string ToValidText(std::string_view s);

// Escapes for hand-built markup; all apply ToValidText first.
enum class EscapeMode {
  kText,       // & < >
  kAttribute,  // & < > " and tab/LF/CR (kept through attribute normalization)
  kHtml,       // & < > " ' : safe in HTML text and in quoted attributes
};
std::string Escape(std::string_view s, EscapeMode mode);
std::string EscapeText(std::string_view s);       // & < >
std::string EscapeAttribute(std::string_view s);  // & < > " and tab/LF/CR

}  // namespace zhanqun::text::xml

#endif  // ZHANQUN_TEXT_XML_H_
