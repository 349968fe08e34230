#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hub/hub_test_support.h"
#include "sql/sql_test_support.h"
#include "test_support.h"
#include "zhanqun/base/clock.h"
#include "zhanqun/desk/desk_stack.h"
#include "zhanqun/desk/ingest.h"
#include "zhanqun/hub/config.h"
#include "zhanqun/hub/hub_metrics.h"
#include "zhanqun/net/http.h"
#include "zhanqun/staff/audit.h"

namespace zhanqun::desk {
namespace {

using testing::Must;
using testing::ReadText;
using testing::TempDir;

constexpr base::TimeMs kT0 = 1700000000000;

std::string Fixture(const std::string& name) {
  std::string text = ReadText(ZQ_FIXTURES_DIR "/upstream/" + name);
  REQUIRE(!text.empty());
  return text;
}

// What the upstream test server answers for one path.
struct Upstream {
  Upstream(std::string b = "", std::string e = "", std::string lm = "", int st = 200, int sleep = 0,
           std::string ra = "")
      : body(std::move(b)),
        etag(std::move(e)),
        last_modified(std::move(lm)),
        status(st),
        sleep_ms(sleep),
        retry_after(std::move(ra)) {}
  std::string body;
  std::string etag, last_modified;
  int status = 200;
  int sleep_ms = 0;
  std::string retry_after;
};

// A real HTTP server on loopback serving feeds with validators, counting
// requests and keeping the conditional headers it was sent.
class FeedServer {
 public:
  FeedServer() {
    server_.Route("GET", "/{path...}", [this](const net::HttpRequest& req) { return Serve(req); });
    net::HttpServerOptions options;
    REQUIRE(server_.Start(options).ok());
  }
  ~FeedServer() { server_.Stop(); }

  void Set(const std::string& path, Upstream u) {
    std::lock_guard<std::mutex> lock(mu_);
    feeds_[path] = std::move(u);
  }
  Upstream Get(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    return feeds_[path];
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_.port()) + path;
  }
  std::string LastHeader(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    return last_headers_[name];
  }
  int requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  net::HttpResponse Serve(const net::HttpRequest& req) {
    Upstream u;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++requests_;
      last_headers_ = req.headers;
      auto it = feeds_.find(req.path);
      if (it == feeds_.end()) return net::HttpResponse::Text(404, "no such feed");
      u = it->second;
    }
    if (u.sleep_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(u.sleep_ms));
    net::HttpResponse r;
    r.status = u.status;
    if (!u.retry_after.empty()) r.headers.emplace_back("Retry-After", u.retry_after);
    if (u.status != 200) return r;
    if (!u.etag.empty() && req.Header("if-none-match") == u.etag) {
      r.status = 304;
      return r;
    }
    r.content_type = "application/rss+xml; charset=utf-8";
    if (!u.etag.empty()) r.headers.emplace_back("ETag", u.etag);
    if (!u.last_modified.empty()) r.headers.emplace_back("Last-Modified", u.last_modified);
    r.body = u.body;
    return r;
  }

  net::HttpServer server_;
  std::mutex mu_;
  std::map<std::string, Upstream> feeds_;
  std::map<std::string, std::string> last_headers_;
  int requests_ = 0;
};

struct Recorded {
  std::string source;
  DraftContent content;
  std::string link;
};

struct IngestFixture {
  TempDir dir;
  base::FakeClock clock{kT0};
  FeedServer server;
  std::unique_ptr<staff::AuditLog> audit;
  std::mutex mu;
  std::vector<Recorded> drafts;
  std::string refuse_title;  // the sink refuses drafts with this title
  std::unique_ptr<Ingestor> ingestor;
  std::vector<SourceConfig> sources;

  IngestFixture() {
    auto a = staff::AuditLog::Open(dir.File("audit.db"));
    REQUIRE(a.ok());
    audit = std::move(*a);
  }

