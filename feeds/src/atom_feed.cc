// Atom feeds: the <feed> document around a page of signed entries.
#include <cstring>
#include <utility>
#include <vector>

#include "atom_internal.h"
#include "zhanqun/base/time.h"
#include "zhanqun/feeds/atom.h"

namespace zhanqun::feeds {
namespace {

using namespace atom_internal;

void AppendLink(std::string* out, const char* rel, const std::string& href) {
  *out += "<link rel=\"";
  *out += rel;
  *out += "\" href=\"" + text::xml::EscapeAttribute(href) + "\"";
  if (std::strcmp(rel, "self") == 0) *out += " type=\"application/atom+xml\"";
  *out += "/>\n";
}

base::Status DecodeFeedChild(const xmlNode* child, FeedMeta* meta, bool* has_head) {
  if (text::xml::IsElement(child, kAtomNs, "title")) {
    meta->title = text::xml::Content(child);
  } else if (text::xml::IsElement(child, kAtomNs, "updated")) {
    base::Result<base::TimeMs> t = base::ParseTime(text::xml::Content(child));
    if (!t.ok()) return t.status().Context("feed: updated");
    meta->updated_ms = *t;
  } else if (text::xml::IsElement(child, kAtomNs, "link")) {
    std::string rel = text::xml::Attr(child, "rel").value_or("alternate");
    std::string href = text::xml::Attr(child, "href").value_or("");
    if (rel == "self") meta->self_url = href;
    if (rel == "next") meta->next_url = href;
    if (rel == "previous" || rel == "prev-archive") meta->prev_url = href;
    if (rel == "first") meta->first_url = href;
    if (rel == "hub") meta->hub_url = href;
  } else if (text::xml::IsElement(child, kFhNs, "archive")) {
    meta->archive = true;
  } else if (text::xml::IsElement(child, kZqNs, "head")) {
    base::Result<std::string> origin = RequireAttr(child, "origin");
    if (!origin.ok()) return origin.status().Context("feed");
    base::Result<std::uint64_t> seq = RequireNumber(child, "seq", false);
    if (!seq.ok()) return seq.status().Context("feed");
    meta->origin = *origin;
    meta->head_seq = *seq;
    *has_head = true;
  }
  return base::Status::Ok();
}

}  // namespace

std::string EncodeFeed(const FeedMeta& meta, const std::vector<std::string>& wire_entries) {
  std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
  out += std::string("<feed xmlns=\"") + kAtomNs + "\" xmlns:zq=\"" + kZqNs + "\" xmlns:fh=\"" +
         kFhNs + "\">\n";
  out += "<id>urn:zhanqun:feed:" + text::xml::EscapeText(meta.origin) + "</id>\n";
  out += "<title>" + text::xml::EscapeText(meta.title) + "</title>\n";
  out += "<updated>" + base::FormatTime(meta.updated_ms) + "</updated>\n";
  out += "<author><name>" + text::xml::EscapeText(meta.origin) + "</name></author>\n";
  if (!meta.self_url.empty()) AppendLink(&out, "self", meta.self_url);
  if (meta.first_url) AppendLink(&out, "first", *meta.first_url);
  if (meta.prev_url) AppendLink(&out, "previous", *meta.prev_url);
  if (meta.next_url) AppendLink(&out, "next", *meta.next_url);
  if (meta.hub_url) AppendLink(&out, "hub", *meta.hub_url);
  if (meta.archive) out += "<fh:archive/>\n";
  out += "<zq:head origin=\"" + text::xml::EscapeAttribute(meta.origin) + "\" seq=\"" +
         std::to_string(meta.head_seq) + "\"/>\n";
  for (const std::string& wire : wire_entries) out += wire + "\n";
  out += "</feed>\n";
  return out;
}

base::Result<ParsedFeed> DecodeFeed(std::string_view bytes, const XmlLimits& limits) {
  base::Result<text::xml::DocPtr> doc =
      text::xml::ParseXml(bytes, limits.max_document_bytes, limits.max_depth);
  if (!doc.ok()) return doc.status();
  xmlNode* root = xmlDocGetRootElement(doc->get());
  if (!text::xml::IsElement(root, kAtomNs, "feed")) {
    return base::Status::Invalid("feed: expected an Atom <feed> root element, got <" +
                                 text::xml::QName(root) + ">");
  }
  base::Result<text::xml::ElementSpans> spans = text::xml::ScanElementSpans(bytes);
  if (!spans.ok()) return spans.status().Context("feed");
  const std::vector<xmlNode*> children = text::xml::ChildElements(root);
  if (children.size() != spans->children.size()) {
    return base::Status::Invalid(
        "feed: " + std::to_string(children.size()) + " child elements parsed but " +
        std::to_string(spans->children.size()) + " found in the text; is the document UTF-8?");
  }
  ParsedFeed feed;
  bool has_head = false;
  std::vector<std::pair<const xmlNode*, std::string_view>> entries;
  for (std::size_t i = 0; i < children.size(); ++i) {
    const xmlNode* child = children[i];
    if (text::xml::IsElement(child, kAtomNs, "entry")) {
      const text::xml::Span span = spans->children[i];
      entries.emplace_back(child, bytes.substr(span.begin, span.end - span.begin));
    } else {
      ZQ_RETURN_IF_ERROR(DecodeFeedChild(child, &feed.meta, &has_head));
    }
  }
  if (!has_head) return base::Status::Invalid("feed: missing <zq:head>");
  if (entries.size() > limits.max_entries) {
    return base::Status::Exhausted("feed: " + std::to_string(entries.size()) +
                                   " entries exceed the limit of " +
                                   std::to_string(limits.max_entries));
  }
  for (std::size_t i = 0; i < entries.size(); ++i) {
    base::Result<ParsedEntry> e = DecodeEntryElement(entries[i].first, entries[i].second, limits);
    if (!e.ok()) return e.status().Context("feed: entry " + std::to_string(i + 1));
    feed.entries.push_back(std::move(*e));
  }
  return feed;
}

}  // namespace zhanqun::feeds
