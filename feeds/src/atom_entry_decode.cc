// Atom entries: decoding a signed entry and checking it is canonical.
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

base::Result<ParsedEntry> DecodeEntryElement(const xmlNode* element, const XmlLimits& limits) {
  ZQ_RETURN_IF_ERROR(CheckEntryElement(element));
  text::xml::DocPtr doc = text::xml::CopyAsDocument(element);
  if (!doc) return base::Status::Internal("libxml2: cannot copy the entry");
  ParsedEntry out;
  base::Result<std::string> wire = text::xml::Canonicalize(doc.get());
  if (!wire.ok()) return wire.status();
  if (wire->size() > limits.max_entry_bytes) {
    return base::Status::Exhausted("entry: " + std::to_string(wire->size()) +
                                   " bytes exceeds the limit of " +
                                   std::to_string(limits.max_entry_bytes));
  }
  out.wire = std::move(*wire);
  xmlNode* root = xmlDocGetRootElement(doc.get());
  base::Result<xmlNode*> sig_node = FindSignature(root);
  if (!sig_node.ok()) return sig_node.status();
  base::Result<SignatureElement> sig = DecodeSignature(*sig_node);
  if (!sig.ok()) return sig.status();
  out.signature = std::move(*sig);
  xmlUnlinkNode(*sig_node);
  xmlFreeNode(*sig_node);
  base::Result<std::string> canonical = text::xml::Canonicalize(doc.get());
  if (!canonical.ok()) return canonical.status();
  out.canonical = std::move(*canonical);
  base::Result<Entry> entry = DecodeFields(root);
  if (!entry.ok()) return entry.status();
  out.entry = std::move(*entry);
  // One meaning per signed byte string: the bytes must be exactly what this
  // codec would produce for the decoded fields, so nothing signed goes unread.
  base::Result<std::string> again = EncodeCanonicalEntry(out.entry);
  if (!again.ok()) return again.status();
  if (*again != out.canonical) {
    return base::Status::Invalid(
        "entry: not in canonical zhanqun form (unknown elements or attributes, or "
        "non-canonical values)");
  }
  return out;
}

}  // namespace atom_internal

base::Result<ParsedEntry> DecodeEntry(std::string_view bytes, const XmlLimits& limits) {
  std::size_t max = std::min(limits.max_entry_bytes, limits.max_document_bytes);
  base::Result<text::xml::DocPtr> doc = text::xml::ParseXml(bytes, max, limits.max_depth);
  if (!doc.ok()) return doc.status();
  return atom_internal::DecodeEntryElement(xmlDocGetRootElement(doc->get()), limits);
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
