#include "zhanqun/desk/ingest.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "ingest_store.h"
#include "zhanqun/net/curl_http_client.h"
#include "zhanqun/net/http.h"

namespace zhanqun::desk {

using base::Result;
using base::Status;
using base::TimeMs;
using ingest_internal::IngestStore;

const char* SourceStatusName(SourceStatus s) {
  switch (s) {
    case SourceStatus::kNever:
      return "never";
    case SourceStatus::kOk:
      return "ok";
    case SourceStatus::kNotModified:
      return "not_modified";
    case SourceStatus::kHttpError:
      return "http_error";
    case SourceStatus::kNetwork:
      return "network";
    case SourceStatus::kBadFeed:
      return "bad_feed";
  }
  return "never";
}

namespace {

constexpr TimeMs kMaxBackoffMs = 3600 * 1000;
constexpr TimeMs kMaxRetryAfterMs = 24 * 3600 * 1000;
constexpr std::size_t kMaxFeedBytes = 10 * 1024 * 1024;

TimeMs BackoffMs(const SourceConfig& s, int failures) {
  TimeMs interval = static_cast<TimeMs>(s.interval_s) * 1000;
  TimeMs delay = interval << std::min(failures, 20);
  return std::max(interval, std::min(delay, kMaxBackoffMs));
}

// Retry-After as a delay from `now`: delta-seconds or an HTTP date.
std::optional<TimeMs> RetryAfterMs(const std::string& value, TimeMs now) {
  if (value.empty()) return std::nullopt;
  if (value.find_first_not_of("0123456789") == std::string::npos && value.size() < 10) {
    return std::min<TimeMs>(std::stoll(value) * 1000, kMaxRetryAfterMs);
  }
  Result<TimeMs> at = desk::ParseFeedDate(value);
  if (!at.ok()) return std::nullopt;
  return std::clamp<TimeMs>(*at - now, 0, kMaxRetryAfterMs);
}

std::string Header(const net::HttpResult& r, const char* name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? "" : it->second;
}

std::string ItemKey(const desk::ForeignItem& item) {
  if (!item.guid.empty()) return "guid:" + item.guid;
  if (!item.link.empty()) return "link:" + item.link;
  return "";
}

}  // namespace

struct Ingestor::Impl {
  std::vector<SourceConfig> sources;
  DraftSink sink;
  staff::AuditLog& audit;
  const base::Clock& clock;
  std::unique_ptr<IngestStore> store;
  std::mutex mu;        // the client and every poll
  std::mutex store_mu;  // the store; held only briefly, so Sources() never waits for a poll
  net::CurlHttpClient client;

  std::mutex thread_mu;
  std::condition_variable wake;
  std::atomic<bool> stopping{false};
  std::thread thread;

  Impl(std::vector<SourceConfig> s, DraftSink k, staff::AuditLog& a, const base::Clock& c,
       std::unique_ptr<IngestStore> st)
      : sources(std::move(s)), sink(std::move(k)), audit(a), clock(c), store(std::move(st)) {
    client.set_max_response_bytes(kMaxFeedBytes);
    client.set_abort_flag(&stopping);
  }

  template <typename F>
  auto Locked(F f) {
    std::lock_guard<std::mutex> lock(store_mu);
    return f();
  }

