// Hardened parsing of foreign feeds. Unlike xml::ParseXml (our own signed
// documents, where any DOCTYPE is refused) old RSS feeds may carry a bare
// DOCTYPE, so here only entity declarations are refused.
#include <iconv.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <memory>
#include <mutex>

#include "syndication_internal.h"

namespace zhanqun::feeds::syndication_internal {
namespace {

using xml::C;
using xml::X;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Where the value of encoding="..." sits in the XML declaration.
struct EncodingSpan {
  std::size_t begin = std::string_view::npos, end = 0;
};

EncodingSpan FindEncoding(std::string_view bytes) {
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  EncodingSpan span;
  if (bytes.substr(0, 5) != "<?xml") return span;
  std::size_t close = bytes.find("?>");
  if (close == std::string_view::npos) return span;
  std::string_view decl = bytes.substr(0, close);
  std::size_t at = decl.find("encoding");
  if (at == std::string_view::npos) return span;
  std::size_t q = decl.find_first_of("\"'", at);
  if (q == std::string_view::npos) return span;
  std::size_t q2 = decl.find(decl[q], q + 1);
  if (q2 == std::string_view::npos) return span;
  span.begin = q + 1;
  span.end = q2;
  return span;
}

bool IsChineseEncoding(const std::string& e) {
  return e == "gb2312" || e == "gbk" || e == "gb18030" || e == "x-gbk" || e == "cp936" ||
         e == "euc-cn" || e == "gb_2312-80";
}

Result<std::string> Gb18030ToUtf8(std::string_view in) {
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  if (cd == reinterpret_cast<iconv_t>(-1)) return Status::Internal("iconv: GB18030 unsupported");
  std::string out(in.size() * 2 + 16, '\0');
  char* src = const_cast<char*>(in.data());
  std::size_t src_left = in.size();
  char* dst = out.data();
  std::size_t dst_left = out.size();
  std::size_t rc = iconv(cd, &src, &src_left, &dst, &dst_left);
  iconv_close(cd);
  if (rc == static_cast<std::size_t>(-1)) {
    return Status::Invalid("encoding: byte " + std::to_string(in.size() - src_left) +
                           " is not valid GB18030 (declared GB2312/GBK/GB18030)");
  }
  out.resize(out.size() - dst_left);
  return out;
}

void InitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

struct CtxtDeleter {
  void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};

struct ParseState {
  int max_depth = 0, depth = 0, line = 0;
  bool too_deep = false, failed = false;
  std::string entity;  // first declared entity, if any
  std::string message;
  startElementNsSAX2Func start_element = nullptr;
  endElementNsSAX2Func end_element = nullptr;
};

ParseState* StateOf(void* ctx) {
  return static_cast<ParseState*>(static_cast<xmlParserCtxt*>(ctx)->_private);
}

#if LIBXML_VERSION >= 21200
void OnError(void* ctx, const xmlError* error) {
#else
void OnError(void* ctx, xmlErrorPtr error) {
#endif
  ParseState* state = StateOf(ctx);
  if (error == nullptr || error->level < XML_ERR_ERROR || state->failed) return;
  state->failed = true;
  state->line = error->line;
  std::string msg = error->message != nullptr ? error->message : "unknown error";
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  // libxml2 quotes the offending bytes, which may end inside a character.
  state->message = xml::ToValidText(msg);
}

void RefuseEntity(void* ctx, const xmlChar* name) {
  ParseState* state = StateOf(ctx);
  if (state->entity.empty()) state->entity = name != nullptr ? C(name) : "?";
  xmlStopParser(static_cast<xmlParserCtxt*>(ctx));
}

void OnEntityDecl(void* ctx, const xmlChar* name, int, const xmlChar*, const xmlChar*, xmlChar*) {
  RefuseEntity(ctx, name);
}

void OnUnparsedEntityDecl(void* ctx, const xmlChar* name, const xmlChar*, const xmlChar*,
                          const xmlChar*) {
  RefuseEntity(ctx, name);
}

void OnStartElement(void* ctx, const xmlChar* localname, const xmlChar* prefix, const xmlChar* uri,
                    int nb_namespaces, const xmlChar** namespaces, int nb_attributes,
                    int nb_defaulted, const xmlChar** attributes) {
  ParseState* state = StateOf(ctx);
  if (++state->depth > state->max_depth) {
    state->too_deep = true;
    xmlStopParser(static_cast<xmlParserCtxt*>(ctx));
    return;
  }
  state->start_element(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes,
                       nb_defaulted, attributes);
}

void OnEndElement(void* ctx, const xmlChar* localname, const xmlChar* prefix, const xmlChar* uri) {
  StateOf(ctx)->depth--;
  StateOf(ctx)->end_element(ctx, localname, prefix, uri);
}

// Deliberately absent: XML_PARSE_NOENT, XML_PARSE_DTDLOAD, XML_PARSE_DTDATTR,
// XML_PARSE_DTDVALID, XML_PARSE_HUGE, XML_PARSE_XINCLUDE.
constexpr int kOptions = XML_PARSE_NONET | XML_PARSE_NOCDATA;

Status Failure(const ParseState& s, const SyndicationLimits& limits) {
  if (!s.entity.empty()) {
    return Status::Invalid("DTD declares entity '" + s.entity +
                           "'; entity declarations are refused (XXE, entity expansion)");
  }
  if (s.too_deep) {
    return Status::Exhausted("XML nesting depth exceeds the limit of " +
                             std::to_string(limits.max_depth));
  }
  if (s.failed) return Status::Invalid("line " + std::to_string(s.line) + ": " + s.message);
  return Status::Invalid("XML is not well-formed");
}

}  // namespace

std::string DeclaredEncoding(std::string_view bytes) {
  std::size_t skip = bytes.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  EncodingSpan span = FindEncoding(bytes);
  if (span.begin == std::string_view::npos) return "";
  return Lower(bytes.substr(skip + span.begin, span.end - span.begin));
}

Result<std::string> DecodeChineseEncodings(std::string_view bytes) {
  if (!IsChineseEncoding(DeclaredEncoding(bytes))) return std::string(bytes);
  std::size_t skip = bytes.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  EncodingSpan span = FindEncoding(bytes);
  Result<std::string> utf8 = Gb18030ToUtf8(bytes.substr(skip));
  if (!utf8.ok()) return utf8;
  // The declaration is ASCII, so its offsets are unchanged by decoding.
  return utf8->replace(span.begin, span.end - span.begin, "UTF-8");
}

bool LooksLikeHtml(std::string_view b) {
  if (b.substr(0, 3) == "\xEF\xBB\xBF") b.remove_prefix(3);
  for (;;) {
    while (!b.empty() && std::isspace(static_cast<unsigned char>(b.front()))) b.remove_prefix(1);
    std::string_view end_mark = b.substr(0, 5) == "<?xml"  ? "?>"
                                : b.substr(0, 4) == "<!--" ? "-->"
                                                           : "";
    if (end_mark.empty()) break;
    std::size_t e = b.find(end_mark);
    if (e == std::string_view::npos) return false;
    b.remove_prefix(e + end_mark.size());
  }
  std::string head = Lower(b.substr(0, 14));
  return head.rfind("<!doctype html", 0) == 0 || head.rfind("<html", 0) == 0;
}

Result<xml::DocPtr> ParseFeedXml(std::string_view bytes, const std::string& base_url,
                                 const SyndicationLimits& limits) {
  if (bytes.size() > limits.max_bytes || bytes.size() > static_cast<std::size_t>(INT_MAX) / 2) {
    return Status::Exhausted("feed of " + std::to_string(bytes.size()) +
                             " bytes exceeds the limit of " + std::to_string(limits.max_bytes));
  }
  Result<std::string> text = DecodeChineseEncodings(bytes);
  if (!text.ok()) return text.status();
  InitOnce();
  std::unique_ptr<xmlParserCtxt, CtxtDeleter> ctxt(
      xmlCreateMemoryParserCtxt(text->data(), static_cast<int>(text->size())));
  if (!ctxt) return Status::Internal("libxml2: cannot create a parser context");
  xmlCtxtUseOptions(ctxt.get(), kOptions);
  ParseState state;
  state.max_depth = limits.max_depth;
  xmlSAXHandler* sax = ctxt->sax;
  state.start_element = sax->startElementNs;
  state.end_element = sax->endElementNs;
  sax->startElementNs = OnStartElement;
  sax->endElementNs = OnEndElement;
  sax->entityDecl = OnEntityDecl;
  sax->unparsedEntityDecl = OnUnparsedEntityDecl;
  sax->serror = OnError;
  ctxt->_private = &state;
  xmlParseDocument(ctxt.get());
  xml::DocPtr doc(ctxt->myDoc);
  ctxt->myDoc = nullptr;
  bool ok = ctxt->wellFormed && ctxt->nsWellFormed && !state.failed && state.entity.empty() &&
            !state.too_deep && doc != nullptr;
  if (!ok) return Failure(state, limits);
  if (doc->intSubset != nullptr && doc->intSubset->entities != nullptr) {
    return Status::Invalid("DTD declares entities; entity declarations are refused");
  }
  if (xmlDocGetRootElement(doc.get()) == nullptr) return Status::Invalid("XML has no root element");
  if (doc->URL != nullptr) xmlFree(const_cast<xmlChar*>(doc->URL));
  doc->URL = xmlStrdup(X(base_url.c_str()));
  return doc;
}

}  // namespace zhanqun::feeds::syndication_internal
