// Foreign feeds (RSS 0.9x/2.0, RSS 1.0 RDF, Atom 1.0) into ForeignFeed.
#include "zhanqun/desk/syndication.h"

#include <libxml/tree.h>
#include <libxml/uri.h>

#include <cctype>

#include "syndication_internal.h"
#include "zhanqun/base/strings.h"
#include "zhanqun/text/sanitize.h"

namespace zhanqun::desk {
namespace {

using text::xml::C;
using text::xml::X;

constexpr const char* kAtomNs = "http://www.w3.org/2005/Atom";
constexpr const char* kRdfNs = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
constexpr const char* kRss1Ns = "http://purl.org/rss/1.0/";
constexpr const char* kContentNs = "http://purl.org/rss/1.0/modules/content/";
constexpr const char* kDcNs = "http://purl.org/dc/elements/1.1/";

std::string Trim(std::string_view s) { return std::string(base::TrimAscii(s)); }

// Collapses runs of whitespace (titles spread over lines) to one space.
std::string OneLine(const std::string& s) {
  std::string out;
  for (char c : Trim(s)) {
    bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
    if (space && !out.empty() && out.back() == ' ') continue;
    out += space ? ' ' : c;
  }
  return out;
}

const xmlNode* Child(const xmlNode* parent, const char* ns, const char* local) {
  for (const xmlNode* c = parent->children; c != nullptr; c = c->next) {
    if (text::xml::IsElement(c, ns, local)) return c;
  }
  return nullptr;
}

std::string ChildText(const xmlNode* parent, const char* ns, const char* local) {
  const xmlNode* c = Child(parent, ns, local);
  return c == nullptr ? "" : text::xml::Content(c);
}

std::string BaseOf(const xmlNode* node) {
  xmlChar* base = xmlNodeGetBase(node->doc, node);
  if (base == nullptr) return "";
  std::string out(C(base));
  xmlFree(base);
  return out;
}

std::string LinkFrom(const xmlNode* node, const std::string& ref) {
  return ResolveHttpUrl(Trim(ref), BaseOf(node));
}

// A date field; a bad one is dropped with a warning, never fails the feed.
std::optional<base::TimeMs> DateField(const xmlNode* item, const char* ns, const char* local,
                                      const std::string& where,
                                      std::vector<std::string>* warnings) {
  const xmlNode* c = Child(item, ns, local);
  if (c == nullptr) return std::nullopt;
  base::Result<base::TimeMs> t = ParseFeedDate(text::xml::Content(c));
  if (t.ok()) return *t;
  warnings->push_back(where + ": <" + text::xml::QName(c) + ">: " + t.status().message());
  return std::nullopt;
}

// ----- RSS 0.9x / 2.0 and RSS 1.0 (RDF) -----

void ReadRssCommon(const xmlNode* it, ForeignItem* item) {
  item->title = OneLine(ChildText(it, nullptr, "title"));
  item->summary = Trim(ChildText(it, nullptr, "description"));
  item->content = Trim(ChildText(it, kContentNs, "encoded"));
  for (const xmlNode* c = it->children; c != nullptr; c = c->next) {
    if (text::xml::IsElement(c, nullptr, "category") || text::xml::IsElement(c, kDcNs, "subject")) {
      std::string cat = OneLine(text::xml::Content(c));
      if (!cat.empty()) item->categories.push_back(cat);
    }
  }
  item->author = OneLine(ChildText(it, nullptr, "author"));
  if (item->author.empty()) item->author = OneLine(ChildText(it, kDcNs, "creator"));
}

void ReadRss1Fields(const xmlNode* it, ForeignItem* item) {
  // RSS 1.0 puts its elements in its own namespace.
  if (item->title.empty()) item->title = OneLine(ChildText(it, kRss1Ns, "title"));
  if (item->summary.empty()) item->summary = Trim(ChildText(it, kRss1Ns, "description"));
  if (item->link.empty()) item->link = LinkFrom(it, ChildText(it, kRss1Ns, "link"));
  if (item->guid.empty()) {
    xmlChar* about = xmlGetNsProp(it, X("about"), X(kRdfNs));
    if (about != nullptr) {
      item->guid = Trim(C(about));
      xmlFree(about);
    }
  }
}

std::optional<ForeignItem> ReadRssItem(const xmlNode* it, std::size_t n,
                                       std::vector<std::string>* warnings) {
  const std::string where = "item " + std::to_string(n);
  ForeignItem item;
  ReadRssCommon(it, &item);
  item.link = LinkFrom(it, ChildText(it, nullptr, "link"));
  if (const xmlNode* g = Child(it, nullptr, "guid")) {
    item.guid = Trim(text::xml::Content(g));
    std::optional<std::string> perma = text::xml::Attr(g, "isPermaLink");
    if (item.link.empty() && (!perma || Trim(*perma) != "false")) {
      item.link = LinkFrom(it, item.guid);
    }
  }
  ReadRss1Fields(it, &item);
  item.published_ms = DateField(it, nullptr, "pubDate", where, warnings);
  if (!item.published_ms) item.published_ms = DateField(it, kDcNs, "date", where, warnings);
  if (item.title.empty() && item.summary.empty() && item.content.empty()) {
    warnings->push_back(where + ": has neither <title> nor <description>; skipped");
    return std::nullopt;
  }
  return item;
}

base::Status ReadItems(const std::vector<const xmlNode*>& nodes, const SyndicationLimits& limits,
                       ForeignFeed* feed, std::vector<std::string>* warnings) {
  if (nodes.size() > limits.max_items) {
    return base::Status::Exhausted("feed has " + std::to_string(nodes.size()) +
                                   " items; the limit is " + std::to_string(limits.max_items));
  }
  std::size_t n = 0;
  for (const xmlNode* node : nodes) {
    if (auto item = ReadRssItem(node, ++n, warnings)) feed->items.push_back(std::move(*item));
  }
  return base::Status::Ok();
}

base::Result<ForeignFeed> ReadRss(const xmlNode* root, const SyndicationLimits& limits) {
  ForeignFeed feed;
  feed.format = "rss";
  const xmlNode* channel = Child(root, nullptr, "channel");
  if (channel == nullptr) return base::Status::Invalid("rss: no <channel> element");
  feed.title = OneLine(ChildText(channel, nullptr, "title"));
  feed.link = LinkFrom(channel, ChildText(channel, nullptr, "link"));
  std::vector<const xmlNode*> items;
  for (const xmlNode* c = channel->children; c != nullptr; c = c->next) {
    if (text::xml::IsElement(c, nullptr, "item")) items.push_back(c);
  }
  // Some RSS 0.9x feeds put items beside the channel.
  for (const xmlNode* c = root->children; c != nullptr; c = c->next) {
    if (text::xml::IsElement(c, nullptr, "item")) items.push_back(c);
  }
  if (items.empty() && feed.title.empty()) {
    return base::Status::Invalid("rss: channel has no <item> and no <title>");
  }
  std::vector<std::string> warnings;
  ZQ_RETURN_IF_ERROR(ReadItems(items, limits, &feed, &warnings));
  feed.items_skipped = items.size() - feed.items.size();
  feed.warnings = warnings;
  if (!items.empty() && feed.items.empty()) {
    return base::Status::Invalid("rss: no usable item: " + warnings.front());
  }
  return feed;
}

base::Result<ForeignFeed> ReadRdf(const xmlNode* root, const SyndicationLimits& limits) {
  ForeignFeed feed;
  feed.format = "rdf";
  const xmlNode* channel = Child(root, kRss1Ns, "channel");
  if (channel == nullptr) return base::Status::Invalid("rdf: no RSS 1.0 <channel> element");
  feed.title = OneLine(ChildText(channel, kRss1Ns, "title"));
  feed.link = LinkFrom(channel, ChildText(channel, kRss1Ns, "link"));
  std::vector<const xmlNode*> items;
  for (const xmlNode* c = root->children; c != nullptr; c = c->next) {
    if (text::xml::IsElement(c, kRss1Ns, "item")) items.push_back(c);
  }
  if (items.empty() && feed.title.empty()) {
    return base::Status::Invalid("rdf: channel has no <item> and no <title>");
  }
  std::vector<std::string> warnings;
  ZQ_RETURN_IF_ERROR(ReadItems(items, limits, &feed, &warnings));
  feed.items_skipped = items.size() - feed.items.size();
  feed.warnings = warnings;
  return feed;
}

// ----- Atom 1.0 -----

std::string InnerXhtml(const xmlNode* content) {
  const xmlNode* div = nullptr;
  for (const xmlNode* c = content->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) div = c;
  }
  if (div == nullptr) return Trim(text::xml::Content(content));
  xmlBuffer* buf = xmlBufferCreate();
  for (xmlNode* c = div->children; c != nullptr; c = c->next) {
    xmlNodeDump(buf, content->doc, c, 0, 0);
  }
  std::string out(C(xmlBufferContent(buf)), static_cast<std::size_t>(xmlBufferLength(buf)));
  xmlBufferFree(buf);
  return Trim(out);
}

// An Atom text construct: its markup (html, xhtml) or text, and which.
std::string AtomText(const xmlNode* node, bool* is_html) {
  std::string type = Trim(text::xml::Attr(node, "type").value_or("text"));
  *is_html = type == "html" || type == "xhtml" || type == "text/html";
  if (type == "xhtml") return InnerXhtml(node);
  return Trim(text::xml::Content(node));
}

std::string AtomPlain(const xmlNode* parent, const char* local) {
  const xmlNode* c = Child(parent, kAtomNs, local);
  if (c == nullptr) return "";
  bool html = false;
  std::string text = AtomText(c, &html);
  return OneLine(html ? text::HtmlToText(text) : text);
}

std::string AtomLink(const xmlNode* parent) {
  for (const xmlNode* c = parent->children; c != nullptr; c = c->next) {
    if (!text::xml::IsElement(c, kAtomNs, "link")) continue;
    std::string rel = Trim(text::xml::Attr(c, "rel").value_or("alternate"));
    if (rel == "alternate") return LinkFrom(c, text::xml::Attr(c, "href").value_or(""));
  }
  return "";
}

std::optional<ForeignItem> ReadAtomEntry(const xmlNode* e, std::size_t n,
                                         std::vector<std::string>* warnings) {
  const std::string where = "entry " + std::to_string(n);
  ForeignItem item;
  item.guid = Trim(ChildText(e, kAtomNs, "id"));
  item.title = AtomPlain(e, "title");
  item.link = AtomLink(e);
  if (const xmlNode* s = Child(e, kAtomNs, "summary")) {
    item.summary = AtomText(s, &item.summary_is_html);
  }
  if (const xmlNode* c = Child(e, kAtomNs, "content")) {
    if (!text::xml::Attr(c, "src")) item.content = AtomText(c, &item.content_is_html);
  }
  item.published_ms = DateField(e, kAtomNs, "published", where, warnings);
  item.updated_ms = DateField(e, kAtomNs, "updated", where, warnings);
  for (const xmlNode* c = e->children; c != nullptr; c = c->next) {
    if (!text::xml::IsElement(c, kAtomNs, "category")) continue;
    std::string cat =
        OneLine(text::xml::Attr(c, "label").value_or(text::xml::Attr(c, "term").value_or("")));
    if (!cat.empty()) item.categories.push_back(cat);
  }
  if (const xmlNode* a = Child(e, kAtomNs, "author"))
    item.author = OneLine(ChildText(a, kAtomNs, "name"));
  if (item.title.empty() && item.summary.empty() && item.content.empty()) {
    warnings->push_back(where + ": has neither <title> nor <summary> nor <content>; skipped");
    return std::nullopt;
  }
  return item;
}

base::Result<ForeignFeed> ReadAtom(const xmlNode* root, const SyndicationLimits& limits) {
  ForeignFeed feed;
  feed.format = "atom";
  feed.title = AtomPlain(root, "title");
  feed.link = AtomLink(root);
  std::vector<const xmlNode*> entries;
  for (const xmlNode* c = root->children; c != nullptr; c = c->next) {
    if (text::xml::IsElement(c, kAtomNs, "entry")) entries.push_back(c);
  }
  if (entries.empty() && feed.title.empty()) {
    return base::Status::Invalid("atom: feed has no <entry> and no <title>");
  }
  if (entries.size() > limits.max_items) {
    return base::Status::Exhausted("feed has " + std::to_string(entries.size()) +
                                   " entries; the limit is " + std::to_string(limits.max_items));
  }
  std::vector<std::string> warnings;
  std::size_t n = 0;
  for (const xmlNode* e : entries) {
    if (auto item = ReadAtomEntry(e, ++n, &warnings)) feed.items.push_back(std::move(*item));
  }
  feed.items_skipped = entries.size() - feed.items.size();
  feed.warnings = warnings;
  if (!entries.empty() && feed.items.empty()) {
    return base::Status::Invalid("atom: no usable entry: " + warnings.front());
  }
  return feed;
}

}  // namespace