  Status Audit(const SourceConfig& s, const std::string& action, nlohmann::json detail) {
    return audit
        .Append(clock.NowMs(), "ingest:" + s.name, action, "source:" + s.name,
                detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
        .status()
        .Context("audit");
  }

  // A failed poll: backs off and records why (a refused feed is audited).
  Status Fail(const SourceConfig& s, SourceState& st, PollOutcome& out, SourceStatus status,
              std::string error, TimeMs now) {
    out.status = status;
    out.error = std::move(error);
    st.failures += 1;
    st.next_poll_ms = now + BackoffMs(s, st.failures);
    if (status == SourceStatus::kBadFeed) {
      return Audit(s, "ingest.rejected", {{"url", s.url}, {"reason", out.error}});
    }
    return Status::Ok();
  }

  // Errors are the stores' (ingest.db, the audit log); what the source did
  // wrong is in the outcome.
  Result<PollOutcome> Poll(const SourceConfig& s);
  Status Fetch(const SourceConfig& s, SourceState& st, PollOutcome& out, TimeMs now);
  Status Import(const SourceConfig& s, SourceState& st, PollOutcome& out,
                const desk::ForeignFeed& feed, TimeMs now);
  void Loop(const std::function<void()>& poll_due);
};

Result<PollOutcome> Ingestor::Impl::Poll(const SourceConfig& s) {
  PollOutcome out;
  out.source = s.name;
  TimeMs now = clock.NowMs();
  Result<SourceState> loaded = Locked([&] { return store->Load(s.name); });
  if (!loaded.ok()) return loaded.status().Context("source " + s.name);
  SourceState& st = *loaded;
  st.last_poll_ms = now;
  Status fetched = Fetch(s, st, out, now);
  st.last_status = out.status;
  st.last_error = out.error;
  if (!fetched.ok()) st.last_error += (st.last_error.empty() ? "" : "; ") + fetched.message();
  out.next_poll_ms = st.next_poll_ms;
  // Saved even after a store error, so the backoff and the counters hold.
  Status saved = Locked([&] { return store->Save(s.name, st); });
  ZQ_RETURN_IF_ERROR(fetched.Context("source " + s.name));
  ZQ_RETURN_IF_ERROR(saved.Context("source " + s.name));
  return out;
}

Status Ingestor::Impl::Fetch(const SourceConfig& s, SourceState& st, PollOutcome& out, TimeMs now) {
  std::vector<std::string> headers = {
      "Accept: application/rss+xml, application/atom+xml, "
      "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"};
  if (!st.etag.empty()) headers.push_back("If-None-Match: " + st.etag);
  if (!st.last_modified.empty()) headers.push_back("If-Modified-Since: " + st.last_modified);
  Result<net::HttpResult> r = client.Get(s.url, static_cast<long>(s.timeout_s) * 1000, headers);
  if (!r.ok()) {
    bool too_big = r.status().code() == base::Code::kResourceExhausted;
    return Fail(s, st, out, too_big ? SourceStatus::kBadFeed : SourceStatus::kNetwork,
                r.status().message(), now);
  }
  out.http_status = r->status;
  if (r->status == 304) {
    out.status = SourceStatus::kNotModified;
    st.failures = 0;
    st.last_ok_ms = now;
    st.next_poll_ms = now + static_cast<TimeMs>(s.interval_s) * 1000;
    return Status::Ok();
  }
  if (r->status < 200 || r->status > 299) {
    Status failed =
        Fail(s, st, out, SourceStatus::kHttpError, "HTTP " + std::to_string(r->status), now);
    if (r->status == 429 || r->status == 503) {
      if (auto wait = RetryAfterMs(Header(*r, "retry-after"), now)) {
        st.next_poll_ms = std::max(st.next_poll_ms, now + *wait);
      }
    }
    return failed;
  }
  Result<desk::ForeignFeed> feed = desk::ParseSyndicationFeed(r->body, s.url);
  if (!feed.ok()) return Fail(s, st, out, SourceStatus::kBadFeed, feed.status().message(), now);
  out.status = SourceStatus::kOk;
  st.failures = 0;
  st.last_ok_ms = now;
  st.next_poll_ms = now + static_cast<TimeMs>(s.interval_s) * 1000;
  ZQ_RETURN_IF_ERROR(Import(s, st, out, *feed, now));
  // Only a feed taken in whole may be asked for again conditionally: after
  // a store error the next poll fetches it all and retries what was missed.
  st.etag = Header(*r, "etag");
  st.last_modified = Header(*r, "last-modified");
  return Status::Ok();
}

Status Ingestor::Impl::Import(const SourceConfig& s, SourceState& st, PollOutcome& out,
                              const desk::ForeignFeed& feed, TimeMs now) {
  out.items_seen = feed.items.size() + feed.items_skipped;
  out.items_rejected = feed.items_skipped;
  st.items_seen += static_cast<std::int64_t>(out.items_seen);
  st.items_rejected += static_cast<std::int64_t>(feed.items_skipped);
  for (const std::string& w : feed.warnings) {
    if (w.size() > 8 && w.compare(w.size() - 8, 8, "skipped") == 0) {
      ZQ_RETURN_IF_ERROR(Audit(s, "ingest.rejected", {{"url", s.url}, {"reason", w}}));
    }
  }
  for (const desk::ForeignItem& item : feed.items) {
    std::string key = ItemKey(item);
    auto reject = [&](const std::string& why) {
      out.items_rejected += 1;
      st.items_rejected += 1;
      return Audit(s, "ingest.rejected", {{"url", s.url}, {"item", key}, {"reason", why}});
    };
    if (key.empty()) {
      ZQ_RETURN_IF_ERROR(reject("item '" + item.title + "' has neither a guid nor a link"));
      continue;
    }
    Result<std::optional<std::int64_t>> seen = Locked([&] { return store->Seen(s.name, key); });
    if (!seen.ok()) return seen.status();
    if (seen->has_value()) continue;
    if (out.items_new >= static_cast<std::size_t>(s.max_items)) continue;  // next poll
    Result<std::int64_t> draft = sink(s, ItemToDraft(s, item), item.link);
    if (!draft.ok()) {
      ZQ_RETURN_IF_ERROR(reject(draft.status().message()));
      continue;
    }
    out.items_new += 1;
    st.items_imported += 1;
    ZQ_RETURN_IF_ERROR(Locked([&] { return store->MarkSeen(s.name, key, *draft, now); })
                           .Context("draft " + std::to_string(*draft) + " was made from " + key +
                                    " but the item could not be marked seen"));
  }
  return Status::Ok();
}

void Ingestor::Impl::Loop(const std::function<void()>& poll_due) {
  std::unique_lock<std::mutex> lock(thread_mu);
  while (!stopping) {
    lock.unlock();
    poll_due();
    lock.lock();
    wake.wait_for(lock, std::chrono::seconds(1), [this] { return stopping.load(); });
  }
}

Ingestor::Ingestor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Ingestor::~Ingestor() { Stop(); }

Result<std::unique_ptr<Ingestor>> Ingestor::Open(const std::string& db_path,
                                                 std::vector<SourceConfig> sources, DraftSink sink,
                                                 staff::AuditLog& audit, const base::Clock& clock) {
  auto store = IngestStore::Open(db_path);
  if (!store.ok()) return store.status();
  auto impl =
      std::make_unique<Impl>(std::move(sources), std::move(sink), audit, clock, std::move(*store));
  return std::unique_ptr<Ingestor>(new Ingestor(std::move(impl)));
}

Result<std::vector<PollOutcome>> Ingestor::PollDue(TimeMs now) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<PollOutcome> out;
  for (const SourceConfig& s : impl_->sources) {
    if (impl_->stopping) break;
    Result<SourceState> st = impl_->Locked([&] { return impl_->store->Load(s.name); });
    if (!st.ok()) return st.status().Context("source " + s.name);
    if (st->next_poll_ms > now) continue;
    Result<PollOutcome> polled = impl_->Poll(s);
    if (!polled.ok()) return polled.status();
    out.push_back(std::move(polled).value());
  }
  return out;
}

Result<PollOutcome> Ingestor::PollNow(const std::string& name) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (const SourceConfig& s : impl_->sources) {
    if (s.name == name) return impl_->Poll(s);
  }
  return Status::NotFound("source '" + name + "' is not configured");
}

