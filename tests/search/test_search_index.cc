// SearchIndex tests. Like Xapian's own suite, each test that does not depend
// on persistence runs against both backends: in-memory and on-disk.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "test_support.h"
#include "zhanqun/search/search_index.h"
#include "zhanqun/text/sanitize.h"

namespace zhanqun::search {
namespace {

using testing::TempDir;

namespace fs = std::filesystem;
using base::Code;

// One backend under test: "memory" opens with an empty dir, "disk" with a
// fresh temporary directory.
class Backend {
 public:
  explicit Backend(std::string name) : name_(std::move(name)) {}
  std::string Dir() const { return name_ == "disk" ? tmp_.path() + "/index" : ""; }
  std::unique_ptr<SearchIndex> OpenWritable() const {
    auto index = SearchIndex::Open(Dir(), SearchIndex::Mode::kWritable);
    REQUIRE(index.ok());
    return std::move(index).value();
  }

 private:
  std::string name_;
  TempDir tmp_;
};

// YYYY-MM-DD at midnight UTC, in ms; Howard Hinnant's days_from_civil.
base::TimeMs DateMs(const std::string& date) {
  int y = std::stoi(date.substr(0, 4));
  int m = std::stoi(date.substr(5, 2));
  int d = std::stoi(date.substr(8, 2));
  y -= m <= 2;
  int era = (y >= 0 ? y : y - 399) / 400;
  int yoe = y - era * 400;
  int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  long long days = era * 146097LL + doe - 719468;
  return days * 86400000LL;
}

const std::vector<IndexedRelease>& Fixtures() {
  static const std::vector<IndexedRelease> releases = [] {
    std::vector<IndexedRelease> out;
    std::ifstream in(std::string(ZQ_FIXTURES_DIR) + "/govcn_state_council_2019.jsonl");
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      auto j = nlohmann::json::parse(line);
      IndexedRelease r;
      r.release.id = j.at("id").get<std::string>();
      r.release.title = j.at("title").get<std::string>();
      r.release.doc_number = j.at("doc_number").get<std::string>();
      r.release.authority = j.at("authority").get<std::string>();
      r.release.signed_date = j.at("date").get<std::string>();
      r.release.published_ms = DateMs(j.at("pub_date").get<std::string>());
      r.release.body_html = text::TextToHtml(j.at("body").get<std::string>());
      r.origin = "000000";
      r.seq = out.size() + 1;
      out.push_back(std::move(r));
    }
    return out;
  }();
  return releases;
}

void IndexFixtures(SearchIndex& index) {
  for (const IndexedRelease& r : Fixtures()) REQUIRE(index.Put(r).ok());
  REQUIRE(index.Commit().ok());
}

IndexedRelease SmallRelease(const std::string& id, const std::string& title,
                            const std::string& body_html) {
  IndexedRelease r;
  r.release.id = id;
  r.release.title = title;
  r.release.authority = "国务院办公厅";
  r.release.body_html = body_html;
  r.origin = "110000";
  r.seq = 1;
  return r;
}

SearchResults MustSearch(const SearchIndex& index, const std::string& text, std::size_t offset = 0,
                         std::size_t limit = 10) {
  SearchQuery q;
  q.text = text;
  q.offset = offset;
  q.limit = limit;
  auto results = index.Search(q);
  INFO(results.status().ToString());
  REQUIRE(results.ok());
  return std::move(results).value();
}

}  // namespace

TEST_CASE("a Chinese query finds the State Council document it is about", "[agent][search]") {
  Backend backend(GENERATE(as<std::string>{}, "memory", "disk"));
  auto index = backend.OpenWritable();
  IndexFixtures(*index);
  REQUIRE(index->DocCount() == Fixtures().size());

  SearchResults results = MustSearch(*index, "职业教育");
  REQUIRE_FALSE(results.hits.empty());
  CHECK(results.hits[0].title == "国务院关于印发国家职业教育改革实施方案的通知");
  CHECK(results.hits[0].doc_number == "国发〔2019〕4号");
  CHECK(results.hits[0].authority == "国务院");
  CHECK(results.hits[0].published_ms == DateMs("2019-02-13"));
  CHECK(results.hits[0].score > 0);
  CHECK(results.hits[0].title_html == "国务院关于印发国家<mark>职业教育</mark>改革实施方案的通知");

  // 营商环境 appears in the body of the 双随机、一公开 opinion.
  SearchResults business = MustSearch(*index, "营商环境");
  std::set<std::string> ids;
  for (const SearchHit& hit : business.hits) ids.insert(hit.id);
  CHECK(ids.count("govcn:000014349/2019-00007") == 1);
}

