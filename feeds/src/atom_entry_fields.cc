// Atom entries: decoding the fields of an <entry> into the model.
#include <limits>
#include <vector>

#include "atom_internal.h"
#include "zhanqun/base/time.h"

namespace zhanqun::feeds::atom_internal {
namespace {

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
  xmlNode* interpretation = nullptr;
  xmlNode* topic = nullptr;
  xmlNode* trust = nullptr;
  std::vector<xmlNode*> categories;
};

base::Status Take(xmlNode* child, xmlNode** slot) {
  if (*slot != nullptr)
    return base::Status::Invalid("entry: more than one <" + text::xml::QName(child) + ">");
  *slot = child;
  return base::Status::Ok();
}

base::Status CollectParts(const xmlNode* root, Parts* p) {
  struct Slot {
    const char* ns;
    const char* name;
    xmlNode** slot;
  };
  const Slot slots[] = {
      {kAtomNs, "id", &p->id},
      {kAtomNs, "title", &p->title},
      {kAtomNs, "updated", &p->updated},
      {kAtomNs, "published", &p->published},
      {kAtomNs, "author", &p->author},
      {kAtomNs, "content", &p->content},
      {kZqNs, "log", &p->log},
      {kZqNs, "kind", &p->kind},
      {kZqNs, "release", &p->release},
      {kZqNs, "node", &p->node},
      {kZqNs, "interpretation", &p->interpretation},
      {kZqNs, "topic", &p->topic},
      {kZqNs, "trust", &p->trust},
  };
  for (xmlNode* child : text::xml::ChildElements(root)) {
    if (text::xml::IsElement(child, kAtomNs, "category")) p->categories.push_back(child);
    for (const Slot& s : slots) {
      if (text::xml::IsElement(child, s.ns, s.name)) ZQ_RETURN_IF_ERROR(Take(child, s.slot));
    }
  }
  return base::Status::Ok();
}

base::Result<base::TimeMs> RequireTime(const xmlNode* node, const char* what) {
  if (node == nullptr) return base::Status::Invalid(std::string("entry: missing <") + what + ">");
  base::Result<base::TimeMs> t = base::ParseTime(text::xml::Content(node));
  if (!t.ok()) return t.status().Context(what);
  return t;
}

base::Status DecodeLog(const xmlNode* log, LogPosition* out) {
  if (log == nullptr) return base::Status::Invalid("entry: missing <zq:log>");
  base::Result<std::string> origin = RequireAttr(log, "origin");
  if (!origin.ok()) return origin.status();
  base::Result<std::uint64_t> seq = RequireNumber(log, "seq", true);
  if (!seq.ok()) return seq.status();
  base::Result<std::string> prev = RequireAttr(log, "prev");
  if (!prev.ok()) return prev.status();
  out->origin = *origin;
  out->seq = *seq;
  out->prev_hash = *prev;
  return base::Status::Ok();
}

base::Result<Attachment> DecodeAttachment(const xmlNode* node) {
  Attachment a;
  base::Result<std::string> href = RequireAttr(node, "href");
  if (!href.ok()) return href.status();
  base::Result<std::string> sha = RequireAttr(node, "sha256");
  if (!sha.ok()) return sha.status();
  base::Result<std::uint64_t> length = RequireNumber(node, "length", false);
  if (!length.ok()) return length.status();
  a.href = *href;
  a.sha256_hex = *sha;
  a.length = *length;
  a.title = text::xml::Attr(node, "title").value_or("");
  a.media_type = text::xml::Attr(node, "type").value_or("");
  return a;
}

base::Status DecodeReleaseAttrs(const xmlNode* z, Release* r) {
  base::Result<std::string> id = RequireAttr(z, "id");
  if (!id.ok()) return id.status();
  base::Result<std::uint64_t> version = RequireNumber(z, "version", true);
  if (!version.ok()) return version.status();
  if (*version > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
    return base::Status::Invalid("zq:release@version: out of range");
  }
  base::Result<std::string> status = RequireAttr(z, "status");
  if (!status.ok()) return status.status();
  base::Result<ReleaseStatus> parsed_status = ParseReleaseStatus(*status);
  if (!parsed_status.ok()) return parsed_status.status().Context("zq:release@status");
  base::Result<std::string> authority = RequireAttr(z, "authority");
  if (!authority.ok()) return authority.status();
  r->id = *id;
  r->version = static_cast<int>(*version);
  r->status = *parsed_status;
  r->authority = *authority;
  r->doc_number = text::xml::Attr(z, "docNumber").value_or("");
  r->signed_date = text::xml::Attr(z, "signedDate").value_or("");
  for (xmlNode* child : text::xml::ChildElements(z)) {
    if (!text::xml::IsElement(child, kZqNs, "attachment")) continue;
    base::Result<Attachment> a = DecodeAttachment(child);
    if (!a.ok()) return a.status();
    r->attachments.push_back(std::move(*a));
  }
  return base::Status::Ok();
}

base::Result<Release> DecodeRelease(const Parts& p) {
  if (p.release == nullptr) return base::Status::Invalid("entry: missing <zq:release>");
  if (p.title == nullptr) return base::Status::Invalid("entry: missing <title>");
  if (p.content == nullptr) return base::Status::Invalid("entry: missing <content>");
  Release r;
  ZQ_RETURN_IF_ERROR(DecodeReleaseAttrs(p.release, &r));
  base::Result<base::TimeMs> published = RequireTime(p.published, "published");
  if (!published.ok()) return published.status();
  r.published_ms = *published;
  r.title = text::xml::Content(p.title);
  r.body_html = text::xml::Content(p.content);
  for (const xmlNode* c : p.categories) {
    std::optional<std::string> scheme = text::xml::Attr(c, "scheme");
    std::optional<std::string> term = text::xml::Attr(c, "term");
    if (!term) return base::Status::Invalid("category@term: missing");
    if (scheme == kTopicScheme) r.topics.push_back(*term);
    if (scheme == kCategoryScheme) r.categories.push_back(*term);
  }
  return r;
}

// An optional positive number attribute: `fallback` when absent.
base::Result<std::uint64_t> OptionalNumber(const xmlNode* el, const char* attr,
                                           std::uint64_t fallback) {
  if (!text::xml::Attr(el, attr)) return fallback;
  return RequireNumber(el, attr, true);
}

base::Status DecodeNodeHistory(const xmlNode* el, Node* n) {
  if (std::optional<std::string> status = text::xml::Attr(el, "status")) {
    base::Result<NodeStatus> parsed = ParseNodeStatus(*status);
    if (!parsed.ok()) return parsed.status().Context("zq:node@status");
    n->status = *parsed;
  }
  base::Result<std::uint64_t> epoch = OptionalNumber(el, "epoch", 1);
  if (!epoch.ok()) return epoch.status();
  if (*epoch > std::numeric_limits<std::uint32_t>::max()) {
    return base::Status::Invalid("zq:node@epoch: out of range");
  }
  n->epoch = static_cast<std::uint32_t>(*epoch);
  return base::Status::Ok();
}

base::Result<KeySpan> DecodeKeySpan(const xmlNode* key) {
  base::Result<std::uint64_t> from = OptionalNumber(key, "from", 1);
  if (!from.ok()) return from.status();
  base::Result<std::uint64_t> until = OptionalNumber(key, "until", 0);
  if (!until.ok()) return until.status();
  return KeySpan{*from, *until};
}

base::Result<Node> DecodeNode(const Parts& p) {
  if (p.node == nullptr) return base::Status::Invalid("entry: missing <zq:node>");
  Node n;
  base::Result<std::string> code = RequireAttr(p.node, "code");
  if (!code.ok()) return code.status();
  base::Result<std::string> name = RequireAttr(p.node, "name");
  if (!name.ok()) return name.status();
  base::Result<std::string> level = RequireAttr(p.node, "level");
  if (!level.ok()) return level.status();
  base::Result<NodeLevel> parsed_level = ParseNodeLevel(*level);
  if (!parsed_level.ok()) return parsed_level.status().Context("zq:node@level");
  n.code = *code;
  n.name = *name;
  n.level = *parsed_level;
  n.parent = text::xml::Attr(p.node, "parent").value_or("");
  ZQ_RETURN_IF_ERROR(DecodeNodeHistory(p.node, &n));
  bool spans_stated = false;
  for (xmlNode* child : text::xml::ChildElements(p.node)) {
    if (!text::xml::IsElement(child, kZqNs, "key")) continue;
    std::string text = text::xml::Content(child);
    std::optional<PublicKey> key = ParseKeyBase64(text);
    if (!key) {
      return base::Status::Invalid("zq:key: expected base64 of a minisign public key, got " +
                                   Quote(text));
    }
    if (text::xml::Attr(child, "id") != key->KeyIdHex()) {
      return base::Status::Invalid("zq:key@id: expected " + key->KeyIdHex() + " (the key's id)");
    }
    n.keys.push_back(*key);
    base::Result<KeySpan> span = DecodeKeySpan(child);
    if (!span.ok()) return span.status().Context("zq:key " + key->KeyIdHex());
    spans_stated = spans_stated || !(*span == KeySpan{});
    n.key_spans.push_back(*span);
  }
  // All-default spans decode as none, so an old entry round-trips to equal.
  if (!spans_stated) n.key_spans.clear();
  return n;
}

// Title and body come from Atom; the rest from <zq:interpretation>.
base::Result<Interpretation> DecodeInterpretation(const Parts& p) {
  if (p.interpretation == nullptr)
    return base::Status::Invalid("entry: missing <zq:interpretation>");
  if (p.title == nullptr) return base::Status::Invalid("entry: missing <title>");
  if (p.content == nullptr) return base::Status::Invalid("entry: missing <content>");
  base::Result<std::string> release = RequireAttr(p.interpretation, "release");
  if (!release.ok()) return release.status();
  base::Result<std::uint64_t> version = RequireNumber(p.interpretation, "releaseVersion", true);
  if (!version.ok()) return version.status();
  if (*version > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
    return base::Status::Invalid("zq:interpretation@releaseVersion: out of range");
  }
  base::Result<std::string> mode = RequireAttr(p.interpretation, "mode");
  if (!mode.ok()) return mode.status();
  base::Result<InterpretationMode> parsed_mode = ParseInterpretationMode(*mode);
  if (!parsed_mode.ok()) return parsed_mode.status().Context("zq:interpretation@mode");
  base::Result<std::string> source = RequireAttr(p.interpretation, "source");
  if (!source.ok()) return source.status();
  Interpretation i;
  i.release_id = *release;
  i.release_version = static_cast<int>(*version);
  i.mode = *parsed_mode;
  i.source = *source;
  i.title = text::xml::Content(p.title);
  i.body_html = text::xml::Content(p.content);
  return i;
}

base::Result<TopicDef> DecodeTopic(const Parts& p) {
  if (p.topic == nullptr) return base::Status::Invalid("entry: missing <zq:topic>");
  if (p.title == nullptr) return base::Status::Invalid("entry: missing <title>");
  if (p.content == nullptr) return base::Status::Invalid("entry: missing <content>");
  base::Result<std::string> id = RequireAttr(p.topic, "id");
  if (!id.ok()) return id.status();
  TopicDef t;
  t.id = *id;
  t.title = text::xml::Content(p.title);
  t.description = text::xml::Content(p.content);
  return t;
}

base::Result<EntryKind> DecodeKind(const xmlNode* kind) {
  if (kind == nullptr) return base::Status::Invalid("entry: missing <zq:kind>");
  std::string text = text::xml::Content(kind);
  for (EntryKind k : {EntryKind::kRelease, EntryKind::kNode, EntryKind::kInterpretation,
                      EntryKind::kTopic, EntryKind::kTrust}) {
    if (text == EntryKindName(k)) return k;
  }
  return base::Status::Invalid(
      "zq:kind: expected release, node, interpretation, topic or trust, got " + Quote(text));
}

// Fills the one payload of `e` that its kind names.
base::Status DecodePayload(const Parts& p, Entry* e) {
  switch (e->kind) {
    case EntryKind::kRelease: {
      base::Result<Release> r = DecodeRelease(p);
      if (!r.ok()) return r.status();
      e->release = std::move(*r);
      return base::Status::Ok();
    }
    case EntryKind::kNode: {
      base::Result<Node> n = DecodeNode(p);
      if (!n.ok()) return n.status();
      e->node = std::move(*n);
      return base::Status::Ok();
    }
    case EntryKind::kInterpretation: {
      base::Result<Interpretation> i = DecodeInterpretation(p);
      if (!i.ok()) return i.status();
      e->interpretation = std::move(*i);
      return base::Status::Ok();
    }
    case EntryKind::kTopic: {
      base::Result<TopicDef> t = DecodeTopic(p);
      if (!t.ok()) return t.status();
      e->topic = std::move(*t);
      return base::Status::Ok();
    }
    case EntryKind::kTrust: {
      if (p.trust == nullptr) return base::Status::Invalid("entry: missing <zq:trust>");
      if (p.content == nullptr) return base::Status::Invalid("entry: missing <content>");
      e->trust = text::xml::Content(p.content);
      return base::Status::Ok();
    }
  }
  return base::Status::Invalid("zq:kind: unknown value");
}

}  // namespace

base::Result<Entry> DecodeFields(const xmlNode* root) {
  Parts p;
  ZQ_RETURN_IF_ERROR(CollectParts(root, &p));
  Entry e;
  ZQ_RETURN_IF_ERROR(DecodeLog(p.log, &e.log));
  if (p.id == nullptr) return base::Status::Invalid("entry: missing <id>");
  if (text::xml::Content(p.id) != EntryId(e.log)) {
    return base::Status::Invalid("id: expected " + Quote(EntryId(e.log)) + " (from zq:log), got " +
                                 Quote(text::xml::Content(p.id)));
  }
  base::Result<EntryKind> kind = DecodeKind(p.kind);
  if (!kind.ok()) return kind.status();
  e.kind = *kind;
  base::Result<base::TimeMs> updated = RequireTime(p.updated, "updated");
  if (!updated.ok()) return updated.status();
  e.updated_ms = *updated;
  ZQ_RETURN_IF_ERROR(DecodePayload(p, &e));
  return e;
}

}  // namespace zhanqun::feeds::atom_internal
