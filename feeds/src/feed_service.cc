#include "zhanqun/feeds/feed_service.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "zhanqun/base/hash.h"
#include "zhanqun/feeds/freshness.h"
#include "zhanqun/feeds/log.h"
#include "zhanqun/feeds/signature.h"

namespace zhanqun::feeds {

void AppendNotifier::BumpLocked(Channel& c) {
  ++c.generation;
  c.cv.notify_all();
}

void AppendNotifier::Notify(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  ++generation_;
  if (auto it = channels_.find(key); it != channels_.end()) BumpLocked(*it->second);
  if (!key.empty()) {
    if (auto it = channels_.find(kAnyKey); it != channels_.end()) BumpLocked(*it->second);
  }
}

void AppendNotifier::NotifyAll() {
  std::lock_guard<std::mutex> lock(mu_);
  ++generation_;
  for (auto& [key, channel] : channels_) BumpLocked(*channel);
}

std::uint64_t AppendNotifier::generation() {
  std::lock_guard<std::mutex> lock(mu_);
  return generation_;
}

std::size_t AppendNotifier::ActiveKeys() {
  std::lock_guard<std::mutex> lock(mu_);
  return channels_.size();
}

void AppendNotifier::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  for (auto& [key, channel] : channels_) BumpLocked(*channel);
}

bool AppendNotifier::WaitUntil(const std::string& key, const std::function<bool()>& ready,
                               std::int64_t timeout_ms, std::int64_t poll_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::unique_lock<std::mutex> lock(mu_);
  // The channel lives while someone waits on it: keys come from request
  // URLs, so they must not accumulate.
  std::unique_ptr<Channel>& slot = channels_[key];
  if (!slot) slot = std::make_unique<Channel>();
  Channel& channel = *slot;
  ++channel.waiters;
  bool result = false;
  for (;;) {
    std::uint64_t seen = channel.generation;
    lock.unlock();
    bool done = ready();
    lock.lock();
    if (done) {
      result = true;
      break;
    }
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline || closed_) break;
    auto slice = std::min<std::chrono::steady_clock::duration>(deadline - now,
                                                               std::chrono::milliseconds(poll_ms));
    channel.cv.wait_for(lock, slice, [&] { return channel.generation != seen || closed_; });
  }
  if (--channel.waiters == 0) channels_.erase(key);
  return result;
}

bool FeedPageCache::Find(const std::string& key, std::string* body) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pages_.find(key);
  if (it == pages_.end()) return false;
  *body = it->second;
  hits_++;
  return true;
}

void FeedPageCache::Put(const std::string& key, const std::string& body) {
  if (body.size() > max_bytes_ / 4) return;  // a big catch-up page is not worth keeping
  std::lock_guard<std::mutex> lock(mu_);
  if (!pages_.emplace(key, body).second) return;
  order_.push_back(key);
  bytes_ += body.size();
  while (bytes_ > max_bytes_ && !order_.empty()) {
    auto it = pages_.find(order_.front());
    bytes_ -= it->second.size();
    pages_.erase(it);
    order_.pop_front();
  }
}

std::size_t FeedPageCache::Clear() {
  std::map<std::string, std::string> pages;
  std::deque<std::string> order;
  std::size_t bytes;
  {
    std::lock_guard<std::mutex> lock(mu_);
    pages.swap(pages_);
    order.swap(order_);
    bytes = std::exchange(bytes_, 0);
  }
  return bytes;  // the pages are freed here, outside the lock
}

std::string FeedTopicUrl(const std::string& base_url, const std::string& origin) {
  return base_url + "/api/v1/feeds/" + origin;
}

std::string FeedUrl(const std::string& base_url, const std::string& origin, std::uint64_t after,
                    int wait_s) {
  std::string url = base_url + "/api/v1/feeds/" + origin + "?after=" + std::to_string(after);
  if (wait_s > 0) url += "&wait=" + std::to_string(wait_s);
  return url;
}

