#include <catch2/catch.hpp>
#include <string>

#include "test_support.h"
#include "zhanqun/base/time.h"
#include "zhanqun/desk/syndication.h"

namespace zhanqun::desk {
namespace {

using testing::ReadText;

std::string Fixture(const std::string& name) {
  std::string text = ReadText(ZQ_FIXTURES_DIR "/upstream/" + name);
  REQUIRE(!text.empty());
  return text;
}

ForeignFeed MustParse(const std::string& bytes, const std::string& base) {
  base::Result<ForeignFeed> feed = ParseSyndicationFeed(bytes, base);
  INFO(feed.status().ToString());
  REQUIRE(feed.ok());
  return std::move(feed).value();
}

std::string ErrorOf(const std::string& bytes, const SyndicationLimits& limits = {}) {
  base::Result<ForeignFeed> feed =
      ParseSyndicationFeed(bytes, "http://upstream.example/feed", limits);
  REQUIRE_FALSE(feed.ok());
  return feed.status().message();
}

TEST_CASE("an RSS 2.0 ministry feed yields its items with resolved links, dates and content",
          "[feeds][syndication]") {
  ForeignFeed feed = MustParse(Fixture("ministry_rss2.xml"), "http://www.gov.cn/rss/policy.xml");
  CHECK(feed.format == "rss");
  CHECK(feed.title == "中华人民共和国国务院 最新政策");
  CHECK(feed.link == "http://www.gov.cn/zhengce/");
  REQUIRE(feed.items.size() == 5);
  const ForeignItem& first = feed.items[0];
  CHECK(first.guid == "govcn:000014349/2019-00007");
  CHECK(first.title == "国务院关于在市场监管领域全面推行部门联合“双随机、一公开”监管的意见");
  CHECK(first.link == "http://www.gov.cn/zhengce/content/2019-02/content_000014349-2019-00007.htm");
  CHECK(first.summary == "国发〔2019〕5号");
  CHECK(first.content.find("<p>一、总体要求</p>") != std::string::npos);
  REQUIRE(first.published_ms.has_value());
  CHECK(base::FormatTime(*first.published_ms) == "2019-02-15T00:00:00.000Z");
  CHECK(first.categories == std::vector<std::string>{"国务院文件"});
  CHECK(first.author == "国务院");
  CHECK(feed.items[1].author == "国务院办公厅");
}

TEST_CASE("an Atom 1.0 feed resolves links against xml:base and reads html and xhtml content",
          "[feeds][syndication]") {
  ForeignFeed feed = MustParse(Fixture("ndrc_atom.xml"), "https://www.ndrc.example/feeds/atom");
  CHECK(feed.format == "atom");
  CHECK(feed.title == "国家发展改革委 政策发布");
  CHECK(feed.link == "https://www.ndrc.example/");
  REQUIRE(feed.items.size() == 3);
  const ForeignItem& e = feed.items[0];
  CHECK(e.guid == "tag:ndrc.example.gov.cn,2019:000014349-2019-00002");
  CHECK(e.link == "https://www.ndrc.example/gk/zhengce/2019-01/content_000014349-2019-00002.htm");
  CHECK(e.content_is_html);
  CHECK(e.content.rfind("<p>国务院办公厅关于开展</p>", 0) == 0);
  CHECK_FALSE(e.summary_is_html);
  CHECK(e.categories == std::vector<std::string>{"国务院文件"});
  CHECK(e.author == "国务院办公厅");
  REQUIRE(e.updated_ms.has_value());
  CHECK(base::FormatTime(*e.updated_ms) == "2019-01-22T00:00:00.000Z");
  const ForeignItem& x = feed.items[1];  // type="xhtml"
  CHECK(x.content_is_html);
  CHECK(x.content.rfind("<p>", 0) == 0);
  CHECK(x.content.find("div") == std::string::npos);
}

TEST_CASE("a feed declared as GBK decodes its Chinese text correctly", "[feeds][syndication]") {
  std::string bytes = Fixture("gbk_rss2.xml");
  CHECK(bytes.find("国务院") == std::string::npos);  // really not UTF-8 on disk
  ForeignFeed feed = MustParse(bytes, "http://www.gov.cn/rss/gbk.xml");
  CHECK(feed.title == "国务院办公厅 政策文件（GBK）");
  REQUIRE(feed.items.size() == 2);
  CHECK(feed.items[0].title == "国务院办公厅关于深入开展消费扶贫助力打赢脱贫攻坚战的指导意见");
  CHECK(feed.items[0].content.find("脱贫攻坚") != std::string::npos);
}

TEST_CASE("a feed declared as GB2312 is read as GB18030, and bad GBK bytes are named",
          "[feeds][syndication]") {
  std::string head = "<?xml version=\"1.0\" encoding=\"gb2312\"?><rss><channel><title>";
  // 国务院 in GBK: B9FA CEF1 D4BA; 镕 (C9 62 ... not in GB2312, in GBK: E946).
  std::string ok = head + "\xB9\xFA\xCE\xF1\xD4\xBA\xE9\x46</title></channel></rss>";
  CHECK(MustParse(ok, "http://x.example/").title == "国务院镕");
  std::string bad = head + "\xB9</title></channel></rss>";
  CHECK(ErrorOf(bad).find("not valid GB18030") != std::string::npos);
}

TEST_CASE("malformed XML is refused with the line of the first error", "[feeds][syndication]") {
  std::string msg = ErrorOf(Fixture("malformed.xml"));
  CHECK(msg.rfind("XML parse error at line ", 0) == 0);
}

TEST_CASE("an HTML page is not a feed", "[feeds][syndication]") {
  CHECK(ErrorOf(Fixture("html_page.html")).find("not a feed: root element is <html>") == 0);
  CHECK(ErrorOf("<?xml version=\"1.0\"?><html><body/></html>") ==
        "not a feed: root element is <html> (an HTML page)");
  CHECK(ErrorOf("<?xml version=\"1.0\"?><opml version=\"2.0\"/>") ==
        "not a feed: root element is <opml>");
}

TEST_CASE("an external entity is refused and the file it names never appears",
          "[feeds][syndication][security]") {
  testing::TempDir dir;
  testing::WriteText(dir.File("secret.txt"), "TOP-SECRET-CONTENT");
  std::string doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file://" +
                    dir.File("secret.txt") +
                    "\">]>\n<rss version=\"2.0\"><channel><title>&xxe;</title>"
                    "<item><title>&xxe;</title></item></channel></rss>";
  base::Result<ForeignFeed> feed = ParseSyndicationFeed(doc, "http://x.example/");
  REQUIRE_FALSE(feed.ok());
  CHECK(feed.status().message().find("DTD declares entity 'xxe'") == 0);
  CHECK(feed.status().message().find("TOP-SECRET") == std::string::npos);
  CHECK(ErrorOf(Fixture("xxe.xml")).find("entity 'xxe'") != std::string::npos);
}

TEST_CASE("parameter entities and external DTDs never pull a local file in",
          "[feeds][syndication][security]") {
  testing::TempDir dir;
  testing::WriteText(dir.File("secret.txt"), "TOP-SECRET-CONTENT");
  testing::WriteText(dir.File("evil.dtd"),
                     "<!ENTITY xxe SYSTEM \"file://" + dir.File("secret.txt") + "\">");
  std::string param = "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY % p SYSTEM \"file://" +
                      dir.File("evil.dtd") + "\"> %p;]><rss><channel><title>&xxe;</title>" +
                      "</channel></rss>";
  CHECK(ErrorOf(param).find("DTD declares entity 'p'") == 0);
  std::string external = "<?xml version=\"1.0\"?><!DOCTYPE rss SYSTEM \"file://" +
                         dir.File("evil.dtd") +
                         "\"><rss version=\"2.0\"><channel><title>t &xxe;</title>"
                         "<item><title>&xxe;</title><link>http://a/1</link></item></channel></rss>";
  // The external DTD is not loaded, so &xxe; is an undefined entity.
  base::Result<ForeignFeed> feed = ParseSyndicationFeed(external, "http://a/");
  REQUIRE_FALSE(feed.ok());
  CHECK(feed.status().message().find("xxe") != std::string::npos);
  CHECK(feed.status().message().find("TOP-SECRET") == std::string::npos);
}

TEST_CASE("a billion laughs document is refused at its first entity declaration",
          "[feeds][syndication][security]") {
  std::string msg = ErrorOf(Fixture("billion_laughs.xml"));
  CHECK(msg.find("DTD declares entity 'lol'") == 0);
}

TEST_CASE("a bare DOCTYPE without declarations is tolerated", "[feeds][syndication]") {
  std::string doc =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE rss PUBLIC \"-//Netscape Communications//DTD RSS "
      "0.91//EN\" \"http://my.netscape.com/publish/formats/rss-0.91.dtd\">\n"
      "<rss version=\"0.91\"><channel><title>旧格式</title><link>http://old.example/</link>"
      "<item><title>一</title><link>http://old.example/1</link></item></channel></rss>";
  ForeignFeed feed = MustParse(doc, "http://old.example/rss");
  REQUIRE(feed.items.size() == 1);
  CHECK(feed.items[0].link == "http://old.example/1");
}

TEST_CASE("size and item limits are enforced", "[feeds][syndication][security]") {
  SyndicationLimits small;
  small.max_bytes = 100;
  CHECK(ErrorOf(Fixture("ministry_rss2.xml"), small).find("exceeds the limit of 100") !=
        std::string::npos);
  SyndicationLimits few;
  few.max_items = 2;
  CHECK(ErrorOf(Fixture("ministry_rss2.xml"), few) == "feed has 5 items; the limit is 2");
}

TEST_CASE("missing fields: an empty channel is refused, a blank item is skipped",
          "[feeds][syndication]") {
  CHECK(ErrorOf("<rss version=\"2.0\"><channel><link>http://a/</link></channel></rss>") ==
        "rss: channel has no <item> and no <title>");
  CHECK(ErrorOf("<rss version=\"2.0\"></rss>") == "rss: no <channel> element");
  ForeignFeed feed = MustParse(
      "<rss version=\"2.0\"><channel><title>t</title><item><link>http://a/1</link></item>"
      "<item><description>只有摘要</description></item></channel></rss>",
      "http://a/");
  REQUIRE(feed.items.size() == 1);
  CHECK(feed.items[0].summary == "只有摘要");
  CHECK(feed.items[0].guid.empty());
  CHECK(feed.items[0].link.empty());
  CHECK_FALSE(feed.items[0].published_ms.has_value());
  CHECK(ErrorOf("<feed xmlns=\"http://www.w3.org/2005/Atom\"><id>x</id></feed>") ==
        "atom: feed has no <entry> and no <title>");
}

TEST_CASE("relative links resolve against the feed URL and only http(s) links are kept",
          "[feeds][syndication]") {
  ForeignFeed feed = MustParse(
      "<rss version=\"2.0\"><channel><title>t</title>"
      "<item><title>a</title><link>../zc/1.htm</link></item>"
      "<item><title>b</title><link>javascript:alert(1)</link></item>"
      "<item><title>c</title><guid>https://b.example/2</guid></item>"
      "<item><title>d</title><guid isPermaLink=\"false\">id-4</guid></item>"
      "</channel></rss>",
      "http://a.example/rss/feed.xml");
  REQUIRE(feed.items.size() == 4);
  CHECK(feed.items[0].link == "http://a.example/zc/1.htm");
  CHECK(feed.items[1].link.empty());
  CHECK(feed.items[2].link == "https://b.example/2");
  CHECK(feed.items[3].link.empty());
  CHECK(ResolveHttpUrl("ftp://x/y", "http://a/") == "");
  CHECK(ResolveHttpUrl("/p?q=1", "https://a.example/x/y") == "https://a.example/p?q=1");
}

TEST_CASE("RSS 1.0 (RDF) feeds are read", "[feeds][syndication]") {
  ForeignFeed feed = MustParse(
      "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
      "xmlns=\"http://purl.org/rss/1.0/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
      "<channel rdf:about=\"http://r.example/\"><title>RDF</title><link>http://r.example/</link>"
      "</channel><item rdf:about=\"http://r.example/1\"><title>一号</title>"
      "<link>http://r.example/1</link><dc:date>2019-02-15T08:00:00+08:00</dc:date>"
      "<dc:creator>办公厅</dc:creator></item></rdf:RDF>",
      "http://r.example/rss");
  CHECK(feed.format == "rdf");
  REQUIRE(feed.items.size() == 1);
  CHECK(feed.items[0].guid == "http://r.example/1");
  CHECK(feed.items[0].title == "一号");
  CHECK(feed.items[0].author == "办公厅");
  CHECK(base::FormatTime(*feed.items[0].published_ms) == "2019-02-15T00:00:00.000Z");
}

TEST_CASE("feed dates parse as RFC 822, RFC 3339 and zone-less Beijing time",
          "[feeds][syndication]") {
  auto t = [](const char* s) {
    base::Result<base::TimeMs> r = ParseFeedDate(s);
    INFO(s << ": " << r.status().ToString());
    REQUIRE(r.ok());
    return base::FormatTime(*r);
  };
  CHECK(t("Fri, 15 Feb 2019 08:00:00 +0800") == "2019-02-15T00:00:00.000Z");
  CHECK(t("15 Feb 2019 08:00 GMT") == "2019-02-15T08:00:00.000Z");
  CHECK(t("Fri, 15 Feb 19 08:00:00 EST") == "2019-02-15T13:00:00.000Z");
  CHECK(t("Fri, 15 Feb 2019 08:00:00 CST") == "2019-02-15T00:00:00.000Z");
  CHECK(t("2019-02-15T08:00:00+08:00") == "2019-02-15T00:00:00.000Z");
  CHECK(t("2019-02-15T08:00:00.5Z") == "2019-02-15T08:00:00.500Z");
  CHECK(t("2019-02-15 08:00:00") == "2019-02-15T00:00:00.000Z");
  CHECK(t("2019-02-15") == "2019-02-14T16:00:00.000Z");
  base::Result<base::TimeMs> bad = ParseFeedDate("下周五");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("got '下周五'") != std::string::npos);
  CHECK_FALSE(ParseFeedDate("32 Feb 2019 08:00:00 GMT").ok());
}

}  // namespace
}  // namespace zhanqun::desk
