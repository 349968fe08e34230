// Test helpers for feeds: an in-memory LogReader and a signer that makes
// consecutive signed release entries for one origin. Header-only.
#ifndef ZHANQUN_TESTS_FEEDS_MEMORY_LOG_H_
#define ZHANQUN_TESTS_FEEDS_MEMORY_LOG_H_

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "zhanqun/feeds/feed_service.h"
#include "zhanqun/feeds/log.h"
#include "zhanqun/feeds/signature.h"

namespace zhanqun::feeds {

// An in-memory log for one or more origins. Thread-safe, as LogReader requires.
class MemoryLog : public LogReader {
 public:
  void Append(const std::string& origin, std::string wire) {
    std::lock_guard<std::mutex> lock(mu_);
    logs_[origin].push_back(std::move(wire));
  }
  // Appends all of `wires` at once, as a store's transaction does: a reader
  // sees all of them or none.
  void AppendAll(const std::string& origin, const std::vector<std::string>& wires) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::string& wire : wires) logs_[origin].push_back(wire);
  }
  // From now on every read fails with `s` (Ok() to read again), as a store
  // whose database went away would.
  void FailReads(base::Status s) {
    std::lock_guard<std::mutex> lock(mu_);
    failure_ = std::move(s);
  }
  base::Result<std::vector<std::string>> ReadWire(const std::string& origin, std::uint64_t after,
                                                  std::size_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!failure_.ok()) return failure_;
    std::vector<std::string> out;
    const std::vector<std::string>& log = logs_[origin];
    for (std::uint64_t seq = after + 1; seq <= log.size() && out.size() < limit; ++seq) {
      out.push_back(log[seq - 1]);
    }
    return out;
  }
  base::Result<std::uint64_t> Head(const std::string& origin) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!failure_.ok()) return failure_;
    return std::uint64_t{logs_[origin].size()};
  }
  base::Result<std::vector<std::string>> Origins() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!failure_.ok()) return failure_;
    std::vector<std::string> out;
    for (const auto& [origin, log] : logs_) out.push_back(origin);
    return out;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::vector<std::string>> logs_;
  base::Status failure_;
};

// Signs consecutive release entries for one origin, as an origin would.
class Signer {
 public:
  explicit Signer(std::string origin) : head_{origin, 0, kZeroHash} {
    base::Result<SecretKey> key = SecretKey::Generate();
    REQUIRE(key.ok());
    key_ = std::make_unique<SecretKey>(std::move(key).value());
  }
  SignedEntry Next() {
    const std::uint64_t n = head_.seq + 1;
    Release r;
    r.id = "gov.cn/zhengce/" + std::to_string(n);
    r.title = "关于印发实施方案的通知 第" + std::to_string(n) + "号";
    r.authority = "国务院办公厅";
    r.published_ms = 1550217600000;
    r.body_html = "<p>正文 " + std::to_string(n) + "</p>";
    Entry e;
    e.log.origin = head_.origin;
    e.kind = EntryKind::kRelease;
    e.updated_ms = 1550217600000 + static_cast<base::TimeMs>(n);
    e.release = r;
    base::Result<SignedEntry> se = SignEntry(e, head_, *key_);
    INFO(se.status().ToString());
    REQUIRE(se.ok());
    head_ = {head_.origin, se->entry.log.seq, se->hash};
    return std::move(se).value();
  }

 private:
  ChainHead head_;
  std::unique_ptr<SecretKey> key_;
};

}  // namespace zhanqun::feeds

#endif  // ZHANQUN_TESTS_FEEDS_MEMORY_LOG_H_
