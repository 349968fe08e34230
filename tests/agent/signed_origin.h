// Signed logs for the agent tests: an origin (the hub or a site) that signs
// entries of its own chain, as the real one would.
#ifndef ZHANQUN_TESTS_AGENT_SIGNED_ORIGIN_H_
#define ZHANQUN_TESTS_AGENT_SIGNED_ORIGIN_H_

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "feeds/key_support.h"
#include "test_support.h"
#include "zhanqun/feeds/atom.h"
#include "zhanqun/feeds/log.h"
#include "zhanqun/feeds/signature.h"

namespace zhanqun::agent::test_util {

using base::Result;
using feeds::ParsedEntry;
using feeds::SignedEntry;

inline constexpr base::TimeMs kT0 = 1700000000000;

inline std::unique_ptr<feeds::SecretKey> NewKey() {
  return std::make_unique<feeds::SecretKey>(testing::NewKey());
}

// An origin that signs its own log, as the hub or a site would.
class Origin {
 public:
  explicit Origin(std::string code) : key_(NewKey()), head_{std::move(code), 0, feeds::kZeroHash} {}

  const feeds::SecretKey& key() const { return *key_; }
  // Signs with a new key from the next seq on (a re-keyed node).
  void ChangeKey() { key_ = NewKey(); }
  // The same, continuing after `head` (entries signed after it are not ours).
  void ChangeKeyAfter(const feeds::ChainHead& head) {
    key_ = NewKey();
    head_ = head;
  }
  // A new key and an empty log: a node that lost its disk and key rejoins.
  void StartOver() {
    key_ = NewKey();
    head_ = {head_.origin, 0, feeds::kZeroHash};
  }
  const feeds::ChainHead& head() const { return head_; }
  const std::string& code() const { return head_.origin; }

  // A release whose id and title carry the next seq (and `title_suffix`).
  SignedEntry Release(const std::string& title_suffix = "") {
    feeds::Release r;
    r.id = "gov.cn/" + code() + "/" + std::to_string(head_.seq + 1) + title_suffix;
    r.title = "关于印发实施方案的通知 第" + std::to_string(head_.seq + 1) + "号" + title_suffix;
    r.doc_number = "国办发〔2019〕" + std::to_string(head_.seq + 1) + "号";
    r.authority = "国务院办公厅";
    r.published_ms = 1550217600000;
    r.topics = {"economy"};
    r.body_html = "<p>为贯彻落实有关部署，现印发实施方案。" + title_suffix + "</p>";
    return Release(r);
  }

  SignedEntry Release(const feeds::Release& r) {
    feeds::Entry e = Base(feeds::EntryKind::kRelease);
    e.release = r;
    return Sign(e);
  }

  SignedEntry Interpretation(const feeds::Interpretation& in) {
    feeds::Entry e = Base(feeds::EntryKind::kInterpretation);
    e.interpretation = in;
    return Sign(e);
  }

  // This origin's layer (interpretation) of release `release_id`.
  SignedEntry Layer(const std::string& release_id, const std::string& text = "本地解读") {
    feeds::Interpretation in;
    in.release_id = release_id;
    in.title = "解读：" + release_id;
    in.body_html = "<p>" + text + "</p>";
    return Interpretation(in);
  }

  // A topic of this origin's.
  SignedEntry Topic(const std::string& id) {
    feeds::Entry e = Base(feeds::EntryKind::kTopic);
    e.topic = feeds::TopicDef{id, "专题 " + id, ""};
    return Sign(e);
  }

  SignedEntry Node(const std::string& node_code, const feeds::PublicKey& key,
                   const std::string& parent, feeds::NodeLevel level) {
    feeds::Entry e = Base(feeds::EntryKind::kNode);
    e.node = feeds::Node{node_code, "节点 " + node_code, level, parent, {key}};
    return Sign(e);
  }

  // Signs `e` at the current head, but does not advance it.
  SignedEntry SignAt(feeds::Entry e, const feeds::ChainHead& at) const {
    Result<SignedEntry> se = feeds::SignEntry(std::move(e), at, *key_);
    INFO(se.status().ToString());
    REQUIRE(se.ok());
    return std::move(se).value();
  }

  feeds::Entry Base(feeds::EntryKind kind) const {
    feeds::Entry e;
    e.log.origin = code();
    e.kind = kind;
    e.updated_ms = kT0 + static_cast<base::TimeMs>(head_.seq);
    return e;
  }

  // Signs `e` at the current head and advances it.
  SignedEntry Sign(feeds::Entry e) {
    SignedEntry se = SignAt(std::move(e), head_);
    head_ = {head_.origin, se.entry.log.seq, se.hash};
    return se;
  }

 private:
  std::unique_ptr<feeds::SecretKey> key_;
  feeds::ChainHead head_;
};

inline ParsedEntry Parse(const std::string& wire) {
  Result<ParsedEntry> p = feeds::DecodeEntry(wire);
  INFO(p.status().ToString());
  REQUIRE(p.ok());
  return std::move(p).value();
}

inline std::vector<ParsedEntry> Page(const std::vector<SignedEntry>& entries) {
  std::vector<ParsedEntry> out;
  for (const SignedEntry& e : entries) out.push_back(Parse(e.wire));
  return out;
}

}  // namespace zhanqun::agent::test_util

#endif  // ZHANQUN_TESTS_AGENT_SIGNED_ORIGIN_H_