  SourceConfig Source(const std::string& name, const std::string& path) {
    SourceConfig s;
    s.name = name;
    s.url = server.Url(path);
    s.interval_s = 300;
    s.timeout_s = 5;
    s.authority = "国务院办公厅";
    s.topics = {"policy"};
    return s;
  }

  void Open(std::vector<SourceConfig> s) {
    sources = std::move(s);
    Reopen();
  }

  void Reopen() {
    ingestor.reset();
    DraftSink sink = [this](const SourceConfig& s, DraftContent c,
                            const std::string& link) -> base::Result<std::int64_t> {
      std::lock_guard<std::mutex> lock(mu);
      if (!refuse_title.empty() && c.title == refuse_title) {
        return base::Status::Invalid("title: refused by the test sink");
      }
      drafts.push_back({s.name, std::move(c), link});
      return static_cast<std::int64_t>(drafts.size());
    };
    auto i = Ingestor::Open(dir.File("ingest.db"), sources, sink, *audit, clock);
    INFO(i.status().ToString());
    REQUIRE(i.ok());
    ingestor = std::move(*i);
  }

  std::size_t DraftCount() {
    std::lock_guard<std::mutex> lock(mu);
    return drafts.size();
  }

  PollOutcome Poll(const std::string& name) {
    auto out = ingestor->PollNow(name);
    REQUIRE(out.ok());
    return *out;
  }

  SourceState State(const std::string& name) {
    for (const SourceView& v : Must(ingestor->Sources())) {
      if (v.config.name == name) return v.state;
    }
    FAIL("no source " << name);
    return {};
  }
};

Upstream RssFeed() {
  return {Fixture("ministry_rss2.xml"), "\"v1\"", "Fri, 15 Feb 2019 08:00:00 GMT"};
}

TEST_CASE("new RSS and Atom items become drafts with the source's authority, topics and a link",
          "[hub][ingest]") {
  IngestFixture f;
  f.server.Set("/gov/rss.xml", RssFeed());
  f.server.Set("/ndrc/atom.xml", {Fixture("ndrc_atom.xml"), "\"a1\"", ""});
  f.Open({f.Source("gov", "/gov/rss.xml"), f.Source("ndrc", "/ndrc/atom.xml")});
  std::vector<PollOutcome> out = Must(f.ingestor->PollDue(f.clock.NowMs()));
  REQUIRE(out.size() == 2);
  CHECK(out[0].status == SourceStatus::kOk);
  CHECK(out[0].items_seen == 5);
  CHECK(out[0].items_new == 5);
  CHECK(out[1].items_new == 3);
  REQUIRE(f.drafts.size() == 8);
  const Recorded& d = f.drafts[0];
  CHECK(d.source == "gov");
  CHECK(d.content.title == "国务院关于在市场监管领域全面推行部门联合“双随机、一公开”监管的意见");
  CHECK(d.content.authority == "国务院办公厅");
  CHECK(d.content.topics == std::vector<std::string>{"policy"});
  CHECK(d.content.signed_date == "2019-02-15");
  CHECK(d.link == f.server.Url("/zhengce/content/2019-02/content_000014349-2019-00007.htm"));
  CHECK(d.content.body_html.find("<p>一、总体要求</p>") != std::string::npos);
  CHECK(d.content.body_html.find("原文链接：<a href=\"" + d.link + "\">") != std::string::npos);
  CHECK(d.content.body_html.find("<script") == std::string::npos);
  CHECK(d.content.body_html.find("javascript:") == std::string::npos);
  CHECK(d.content.body_html.find("onclick") == std::string::npos);
  CHECK(f.drafts[5].source == "ndrc");
  CHECK(f.drafts[5].link.find("/gk/zhengce/2019-01/") != std::string::npos);
  SourceState st = f.State("gov");
  CHECK(st.last_status == SourceStatus::kOk);
  CHECK(st.items_imported == 5);
  CHECK(st.etag == "\"v1\"");
  CHECK(st.next_poll_ms == kT0 + 300 * 1000);
  CHECK(Must(f.ingestor->PollDue(f.clock.NowMs())).empty());  // nothing due yet
}

