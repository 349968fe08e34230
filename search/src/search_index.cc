// Xapian adapter for SearchIndex: opening, writing and searching the
// database. Every Xapian::Error is turned into a Status before it leaves a
// public function. Documents are built in search_document.cc, queries in
// search_query.cc, hits in search_hit.cc, suggestions in search_suggest.cc.
#include "zhanqun/search/search_index.h"

#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>

#include "search_internal.h"
#include "zhanqun/base/time.h"

namespace zhanqun::search {
namespace {

using base::Result;
using base::Status;
using search_internal::kPrefixId;
using search_internal::kSlotDate;

constexpr std::size_t kMaxLimit = 100;

// Xapian::Error is not polymorphic, so the subclass is told by its type name.
Status FromXapian(const Xapian::Error& e, const std::string& what) {
  std::string message = "search index: " + what + ": " + e.get_description();
  std::string type = e.get_type();
  if (type == "DatabaseCorruptError") return Status::Corruption(std::move(message));
  if (type == "DatabaseNotFoundError") return Status::NotFound(std::move(message));
  if (type == "InvalidArgumentError") return Status::Invalid(std::move(message));
  return Status::IoError(std::move(message));
}

std::string SeqKey(const std::string& origin) { return "seq:" + origin; }

void ConfigureEnquire(Xapian::Enquire& enquire, const Xapian::Query& q, SearchSort sort) {
  enquire.set_query(q);
  if (sort == SearchSort::kDate) enquire.set_sort_by_value_then_relevance(kSlotDate, true);
}

Result<SearchResults> Collect(const Xapian::MSet& mset) {
  SearchResults results;
  results.estimated_total = mset.get_matches_estimated();
  for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it) {
    Result<SearchHit> hit = search_internal::MakeHit(mset, it);
    if (!hit.ok()) return hit.status();
    results.hits.push_back(std::move(hit).value());
  }
  return results;
}

}  // namespace

struct SearchIndex::Impl {
  std::string dir;  // empty for an in-memory index
  bool writable = false;
  // Open while writing; a writable on-disk index closes it in
  // ReleaseMemory() and reopens it on the next write.
  std::optional<Xapian::WritableDatabase> writer;
  // The writer itself while it is open, else a read-only handle.
  Xapian::Database reader;
  bool dirty = false;  // written since the last commit

  Status RequireWritable(const char* what) const {
    if (writable) return Status::Ok();
    return Status::Precondition(std::string("search index: ") + what + " needs a writable index");
  }

  // The writer, reopened if ReleaseMemory() closed it.
  Status Writer(const char* what) {
    ZQ_RETURN_IF_ERROR(RequireWritable(what));
    if (writer.has_value()) return Status::Ok();
    try {
      // No fsync per commit: the index is derived from the store, which is
      // the durable record, and the agent rebuilds it when it cannot be
      // opened (Agent::Open). A per-entry fsync would dominate delivery time.
      writer.emplace(dir, Xapian::DB_CREATE_OR_OPEN | Xapian::DB_NO_SYNC);
      reader = *writer;
    } catch (const Xapian::Error& e) {
      return FromXapian(e, "opening '" + dir + "' for writing");
    }
    return Status::Ok();
  }
};

base::Result<std::unique_ptr<SearchIndex>> SearchIndex::Open(const std::string& dir, Mode mode) {
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->writable = mode == Mode::kWritable;
  if (dir.empty() && mode == Mode::kReadOnly) {
    return Status::Invalid("search index: an in-memory index must be writable");
  }
  try {
    if (dir.empty()) {
      impl->writer.emplace(std::string(), Xapian::DB_BACKEND_INMEMORY);
      impl->reader = *impl->writer;
    } else if (mode == Mode::kReadOnly) {
      impl->reader = Xapian::Database(dir);
    }
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "opening '" + dir + "'");
  }
  if (impl->writable && !dir.empty()) ZQ_RETURN_IF_ERROR(impl->Writer("Open"));
  return std::unique_ptr<SearchIndex>(new SearchIndex(std::move(impl)));
}