namespace {

bool ParseUint(const std::string& s, std::uint64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

FeedMeta PageMeta(const std::string& origin, std::uint64_t after, std::size_t count,
                  std::uint64_t head, const FeedServiceOptions& o, const base::Clock& clock) {
  FeedMeta meta;
  meta.origin = origin;
  meta.title = o.title + " " + origin;
  meta.self_url = FeedUrl(o.base_url, origin, after);
  meta.head_seq = head;
  meta.first_url = FeedUrl(o.base_url, origin, 0);
  if (after > 0)
    meta.prev_url = FeedUrl(o.base_url, origin, after > o.page_size ? after - o.page_size : 0);
  meta.next_url = FeedUrl(o.base_url, origin, after + count);
  meta.archive = after % o.page_size == 0 && count == o.page_size;
  meta.updated_ms = clock.NowMs();
  if (!o.websub_hub_url.empty()) meta.hub_url = o.websub_hub_url;
  return meta;
}

// The log could not be read: a follower should retry, not take the log as empty.
net::HttpResponse Unreadable(const std::string& origin, const base::Status& s) {
  net::HttpResponse r = net::HttpResponse::ServerError(
      base::Status::Unavailable("log " + origin + " could not be read: " + s.ToString()));
  r.headers.push_back({"Retry-After", "5"});
  return r;
}

base::Result<std::string> Statement(const FeedServiceOptions& o, const std::string& origin) {
  if (!o.head_statement) return std::string();
  return o.head_statement(origin);
}

// The page of `origin` after `after`, with the head statement held now.
net::HttpResponse FeedPage(const net::HttpRequest& req, LogReader& reader,
                           const FeedServiceOptions& o, const base::Clock& clock,
                           const std::string& origin, std::uint64_t after);

// An empty page is stale the moment anything is appended, and a cache that
// served it for even a second would turn every follower's long-poll into a
// busy loop of cache hits: shared caches must not store it.
const char* CacheControl(bool archive, bool empty) {
  if (archive) return "public, max-age=31536000, immutable";
  if (empty) return "no-cache";
  return "public, max-age=1";
}

}  // namespace

net::HttpResponse ServeFeed(const net::HttpRequest& req, LogReader& reader,
                            AppendNotifier& notifier, const FeedServiceOptions& o,
                            const base::Clock& clock) {
  const std::string origin = req.params.count("origin") ? req.params.at("origin") : "";
  if (!IsDivisionCode(origin)) {
    return net::HttpResponse::Error(
        base::Status::Invalid("origin: expected a 6-digit division code, got '" + origin + "'"));
  }
  std::uint64_t after = 0, wait = 0;
  if (!ParseUint(req.Query("after", "0"), &after)) {
    return net::HttpResponse::Error(base::Status::Invalid(
        "after: expected a non-negative integer, got '" + req.Query("after") + "'"));
  }
  if (!ParseUint(req.Query("wait", "0"), &wait)) {
    return net::HttpResponse::Error(base::Status::Invalid(
        "wait: expected seconds as an integer, got '" + req.Query("wait") + "'"));
  }
  wait = std::min<std::uint64_t>(wait, static_cast<std::uint64_t>(o.max_wait_s));
  base::Result<std::uint64_t> head = reader.Head(origin);
  if (!head.ok()) return Unreadable(origin, head.status());
  if (wait > 0 && *head <= after) {
    base::Result<std::string> held = Statement(o, origin);
    if (!held.ok()) return Unreadable(origin, held.status());
    base::Status failed;
    // A failed read ends the wait too: it is answered below.
    notifier.WaitUntil(
        origin,
        [&] {
          head = reader.Head(origin);
          if (!head.ok()) return true;
          base::Result<std::string> now = Statement(o, origin);
          if (!now.ok()) failed = now.status();
          return !now.ok() || *head > after || *now != *held;
        },
        static_cast<std::int64_t>(wait) * 1000, o.recheck_ms);
    if (!head.ok()) return Unreadable(origin, head.status());
    if (!failed.ok()) return Unreadable(origin, failed);
  }
  return FeedPage(req, reader, o, clock, origin, after);
}

namespace {

net::HttpResponse FeedPage(const net::HttpRequest& req, LogReader& reader,
                           const FeedServiceOptions& o, const base::Clock& clock,
                           const std::string& origin, std::uint64_t after) {
  base::Result<std::string> hs = Statement(o, origin);
  if (!hs.ok()) return Unreadable(origin, hs.status());
  // The head is read after the statement: the hub's statement is of a head
  // it held, so the page holds every entry the statement says there is (a
  // follower takes a page that withholds them for a failure).
  base::Result<std::uint64_t> read = reader.Head(origin);
  if (!read.ok()) return Unreadable(origin, read.status());
  const std::uint64_t head = *read;
  // Entries never change once appended, so origin, after and head fix the page.
  const std::string cache_key = origin + " " + std::to_string(after) + " " + std::to_string(head);
  std::string body;
  std::size_t count = 0;
  if (o.page_cache && o.page_cache->Find(cache_key, &body)) {
    count = head > after
                ? static_cast<std::size_t>(std::min<std::uint64_t>(head - after, o.page_size))
                : 0;
  } else {
    base::Result<std::vector<std::string>> wires = reader.ReadWire(origin, after, o.page_size);
    if (!wires.ok()) return Unreadable(origin, wires.status());
    count = wires->size();
    body = EncodeFeed(PageMeta(origin, after, count, head, o, clock), *wires);
    if (o.page_cache && after + count == std::min<std::uint64_t>(head, after + o.page_size)) {
      o.page_cache->Put(cache_key, body);
    }
  }
  FeedMeta meta = PageMeta(origin, after, count, head, o, clock);
  std::string etag =
      "\"" + origin + "-" + std::to_string(after) + "-" + std::to_string(after + count) + "\"";
  net::HttpResponse resp;
  resp.content_type = "application/atom+xml; charset=utf-8";
  resp.headers.push_back({"ETag", etag});
  resp.headers.push_back({"Cache-Control", CacheControl(meta.archive, count == 0)});
  resp.headers.push_back({"X-Zhanqun-Head", std::to_string(head)});
  if (!hs->empty()) resp.headers.push_back({kHeadStatementHeader, *hs});
  if (!o.websub_hub_url.empty()) {
    resp.headers.push_back(
        {"Link", WebSubLinkHeader(o.websub_hub_url, FeedTopicUrl(o.base_url, origin))});
  }
  if (req.Header("if-none-match") == etag) {
    resp.status = 304;
    return resp;
  }
  resp.body = std::move(body);
  return resp;
}

}  // namespace

base::Result<std::string> HeadDocument(LogReader& reader, const std::string& origin) {
  base::Result<std::uint64_t> read = reader.Head(origin);
  if (!read.ok()) return read.status();
  const std::uint64_t head = *read;
  std::string hash = kZeroHash;
  if (head > 0) {
    base::Result<std::vector<std::string>> wires = reader.ReadWire(origin, head - 1, 1);
    if (!wires.ok()) return wires.status();
    if (wires->empty())
      return base::Status::Internal("head entry " + origin + "#" + std::to_string(head) +
                                    " not readable");
    base::Result<ParsedEntry> e = DecodeEntry(wires->front());
    if (!e.ok()) return e.status().Context("head entry " + origin + "#" + std::to_string(head));
    hash = base::Sha256Hex(e->canonical);
  }
  return origin + " " + std::to_string(head) + " " + hash + "\n";
}

net::HttpResponse ServeFeedHead(const net::HttpRequest& req, LogReader& reader,
                                const FeedServiceOptions& o) {
  const std::string origin = req.params.count("origin") ? req.params.at("origin") : "";
  if (!IsDivisionCode(origin)) {
    return net::HttpResponse::Error(
        base::Status::Invalid("origin: expected a 6-digit division code, got '" + origin + "'"));
  }
  base::Result<std::string> doc = HeadDocument(reader, origin);
  if (!doc.ok()) return Unreadable(origin, doc.status());
  net::HttpResponse resp = net::HttpResponse::Text(200, *doc);
  resp.headers.push_back({"Cache-Control", "no-cache"});
  if (!o.websub_hub_url.empty()) {
    resp.headers.push_back(
        {"Link", WebSubLinkHeader(o.websub_hub_url, FeedTopicUrl(o.base_url, origin) + "/head")});
  }
  return resp;
}

std::string WebSubLinkHeader(const std::string& hub_url, const std::string& self_url) {
  return "<" + hub_url + ">; rel=\"hub\", <" + self_url + ">; rel=\"self\"";
}

}  // namespace zhanqun::feeds