TEST_CASE("a search by document number finds the document that carries it", "[agent][search]") {
  Backend backend(GENERATE(as<std::string>{}, "memory", "disk"));
  auto index = backend.OpenWritable();
  IndexFixtures(*index);

  SearchResults results = MustSearch(*index, "国发〔2019〕5号");
  REQUIRE_FALSE(results.hits.empty());
  CHECK(results.hits[0].doc_number == "国发〔2019〕5号");
  CHECK(results.hits[0].id == "govcn:000014349/2019-00007");

  SearchResults prefixed = MustSearch(*index, "文号:国令第707号");
  REQUIRE_FALSE(prefixed.hits.empty());
  CHECK(prefixed.hits[0].doc_number == "国令第707号");
}

TEST_CASE("snippets mark the matched words and escape the body's markup", "[agent][search]") {
  Backend backend(GENERATE(as<std::string>{}, "memory", "disk"));
  auto index = backend.OpenWritable();
  REQUIRE(index
              ->Put(SmallRelease("t:1", "关于优化营商环境的意见",
                                 "<p>持续优化营商环境，防止 &lt;script&gt; 注入。</p>"))
              .ok());
  REQUIRE(index->Commit().ok());

  SearchResults results = MustSearch(*index, "营商环境");
  REQUIRE(results.hits.size() == 1);
  const SearchHit& hit = results.hits[0];
  CHECK(hit.snippet_html.find("<mark>营商环境</mark>") != std::string::npos);
  CHECK(hit.snippet_html.find("&lt;script&gt;") != std::string::npos);
  CHECK(hit.snippet_html.find("<script>") == std::string::npos);
  CHECK(hit.title_html.find("<mark>") != std::string::npos);
  CHECK(hit.title_html.find("关于") != std::string::npos);
}

TEST_CASE("putting a release again replaces it instead of adding a duplicate", "[agent][search]") {
  Backend backend(GENERATE(as<std::string>{}, "memory", "disk"));
  auto index = backend.OpenWritable();
  IndexedRelease r = SmallRelease("t:1", "关于推进职业教育的通知", "<p>职业教育</p>");
  REQUIRE(index->Put(r).ok());
  r.release.version = 2;
  r.release.title = "关于推进营商环境建设的通知";
  r.release.body_html = "<p>营商环境</p>";
  REQUIRE(index->Put(r).ok());
  REQUIRE(index->Commit().ok());

  CHECK(index->DocCount() == 1);
  CHECK(MustSearch(*index, "职业教育").hits.empty());
  SearchResults results = MustSearch(*index, "营商环境");
  REQUIRE(results.hits.size() == 1);
  CHECK(results.hits[0].version == 2);
}

TEST_CASE("a withdrawn release is removed from the index", "[agent][search]") {
  Backend backend(GENERATE(as<std::string>{}, "memory", "disk"));
  auto index = backend.OpenWritable();
  IndexedRelease r = SmallRelease("t:1", "关于推进职业教育的通知", "<p>职业教育</p>");
  REQUIRE(index->Put(r).ok());
  REQUIRE(index->Put(SmallRelease("t:2", "另一份通知", "<p>职业教育</p>")).ok());
  REQUIRE(index->Commit().ok());
  REQUIRE(index->DocCount() == 2);

  r.release.status = feeds::ReleaseStatus::kWithdrawn;
  REQUIRE(index->Put(r).ok());
  REQUIRE(index->Commit().ok());
  CHECK(index->DocCount() == 1);
  SearchResults results = MustSearch(*index, "职业教育");
  REQUIRE(results.hits.size() == 1);
  CHECK(results.hits[0].id == "t:2");

  REQUIRE(index->Remove("t:2").ok());
  REQUIRE(index->Remove("never-indexed").ok());
  CHECK(index->DocCount() == 0);
}

