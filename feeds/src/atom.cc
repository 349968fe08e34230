#include "zhanqun/feeds/atom.h"

#include <openssl/evp.h>

#include <cstring>
#include <limits>

#include "xml.h"

namespace zhanqun::feeds {
namespace {

constexpr const char* kTopicScheme = "urn:zhanqun:topic";
constexpr const char* kCategoryScheme = "urn:zhanqun:category";
// Canonical entries are already bounded by model limits; this only guards
// AttachSignature against absurd input.
constexpr std::size_t kMaxCanonicalBytes = 16 * 1024 * 1024;
constexpr int kMaxEntryDepth = 16;

std::string Quote(std::string_view s) {
  constexpr std::size_t kMax = 80;
  if (s.size() > kMax) return "'" + std::string(s.substr(0, kMax)) + "...'";
  return "'" + std::string(s) + "'";
}

std::string EntryId(const LogPosition& log) {
  return "urn:zhanqun:" + log.origin + ":" + std::to_string(log.seq);
}

// Private base64 (signature.cc owns the public one); keeps atom.cc standalone.
std::string Base64(const std::uint8_t* data, std::size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data,
                            static_cast<int>(n));
  out.resize(static_cast<std::size_t>(len));
  return out;
}

std::optional<std::string> Unbase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0 || text.size() > 4096) return std::nullopt;
  std::size_t pad = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
  for (std::size_t i = 0; i < text.size() - pad; ++i) {
    char c = text[i];
    bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && c != '+' && c != '/') return std::nullopt;
  }
  std::string out(text.size() / 4 * 3, '\0');
  int len = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(text.data()),
                            static_cast<int>(text.size()));
  if (len < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(len) - pad);
  return out;
}

// minisign public key encoding: "Ed" || key_id || pk.
std::string KeyBase64(const PublicKey& key) {
  std::uint8_t raw[42] = {'E', 'd'};
  std::memcpy(raw + 2, key.key_id.data(), 8);
  std::memcpy(raw + 10, key.bytes.data(), 32);
  return Base64(raw, sizeof raw);
}

std::optional<PublicKey> ParseKeyBase64(std::string_view text) {
  std::optional<std::string> raw = Unbase64(text);
  if (!raw || raw->size() != 42 || raw->substr(0, 2) != "Ed") return std::nullopt;
  PublicKey key;
  std::memcpy(key.key_id.data(), raw->data() + 2, 8);
  std::memcpy(key.bytes.data(), raw->data() + 10, 32);
  return key;
}

bool IsHex(std::string_view s, std::size_t len, bool upper) {
  if (s.size() != len) return false;
  for (char c : s) {
    bool digit = c >= '0' && c <= '9';
    bool letter = upper ? (c >= 'A' && c <= 'F') : (c >= 'a' && c <= 'f');
    if (!digit && !letter) return false;
  }
  return true;
}

