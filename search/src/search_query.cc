// Builds the Xapian query for a SearchQuery: the parsed text, the boost for
// an exact document number, and the boolean and date filters.
#include <string>
#include <vector>

#include "search_internal.h"
#include "zhanqun/base/strings.h"

namespace zhanqun::search::search_internal {

using base::Result;
using base::Status;

namespace {

constexpr double kExactDocNumberBoost = 10.0;

Xapian::QueryParser MakeQueryParser(const Xapian::Database& db) {
  Xapian::QueryParser parser;
  parser.set_database(db);
  parser.set_default_op(Xapian::Query::OP_AND);
  parser.add_prefix("title", kPrefixTitle);
  parser.add_prefix("标题", kPrefixTitle);
  parser.add_prefix("docno", kPrefixDocNumber);
  parser.add_prefix("文号", kPrefixDocNumber);
  parser.add_prefix("authority", kPrefixAuthority);
  parser.add_prefix("机关", kPrefixAuthority);
  return parser;
}

// REQUIRES: `text` is trimmed and not empty.
Result<Xapian::Query> ParseText(const Xapian::Database& db, const std::string& text) {
  Xapian::Query parsed;
  try {
    parsed = MakeQueryParser(db).parse_query(
        text, Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_CJK_NGRAM);
  } catch (const Xapian::QueryParserError& e) {
    return Status::Invalid("query: " + e.get_msg());
  }
  Xapian::Query exact(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(kPrefixExactDocNumber + text),
                      kExactDocNumberBoost);
  return Xapian::Query(Xapian::Query::OP_OR, parsed, exact);
}

void AddDateFilter(const SearchQuery& query, std::vector<Xapian::Query>& filters) {
  auto date = [](base::TimeMs t) { return Xapian::sortable_serialise(static_cast<double>(t)); };
  if (query.from_ms && query.to_ms) {
    filters.emplace_back(Xapian::Query::OP_VALUE_RANGE, kSlotDate, date(*query.from_ms),
                         date(*query.to_ms));
  } else if (query.from_ms) {
    filters.emplace_back(Xapian::Query::OP_VALUE_GE, kSlotDate, date(*query.from_ms));
  } else if (query.to_ms) {
    filters.emplace_back(Xapian::Query::OP_VALUE_LE, kSlotDate, date(*query.to_ms));
  }
}

std::vector<Xapian::Query> Filters(const SearchQuery& query) {
  std::vector<Xapian::Query> filters;
  if (query.topic) filters.emplace_back(kPrefixTopic + *query.topic);
  if (query.authority) filters.emplace_back(kPrefixExactAuthority + *query.authority);
  if (query.level) {
    filters.emplace_back(kPrefixLevel + std::string(feeds::NodeLevelName(*query.level)));
  }
  AddDateFilter(query, filters);
  return filters;
}

}  // namespace

std::string Trim(std::string_view s) { return std::string(base::TrimAscii(s)); }

Result<Xapian::Query> ParseQuery(const Xapian::Database& db, const SearchQuery& query) {
  std::string text = Trim(query.text);
  if (text.empty()) return Status::Invalid("query: text is empty");
  Result<Xapian::Query> q = ParseText(db, text);
  if (!q.ok()) return q.status();
  std::vector<Xapian::Query> filters = Filters(query);
  if (filters.empty()) return q;
  return Xapian::Query(Xapian::Query::OP_FILTER, *q,
                       Xapian::Query(Xapian::Query::OP_AND, filters.begin(), filters.end()));
}

}  // namespace zhanqun::search::search_internal