TEST_CASE("a topic filter keeps only releases tagged with that topic", "[agent][search]") {
  Backend backend(GENERATE(as<std::string>{}, "memory", "disk"));
  auto index = backend.OpenWritable();
  IndexedRelease education = SmallRelease("t:1", "职业教育通知", "<p>改革</p>");
  education.release.topics = {"教育"};
  IndexedRelease market = SmallRelease("t:2", "市场监管通知", "<p>改革</p>");
  market.release.topics = {"市场监管", "营商环境"};
  REQUIRE(index->Put(education).ok());
  REQUIRE(index->Put(market).ok());
  REQUIRE(index->Commit().ok());

  SearchQuery q;
  q.text = "改革";
  q.topic = "营商环境";
  auto results = index->Search(q);
  REQUIRE(results.ok());
  REQUIRE(results->hits.size() == 1);
  CHECK(results->hits[0].id == "t:2");

  q.topic = "农业";
  results = index->Search(q);
  REQUIRE(results.ok());
  CHECK(results->hits.empty());

  q.topic.reset();
  results = index->Search(q);
  REQUIRE(results.ok());
  CHECK(results->hits.size() == 2);
}

TEST_CASE("an empty, malformed or oversized query is rejected as invalid", "[agent][search]") {
  Backend backend(GENERATE(as<std::string>{}, "memory", "disk"));
  auto index = backend.OpenWritable();
  SearchQuery q;
  for (const char* text : {"", "   \t\n", "AND"}) {
    q.text = text;
    auto results = index->Search(q);
    REQUIRE_FALSE(results.ok());
    CHECK(results.status().code() == Code::kInvalidArgument);
    CHECK(results.status().message().rfind("query:", 0) == 0);
  }
  q.text = "职业教育";
  q.limit = 101;
  auto results = index->Search(q);
  REQUIRE_FALSE(results.ok());
  CHECK(results.status().code() == Code::kInvalidArgument);
}

TEST_CASE("offset and limit page through the hits without overlap", "[agent][search]") {
  Backend backend(GENERATE(as<std::string>{}, "memory", "disk"));
  auto index = backend.OpenWritable();
  IndexFixtures(*index);

  SearchResults all = MustSearch(*index, "国务院", 0, 10);
  SearchResults first = MustSearch(*index, "国务院", 0, 5);
  SearchResults second = MustSearch(*index, "国务院", 5, 5);
  REQUIRE(all.hits.size() == 10);
  REQUIRE(first.hits.size() == 5);
  REQUIRE(second.hits.size() == 5);
  CHECK(all.estimated_total >= 10);
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK(first.hits[i].id == all.hits[i].id);
    CHECK(second.hits[i].id == all.hits[i + 5].id);
  }
  CHECK(MustSearch(*index, "国务院", 1000, 10).hits.empty());
}

SearchResults MustSearch(const SearchIndex& index, const SearchQuery& q) {
  auto results = index.Search(q);
  INFO(results.status().ToString());
  REQUIRE(results.ok());
  return std::move(results).value();
}

SearchQuery TextQuery(const std::string& text, std::size_t limit = 100) {
  SearchQuery q;
  q.text = text;
  q.limit = limit;
  return q;
}

TEST_CASE("an authority filter keeps only releases of exactly that authority", "[agent][search]") {
  Backend backend(GENERATE(as<std::string>{}, "memory", "disk"));
  auto index = backend.OpenWritable();
  IndexFixtures(*index);

  SearchQuery q = TextQuery("国务院");
  q.authority = "国务院";
  SearchResults council = MustSearch(*index, q);
  REQUIRE_FALSE(council.hits.empty());
  for (const SearchHit& hit : council.hits) CHECK(hit.authority == "国务院");

  q.authority = "国务院办公厅";
  SearchResults office = MustSearch(*index, q);
  REQUIRE_FALSE(office.hits.empty());
  for (const SearchHit& hit : office.hits) CHECK(hit.authority == "国务院办公厅");

  q.authority = "国务院办";  // a prefix is not the authority
  CHECK(MustSearch(*index, q).hits.empty());
  q.authority = std::string(300, 'x');  // longer than any term: no match, no error
  CHECK(MustSearch(*index, q).hits.empty());
}