TEST_CASE("a second poll sends the validators, gets 304 and creates no duplicates",
          "[hub][ingest]") {
  IngestFixture f;
  f.server.Set("/gov/rss.xml", RssFeed());
  f.Open({f.Source("gov", "/gov/rss.xml")});
  CHECK(f.Poll("gov").items_new == 5);
  f.clock.Advance(300 * 1000);
  std::vector<PollOutcome> out = Must(f.ingestor->PollDue(f.clock.NowMs()));
  REQUIRE(out.size() == 1);
  CHECK(out[0].status == SourceStatus::kNotModified);
  CHECK(out[0].http_status == 304);
  CHECK(f.server.LastHeader("if-none-match") == "\"v1\"");
  CHECK(f.server.LastHeader("if-modified-since") == "Fri, 15 Feb 2019 08:00:00 GMT");
  CHECK(f.drafts.size() == 5);
  CHECK(f.State("gov").last_status == SourceStatus::kNotModified);
}

TEST_CASE("an item re-served with a changed title but the same guid is not imported again",
          "[hub][ingest]") {
  IngestFixture f;
  f.server.Set("/gov/rss.xml", RssFeed());
  f.Open({f.Source("gov", "/gov/rss.xml")});
  CHECK(f.Poll("gov").items_new == 5);
  Upstream changed = RssFeed();
  const std::string old_title = "国务院关于印发国家职业教育改革实施方案的通知";
  changed.body.replace(changed.body.find(old_title), old_title.size(), "（修订）" + old_title);
  changed.etag = "\"v2\"";
  f.server.Set("/gov/rss.xml", changed);
  PollOutcome out = f.Poll("gov");
  CHECK(out.status == SourceStatus::kOk);
  CHECK(out.items_seen == 5);
  CHECK(out.items_new == 0);
  CHECK(f.drafts.size() == 5);
}

TEST_CASE("a malformed feed and an XXE feed are rejected with reasons while a good source imports",
          "[hub][ingest][security]") {
  IngestFixture f;
  f.server.Set("/broken.xml", {Fixture("malformed.xml"), "", ""});
  f.server.Set("/xxe.xml", {Fixture("xxe.xml"), "", ""});
  f.server.Set("/gov/rss.xml", RssFeed());
  f.Open({f.Source("broken", "/broken.xml"), f.Source("xxe", "/xxe.xml"),
          f.Source("gov", "/gov/rss.xml")});
  std::vector<PollOutcome> out = Must(f.ingestor->PollAll());
  REQUIRE(out.size() == 3);
  CHECK(out[0].status == SourceStatus::kBadFeed);
  CHECK(out[0].error.rfind("XML parse error at line ", 0) == 0);
  CHECK(out[1].status == SourceStatus::kBadFeed);
  CHECK(out[1].error.find("entity 'xxe'") != std::string::npos);
  CHECK(out[2].status == SourceStatus::kOk);
  CHECK(out[2].items_new == 5);
  CHECK(f.State("xxe").last_status == SourceStatus::kBadFeed);
  CHECK(f.State("xxe").last_error.find("entity 'xxe'") != std::string::npos);
  CHECK(f.State("broken").failures == 1);
  for (const Recorded& r : f.drafts) {
    CHECK(r.source == "gov");
    CHECK(r.content.body_html.find("root:") == std::string::npos);
  }
  staff::AuditFilter filter;
  filter.action_prefix = "ingest.rejected";
  std::vector<staff::AuditRecord> records = Must(f.audit->List(filter));
  REQUIRE(records.size() == 2);
  CHECK(records[0].actor == "ingest:xxe");
  CHECK(records[0].object == "source:xxe");
  CHECK(records[0].detail.find("entity 'xxe'") != std::string::npos);
  CHECK(records[1].actor == "ingest:broken");
  CHECK(Must(f.audit->Verify()).ok());
}

