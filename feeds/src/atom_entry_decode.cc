// Atom entries: decoding a signed entry and re-encoding its canonical form.
#include <algorithm>
#include <vector>

#include "atom_internal.h"
#include "zhanqun/feeds/atom.h"

namespace zhanqun::feeds {
namespace atom_internal {
namespace {

base::Result<SignatureElement> DecodeSignature(const xmlNode* node) {
  SignatureElement sig;
  base::Result<std::string> key_id = RequireAttr(node, "keyId");
  if (!key_id.ok()) return key_id.status();
  base::Result<std::string> comment = RequireAttr(node, "trustedComment");
  if (!comment.ok()) return comment.status();
  base::Result<std::string> global = RequireAttr(node, "globalSignature");
  if (!global.ok()) return global.status();
  sig.key_id = *key_id;
  sig.trusted_comment = *comment;
  sig.global_signature = *global;
  sig.signature = text::xml::Content(node);
  ZQ_RETURN_IF_ERROR(ValidateSignatureElement(sig));
  return sig;
}

// Finds the signature element: exactly one, and the last child element.
base::Result<xmlNode*> FindSignature(const xmlNode* root) {
  std::vector<xmlNode*> children = text::xml::ChildElements(root);
  xmlNode* found = nullptr;
  for (xmlNode* c : children) {
    if (!text::xml::IsElement(c, kZqNs, "signature")) continue;
    if (found != nullptr) return base::Status::Invalid("entry: more than one <zq:signature>");
    found = c;
  }
  if (found == nullptr) return base::Status::Invalid("entry: missing <zq:signature>");
  if (found != children.back()) {
    return base::Status::Invalid("entry: <zq:signature> must be the last child element");
  }
  return found;
}

}  // namespace

base::Result<ParsedEntry> DecodeEntryElement(const xmlNode* element, std::string_view raw,
                                             const XmlLimits& limits) {
  ZQ_RETURN_IF_ERROR(CheckEntryElement(element));
  if (raw.size() > limits.max_entry_bytes) {
    return base::Status::Exhausted("entry: " + std::to_string(raw.size()) +
                                   " bytes exceeds the limit of " +
                                   std::to_string(limits.max_entry_bytes));
  }
  base::Result<xmlNode*> sig_node = FindSignature(element);
  if (!sig_node.ok()) return sig_node.status();
  base::Result<SignatureElement> sig = DecodeSignature(*sig_node);
  if (!sig.ok()) return sig.status();
  // DecodeFields reads only the elements it knows, so the signature can stay.
  base::Result<Entry> entry = DecodeFields(element);
  if (!entry.ok()) return entry.status();
  // What is signed is the re-encoding of what was read, so no signed byte
  // goes unread; CheckWireForm then refuses any received byte it does not
  // account for.
  base::Result<std::string> canonical = EncodeCanonicalEntry(*entry);
  if (!canonical.ok()) return canonical.status();
  ParsedEntry out;
  out.entry = std::move(*entry);
  out.signature = std::move(*sig);
  out.canonical = std::move(*canonical);
  out.wire = std::string(raw);
  return out;
}

}  // namespace atom_internal

base::Result<ParsedEntry> DecodeEntry(std::string_view bytes, const XmlLimits& limits) {
  std::size_t max = std::min(limits.max_entry_bytes, limits.max_document_bytes);
  base::Result<text::xml::DocPtr> doc = text::xml::ParseXml(bytes, max, limits.max_depth);
  if (!doc.ok()) return doc.status();
  base::Result<text::xml::ElementSpans> spans = text::xml::ScanElementSpans(bytes);
  if (!spans.ok()) return spans.status().Context("entry");
  const text::xml::Span root = spans->root;
  return atom_internal::DecodeEntryElement(xmlDocGetRootElement(doc->get()),
                                           bytes.substr(root.begin, root.end - root.begin), limits);
}

base::Result<Entry> DecodeStoredEntry(std::string_view bytes, const XmlLimits& limits) {
  std::size_t max = std::min(limits.max_entry_bytes, limits.max_document_bytes);
  base::Result<text::xml::DocPtr> doc = text::xml::ParseXml(bytes, max, limits.max_depth);
  if (!doc.ok()) return doc.status();
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  ZQ_RETURN_IF_ERROR(atom_internal::CheckEntryElement(root));
  return atom_internal::DecodeFields(root);
}

}  // namespace zhanqun::feeds