SearchIndex::SearchIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SearchIndex::~SearchIndex() = default;

base::Status SearchIndex::Put(const IndexedRelease& r) {
  ZQ_RETURN_IF_ERROR(impl_->Writer("Put"));
  if (r.release.status == feeds::ReleaseStatus::kWithdrawn) return Remove(r.release.id);
  Result<Xapian::Document> doc = search_internal::BuildDocument(r);
  if (!doc.ok()) return doc.status();
  try {
    impl_->dirty = true;
    impl_->writer->replace_document(kPrefixId + r.release.id, *doc);
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "indexing release '" + r.release.id + "'");
  }
  return Status::Ok();
}

base::Status SearchIndex::Remove(const std::string& release_id) {
  ZQ_RETURN_IF_ERROR(impl_->Writer("Remove"));
  try {
    impl_->dirty = true;
    impl_->writer->delete_document(kPrefixId + release_id);
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "removing release '" + release_id + "'");
  }
  return Status::Ok();
}

base::Status SearchIndex::Commit() {
  ZQ_RETURN_IF_ERROR(impl_->RequireWritable("Commit"));
  if (!impl_->writer.has_value()) return Status::Ok();  // closed: nothing to commit
  try {
    impl_->writer->commit();
    impl_->dirty = false;
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "commit");
  }
  return Status::Ok();
}

std::uint64_t SearchIndex::IndexedSeq(const std::string& origin) const {
  std::string value;
  try {
    value = impl_->reader.get_metadata(SeqKey(origin));
  } catch (const Xapian::Error&) {
    // Callers use 0 to mean "re-index from the start", which is always safe.
    return 0;
  }
  std::uint64_t seq = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seq);
  if (ec != std::errc() || end != value.data() + value.size()) return 0;
  return seq;
}

base::Status SearchIndex::SetIndexedSeq(const std::string& origin, std::uint64_t seq) {
  ZQ_RETURN_IF_ERROR(impl_->Writer("SetIndexedSeq"));
  try {
    impl_->dirty = true;
    impl_->writer->set_metadata(SeqKey(origin), std::to_string(seq));
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "recording seq of origin '" + origin + "'");
  }
  return Status::Ok();
}

base::Result<SearchResults> SearchIndex::Search(const SearchQuery& query) const {
  if (query.limit > kMaxLimit) {
    return Status::Invalid("query: limit " + std::to_string(query.limit) + " exceeds " +
                           std::to_string(kMaxLimit));
  }
  try {
    Result<Xapian::Query> q = search_internal::ParseQuery(impl_->reader, query);
    if (!q.ok()) return q.status();
    Xapian::Enquire enquire(impl_->reader);
    ConfigureEnquire(enquire, *q, query.sort);
    Xapian::MSet mset = enquire.get_mset(static_cast<Xapian::doccount>(query.offset),
                                         static_cast<Xapian::doccount>(query.limit));
    Result<SearchResults> results = Collect(mset);
    if (!results.ok()) return results.status();
    if (mset.get_matches_upper_bound() == 0) {
      results->did_you_mean = search_internal::SuggestQuery(impl_->reader, query);
    }
    return results;
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "search");
  }
}

bool SearchIndex::ReleaseMemory() {
  if (!impl_->writable || impl_->dir.empty() || !impl_->writer.has_value() || impl_->dirty) {
    return false;
  }
  try {
    Xapian::Database reader(impl_->dir);
    impl_->reader = reader;  // drops the writer's last other reference first
    impl_->writer.reset();
  } catch (const Xapian::Error&) {
    return false;  // keeps the writer, which still serves searches
  }
  return true;
}

base::Status SearchIndex::Refresh() {
  try {
    impl_->reader.reopen();
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "reopen");
  }
  return Status::Ok();
}

std::uint64_t SearchIndex::DocCount() const {
  try {
    return impl_->reader.get_doccount();
  } catch (const Xapian::Error&) {
    // Only a status page reads this; an unreadable index shows as empty.
    return 0;
  }
}

}  // namespace zhanqun::search
