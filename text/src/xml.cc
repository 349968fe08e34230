#include "zhanqun/text/xml.h"

#include <libxml/HTMLparser.h>
#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include <climits>
#include <cstring>
#include <mutex>

namespace zhanqun::text::xml {
namespace {

// libxml2 must be initialised once before threads use it concurrently.
void InitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

struct ParserCtxtDeleter {
  void operator()(xmlParserCtxt* ctxt) const { xmlFreeParserCtxt(ctxt); }
};
using CtxtPtr = std::unique_ptr<xmlParserCtxt, ParserCtxtDeleter>;

// Per-parse state reached from SAX callbacks through ctxt->_private.
struct ParseState {
  int max_depth = 0;
  int depth = 0;
  bool too_deep = false;
  bool doctype = false;
  Doctype policy = Doctype::kRefuse;
  std::string entity;  // first entity declared (kAllowWithoutEntities)
  internalSubsetSAXFunc internal_subset = nullptr;
  bool failed = false;
  int line = 0;
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
  // The first error explains the problem; later ones are usually fallout.
  state->failed = true;
  state->line = error->line;
  std::string msg = error->message != nullptr ? error->message : "unknown error";
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  // libxml2 quotes the offending bytes, which may end inside a character.
  state->message = ToValidText(msg);
}

// Refusing every DOCTYPE is simpler and safer than taming entity expansion;
// foreign feeds (kAllowWithoutEntities) keep a bare one.
void OnInternalSubset(void* ctx, const xmlChar* name, const xmlChar* external_id,
                      const xmlChar* system_id) {
  ParseState* state = StateOf(ctx);
  if (state->policy == Doctype::kAllowWithoutEntities) {
    state->internal_subset(ctx, name, external_id, system_id);
    return;
  }
  state->doctype = true;
  xmlStopParser(static_cast<xmlParserCtxt*>(ctx));
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

// Deliberately absent: XML_PARSE_NOENT (entity substitution), XML_PARSE_DTDLOAD,
// XML_PARSE_DTDATTR, XML_PARSE_HUGE, XML_PARSE_XINCLUDE, XML_PARSE_NOBLANKS
// (whitespace is content and must survive canonicalization).
// XML_PARSE_NO_XXE only exists from libxml2 2.13; the DOCTYPE refusal covers it.
constexpr int kXmlOptions = XML_PARSE_NONET | XML_PARSE_NOCDATA;

base::Status ParseFailure(const ParseState& state, std::size_t max_depth) {
  if (state.doctype) return base::Status::Invalid("DOCTYPE is not allowed");
  if (!state.entity.empty()) {
    return base::Status::Invalid("DTD declares entity '" + state.entity +
                                 "'; entity declarations are refused (XXE, entity expansion)");
  }
  if (state.too_deep) {
    return base::Status::Exhausted("XML nesting depth exceeds the limit of " +
                                   std::to_string(max_depth));
  }
  if (state.failed) {
    return base::Status::Invalid("XML parse error at line " + std::to_string(state.line) + ": " +
                                 state.message);
  }
  return base::Status::Invalid("XML parse error: document is not well-formed");
}

int MaxDepth(const xmlNode* node, int depth, int limit) {
  int deepest = depth;
  for (const xmlNode* c = node->children; c != nullptr && deepest <= limit; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) deepest = std::max(deepest, MaxDepth(c, depth + 1, limit));
  }
  return deepest;
}

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 if invalid.
std::size_t DecodeUtf8(std::string_view s, std::size_t i, char32_t* cp) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (len == 0 || c > 0xF4 || i + len > s.size()) return 0;
  char32_t v = c & (0x7F >> len);
  for (std::size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    v = (v << 6) | (b(i + k) & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < kMin[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return len;
}

bool IsXmlChar(char32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

}  // namespace

base::Result<DocPtr> ParseXml(std::string_view bytes, std::size_t max_bytes, int max_depth,
                              Doctype doctype) {
  if (bytes.size() > max_bytes || bytes.size() > static_cast<std::size_t>(INT_MAX)) {
    return base::Status::Exhausted("XML document of " + std::to_string(bytes.size()) +
                                   " bytes exceeds the limit of " + std::to_string(max_bytes));
  }
  InitOnce();
  CtxtPtr ctxt(xmlCreateMemoryParserCtxt(bytes.data(), static_cast<int>(bytes.size())));
  if (!ctxt) return base::Status::Internal("libxml2: cannot create a parser context");
  xmlCtxtUseOptions(ctxt.get(), kXmlOptions);
  ParseState state;
  state.max_depth = max_depth;
  state.policy = doctype;
  xmlSAXHandler* sax = ctxt->sax;
  state.internal_subset = sax->internalSubset;
  state.start_element = sax->startElementNs;
  state.end_element = sax->endElementNs;
  sax->startElementNs = OnStartElement;
  sax->endElementNs = OnEndElement;
  sax->internalSubset = OnInternalSubset;
  sax->entityDecl = OnEntityDecl;
  sax->unparsedEntityDecl = OnUnparsedEntityDecl;
  sax->serror = OnError;
  ctxt->_private = &state;
  xmlParseDocument(ctxt.get());
  DocPtr doc(ctxt->myDoc);
  ctxt->myDoc = nullptr;
  bool ok = ctxt->wellFormed && ctxt->nsWellFormed && !state.failed && !state.doctype &&
            state.entity.empty() && !state.too_deep && doc != nullptr;
  if (!ok) return ParseFailure(state, static_cast<std::size_t>(max_depth));
  // Belt and braces: the SAX hooks above should already have caught these.
  if (doctype == Doctype::kRefuse && (doc->intSubset != nullptr || doc->extSubset != nullptr)) {
    return base::Status::Invalid("DOCTYPE is not allowed");
  }
  if (doc->extSubset != nullptr ||
      (doc->intSubset != nullptr && doc->intSubset->entities != nullptr)) {
    return base::Status::Invalid("DTD declares entities; entity declarations are refused");
  }
  xmlNode* root = xmlDocGetRootElement(doc.get());
  if (root == nullptr) return base::Status::Invalid("XML parse error: no root element");
  if (MaxDepth(root, 1, max_depth) > max_depth) {
    return base::Status::Exhausted("XML nesting depth exceeds the limit of " +
                                   std::to_string(max_depth));
  }
  return doc;
}

DocPtr ParseHtml(std::string_view html) {
  InitOnce();
  std::string clean = ToValidText(html);
  if (clean.size() > static_cast<std::size_t>(INT_MAX)) return nullptr;
  CtxtPtr ctxt(htmlNewParserCtxt());
  if (!ctxt) return nullptr;
  constexpr int kOptions =
      HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NOIMPLIED;
  return DocPtr(htmlCtxtReadMemory(ctxt.get(), clean.data(), static_cast<int>(clean.size()),
                                   nullptr, "UTF-8", kOptions));
}

base::Result<std::string> Canonicalize(xmlDoc* doc) {
  xmlChar* out = nullptr;
  int n = xmlC14NDocDumpMemory(doc, nullptr, XML_C14N_EXCLUSIVE_1_0, nullptr, 0, &out);
  if (n < 0 || out == nullptr) {
    if (out != nullptr) xmlFree(out);
    return base::Status::Internal("libxml2: exclusive canonicalization failed");
  }
  std::string result(C(out), static_cast<std::size_t>(n));
  xmlFree(out);
  return result;
}

DocPtr CopyAsDocument(const xmlNode* element) {
  DocPtr doc(xmlNewDoc(X("1.0")));
  // xmlDocCopyNode redeclares out-of-scope namespaces on the copy's root.
  xmlNode* copy = xmlDocCopyNode(const_cast<xmlNode*>(element), doc.get(), 1);
  if (copy == nullptr) return nullptr;
  xmlDocSetRootElement(doc.get(), copy);
  return doc;
}

bool IsElement(const xmlNode* node, const char* ns, const char* local) {
  if (node == nullptr || node->type != XML_ELEMENT_NODE) return false;
  if (xmlStrcmp(node->name, X(local)) != 0) return false;
  if (node->ns == nullptr || node->ns->href == nullptr) return ns == nullptr;
  return ns != nullptr && xmlStrcmp(node->ns->href, X(ns)) == 0;
}

std::vector<xmlNode*> ChildElements(const xmlNode* node) {
  std::vector<xmlNode*> out;
  for (xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) out.push_back(c);
  }
  return out;
}

std::string Content(const xmlNode* node) {
  xmlChar* text = xmlNodeGetContent(node);
  if (text == nullptr) return "";
  std::string result(C(text));
  xmlFree(text);
  return result;
}

std::optional<std::string> Attr(const xmlNode* node, const char* name) {
  xmlChar* value = xmlGetNoNsProp(node, X(name));
  if (value == nullptr) return std::nullopt;
  std::string result(C(value));
  xmlFree(value);
  return result;
}

std::string QName(const xmlNode* node) {
  std::string name = C(node->name);
  if (node->ns != nullptr && node->ns->prefix != nullptr) {
    return std::string(C(node->ns->prefix)) + ":" + name;
  }
  return name;
}

xmlNode* AddChild(xmlNode* parent, xmlNs* ns, const char* name) {
  return xmlNewChild(parent, ns, X(name), nullptr);
}

xmlNode* AddTextChild(xmlNode* parent, xmlNs* ns, const char* name, const std::string& text) {
  // xmlNewTextChild stores the text as-is; xmlNewChild would parse '&' refs.
  return xmlNewTextChild(parent, ns, X(name), X(text.c_str()));
}

void SetAttr(xmlNode* node, const char* name, const std::string& value) {
  xmlNewProp(node, X(name), X(value.c_str()));
}

std::size_t FindInvalidText(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    std::size_t len = DecodeUtf8(s, i, &cp);
    if (len == 0 || !IsXmlChar(cp)) return i;
    i += len;
  }
  return std::string_view::npos;
}

std::string ToValidText(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    std::size_t len = DecodeUtf8(s, i, &cp);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    if (IsXmlChar(cp)) out.append(s.substr(i, len));
    i += len;
  }
  return out;
}

std::string Escape(std::string_view s, EscapeMode mode) {
  std::string out;
  for (char c : ToValidText(s)) {
    const char* entity = nullptr;
    switch (c) {
      case '&':
        entity = "&amp;";
        break;
      case '<':
        entity = "&lt;";
        break;
      case '>':
        entity = "&gt;";
        break;
      case '"':
        entity = mode == EscapeMode::kText ? nullptr : "&quot;";
        break;
      case '\'':
        entity = mode == EscapeMode::kHtml ? "&#39;" : nullptr;
        break;
      // Attribute-value normalization would turn these into spaces.
      case '\t':
        entity = mode == EscapeMode::kAttribute ? "&#x9;" : nullptr;
        break;
      case '\n':
        entity = mode == EscapeMode::kAttribute ? "&#xA;" : nullptr;
        break;
      case '\r':
        entity = mode == EscapeMode::kAttribute ? "&#xD;" : nullptr;
        break;
      default:
        break;
    }
    if (entity != nullptr) {
      out += entity;
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeText(std::string_view s) { return Escape(s, EscapeMode::kText); }

std::string EscapeAttribute(std::string_view s) { return Escape(s, EscapeMode::kAttribute); }

}  // namespace zhanqun::text::xml