TEST_CASE("an HTML page served instead of the feed is rejected as not a feed", "[hub][ingest]") {
  IngestFixture f;
  f.server.Set("/moved.xml", {Fixture("html_page.html"), "", ""});
  f.Open({f.Source("moved", "/moved.xml")});
  PollOutcome out = f.Poll("moved");
  CHECK(out.status == SourceStatus::kBadFeed);
  CHECK(out.error.find("not a feed: root element is <html>") == 0);
}

TEST_CASE("HTTP 500 backs off exponentially up to an hour and success resets it", "[hub][ingest]") {
  IngestFixture f;
  f.server.Set("/down.xml", {"", "", "", 500});
  SourceConfig s = f.Source("down", "/down.xml");
  s.interval_s = 10;
  f.Open({s});
  PollOutcome out = f.Poll("down");
  CHECK(out.status == SourceStatus::kHttpError);
  CHECK(out.error == "HTTP 500");
  CHECK(out.next_poll_ms == kT0 + 20 * 1000);
  f.clock.Advance(19 * 1000);
  CHECK(Must(f.ingestor->PollDue(f.clock.NowMs())).empty());
  f.clock.Advance(1000);
  std::vector<PollOutcome> due = Must(f.ingestor->PollDue(f.clock.NowMs()));
  REQUIRE(due.size() == 1);
  CHECK(due[0].next_poll_ms == f.clock.NowMs() + 40 * 1000);
  CHECK(f.State("down").failures == 2);
  for (int i = 0; i < 10; ++i) out = f.Poll("down");
  CHECK(out.next_poll_ms == f.clock.NowMs() + 3600 * 1000);
  f.server.Set("/down.xml", RssFeed());
  out = f.Poll("down");
  CHECK(out.status == SourceStatus::kOk);
  CHECK(out.next_poll_ms == f.clock.NowMs() + 10 * 1000);
  CHECK(f.State("down").failures == 0);
}

TEST_CASE("a source slower than its timeout counts as a network failure and backs off",
          "[hub][ingest]") {
  IngestFixture f;
  Upstream slow = RssFeed();
  slow.sleep_ms = 1500;
  f.server.Set("/slow.xml", slow);
  SourceConfig s = f.Source("slow", "/slow.xml");
  s.interval_s = 10;
  s.timeout_s = 1;
  f.Open({s});
  PollOutcome out = f.Poll("slow");
  CHECK(out.status == SourceStatus::kNetwork);
  CHECK(!out.error.empty());
  CHECK(out.next_poll_ms == kT0 + 20 * 1000);
  CHECK(f.drafts.empty());
  out = f.Poll("slow");
  CHECK(out.next_poll_ms == kT0 + 40 * 1000);
  CHECK(f.State("slow").last_status == SourceStatus::kNetwork);
}

TEST_CASE("Retry-After on 429 and 503 delays the next poll beyond the backoff", "[hub][ingest]") {
  IngestFixture f;
  f.server.Set("/busy.xml", {"", "", "", 503, 0, "7200"});
  f.server.Set("/limited.xml", {"", "", "", 429, 0, "5"});
  SourceConfig busy = f.Source("busy", "/busy.xml");
  SourceConfig limited = f.Source("limited", "/limited.xml");
  busy.interval_s = limited.interval_s = 10;
  f.Open({busy, limited});
  CHECK(f.Poll("busy").next_poll_ms == kT0 + 7200 * 1000);
  CHECK(f.Poll("limited").next_poll_ms == kT0 + 20 * 1000);  // backoff is longer
}

TEST_CASE("duplicates are recognised after a restart that reopens ingest.db", "[hub][ingest]") {
  IngestFixture f;
  f.server.Set("/gov/rss.xml", RssFeed());
  f.Open({f.Source("gov", "/gov/rss.xml")});
  CHECK(f.Poll("gov").items_new == 5);
  f.Reopen();
  CHECK(f.State("gov").items_imported == 5);
  CHECK(f.State("gov").next_poll_ms == kT0 + 300 * 1000);
  Upstream again = RssFeed();
  again.etag = "\"v9\"";  // served in full, not 304
  f.server.Set("/gov/rss.xml", again);
  PollOutcome out = f.Poll("gov");
  CHECK(out.status == SourceStatus::kOk);
  CHECK(out.items_new == 0);
  CHECK(f.drafts.size() == 5);
}