std::string ResolveHttpUrl(const std::string& ref, const std::string& base) {
  if (ref.empty()) return "";
  xmlChar* built = xmlBuildURI(X(ref.c_str()), base.empty() ? nullptr : X(base.c_str()));
  if (built == nullptr) return "";
  std::string url(C(built));
  xmlFree(built);
  std::string lower = url.substr(0, 8);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool http = lower.rfind("http://", 0) == 0 || lower.rfind("https://", 0) == 0;
  return http ? url : "";
}

base::Result<ForeignFeed> ParseSyndicationFeed(std::string_view bytes, const std::string& base_url,
                                               const SyndicationLimits& limits) {
  if (syndication_internal::LooksLikeHtml(bytes)) {
    return base::Status::Invalid("not a feed: root element is <html> (an HTML page)");
  }
  base::Result<text::xml::DocPtr> doc = syndication_internal::ParseFeedXml(bytes, base_url, limits);
  if (!doc.ok()) return doc.status();
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (text::xml::IsElement(root, nullptr, "rss")) return ReadRss(root, limits);
  if (text::xml::IsElement(root, kRdfNs, "RDF")) return ReadRdf(root, limits);
  if (text::xml::IsElement(root, kAtomNs, "feed")) return ReadAtom(root, limits);
  if (text::xml::IsElement(root, nullptr, "feed")) {
    return base::Status::Invalid("not a feed: <feed> is not in the Atom 1.0 namespace " +
                                 std::string(kAtomNs));
  }
  return base::Status::Invalid("not a feed: root element is <" + text::xml::QName(root) + ">");
}

}  // namespace zhanqun::desk