TEST_CASE("a level filter keeps only releases carried by an origin of that level",
          "[agent][search]") {
  Backend backend(GENERATE(as<std::string>{}, "memory", "disk"));
  auto index = backend.OpenWritable();
  IndexedRelease national = SmallRelease("t:1", "职业教育通知", "<p>改革</p>");
  IndexedRelease city = SmallRelease("t:2", "职业教育实施办法", "<p>改革</p>");
  city.level = feeds::NodeLevel::kCity;
  REQUIRE(index->Put(national).ok());
  REQUIRE(index->Put(city).ok());
  REQUIRE(index->Commit().ok());

  SearchQuery q = TextQuery("职业教育");
  q.level = feeds::NodeLevel::kCity;
  SearchResults results = MustSearch(*index, q);
  REQUIRE(results.hits.size() == 1);
  CHECK(results.hits[0].id == "t:2");
  q.level = feeds::NodeLevel::kNational;
  results = MustSearch(*index, q);
  REQUIRE(results.hits.size() == 1);
  CHECK(results.hits[0].id == "t:1");
  q.level = feeds::NodeLevel::kCounty;
  CHECK(MustSearch(*index, q).hits.empty());
}

TEST_CASE("a date range keeps only releases published within it, both ends included",
          "[agent][search]") {
  Backend backend(GENERATE(as<std::string>{}, "memory", "disk"));
  auto index = backend.OpenWritable();
  IndexFixtures(*index);
  auto count_between = [](base::TimeMs from, base::TimeMs to) {
    std::size_t n = 0;
    for (const IndexedRelease& r : Fixtures()) {
      n += r.release.published_ms >= from && r.release.published_ms <= to ? 1 : 0;
    }
    return n;
  };

  auto from = base::BeijingDayRangeMs("2019-01-08");
  auto to = base::BeijingDayRangeMs("2019-01-30");
  REQUIRE(from.ok());
  REQUIRE(to.ok());
  SearchQuery q = TextQuery("国务院");
  q.from_ms = from->first;
  q.to_ms = to->second;
  SearchResults results = MustSearch(*index, q);
  REQUIRE(results.hits.size() == count_between(from->first, to->second));
  std::set<base::TimeMs> days;
  for (const SearchHit& hit : results.hits) {
    CHECK(hit.published_ms >= from->first);
    CHECK(hit.published_ms <= to->second);
    days.insert(hit.published_ms);
  }
  CHECK(days.count(DateMs("2019-01-08")) == 1);  // both ends are included
  CHECK(days.count(DateMs("2019-01-30")) == 1);

  q.to_ms.reset();  // open end
  results = MustSearch(*index, q);
  CHECK(results.hits.size() == count_between(from->first, DateMs("2100-01-01")));
  q.from_ms.reset();
  q.to_ms = to->second;  // open start
  results = MustSearch(*index, q);
  CHECK(results.hits.size() == count_between(0, to->second));
  q.from_ms = DateMs("2019-02-01");  // after to_ms
  CHECK(MustSearch(*index, q).hits.empty());
}

TEST_CASE("a calendar day is read as a Beijing-time range and bad dates are rejected",
          "[agent][search]") {
  auto day = base::BeijingDayRangeMs("2019-02-13");
  REQUIRE(day.ok());
  CHECK(day->first == DateMs("2019-02-13") - 8 * 3600 * 1000LL);
  CHECK(day->second == day->first + 86400000LL - 1);
  for (const char* bad : {"", "2019-02-30", "2019/02/13", "2019-2-13", "2019-02-13T00:00:00Z"}) {
    auto parsed = base::BeijingDayRangeMs(bad);
    CHECK(parsed.status().code() == Code::kInvalidArgument);
  }
}

TEST_CASE("sorting by date lists the newest releases first", "[agent][search]") {
  Backend backend(GENERATE(as<std::string>{}, "memory", "disk"));
  auto index = backend.OpenWritable();
  IndexFixtures(*index);

  SearchQuery q = TextQuery("职业教育");
  q.sort = SearchSort::kDate;
  SearchResults results = MustSearch(*index, q);
  REQUIRE(results.hits.size() >= 2);
  for (std::size_t i = 1; i < results.hits.size(); ++i) {
    CHECK(results.hits[i - 1].published_ms >= results.hits[i].published_ms);
  }
  q.text = "国务院";
  q.limit = 3;
  results = MustSearch(*index, q);
  REQUIRE(results.hits.size() == 3);
  CHECK(results.hits[0].published_ms == DateMs("2019-02-15"));
  q.offset = 3;  // paging continues in date order
  SearchResults next = MustSearch(*index, q);
  REQUIRE_FALSE(next.hits.empty());
  CHECK(next.hits[0].published_ms <= results.hits[2].published_ms);
}