Result<std::vector<PollOutcome>> Ingestor::PollAll() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<PollOutcome> out;
  for (const SourceConfig& s : impl_->sources) {
    Result<PollOutcome> polled = impl_->Poll(s);
    if (!polled.ok()) return polled.status();
    out.push_back(std::move(polled).value());
  }
  return out;
}

Result<std::vector<SourceView>> Ingestor::Sources() {
  std::vector<SourceView> out;
  for (const SourceConfig& s : impl_->sources) {
    Result<SourceState> st = impl_->Locked([&] { return impl_->store->Load(s.name); });
    if (!st.ok()) return st.status().Context("source " + s.name);
    out.push_back({s, std::move(st).value()});
  }
  return out;
}

void Ingestor::Start(std::function<void(const base::Status&)> on_error) {
  if (impl_->thread.joinable()) return;
  impl_->stopping = false;
  impl_->thread = std::thread([this, on_error = std::move(on_error)] {
    impl_->Loop([this, &on_error] {
      Result<std::vector<PollOutcome>> polled = PollDue(impl_->clock.NowMs());
      if (!polled.ok() && on_error) on_error(polled.status());
    });
  });
}

void Ingestor::Stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->thread_mu);
    impl_->stopping = true;
  }
  net::HttpClient::WakeAll(&impl_->stopping);  // a poll in flight
  impl_->wake.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace zhanqun::desk
