// Atom entries: encoding the canonical (unsigned) form.
#include "atom_internal.h"
#include "zhanqun/base/time.h"
#include "zhanqun/feeds/atom.h"
#include "zhanqun/feeds/trust.h"

namespace zhanqun::feeds {
namespace {

using namespace atom_internal;

// Exactly one payload may be set, and it must be the one `e.kind` names.
base::Status CheckPayload(const Entry& e) {
  struct Payload {
    EntryKind kind;
    bool set;
  };
  const Payload payloads[] = {{EntryKind::kRelease, e.release.has_value()},
                              {EntryKind::kNode, e.node.has_value()},
                              {EntryKind::kInterpretation, e.interpretation.has_value()},
                              {EntryKind::kTopic, e.topic.has_value()},
                              {EntryKind::kTrust, e.trust.has_value()}};
  if (EntryKindName(e.kind)[0] == '?') {
    return base::Status::Invalid("entry.kind: unknown value " +
                                 std::to_string(static_cast<int>(e.kind)));
  }
  bool ok = true;
  std::string others;
  for (const Payload& p : payloads) {
    if (p.kind == e.kind) {
      ok = ok && p.set;
      continue;
    }
    ok = ok && !p.set;
    others += std::string(others.empty() ? "" : ", ") + EntryKindName(p.kind);
  }
  if (ok) return base::Status::Ok();
  std::string kind = EntryKindName(e.kind);
  return base::Status::Invalid("entry: kind " + kind + " requires " + kind + " set and " + others +
                               " unset");
}

base::Status ValidateEntry(const Entry& e) {
  if (!IsDivisionCode(e.log.origin)) {
    return base::Status::Invalid("entry.log.origin: expected 6 ASCII digits, got " +
                                 Quote(e.log.origin));
  }
  if (e.log.seq < 1) return base::Status::Invalid("entry.log.seq: must be >= 1, got 0");
  if (!IsHex(e.log.prev_hash, 64, false)) {
    return base::Status::Invalid("entry.log.prev_hash: expected 64 lowercase hex digits, got " +
                                 Quote(e.log.prev_hash));
  }
  if (e.updated_ms <= 0) {
    return base::Status::Invalid("entry.updated_ms: must be > 0, got " +
                                 std::to_string(e.updated_ms));
  }
  ZQ_RETURN_IF_ERROR(CheckPayload(e));
  switch (e.kind) {
    case EntryKind::kRelease:
      return ValidateRelease(*e.release);
    case EntryKind::kNode:
      return ValidateNode(*e.node);
    case EntryKind::kInterpretation:
      return ValidateInterpretation(*e.interpretation);
    case EntryKind::kTopic:
      return ValidateTopic(*e.topic);
    case EntryKind::kTrust: {
      base::Result<TrustStatement> t = DecodeTrust(*e.trust);
      return t.ok() ? base::Status::Ok() : t.status().Context("entry.trust");
    }
  }
  return base::Status::Invalid("entry.kind: unknown value");
}

struct Tree {
  text::xml::DocPtr doc;
  xmlNode* root = nullptr;
  xmlNs* atom = nullptr;
  xmlNs* zq = nullptr;
};

Tree NewEntryTree() {
  Tree t;
  t.doc.reset(xmlNewDoc(text::xml::X("1.0")));
  t.root = xmlNewDocNode(t.doc.get(), nullptr, text::xml::X("entry"), nullptr);
  xmlDocSetRootElement(t.doc.get(), t.root);
  t.atom = xmlNewNs(t.root, text::xml::X(kAtomNs), nullptr);
  t.zq = xmlNewNs(t.root, text::xml::X(kZqNs), text::xml::X("zq"));
  xmlSetNs(t.root, t.atom);
  return t;
}

void AddCategory(const Tree& t, const char* scheme, const std::string& term) {
  xmlNode* c = text::xml::AddChild(t.root, t.atom, "category");
  text::xml::SetAttr(c, "scheme", scheme);
  text::xml::SetAttr(c, "term", term);
}

void AddEnclosure(const Tree& t, const Attachment& a) {
  xmlNode* link = text::xml::AddChild(t.root, t.atom, "link");
  text::xml::SetAttr(link, "rel", "enclosure");
  text::xml::SetAttr(link, "href", a.href);
  // Atom requires a type to contain '/', so an unknown type is left out.
  if (!a.media_type.empty()) text::xml::SetAttr(link, "type", a.media_type);
  if (!a.title.empty()) text::xml::SetAttr(link, "title", a.title);
  text::xml::SetAttr(link, "length", std::to_string(a.length));
}

void AddAuthor(const Tree& t, const std::string& name) {
  xmlNode* author = text::xml::AddChild(t.root, t.atom, "author");
  text::xml::AddTextChild(author, t.atom, "name", name);
}

void AddReleaseAtom(const Tree& t, const Release& r) {
  text::xml::AddTextChild(t.root, t.atom, "published", base::FormatTime(r.published_ms));
  AddAuthor(t, r.authority);
  for (const std::string& topic : r.topics) AddCategory(t, kTopicScheme, topic);
  for (const std::string& cat : r.categories) AddCategory(t, kCategoryScheme, cat);
  for (const Attachment& a : r.attachments) AddEnclosure(t, a);
  xmlNode* content = text::xml::AddTextChild(t.root, t.atom, "content", r.body_html);
  text::xml::SetAttr(content, "type", "html");
}

void AddReleaseZq(const Tree& t, const Release& r) {
  xmlNode* rel = text::xml::AddChild(t.root, t.zq, "release");
  text::xml::SetAttr(rel, "id", r.id);
  text::xml::SetAttr(rel, "version", std::to_string(r.version));
  text::xml::SetAttr(rel, "status", ReleaseStatusName(r.status));
  text::xml::SetAttr(rel, "docNumber", r.doc_number);
  text::xml::SetAttr(rel, "authority", r.authority);
  text::xml::SetAttr(rel, "signedDate", r.signed_date);
  for (const Attachment& a : r.attachments) {
    xmlNode* att = text::xml::AddChild(rel, t.zq, "attachment");
    text::xml::SetAttr(att, "href", a.href);
    text::xml::SetAttr(att, "title", a.title);
    text::xml::SetAttr(att, "type", a.media_type);
    text::xml::SetAttr(att, "sha256", a.sha256_hex);
    text::xml::SetAttr(att, "length", std::to_string(a.length));
  }
}

std::string NodeSummary(const Node& n) {
  std::string s = n.name + " (" + n.code + "), level " + NodeLevelName(n.level);
  if (!n.parent.empty()) s += ", parent " + n.parent;
  return s;
}

void AddNodeAtom(const Tree& t, const Entry& e) {
  AddAuthor(t, e.log.origin);
  xmlNode* content = text::xml::AddTextChild(t.root, t.atom, "content", NodeSummary(*e.node));
  text::xml::SetAttr(content, "type", "text");
}

void AddNodeZq(const Tree& t, const Node& n) {
  xmlNode* node = text::xml::AddChild(t.root, t.zq, "node");
  text::xml::SetAttr(node, "code", n.code);
  text::xml::SetAttr(node, "name", n.name);
  text::xml::SetAttr(node, "level", NodeLevelName(n.level));
  text::xml::SetAttr(node, "parent", n.parent);
  // Optional attributes appear only when not default, so entries written
  // before key histories existed keep their exact bytes (and signatures).
  if (n.status != NodeStatus::kActive) text::xml::SetAttr(node, "status", NodeStatusName(n.status));
  if (n.epoch != 1) text::xml::SetAttr(node, "epoch", std::to_string(n.epoch));
  for (std::size_t i = 0; i < n.keys.size(); ++i) {
    const PublicKey& key = n.keys[i];
    xmlNode* k = text::xml::AddTextChild(node, t.zq, "key", KeyBase64(key));
    text::xml::SetAttr(k, "id", key.KeyIdHex());
    KeySpan span = n.SpanOf(i);
    if (span.from_seq != 1) text::xml::SetAttr(k, "from", std::to_string(span.from_seq));
    if (span.until_seq != 0) text::xml::SetAttr(k, "until", std::to_string(span.until_seq));
  }
}

// Interpretation and topic entries: the origin as author, then one content.
void AddAuthorAndContent(const Tree& t, const Entry& e, const std::string& text, const char* type) {
  AddAuthor(t, e.log.origin);
  xmlNode* content = text::xml::AddTextChild(t.root, t.atom, "content", text);
  text::xml::SetAttr(content, "type", type);
}

void AddInterpretationAtom(const Tree& t, const Entry& e) {
  AddAuthorAndContent(t, e, e.interpretation->body_html, "html");
}

void AddInterpretationZq(const Tree& t, const Interpretation& i) {
  xmlNode* node = text::xml::AddChild(t.root, t.zq, "interpretation");
  text::xml::SetAttr(node, "release", i.release_id);
  text::xml::SetAttr(node, "releaseVersion", std::to_string(i.release_version));
  text::xml::SetAttr(node, "mode", InterpretationModeName(i.mode));
  text::xml::SetAttr(node, "source", i.source);
}

void AddTopicAtom(const Tree& t, const Entry& e) {
  AddAuthorAndContent(t, e, e.topic->description, "text");
}

void AddTopicZq(const Tree& t, const TopicDef& topic) {
  xmlNode* node = text::xml::AddChild(t.root, t.zq, "topic");
  text::xml::SetAttr(node, "id", topic.id);
}

std::string EntryTitle(const Entry& e) {
  switch (e.kind) {
    case EntryKind::kRelease:
      return e.release->title;
    case EntryKind::kNode:
      return "Node " + e.node->code + " " + e.node->name;
    case EntryKind::kInterpretation:
      return e.interpretation->title;
    case EntryKind::kTopic:
      return e.topic->title;
    case EntryKind::kTrust:
      return "Trust statement";
  }
  return "";
}

// The Atom elements that follow <updated>: published, author, categories, content.
void AddAtomBody(const Tree& t, const Entry& e) {
  switch (e.kind) {
    case EntryKind::kRelease:
      AddReleaseAtom(t, *e.release);
      return;
    case EntryKind::kNode:
      AddNodeAtom(t, e);
      return;
    case EntryKind::kInterpretation:
      AddInterpretationAtom(t, e);
      return;
    case EntryKind::kTopic:
      AddTopicAtom(t, e);
      return;
    case EntryKind::kTrust:
      AddAuthorAndContent(t, e, *e.trust, "text");
      return;
  }
}

// The payload element that follows <zq:kind>.
void AddZqPayload(const Tree& t, const Entry& e) {
  switch (e.kind) {
    case EntryKind::kRelease:
      AddReleaseZq(t, *e.release);
      return;
    case EntryKind::kNode:
      AddNodeZq(t, *e.node);
      return;
    case EntryKind::kInterpretation:
      AddInterpretationZq(t, *e.interpretation);
      return;
    case EntryKind::kTopic:
      AddTopicZq(t, *e.topic);
      return;
    case EntryKind::kTrust:
      text::xml::AddChild(t.root, t.zq, "trust");
      return;
  }
}

Tree BuildEntry(const Entry& e) {
  Tree t = NewEntryTree();
  text::xml::AddTextChild(t.root, t.atom, "id", EntryId(e.log));
  text::xml::AddTextChild(t.root, t.atom, "title", EntryTitle(e));
  text::xml::AddTextChild(t.root, t.atom, "updated", base::FormatTime(e.updated_ms));
  AddAtomBody(t, e);
  xmlNode* log = text::xml::AddChild(t.root, t.zq, "log");
  text::xml::SetAttr(log, "origin", e.log.origin);
  text::xml::SetAttr(log, "seq", std::to_string(e.log.seq));
  text::xml::SetAttr(log, "prev", e.log.prev_hash);
  text::xml::AddTextChild(t.root, t.zq, "kind", EntryKindName(e.kind));
  AddZqPayload(t, e);
  return t;
}

}  // namespace

base::Result<std::string> EncodeCanonicalEntry(const Entry& entry) {
  ZQ_RETURN_IF_ERROR(ValidateEntry(entry));
  Tree t = BuildEntry(entry);
  return text::xml::Canonicalize(t.doc.get());
}

}  // namespace zhanqun::feeds