TEST_CASE("a Chinese query with a typo that matches nothing suggests one that matches",
          "[agent][search]") {
  Backend backend(GENERATE(as<std::string>{}, "memory", "disk"));
  auto index = backend.OpenWritable();
  IndexFixtures(*index);

  // A wrong character: 肓 for 育.
  SearchResults typo = MustSearch(*index, TextQuery("职业教肓"));
  CHECK(typo.hits.empty());
  REQUIRE(typo.did_you_mean.has_value());
  CHECK(*typo.did_you_mean == "职业教育");
  CHECK_FALSE(MustSearch(*index, TextQuery(*typo.did_you_mean)).hits.empty());

  // An extra character.
  SearchResults extra = MustSearch(*index, TextQuery("职业教育育"));
  CHECK(extra.hits.empty());
  REQUIRE(extra.did_you_mean.has_value());
  CHECK(*extra.did_you_mean == "职业教育");

  // The suggestion respects the filters: under another authority only a
  // shorter run of the query can match.
  SearchQuery filtered = TextQuery("营商环境优化肓");
  filtered.authority = "国务院";
  SearchResults with_filter = MustSearch(*index, filtered);
  CHECK(with_filter.hits.empty());
  if (with_filter.did_you_mean) {
    filtered.text = *with_filter.did_you_mean;
    CHECK_FALSE(MustSearch(*index, filtered).hits.empty());
  }

  // Hits, or nothing to go on: no suggestion.
  CHECK_FALSE(MustSearch(*index, TextQuery("职业教育")).did_you_mean.has_value());
  CHECK_FALSE(MustSearch(*index, TextQuery("肓肓")).did_you_mean.has_value());
}

TEST_CASE("a misspelt Latin word that matches nothing suggests the indexed word",
          "[agent][search]") {
  Backend backend(GENERATE(as<std::string>{}, "memory", "disk"));
  auto index = backend.OpenWritable();
  REQUIRE(index->Put(SmallRelease("t:1", "Vocational education reform", "<p>职业教育</p>")).ok());
  REQUIRE(index->Commit().ok());

  SearchResults results = MustSearch(*index, TextQuery("vocational educatoin"));
  CHECK(results.hits.empty());
  REQUIRE(results.did_you_mean.has_value());
  CHECK(*results.did_you_mean == "vocational education");
  CHECK_FALSE(MustSearch(*index, TextQuery("Education")).did_you_mean.has_value());
}

TEST_CASE("the indexed seq of an origin is kept per origin", "[agent][search]") {
  Backend backend(GENERATE(as<std::string>{}, "memory", "disk"));
  auto index = backend.OpenWritable();
  CHECK(index->IndexedSeq("110000") == 0);
  REQUIRE(index->SetIndexedSeq("110000", 42).ok());
  REQUIRE(index->SetIndexedSeq("310000", 7).ok());
  REQUIRE(index->Commit().ok());
  CHECK(index->IndexedSeq("110000") == 42);
  CHECK(index->IndexedSeq("310000") == 7);
  CHECK(index->IndexedSeq("440000") == 0);
}

namespace {

// A writable index at `dir` holding release t:1 (职业教育通知) and indexed
// seq `seq` of origin 110000, not committed yet.
std::unique_ptr<SearchIndex> OneReleaseIndex(const std::string& dir, std::uint64_t seq) {
  auto index = SearchIndex::Open(dir, SearchIndex::Mode::kWritable);
  REQUIRE(index.ok());
  REQUIRE((*index)->Put(SmallRelease("t:1", "职业教育通知", "<p>改革</p>")).ok());
  REQUIRE((*index)->SetIndexedSeq("110000", seq).ok());
  return std::move(index).value();
}

}  // namespace

TEST_CASE("the indexed seq and documents survive closing and reopening the index",
          "[agent][search][disk]") {
  TempDir tmp;
  std::string dir = tmp.path() + "/index";
  REQUIRE(OneReleaseIndex(dir, 42)->Commit().ok());
  auto reader = SearchIndex::Open(dir, SearchIndex::Mode::kReadOnly);
  REQUIRE(reader.ok());
  CHECK((*reader)->IndexedSeq("110000") == 42);
  CHECK((*reader)->DocCount() == 1);
  CHECK(MustSearch(**reader, "职业教育").hits.size() == 1);
  CHECK((*reader)->Put(SmallRelease("t:2", "x", "<p>x</p>")).code() == Code::kFailedPrecondition);
}

