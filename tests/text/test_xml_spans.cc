#include <catch2/catch.hpp>
#include <string>

#include "zhanqun/text/xml.h"

namespace xml = zhanqun::text::xml;

namespace {

std::string Cut(const std::string& doc, xml::Span s) {
  return doc.substr(s.begin, s.end - s.begin);
}

}  // namespace

TEST_CASE("element spans skip markup that only looks like elements", "[text][xml]") {
  const std::string doc =
      "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- <entry>not one</entry> -->\n"
      "<feed a='>' b=\"/x>\"><?pi <entry>?><entry x=\"1\"><![CDATA[</entry><y>]]><e/></entry>\n"
      "<link href=\"/>\"/><entry></entry></feed>\n<!-- trailer -->";
  REQUIRE(xml::ParseXml(doc, 1 << 20, 16).ok());
  auto spans = xml::ScanElementSpans(doc);
  REQUIRE(spans.ok());
  CHECK(Cut(doc, spans->root).starts_with("<feed a='>'"));
  CHECK(Cut(doc, spans->root).ends_with("</feed>"));
  REQUIRE(spans->children.size() == 3);
  CHECK(Cut(doc, spans->children[0]) == "<entry x=\"1\"><![CDATA[</entry><y>]]><e/></entry>");
  CHECK(Cut(doc, spans->children[1]) == "<link href=\"/>\"/>");
  CHECK(Cut(doc, spans->children[2]) == "<entry></entry>");
}

TEST_CASE("element spans of a lone element with nothing around it", "[text][xml]") {
  auto spans = xml::ScanElementSpans("<a/>");
  REQUIRE(spans.ok());
  CHECK(spans->root.begin == 0);
  CHECK(spans->root.end == 4);
  CHECK(spans->children.empty());
}

TEST_CASE("element spans refuse what they cannot follow, naming the byte", "[text][xml]") {
  struct Case {
    std::string doc, expected;
  };
  const Case cases[] = {
      {std::string("<a>\0</a>", 8), "xml: a NUL byte (the document is not UTF-8) at byte 3"},
      {"<!DOCTYPE a><a/>", "xml: a DOCTYPE or other declaration at byte 0"},
      {"<a><!-- x </a>", "xml: an unterminated comment, CDATA or PI at byte 3"},
      {"<a b=\"></a>", "xml: an unterminated tag at byte 0"},
      {"<a></a><b/>", "xml: a second root element at byte 7"},
      {"</a>", "xml: an end tag without a start tag at byte 0"},
      {"<a><b></a>", "xml: an unclosed element at byte 10"},
      {"text only", "xml: no root element at byte 9"},
  };
  for (const Case& c : cases) {
    INFO(c.doc);
    auto spans = xml::ScanElementSpans(c.doc);
    REQUIRE_FALSE(spans.ok());
    CHECK(spans.status().code() == zhanqun::base::Code::kInvalidArgument);
    CHECK(spans.status().message() == c.expected);
  }
}