TEST_CASE("an item the sink refuses is counted, audited and tried again on the next poll",
          "[hub][ingest]") {
  IngestFixture f;
  f.server.Set("/gov/rss.xml", {Fixture("ministry_rss2.xml"), "", ""});
  f.Open({f.Source("gov", "/gov/rss.xml")});
  f.refuse_title = "国务院关于印发国家职业教育改革实施方案的通知";
  PollOutcome out = f.Poll("gov");
  CHECK(out.items_new == 4);
  CHECK(out.items_rejected == 1);
  CHECK(f.State("gov").items_rejected == 1);
  staff::AuditFilter filter;
  filter.action_prefix = "ingest.rejected";
  REQUIRE(Must(f.audit->List(filter)).size() == 1);
  CHECK(Must(f.audit->List(filter))[0].detail.find("refused by the test sink") !=
        std::string::npos);
  f.refuse_title.clear();
  out = f.Poll("gov");
  CHECK(out.items_new == 1);
  CHECK(f.drafts.size() == 5);
}

TEST_CASE("at most max_items new items are imported per poll; the rest come next time",
          "[hub][ingest]") {
  IngestFixture f;
  f.server.Set("/gov/rss.xml", {Fixture("ministry_rss2.xml"), "", ""});
  SourceConfig s = f.Source("gov", "/gov/rss.xml");
  s.max_items = 2;
  f.Open({s});
  CHECK(f.Poll("gov").items_new == 2);
  CHECK(f.Poll("gov").items_new == 2);
  CHECK(f.Poll("gov").items_new == 1);
  CHECK(f.Poll("gov").items_new == 0);
  CHECK(f.drafts.size() == 5);
}

TEST_CASE("a GBK feed from upstream becomes drafts with correctly decoded titles",
          "[hub][ingest]") {
  IngestFixture f;
  f.server.Set("/gbk.xml", {Fixture("gbk_rss2.xml"), "", ""});
  f.Open({f.Source("gbk", "/gbk.xml")});
  CHECK(f.Poll("gbk").items_new == 2);
  CHECK(f.drafts[0].content.title ==
        "国务院办公厅关于深入开展消费扶贫助力打赢脱贫攻坚战的指导意见");
}

TEST_CASE("a status page reading Sources() does not wait for a slow poll", "[hub][ingest]") {
  IngestFixture f;
  Upstream slow = RssFeed();
  slow.sleep_ms = 2000;
  f.server.Set("/slow.xml", slow);
  f.Open({f.Source("slow", "/slow.xml")});
  std::thread poller([&f] { (void)f.ingestor->PollNow("slow"); });
  for (int i = 0; i < 500 && f.server.requests() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // waiting for the request
  }
  auto start = std::chrono::steady_clock::now();
  std::vector<SourceView> views = Must(f.ingestor->Sources());
  auto took = std::chrono::steady_clock::now() - start;
  poller.join();
  REQUIRE(views.size() == 1);
  CHECK(views[0].state.last_status == SourceStatus::kNever);  // the poll had not finished
  CHECK(took < std::chrono::milliseconds(1000));
  CHECK(f.State("slow").last_status == SourceStatus::kOk);
}

TEST_CASE("polling an unknown source is kNotFound", "[hub][ingest]") {
  IngestFixture f;
  f.Open({});
  auto out = f.ingestor->PollNow("nope");
  REQUIRE_FALSE(out.ok());
  CHECK(out.status().code() == base::Code::kNotFound);
}