namespace {

// A read-only handle on a new, empty index created at `dir`.
std::unique_ptr<SearchIndex> EmptyIndexReader(const std::string& dir) {
  {
    auto writer = SearchIndex::Open(dir, SearchIndex::Mode::kWritable);
    REQUIRE(writer.ok());
    REQUIRE((*writer)->Commit().ok());
  }
  auto reader = SearchIndex::Open(dir, SearchIndex::Mode::kReadOnly);
  REQUIRE(reader.ok());
  return std::move(reader).value();
}

}  // namespace

TEST_CASE("a read-only index sees a writer's new commits after Refresh", "[agent][search][disk]") {
  TempDir tmp;
  std::string dir = tmp.path() + "/index";
  std::unique_ptr<SearchIndex> reader = EmptyIndexReader(dir);
  CHECK(reader->DocCount() == 0);
  auto writer = SearchIndex::Open(dir, SearchIndex::Mode::kWritable);
  REQUIRE(writer.ok());

  REQUIRE((*writer)->Put(SmallRelease("t:1", "职业教育通知", "<p>改革</p>")).ok());
  REQUIRE((*writer)->Commit().ok());
  REQUIRE(reader->Refresh().ok());
  CHECK(reader->DocCount() == 1);
}

TEST_CASE("an idle index closes its writer, keeps serving searches and reopens it to write",
          "[agent][search][disk]") {
  TempDir tmp;
  std::string dir = tmp.path() + "/index";
  std::unique_ptr<SearchIndex> index = OneReleaseIndex(dir, 1);
  CHECK_FALSE(index->ReleaseMemory());  // uncommitted work stays with the writer
  REQUIRE(index->Commit().ok());
  CHECK(index->ReleaseMemory());
  CHECK_FALSE(index->ReleaseMemory());  // already closed

  // Searches and reads go on from the read-only handle.
  CHECK(MustSearch(*index, "职业教育").hits.size() == 1);
  CHECK(index->IndexedSeq("110000") == 1);
  CHECK(index->DocCount() == 1);
  REQUIRE(index->Commit().ok());  // nothing to commit, and no writer opened for it

  // The write lock is really let go: another writer can open meanwhile.
  {
    auto other = SearchIndex::Open(dir, SearchIndex::Mode::kWritable);
    INFO(other.status().ToString());
    CHECK(other.ok());
  }

  // The next write reopens the writer; what it writes is searchable at once.
  REQUIRE(index->Put(SmallRelease("t:2", "营商环境条例", "<p>优化</p>")).ok());
  CHECK(MustSearch(*index, "营商环境").hits.size() == 1);
  REQUIRE(index->SetIndexedSeq("110000", 2).ok());
  REQUIRE(index->Commit().ok());
  CHECK(index->IndexedSeq("110000") == 2);
  CHECK(index->DocCount() == 2);
  // Reopened, the writer holds the lock again.
  auto second = SearchIndex::Open(dir, SearchIndex::Mode::kWritable);
  CHECK_FALSE(second.ok());
}

TEST_CASE("only a writable index on disk can close its writer", "[agent][search]") {
  auto memory = SearchIndex::Open("", SearchIndex::Mode::kWritable);
  REQUIRE(memory.ok());
  REQUIRE((*memory)->Put(SmallRelease("t:1", "职业教育通知", "<p>改革</p>")).ok());
  REQUIRE((*memory)->Commit().ok());
  CHECK_FALSE((*memory)->ReleaseMemory());  // the in-memory database is the data
  CHECK(MustSearch(**memory, "职业教育").hits.size() == 1);

  TempDir tmp;
  CHECK_FALSE(EmptyIndexReader(tmp.path() + "/index")->ReleaseMemory());
}

TEST_CASE("opening a missing index read-only fails with a status, not an exception",
          "[agent][search][disk]") {
  TempDir tmp;
  auto reader = SearchIndex::Open(tmp.path() + "/absent", SearchIndex::Mode::kReadOnly);
  REQUIRE_FALSE(reader.ok());
  CHECK(reader.status().message().find("absent") != std::string::npos);

  auto memory = SearchIndex::Open("", SearchIndex::Mode::kReadOnly);
  REQUIRE_FALSE(memory.ok());
  CHECK(memory.status().code() == Code::kInvalidArgument);
}

}  // namespace zhanqun::search