// Canonical decimal: digits only, no sign, no leading zeros.
std::optional<std::uint64_t> ParseDecimal(std::string_view s) {
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

Status ValidateEntry(const Entry& e) {
  if (!IsDivisionCode(e.log.origin)) {
    return Status::Invalid("entry.log.origin: expected 6 ASCII digits, got " +
                           Quote(e.log.origin));
  }
  if (e.log.seq < 1) return Status::Invalid("entry.log.seq: must be >= 1, got 0");
  if (!IsHex(e.log.prev_hash, 64, false)) {
    return Status::Invalid("entry.log.prev_hash: expected 64 lowercase hex digits, got " +
                           Quote(e.log.prev_hash));
  }
  if (e.updated_ms <= 0) {
    return Status::Invalid("entry.updated_ms: must be > 0, got " + std::to_string(e.updated_ms));
  }
  if (e.kind == EntryKind::kRelease) {
    if (!e.release || e.node) {
      return Status::Invalid("entry: kind release requires release set and node unset");
    }
    return ValidateRelease(*e.release);
  }
  if (e.kind == EntryKind::kNode) {
    if (!e.node || e.release) {
      return Status::Invalid("entry: kind node requires node set and release unset");
    }
    return ValidateNode(*e.node);
  }
  return Status::Invalid("entry.kind: unknown value");
}

// ---- Encoding -------------------------------------------------------------

struct Tree {
  xml::DocPtr doc;
  xmlNode* root = nullptr;
  xmlNs* atom = nullptr;
  xmlNs* zq = nullptr;
};

Tree NewEntryTree() {
  Tree t;
  t.doc.reset(xmlNewDoc(xml::X("1.0")));
  t.root = xmlNewDocNode(t.doc.get(), nullptr, xml::X("entry"), nullptr);
  xmlDocSetRootElement(t.doc.get(), t.root);
  t.atom = xmlNewNs(t.root, xml::X(kAtomNs), nullptr);
  t.zq = xmlNewNs(t.root, xml::X(kZqNs), xml::X("zq"));
  xmlSetNs(t.root, t.atom);
  return t;
}

void AddCategory(const Tree& t, const char* scheme, const std::string& term) {
  xmlNode* c = xml::AddChild(t.root, t.atom, "category");
  xml::SetAttr(c, "scheme", scheme);
  xml::SetAttr(c, "term", term);
}

void AddEnclosure(const Tree& t, const Attachment& a) {
  xmlNode* link = xml::AddChild(t.root, t.atom, "link");
  xml::SetAttr(link, "rel", "enclosure");
  xml::SetAttr(link, "href", a.href);
  // Atom requires a type to contain '/', so an unknown type is left out.
  if (!a.media_type.empty()) xml::SetAttr(link, "type", a.media_type);
  if (!a.title.empty()) xml::SetAttr(link, "title", a.title);
  xml::SetAttr(link, "length", std::to_string(a.length));
}

void AddAuthor(const Tree& t, const std::string& name) {
  xmlNode* author = xml::AddChild(t.root, t.atom, "author");
  xml::AddTextChild(author, t.atom, "name", name);
}

void AddReleaseAtom(const Tree& t, const Release& r) {
  xml::AddTextChild(t.root, t.atom, "published", FormatTime(r.published_ms));
  AddAuthor(t, r.authority);
  for (const std::string& topic : r.topics) AddCategory(t, kTopicScheme, topic);
  for (const std::string& cat : r.categories) AddCategory(t, kCategoryScheme, cat);
  for (const Attachment& a : r.attachments) AddEnclosure(t, a);
  xmlNode* content = xml::AddTextChild(t.root, t.atom, "content", r.body_html);
  xml::SetAttr(content, "type", "html");
}

void AddReleaseZq(const Tree& t, const Release& r) {
  xmlNode* rel = xml::AddChild(t.root, t.zq, "release");
  xml::SetAttr(rel, "id", r.id);
  xml::SetAttr(rel, "version", std::to_string(r.version));
  xml::SetAttr(rel, "status", ReleaseStatusName(r.status));
  xml::SetAttr(rel, "docNumber", r.doc_number);
  xml::SetAttr(rel, "authority", r.authority);
  xml::SetAttr(rel, "signedDate", r.signed_date);
  for (const Attachment& a : r.attachments) {
    xmlNode* att = xml::AddChild(rel, t.zq, "attachment");
    xml::SetAttr(att, "href", a.href);
    xml::SetAttr(att, "title", a.title);
    xml::SetAttr(att, "type", a.media_type);
    xml::SetAttr(att, "sha256", a.sha256_hex);
    xml::SetAttr(att, "length", std::to_string(a.length));
  }
}

std::string NodeSummary(const Node& n) {
  std::string s = n.name + " (" + n.code + "), level " + NodeLevelName(n.level);
  if (!n.parent.empty()) s += ", parent " + n.parent;
  return s;
}

void AddNodeAtom(const Tree& t, const Entry& e) {
  AddAuthor(t, e.log.origin);
  xmlNode* content = xml::AddTextChild(t.root, t.atom, "content", NodeSummary(*e.node));
  xml::SetAttr(content, "type", "text");
}

void AddNodeZq(const Tree& t, const Node& n) {
  xmlNode* node = xml::AddChild(t.root, t.zq, "node");
  xml::SetAttr(node, "code", n.code);
  xml::SetAttr(node, "name", n.name);
  xml::SetAttr(node, "level", NodeLevelName(n.level));
  xml::SetAttr(node, "parent", n.parent);
  for (const PublicKey& key : n.keys) {
    xmlNode* k = xml::AddTextChild(node, t.zq, "key", KeyBase64(key));
    xml::SetAttr(k, "id", key.KeyIdHex());
  }
}

std::string EntryTitle(const Entry& e) {
  if (e.kind == EntryKind::kRelease) return e.release->title;
  return "Node " + e.node->code + " " + e.node->name;
}

Tree BuildEntry(const Entry& e) {
  Tree t = NewEntryTree();
  xml::AddTextChild(t.root, t.atom, "id", EntryId(e.log));
  xml::AddTextChild(t.root, t.atom, "title", EntryTitle(e));
  xml::AddTextChild(t.root, t.atom, "updated", FormatTime(e.updated_ms));
  if (e.kind == EntryKind::kRelease) {
    AddReleaseAtom(t, *e.release);
  } else {
    AddNodeAtom(t, e);
  }
  xmlNode* log = xml::AddChild(t.root, t.zq, "log");
  xml::SetAttr(log, "origin", e.log.origin);
  xml::SetAttr(log, "seq", std::to_string(e.log.seq));
  xml::SetAttr(log, "prev", e.log.prev_hash);
  xml::AddTextChild(t.root, t.zq, "kind", EntryKindName(e.kind));
  if (e.kind == EntryKind::kRelease) {
    AddReleaseZq(t, *e.release);
  } else {
    AddNodeZq(t, *e.node);
  }
  return t;
}

// ---- Decoding -------------------------------------------------------------

// The direct children of an <entry> this codec understands.
struct Parts {
  xmlNode* id = nullptr;
  xmlNode* title = nullptr;
  xmlNode* updated = nullptr;
  xmlNode* published = nullptr;
  xmlNode* author = nullptr;
  xmlNode* content = nullptr;
  xmlNode* log = nullptr;
  xmlNode* kind = nullptr;
  xmlNode* release = nullptr;
  xmlNode* node = nullptr;
  std::vector<xmlNode*> categories;
};

Status Take(xmlNode* child, xmlNode** slot) {
  if (*slot != nullptr) return Status::Invalid("entry: more than one <" + xml::QName(child) + ">");
  *slot = child;
  return Status::Ok();
}

Status CollectParts(const xmlNode* root, Parts* p) {
  struct Slot {
    const char* ns;
    const char* name;
    xmlNode** slot;
  };
  const Slot slots[] = {
      {kAtomNs, "id", &p->id},           {kAtomNs, "title", &p->title},
      {kAtomNs, "updated", &p->updated}, {kAtomNs, "published", &p->published},
      {kAtomNs, "author", &p->author},   {kAtomNs, "content", &p->content},
      {kZqNs, "log", &p->log},           {kZqNs, "kind", &p->kind},
      {kZqNs, "release", &p->release},   {kZqNs, "node", &p->node},
  };
  for (xmlNode* child : xml::ChildElements(root)) {
    if (xml::IsElement(child, kAtomNs, "category")) p->categories.push_back(child);
    for (const Slot& s : slots) {
      if (xml::IsElement(child, s.ns, s.name)) ZQ_RETURN_IF_ERROR(Take(child, s.slot));
    }
  }
  return Status::Ok();
}

Result<std::string> RequireAttr(const xmlNode* node, const char* name) {
  std::optional<std::string> v = xml::Attr(node, name);
  if (!v) return Status::Invalid(xml::QName(node) + "@" + name + ": missing");
  return *v;
}

Result<std::uint64_t> RequireNumber(const xmlNode* node, const char* name, bool positive) {
  Result<std::string> text = RequireAttr(node, name);
  if (!text.ok()) return text.status();
  std::optional<std::uint64_t> v = ParseDecimal(*text);
  if (!v || (positive && *v == 0)) {
    return Status::Invalid(xml::QName(node) + "@" + name + ": expected a " +
                           (positive ? "positive" : "non-negative") + " integer, got " +
                           Quote(*text));
  }
  return *v;
}

Result<TimeMs> RequireTime(const xmlNode* node, const char* what) {
  if (node == nullptr) return Status::Invalid(std::string("entry: missing <") + what + ">");
  Result<TimeMs> t = ParseTime(xml::Content(node));
  if (!t.ok()) return t.status().Context(what);
  return t;
}

Status DecodeLog(const xmlNode* log, LogPosition* out) {
  if (log == nullptr) return Status::Invalid("entry: missing <zq:log>");
  Result<std::string> origin = RequireAttr(log, "origin");
  if (!origin.ok()) return origin.status();
  Result<std::uint64_t> seq = RequireNumber(log, "seq", true);
  if (!seq.ok()) return seq.status();
  Result<std::string> prev = RequireAttr(log, "prev");
  if (!prev.ok()) return prev.status();
  out->origin = *origin;
  out->seq = *seq;
  out->prev_hash = *prev;
  return Status::Ok();
}

Result<Attachment> DecodeAttachment(const xmlNode* node) {
  Attachment a;
  Result<std::string> href = RequireAttr(node, "href");
  if (!href.ok()) return href.status();
  Result<std::string> sha = RequireAttr(node, "sha256");
  if (!sha.ok()) return sha.status();
  Result<std::uint64_t> length = RequireNumber(node, "length", false);
  if (!length.ok()) return length.status();
  a.href = *href;
  a.sha256_hex = *sha;
  a.length = *length;
  a.title = xml::Attr(node, "title").value_or("");
  a.media_type = xml::Attr(node, "type").value_or("");
  return a;
}

Status DecodeReleaseAttrs(const xmlNode* z, Release* r) {
  Result<std::string> id = RequireAttr(z, "id");
  if (!id.ok()) return id.status();
  Result<std::uint64_t> version = RequireNumber(z, "version", true);
  if (!version.ok()) return version.status();
  if (*version > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
    return Status::Invalid("zq:release@version: out of range");
  }
  Result<std::string> status = RequireAttr(z, "status");
  if (!status.ok()) return status.status();
  Result<ReleaseStatus> parsed_status = ParseReleaseStatus(*status);
  if (!parsed_status.ok()) return parsed_status.status().Context("zq:release@status");
  Result<std::string> authority = RequireAttr(z, "authority");
  if (!authority.ok()) return authority.status();
  r->id = *id;
  r->version = static_cast<int>(*version);
  r->status = *parsed_status;
  r->authority = *authority;
  r->doc_number = xml::Attr(z, "docNumber").value_or("");
  r->signed_date = xml::Attr(z, "signedDate").value_or("");
  for (xmlNode* child : xml::ChildElements(z)) {
    if (!xml::IsElement(child, kZqNs, "attachment")) continue;
    Result<Attachment> a = DecodeAttachment(child);
    if (!a.ok()) return a.status();
    r->attachments.push_back(std::move(*a));
  }
  return Status::Ok();
}

Result<Release> DecodeRelease(const Parts& p) {
  if (p.release == nullptr) return Status::Invalid("entry: missing <zq:release>");
  if (p.title == nullptr) return Status::Invalid("entry: missing <title>");
  if (p.content == nullptr) return Status::Invalid("entry: missing <content>");
  Release r;
  ZQ_RETURN_IF_ERROR(DecodeReleaseAttrs(p.release, &r));
  Result<TimeMs> published = RequireTime(p.published, "published");
  if (!published.ok()) return published.status();
  r.published_ms = *published;
  r.title = xml::Content(p.title);
  r.body_html = xml::Content(p.content);
  for (const xmlNode* c : p.categories) {
    std::optional<std::string> scheme = xml::Attr(c, "scheme");
    std::optional<std::string> term = xml::Attr(c, "term");
    if (!term) return Status::Invalid("category@term: missing");
    if (scheme == kTopicScheme) r.topics.push_back(*term);
    if (scheme == kCategoryScheme) r.categories.push_back(*term);
  }
  return r;
}

Result<Node> DecodeNode(const Parts& p) {
  if (p.node == nullptr) return Status::Invalid("entry: missing <zq:node>");
  Node n;
  Result<std::string> code = RequireAttr(p.node, "code");
  if (!code.ok()) return code.status();
  Result<std::string> name = RequireAttr(p.node, "name");
  if (!name.ok()) return name.status();
  Result<std::string> level = RequireAttr(p.node, "level");
  if (!level.ok()) return level.status();
  Result<NodeLevel> parsed_level = ParseNodeLevel(*level);
  if (!parsed_level.ok()) return parsed_level.status().Context("zq:node@level");
  n.code = *code;
  n.name = *name;
  n.level = *parsed_level;
  n.parent = xml::Attr(p.node, "parent").value_or("");
  for (xmlNode* child : xml::ChildElements(p.node)) {
    if (!xml::IsElement(child, kZqNs, "key")) continue;
    std::string text = xml::Content(child);
    std::optional<PublicKey> key = ParseKeyBase64(text);
    if (!key) {
      return Status::Invalid("zq:key: expected base64 of a minisign public key, got " +
                             Quote(text));
    }
    if (xml::Attr(child, "id") != key->KeyIdHex()) {
      return Status::Invalid("zq:key@id: expected " + key->KeyIdHex() + " (the key's id)");
    }
    n.keys.push_back(*key);
  }
  return n;
}

Result<EntryKind> DecodeKind(const xmlNode* kind) {
  if (kind == nullptr) return Status::Invalid("entry: missing <zq:kind>");
  std::string text = xml::Content(kind);
  if (text == "release") return EntryKind::kRelease;
  if (text == "node") return EntryKind::kNode;
  return Status::Invalid("zq:kind: expected release or node, got " + Quote(text));
}

Result<Entry> DecodeFields(const xmlNode* root) {
  Parts p;
  ZQ_RETURN_IF_ERROR(CollectParts(root, &p));
  Entry e;
  ZQ_RETURN_IF_ERROR(DecodeLog(p.log, &e.log));
  if (p.id == nullptr) return Status::Invalid("entry: missing <id>");
  if (xml::Content(p.id) != EntryId(e.log)) {
    return Status::Invalid("id: expected " + Quote(EntryId(e.log)) + " (from zq:log), got " +
                           Quote(xml::Content(p.id)));
  }
  Result<EntryKind> kind = DecodeKind(p.kind);
  if (!kind.ok()) return kind.status();
  e.kind = *kind;
  Result<TimeMs> updated = RequireTime(p.updated, "updated");
  if (!updated.ok()) return updated.status();
  e.updated_ms = *updated;
  if (e.kind == EntryKind::kRelease) {
    Result<Release> r = DecodeRelease(p);
    if (!r.ok()) return r.status();
    e.release = std::move(*r);
  } else {
    Result<Node> n = DecodeNode(p);
    if (!n.ok()) return n.status();
    e.node = std::move(*n);
  }
  return e;
}

Status ValidateSignatureElement(const SignatureElement& sig) {
  if (!IsHex(sig.key_id, 16, true)) {
    return Status::Invalid("zq:signature@keyId: expected 16 uppercase hex digits, got " +
                           Quote(sig.key_id));
  }
  if (!Unbase64(sig.signature)) {
    return Status::Invalid("zq:signature: expected base64 text, got " + Quote(sig.signature));
  }
  if (!Unbase64(sig.global_signature)) {
    return Status::Invalid("zq:signature@globalSignature: expected base64, got " +
                           Quote(sig.global_signature));
  }
  if (xml::FindInvalidText(sig.trusted_comment) != std::string_view::npos ||
      sig.trusted_comment.find_first_of("\r\n") != std::string::npos) {
    return Status::Invalid("zq:signature@trustedComment: must be a single line of text");
  }
  return Status::Ok();
}

Result<SignatureElement> DecodeSignature(const xmlNode* node) {
  SignatureElement sig;
  Result<std::string> key_id = RequireAttr(node, "keyId");
  if (!key_id.ok()) return key_id.status();
  Result<std::string> comment = RequireAttr(node, "trustedComment");
  if (!comment.ok()) return comment.status();
  Result<std::string> global = RequireAttr(node, "globalSignature");
  if (!global.ok()) return global.status();
  sig.key_id = *key_id;
  sig.trusted_comment = *comment;
  sig.global_signature = *global;
  sig.signature = xml::Content(node);
  ZQ_RETURN_IF_ERROR(ValidateSignatureElement(sig));
  return sig;
}

// Finds the signature element: exactly one, and the last child element.
Result<xmlNode*> FindSignature(const xmlNode* root) {
  std::vector<xmlNode*> children = xml::ChildElements(root);
  xmlNode* found = nullptr;
  for (xmlNode* c : children) {
    if (!xml::IsElement(c, kZqNs, "signature")) continue;
    if (found != nullptr) return Status::Invalid("entry: more than one <zq:signature>");
    found = c;
  }
  if (found == nullptr) return Status::Invalid("entry: missing <zq:signature>");
  if (found != children.back()) {
    return Status::Invalid("entry: <zq:signature> must be the last child element");
  }
  return found;
}

Status CheckEntryElement(const xmlNode* node) {
  if (xml::IsElement(node, kAtomNs, "entry")) return Status::Ok();
  std::string ns = node->ns != nullptr ? xml::C(node->ns->href) : "";
  return Status::Invalid("entry: expected an Atom <entry> element, got <" + xml::QName(node) +
                         "> in namespace " + Quote(ns));
}

Result<ParsedEntry> DecodeEntryElement(const xmlNode* element, const XmlLimits& limits) {
  ZQ_RETURN_IF_ERROR(CheckEntryElement(element));
  xml::DocPtr doc = xml::CopyAsDocument(element);
  if (!doc) return Status::Internal("libxml2: cannot copy the entry");
  ParsedEntry out;
  Result<std::string> wire = xml::Canonicalize(doc.get());
  if (!wire.ok()) return wire.status();
  if (wire->size() > limits.max_entry_bytes) {
    return Status::Exhausted("entry: " + std::to_string(wire->size()) +
                             " bytes exceeds the limit of " +
                             std::to_string(limits.max_entry_bytes));
  }
  out.wire = std::move(*wire);
  xmlNode* root = xmlDocGetRootElement(doc.get());
  Result<xmlNode*> sig_node = FindSignature(root);
  if (!sig_node.ok()) return sig_node.status();
  Result<SignatureElement> sig = DecodeSignature(*sig_node);
  if (!sig.ok()) return sig.status();
  out.signature = std::move(*sig);
  xmlUnlinkNode(*sig_node);
  xmlFreeNode(*sig_node);
  Result<std::string> canonical = xml::Canonicalize(doc.get());
  if (!canonical.ok()) return canonical.status();
  out.canonical = std::move(*canonical);
  Result<Entry> entry = DecodeFields(root);
  if (!entry.ok()) return entry.status();
  out.entry = std::move(*entry);
  // One meaning per signed byte string: the bytes must be exactly what this
  // codec would produce for the decoded fields, so nothing signed goes unread.
  Result<std::string> again = EncodeCanonicalEntry(out.entry);
  if (!again.ok()) return again.status();
  if (*again != out.canonical) {
    return Status::Invalid(
        "entry: not in canonical zhanqun form (unknown elements or attributes, or "
        "non-canonical values)");
  }
  return out;
}

// ---- Feeds ----------------------------------------------------------------

void AppendLink(std::string* out, const char* rel, const std::string& href) {
  *out += "<link rel=\"";
  *out += rel;
  *out += "\" href=\"" + xml::EscapeAttribute(href) + "\"";
  if (std::strcmp(rel, "self") == 0) *out += " type=\"application/atom+xml\"";
  *out += "/>\n";
}

Status DecodeFeedChild(const xmlNode* child, FeedMeta* meta, bool* has_head) {
  if (xml::IsElement(child, kAtomNs, "title")) {
    meta->title = xml::Content(child);
  } else if (xml::IsElement(child, kAtomNs, "updated")) {
    Result<TimeMs> t = ParseTime(xml::Content(child));
    if (!t.ok()) return t.status().Context("feed: updated");
    meta->updated_ms = *t;
  } else if (xml::IsElement(child, kAtomNs, "link")) {
    std::string rel = xml::Attr(child, "rel").value_or("alternate");
    std::string href = xml::Attr(child, "href").value_or("");
    if (rel == "self") meta->self_url = href;
    if (rel == "next") meta->next_url = href;
    if (rel == "previous" || rel == "prev-archive") meta->prev_url = href;
    if (rel == "first") meta->first_url = href;
    if (rel == "hub") meta->hub_url = href;
  } else if (xml::IsElement(child, kFhNs, "archive")) {
    meta->archive = true;
  } else if (xml::IsElement(child, kZqNs, "head")) {
    Result<std::string> origin = RequireAttr(child, "origin");
    if (!origin.ok()) return origin.status().Context("feed");
    Result<std::uint64_t> seq = RequireNumber(child, "seq", false);
    if (!seq.ok()) return seq.status().Context("feed");
    meta->origin = *origin;
    meta->head_seq = *seq;
    *has_head = true;
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> EncodeCanonicalEntry(const Entry& entry) {
  ZQ_RETURN_IF_ERROR(ValidateEntry(entry));
  Tree t = BuildEntry(entry);
  return xml::Canonicalize(t.doc.get());
}

Result<std::string> AttachSignature(std::string_view canonical, const SignatureElement& sig) {
  ZQ_RETURN_IF_ERROR(ValidateSignatureElement(sig));
  Result<xml::DocPtr> doc = xml::ParseXml(canonical, kMaxCanonicalBytes, kMaxEntryDepth);
  if (!doc.ok()) return doc.status().Context("canonical entry");
  xmlNode* root = xmlDocGetRootElement(doc->get());
  ZQ_RETURN_IF_ERROR(CheckEntryElement(root));
  for (const xmlNode* c : xml::ChildElements(root)) {
    if (xml::IsElement(c, kZqNs, "signature")) {
      return Status::Invalid("entry: already has a <zq:signature>");
    }
  }
  xmlNode* node = xml::AddTextChild(root, nullptr, "signature", sig.signature);
  xmlSetNs(node, xmlNewNs(node, xml::X(kZqNs), xml::X("zq")));
  xml::SetAttr(node, "keyId", sig.key_id);
  xml::SetAttr(node, "trustedComment", sig.trusted_comment);
  xml::SetAttr(node, "globalSignature", sig.global_signature);
  return xml::Canonicalize(doc->get());
}

Result<ParsedEntry> DecodeEntry(std::string_view bytes, const XmlLimits& limits) {
  std::size_t max = std::min(limits.max_entry_bytes, limits.max_document_bytes);
  Result<xml::DocPtr> doc = xml::ParseXml(bytes, max, limits.max_depth);
  if (!doc.ok()) return doc.status();
  return DecodeEntryElement(xmlDocGetRootElement(doc->get()), limits);
}

std::string EncodeFeed(const FeedMeta& meta, const std::vector<std::string>& wire_entries) {
  std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
  out += std::string("<feed xmlns=\"") + kAtomNs + "\" xmlns:zq=\"" + kZqNs + "\" xmlns:fh=\"" +
         kFhNs + "\">\n";
  out += "<id>urn:zhanqun:feed:" + xml::EscapeText(meta.origin) + "</id>\n";
  out += "<title>" + xml::EscapeText(meta.title) + "</title>\n";
  out += "<updated>" + FormatTime(meta.updated_ms) + "</updated>\n";
  out += "<author><name>" + xml::EscapeText(meta.origin) + "</name></author>\n";
  if (!meta.self_url.empty()) AppendLink(&out, "self", meta.self_url);
  if (meta.first_url) AppendLink(&out, "first", *meta.first_url);
  if (meta.prev_url) AppendLink(&out, "previous", *meta.prev_url);
  if (meta.next_url) AppendLink(&out, "next", *meta.next_url);
  if (meta.hub_url) AppendLink(&out, "hub", *meta.hub_url);
  if (meta.archive) out += "<fh:archive/>\n";
  out += "<zq:head origin=\"" + xml::EscapeAttribute(meta.origin) + "\" seq=\"" +
         std::to_string(meta.head_seq) + "\"/>\n";
  for (const std::string& wire : wire_entries) out += wire + "\n";
  out += "</feed>\n";
  return out;
}

Result<ParsedFeed> DecodeFeed(std::string_view bytes, const XmlLimits& limits) {
  Result<xml::DocPtr> doc = xml::ParseXml(bytes, limits.max_document_bytes, limits.max_depth);
  if (!doc.ok()) return doc.status();
  xmlNode* root = xmlDocGetRootElement(doc->get());
  if (!xml::IsElement(root, kAtomNs, "feed")) {
    return Status::Invalid("feed: expected an Atom <feed> root element, got <" +
                           xml::QName(root) + ">");
  }
  ParsedFeed feed;
  bool has_head = false;
  std::vector<const xmlNode*> entries;
  for (const xmlNode* child : xml::ChildElements(root)) {
    if (xml::IsElement(child, kAtomNs, "entry")) {
      entries.push_back(child);
    } else {
      ZQ_RETURN_IF_ERROR(DecodeFeedChild(child, &feed.meta, &has_head));
    }
  }
  if (!has_head) return Status::Invalid("feed: missing <zq:head>");
  if (entries.size() > limits.max_entries) {
    return Status::Exhausted("feed: " + std::to_string(entries.size()) +
                             " entries exceed the limit of " +
                             std::to_string(limits.max_entries));
  }
  for (std::size_t i = 0; i < entries.size(); ++i) {
    Result<ParsedEntry> e = DecodeEntryElement(entries[i], limits);
    if (!e.ok()) return e.status().Context("feed: entry " + std::to_string(i + 1));
    feed.entries.push_back(std::move(*e));
  }
  return feed;
}

}  // namespace zhanqun::feeds