TEST_CASE("the background thread polls due sources until stopped", "[hub][ingest]") {
  IngestFixture f;
  f.server.Set("/gov/rss.xml", RssFeed());
  f.Open({f.Source("gov", "/gov/rss.xml")});
  f.ingestor->Start();
  for (int i = 0; i < 200 && f.DraftCount() < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // waiting for work, not time
  }
  f.ingestor->Stop();
  CHECK(f.DraftCount() == 5);
  CHECK(f.server.requests() == 1);  // not due again on the fake clock
}

TEST_CASE("an item becomes a draft: plain-text summary as paragraphs, Beijing signed date",
          "[hub][ingest]") {
  SourceConfig s;
  s.authority = "财政部";
  s.topics = {"finance"};
  desk::ForeignItem item;
  item.summary = "第一段\n第二段 <b>不是标记</b>";
  item.summary_is_html = false;
  item.published_ms = 1550174400000;  // 2019-02-14T20:00:00Z = 2019-02-15 04:00 in Beijing
  item.link = "https://mof.example/a?x=1&y=2";
  item.categories = {"通知"};
  DraftContent d = ItemToDraft(s, item);
  CHECK(d.title == "第一段");
  CHECK(d.signed_date == "2019-02-15");
  CHECK(d.authority == "财政部");
  CHECK(d.categories == std::vector<std::string>{"通知"});
  CHECK(d.body_html.find("&lt;b&gt;") != std::string::npos);
  CHECK(d.body_html.find("href=\"https://mof.example/a?x=1&amp;y=2\"") != std::string::npos);
}

TEST_CASE("the command-line renderings name each source, its status and counts", "[hub][ingest]") {
  IngestFixture f;
  f.server.Set("/gov/rss.xml", RssFeed());
  f.server.Set("/xxe.xml", {Fixture("xxe.xml"), "", ""});
  f.Open({f.Source("gov", "/gov/rss.xml"), f.Source("xxe", "/xxe.xml")});
  std::vector<PollOutcome> out = Must(f.ingestor->PollAll());
  CHECK(FormatPollOutcome(out[0]) ==
        "gov: ok http=200 seen=5 new=5 rejected=0 next=2023-11-14T22:18:20.000Z");
  CHECK(FormatPollOutcome(out[1]).rfind("xxe: bad_feed http=200 seen=0 new=0", 0) == 0);
  std::string table = FormatSourceTable(Must(f.ingestor->Sources()));
  CHECK(table.rfind("NAME", 0) == 0);
  CHECK(table.find("gov                 ok            0     5/5/0") != std::string::npos);
  CHECK(table.find("DTD declares entity 'xxe'") != std::string::npos);
}

// ---- A failing ingest.db is an error, never a plausible answer ------------

TEST_CASE("a seen-items table that cannot be read fails the poll instead of skipping every item",
          "[hub][ingest][store]") {
  IngestFixture f;
  f.server.Set("/gov/rss.xml", RssFeed());
  f.Open({f.Source("gov", "/gov/rss.xml")});
  testing::BreakDb(f.dir.File("ingest.db"), "DROP TABLE seen_item");
  base::Result<PollOutcome> polled = f.ingestor->PollNow("gov");
  REQUIRE_FALSE(polled.ok());
  CHECK(polled.status().code() == base::Code::kIoError);
  CHECK_THAT(polled.status().message(),
             Catch::Contains("source gov") && Catch::Contains("no such table: seen_item"));
  CHECK(f.DraftCount() == 0);
  // The state was saved all the same: the reason shows, the source is not
  // polled again at once, and its validators were not kept, so the next
  // poll fetches the whole feed again instead of a 304.
  SourceState st = f.State("gov");
  CHECK_THAT(st.last_error, Catch::Contains("no such table: seen_item"));
  CHECK(st.next_poll_ms > f.clock.NowMs());
  CHECK(st.etag.empty());
  CHECK(Must(f.ingestor->PollDue(f.clock.NowMs())).empty());
  CHECK(f.ingestor->PollAll().status().code() == base::Code::kIoError);
}

TEST_CASE("a stored source status the program does not know is corruption naming it",
          "[hub][ingest][store]") {
  IngestFixture f;
  f.server.Set("/gov/rss.xml", RssFeed());
  f.Open({f.Source("gov", "/gov/rss.xml")});
  REQUIRE(f.Poll("gov").status == SourceStatus::kOk);
  testing::BreakDb(f.dir.File("ingest.db"), "UPDATE source_state SET last_status = 'asleep'");
  base::Result<std::vector<SourceView>> views = f.ingestor->Sources();
  REQUIRE_FALSE(views.ok());
  CHECK(views.status().code() == base::Code::kCorruption);
  CHECK_THAT(views.status().message(), Catch::Contains("source_state.last_status") &&
                                           Catch::Contains("'gov'") && Catch::Contains("'asleep'"));
  f.clock.Advance(3600 * 1000);
  CHECK(f.ingestor->PollDue(f.clock.NowMs()).status().code() == base::Code::kCorruption);
  CHECK(f.ingestor->PollNow("gov").status().code() == base::Code::kCorruption);
}

TEST_CASE("hub metrics count drafts per workflow state and upstream sources", "[desk][metrics]") {
  testing::HubFixture f;
  DeskConfig dc;
  dc.data_dir = f.config.data_dir;
  dc.sources.push_back({});
  SourceConfig& src = dc.sources.back();
  src.name = "ministry";
  src.url = "http://127.0.0.1:1/feed.xml";  // nothing listens: never polled in this test
  src.authority = "国务院办公厅";
  auto audit = staff::AuditLog::Open(f.dir.File("audit.db"));
  REQUIRE(audit.ok());
  auto stack = DeskStack::Open(dc, *f.hub, **audit, f.clock);
  REQUIRE(stack.ok());
  staff::Principal editor;
  editor.user_id = 5;
  editor.username = "editor";
  editor.roles = staff::RoleSet({staff::Role::kEditor});
  DraftContent c;
  c.title = "关于测试指标的通知";
  c.authority = "国务院办公厅";
  c.body_html = "<p>正文</p>";
  REQUIRE((*stack)->desk().Create(editor, c).ok());
  auto d = (*stack)->desk().Create(editor, c);
  REQUIRE(d.ok());
  REQUIRE((*stack)->desk().Submit(editor, d->id).ok());
  std::string text = testing::Must(hub::HubMetricsText(*f.hub));
  CHECK(text.find("# TYPE zhanqun_hub_drafts gauge") != std::string::npos);
  CHECK(text.find("zhanqun_hub_drafts{state=\"draft\"} 1\n") != std::string::npos);
  CHECK(text.find("zhanqun_hub_drafts{state=\"in_review\"} 1\n") != std::string::npos);
  CHECK(text.find("zhanqun_hub_drafts{state=\"published\"} 0\n") != std::string::npos);
  CHECK(text.find("zhanqun_hub_source_up{source=\"ministry\"} 0\n") != std::string::npos);
  CHECK(text.find("zhanqun_hub_source_items_imported_total{source=\"ministry\"} 0\n") !=
        std::string::npos);
  CHECK(text.find("zhanqun_hub_desk_store_up 1\n") != std::string::npos);

  // A desk.db that cannot answer shows as down, not as a desk without drafts.
  testing::BreakDb(dc.DeskDbPath(), "ALTER TABLE drafts RENAME TO drafts_gone");
  text = testing::Must(hub::HubMetricsText(*f.hub));
  CHECK(text.find("zhanqun_hub_desk_store_up 0\n") != std::string::npos);
  CHECK(text.find("# TYPE zhanqun_hub_drafts gauge") != std::string::npos);
  CHECK(text.find("zhanqun_hub_drafts{") == std::string::npos);
  // ingest.db still answers: the sources are shown as before.
  CHECK(text.find("zhanqun_hub_source_up{source=\"ministry\"} 0\n") != std::string::npos);
}

}  // namespace
}  // namespace zhanqun::desk
