#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hub/hub_test_support.h"
#include "sql/sql_test_support.h"
#include "staff/staff_test_support.h"
#include "test_support.h"
#include "zhanqun/base/hash.h"
#include "zhanqun/desk/desk.h"
#include "zhanqun/feeds/signature.h"
#include "zhanqun/staff/audit.h"

namespace zhanqun::desk {
namespace {

using testing::kT0;

using testing::Person;

const staff::Principal kAlice = Person(1, "alice", {staff::Role::kEditor});
const staff::Principal kBob = Person(2, "bob", {staff::Role::kReviewer});
const staff::Principal kCarol = Person(3, "carol", {staff::Role::kReviewer});
const staff::Principal kErin = Person(6, "erin", {staff::Role::kReviewer});
const staff::Principal kDave = Person(4, "dave", {staff::Role::kApprover});
const staff::Principal kFrank = Person(7, "frank", {staff::Role::kEditor});

DraftContent Content(const std::string& title = "关于加强基层治理的通知") {
  DraftContent c;
  c.title = title;
  c.doc_number = "国办发〔2024〕1号";
  c.authority = "国务院办公厅";
  c.signed_date = "2024-01-15";
  c.topics = {"economy"};
  c.body_html = "<p>第一段。</p><p>第二段。</p>";
  return c;
}

using testing::Must;

struct DeskFixture : testing::HubFixture {
  std::unique_ptr<staff::AuditLog> audit;
  std::unique_ptr<Desk> desk;
  DeskOptions options;

  explicit DeskFixture(std::vector<std::string> levels = {"初审", "复审", "终审"}) {
    audit = Must(staff::AuditLog::Open(dir.File("audit.db")));
    options.review_levels = std::move(levels);
    options.attachments_dir = dir.File("hub/attachments");
    options.public_url = "https://hub.example.gov.cn/";
    options.max_attachment_bytes = 1024;
    desk = Must(Desk::Open(dir.File("hub/desk.db"), options, *hub, *audit, clock));
  }

  // A draft by alice taken through every review level to awaiting approval.
  Draft Reviewed(DraftContent c = Content()) {
    Draft d = Must(desk->Create(kAlice, std::move(c)));
    Must(desk->Submit(kAlice, d.id));
    Must(desk->Pass(kBob, d.id, "初审通过"));
    Must(desk->Pass(kCarol, d.id, ""));
    return Must(desk->Pass(kErin, d.id, "同意"));
  }
  Draft Approved(DraftContent c = Content()) {
    Draft d = Reviewed(std::move(c));
    return Must(desk->Approve(kDave, d.id, "签发"));
  }
  Draft Published(DraftContent c = Content()) {
    return Must(desk->PublishNow(kDave, Approved(std::move(c)).id));
  }
  Draft Get(std::int64_t id) {
    std::optional<Draft> d = Must(desk->Get(id));
    REQUIRE(d.has_value());
    return *d;
  }
  // How many drafts a PublishDue pass published; none may have failed.
  std::size_t PublishDue() {
    Desk::DuePass pass = Must(desk->PublishDue());
    for (const auto& [id, error] : pass.failed) {
      FAIL_CHECK("draft " << id << " failed to publish: " << error.ToString());
    }
    return pass.published;
  }
  std::vector<feeds::SignedEntry> Log() {
    return testing::VerifiedHubLog(hub->store(), hub->public_key());
  }
  std::vector<std::string> AuditActions(std::int64_t draft_id) {
    staff::AuditFilter f;
    f.object = "draft:" + std::to_string(draft_id);
    std::vector<std::string> out;
    std::vector<staff::AuditRecord> recs = Must(audit->List(f));
    for (auto it = recs.rbegin(); it != recs.rend(); ++it) out.push_back(it->action);
    return out;
  }
};

std::vector<std::string> StepActions(const std::vector<DraftStep>& steps) {
  std::vector<std::string> out;
  for (const DraftStep& s : steps) out.push_back(StepActionName(s.action));
  return out;
}

}  // namespace

TEST_CASE("desk takes a draft from editor through three reviewers and an approver to the hub log",
          "[hub][desk]") {
  DeskFixture fx;
  Draft d = Must(fx.desk->Create(kAlice, Content()));
  CHECK(d.state == DraftState::kDraft);
  CHECK(d.release_id == "hub-20231114-" + std::to_string(d.id));
  d = Must(fx.desk->Submit(kAlice, d.id));
  CHECK(d.state == DraftState::kInReview);
  CHECK(d.level == 1);
  CHECK(fx.desk->LevelName(d.level) == "初审");
  d = Must(fx.desk->Pass(kBob, d.id, "ok"));
  CHECK(d.level == 2);
  d = Must(fx.desk->Pass(kCarol, d.id, "ok"));
  CHECK(d.level == 3);
  d = Must(fx.desk->Pass(kErin, d.id, "ok"));
  CHECK(d.state == DraftState::kAwaitingApproval);
  d = Must(fx.desk->Approve(kDave, d.id, "签发"));
  CHECK(d.state == DraftState::kApproved);
  fx.clock.Advance(60000);
  d = Must(fx.desk->PublishNow(kDave, d.id));
  CHECK(d.state == DraftState::kPublished);

  std::vector<feeds::SignedEntry> log = fx.Log();
  const feeds::SignedEntry& last = log.back();
  REQUIRE(last.entry.release);
  CHECK(d.published_seq == last.entry.log.seq);
  CHECK(last.entry.release->id == d.release_id);
  CHECK(last.entry.release->version == 1);
  CHECK(last.entry.release->status == feeds::ReleaseStatus::kActive);
  CHECK(last.entry.release->title == "关于加强基层治理的通知");
  CHECK(last.entry.release->body_html == "<p>第一段。</p><p>第二段。</p>");
  CHECK(last.entry.release->published_ms == kT0 + 60000);
  CHECK(fx.Get(d.id).state == DraftState::kPublished);
}

TEST_CASE("desk records every step in the history and the audit log", "[hub][desk][audit]") {
  DeskFixture fx;
  Draft d = fx.Published();
  CHECK(StepActions(Must(fx.desk->History(d.id))) ==
        std::vector<std::string>{"create", "submit", "pass", "pass", "pass", "approve", "publish"});
  std::vector<DraftStep> steps = Must(fx.desk->History(d.id));
  CHECK(steps[2].actor == "bob");
  CHECK(steps[2].level == 1);
  CHECK(steps[2].comment == "初审通过");
  CHECK(steps[4].level == 3);
  CHECK(fx.AuditActions(d.id) == std::vector<std::string>{"draft.create", "draft.submit",
                                                          "review.pass", "review.pass",
                                                          "review.pass", "draft.approve"});
  staff::AuditFilter f;
  f.object = "release:" + d.release_id;
  std::vector<staff::AuditRecord> pub = Must(fx.audit->List(f));
  REQUIRE(pub.size() == 1);
  CHECK(pub[0].action == "release.publish");
  CHECK(pub[0].actor == "dave");
  nlohmann::json detail = nlohmann::json::parse(pub[0].detail);
  CHECK(detail["version"] == 1);
  CHECK(detail["seq"] == d.published_seq);
  CHECK(detail["draft"] == d.id);
  CHECK_FALSE(detail.contains("body_html"));
  CHECK(Must(fx.audit->Verify()).ok());
}

TEST_CASE("desk rejection sends the draft back with its comment and a new round follows",
          "[hub][desk]") {
  DeskFixture fx;
  Draft d = Must(fx.desk->Create(kAlice, Content()));
  Must(fx.desk->Submit(kAlice, d.id));
  Must(fx.desk->Pass(kBob, d.id, ""));
  base::Result<Draft> no_comment = fx.desk->Reject(kCarol, d.id, "");
  CHECK(no_comment.status().code() == base::Code::kInvalidArgument);
  d = Must(fx.desk->Reject(kCarol, d.id, "第二段表述不准确"));
  CHECK(d.state == DraftState::kDraft);
  CHECK(d.last_comment == "第二段表述不准确");
  std::vector<DraftStep> steps = Must(fx.desk->History(d.id));
  CHECK(steps.back().action == StepAction::kReject);
  CHECK(steps.back().level == 2);
  CHECK(fx.AuditActions(d.id).back() == "review.reject");

  DraftContent c = d.content;
  c.body_html = "<p>第一段。</p><p>第二段（修改）。</p>";
  d = Must(fx.desk->Edit(kAlice, d.id, d.revision, c));
  d = Must(fx.desk->Submit(kAlice, d.id));
  CHECK(d.level == 1);
  // The round was reset: carol may now take level 1 and bob level 2.
  Must(fx.desk->Pass(kCarol, d.id, ""));
  d = Must(fx.desk->Pass(kBob, d.id, ""));
  CHECK(d.level == 3);
  base::Result<Draft> twice = fx.desk->Pass(kBob, d.id, "");
  CHECK(twice.status().code() == base::Code::kPermissionDenied);
}

TEST_CASE("desk approver can reject an approved draft back to its editor", "[hub][desk]") {
  DeskFixture fx;
  Draft d = fx.Approved();
  d = Must(fx.desk->Reject(kDave, d.id, "文号有误"));
  CHECK(d.state == DraftState::kDraft);
  CHECK(Must(fx.desk->Queue(kAlice)).size() == 1);
}

TEST_CASE("desk enforces separation of duties", "[hub][desk][sod]") {
  DeskFixture fx;
  staff::Principal alice_all = kAlice;
  alice_all.roles = staff::RoleSet(staff::RoleSet::kAll);
  Draft d = Must(fx.desk->Create(alice_all, Content()));
  Must(fx.desk->Submit(alice_all, d.id));
  base::Result<Draft> self = fx.desk->Pass(alice_all, d.id, "");
  REQUIRE(self.status().code() == base::Code::kPermissionDenied);
  CHECK(self.status().message() == "separation of duties: alice wrote draft " +
                                       std::to_string(d.id) + " and cannot review it");
  staff::Principal eve = Person(5, "eve", {staff::Role::kReviewer, staff::Role::kApprover});
  Must(fx.desk->Pass(eve, d.id, ""));
  Must(fx.desk->Pass(kBob, d.id, ""));
  Must(fx.desk->Pass(kCarol, d.id, ""));
  CHECK(fx.desk->Approve(eve, d.id, "").status().code() == base::Code::kPermissionDenied);
  CHECK(fx.desk->Approve(alice_all, d.id, "").status().code() == base::Code::kPermissionDenied);
  Must(fx.desk->Approve(kDave, d.id, ""));
  CHECK(fx.desk->PublishNow(alice_all, d.id).status().code() == base::Code::kPermissionDenied);
}

TEST_CASE("desk refuses an edit based on a stale revision", "[hub][desk][concurrency]") {
  DeskFixture fx;
  Draft d = Must(fx.desk->Create(kAlice, Content()));
  REQUIRE(d.revision == 1);
  Draft saved = Must(fx.desk->Edit(kFrank, d.id, 1, Content("标题一")));
  CHECK(saved.revision == 2);
  base::Result<Draft> stale = fx.desk->Edit(kAlice, d.id, 1, Content("标题二"));
  REQUIRE(stale.status().code() == base::Code::kAlreadyExists);
  CHECK(stale.status().message().find("revision 2") != std::string::npos);
  CHECK(stale.status().message().find("revision 1") != std::string::npos);
  CHECK(Must(fx.desk->Get(d.id))->content.title == "标题一");
  CHECK(Must(fx.desk->Revisions(d.id)).size() == 2);
}

TEST_CASE("desk refuses to edit a submitted draft", "[hub][desk]") {
  DeskFixture fx;
  Draft d = Must(fx.desk->Create(kAlice, Content()));
  Must(fx.desk->Submit(kAlice, d.id));
  base::Result<Draft> r = fx.desk->Edit(kAlice, d.id, 1, Content("x"));
  REQUIRE(r.status().code() == base::Code::kFailedPrecondition);
  CHECK(r.status().message() ==
        "cannot edit draft " + std::to_string(d.id) + ": it is at review level 1 (初审)");
}

TEST_CASE("desk validates content and names the field", "[hub][desk][validation]") {
  DeskFixture fx;
  DraftContent c = Content();
  c.title = "";
  base::Result<Draft> r = fx.desk->Create(kAlice, c);
  REQUIRE(r.status().code() == base::Code::kInvalidArgument);
  CHECK(r.status().message().rfind("title:", 0) == 0);
  c = Content();
  c.authority = "";
  CHECK(fx.desk->Create(kAlice, c).status().message().rfind("authority:", 0) == 0);
  c = Content();
  c.signed_date = "2024-13-01";
  CHECK(fx.desk->Create(kAlice, c).status().message().rfind("signed_date:", 0) == 0);
  c = Content();
  c.topics = {"bad topic"};
  CHECK(fx.desk->Create(kAlice, c).status().message().rfind("topics", 0) == 0);
  base::Result<Draft> bad_id = fx.desk->Create(kAlice, Content(), "bad id with spaces");
  CHECK(bad_id.status().message().rfind("release_id:", 0) == 0);
  Draft named = Must(fx.desk->Create(kAlice, Content(), "gov-2024-7"));
  CHECK(named.release_id == "gov-2024-7");
  CHECK(fx.desk->Create(kAlice, Content(), "gov-2024-7").status().code() ==
        base::Code::kAlreadyExists);
  CHECK(fx.desk->Create(kBob, Content()).status().code() == base::Code::kPermissionDenied);
}

TEST_CASE("desk sanitizes the body on every save so a script never survives",
          "[hub][desk][security]") {
  DeskFixture fx;
  DraftContent c = Content();
  c.body_html = "<p>正文<script>alert(1)</script></p><img src=x onerror=alert(2)>";
  Draft d = Must(fx.desk->Create(kAlice, c));
  CHECK(d.content.body_html.find("script") == std::string::npos);
  CHECK(d.content.body_html.find("onerror") == std::string::npos);
  c.body_html = "<p>改</p><script>steal()</script>";
  d = Must(fx.desk->Edit(kAlice, d.id, d.revision, c));
  CHECK(d.content.body_html.find("script") == std::string::npos);
  for (const DraftRevision& rev : Must(fx.desk->Revisions(d.id))) {
    CHECK(rev.content.body_html.find("script") == std::string::npos);
  }
}

TEST_CASE("desk amend publishes version 2 and supersedes the old draft", "[hub][desk][amend]") {
  DeskFixture fx;
  Draft v1 = fx.Published();
  Draft v2 = Must(fx.desk->Amend(kFrank, v1.release_id));
  CHECK(v2.release_version == 2);
  CHECK(v2.state == DraftState::kDraft);
  CHECK(v2.content == v1.content);
  CHECK(fx.desk->Amend(kFrank, v1.release_id).status().code() == base::Code::kAlreadyExists);
  DraftContent c = v2.content;
  c.title = "关于加强基层治理的通知（修订）";
  v2 = Must(fx.desk->Edit(kFrank, v2.id, v2.revision, c));
  Must(fx.desk->Submit(kFrank, v2.id));
  Must(fx.desk->Pass(kBob, v2.id, ""));
  Must(fx.desk->Pass(kCarol, v2.id, ""));
  Must(fx.desk->Pass(kErin, v2.id, ""));
  Must(fx.desk->Approve(kDave, v2.id, ""));
  v2 = Must(fx.desk->PublishNow(kDave, v2.id));
  feeds::Release rel = *fx.Log().back().entry.release;
  CHECK(rel.id == v1.release_id);
  CHECK(rel.version == 2);
  CHECK(rel.status == feeds::ReleaseStatus::kAmended);
  CHECK(rel.title == "关于加强基层治理的通知（修订）");
  CHECK(Must(fx.desk->Get(v1.id))->state == DraftState::kSuperseded);
  CHECK(Must(fx.desk->Get(v2.id))->state == DraftState::kPublished);
  std::vector<Draft> all = Must(fx.desk->ReleaseDrafts(v1.release_id));
  REQUIRE(all.size() == 2);
  CHECK(all[0].id == v1.id);
}

TEST_CASE("desk withdraw publishes a signed withdrawn entry carrying the reason",
          "[hub][desk][withdraw]") {
  DeskFixture fx;
  Draft d = fx.Published();
  CHECK(fx.desk->Withdraw(kDave, d.release_id, "").status().code() == base::Code::kInvalidArgument);
  CHECK(fx.desk->Withdraw(kAlice, d.release_id, "x").status().code() ==
        base::Code::kPermissionDenied);
  feeds::SignedEntry se = Must(fx.desk->Withdraw(kDave, d.release_id, "内容有误 <更正>"));
  CHECK(se.entry.release->status == feeds::ReleaseStatus::kWithdrawn);
  CHECK(se.entry.release->version == 2);
  feeds::SignedEntry last = fx.Log().back();  // verifies every signature
  CHECK(last.hash == se.hash);
  CHECK(last.entry.release->body_html == "<p>内容有误 &lt;更正&gt;</p>");
  CHECK(Must(fx.desk->Get(d.id))->state == DraftState::kWithdrawn);
  CHECK(fx.desk->Amend(kFrank, d.release_id).status().code() == base::Code::kFailedPrecondition);
  staff::AuditFilter f;
  f.object = "release:" + d.release_id;
  CHECK(Must(fx.audit->List(f)).front().action == "release.withdraw");
}

TEST_CASE("desk amends and withdraws a release published without the desk", "[hub][desk][amend]") {
  DeskFixture fx;
  feeds::Release direct = testing::MakeRelease("api-2019-7");
  direct.title = "直接发布的政策";
  fx.MustPublish(direct);
  CHECK(Must(fx.desk->ReleaseDrafts("api-2019-7")).empty());
  Draft v2 = Must(fx.desk->Amend(kFrank, "api-2019-7"));
  CHECK(v2.release_version == 2);
  CHECK(v2.content.title == "直接发布的政策");
  std::vector<Draft> all = Must(fx.desk->ReleaseDrafts("api-2019-7"));
  REQUIRE(all.size() == 2);
  CHECK(all[0].state == DraftState::kPublished);
  CHECK(all[0].source == "hub-log");
  staff::AuditFilter f;
  f.action_prefix = "release.adopt";
  CHECK(Must(fx.audit->List(f)).size() == 1);
  feeds::Release other = testing::MakeRelease("api-2019-8");
  fx.MustPublish(other);
  feeds::SignedEntry se = Must(fx.desk->Withdraw(kDave, "api-2019-8", "重复发布"));
  CHECK(se.entry.release->status == feeds::ReleaseStatus::kWithdrawn);
  CHECK(se.entry.release->version == 2);
  CHECK(fx.desk->Withdraw(kDave, "no-such-release", "x").status().code() == base::Code::kNotFound);
}

TEST_CASE("desk repeal keeps the body readable under the reason", "[hub][desk][repeal]") {
  DeskFixture fx;
  Draft d = fx.Published();
  feeds::SignedEntry se = Must(fx.desk->Repeal(kDave, d.release_id, "已被新规定替代"));
  CHECK(se.entry.release->status == feeds::ReleaseStatus::kRepealed);
  CHECK(se.entry.release->body_html == "<p>已被新规定替代</p><p>第一段。</p><p>第二段。</p>");
  CHECK(Must(fx.desk->Get(d.id))->state == DraftState::kRepealed);
  CHECK(fx.desk->Repeal(kDave, d.release_id, "again").status().code() ==
        base::Code::kFailedPrecondition);
}

TEST_CASE("desk publishes a scheduled draft only once its time has come", "[hub][desk][schedule]") {
  DeskFixture fx;
  Draft d = fx.Approved();
  base::TimeMs at = kT0 + 3600000;
  CHECK(fx.desk->Schedule(kDave, d.id, kT0 - 1).status().code() == base::Code::kInvalidArgument);
  d = Must(fx.desk->Schedule(kDave, d.id, at));
  CHECK(d.state == DraftState::kScheduled);
  CHECK(d.publish_at_ms == at);
  std::uint64_t head = fx.Log().size();
  CHECK(fx.PublishDue() == 0);
  fx.clock.Set(at - 1);
  CHECK(fx.PublishDue() == 0);
  CHECK(fx.Log().size() == head);
  fx.clock.Set(at);
  CHECK(fx.PublishDue() == 1);
  CHECK(fx.PublishDue() == 0);
  CHECK(fx.Get(d.id).state == DraftState::kPublished);
  CHECK(fx.Log().back().entry.release->published_ms == at);
  CHECK(Must(fx.desk->History(d.id)).back().actor == "system");
}

TEST_CASE("desk unschedule returns a scheduled draft to approved", "[hub][desk][schedule]") {
  DeskFixture fx;
  Draft d = fx.Approved();
  Must(fx.desk->Schedule(kDave, d.id, kT0 + 1000));
  d = Must(fx.desk->Unschedule(kDave, d.id));
  CHECK(d.state == DraftState::kApproved);
  CHECK_FALSE(d.publish_at_ms.has_value());
  fx.clock.Advance(5000);
  CHECK(fx.PublishDue() == 0);
}

TEST_CASE("desk embargo blocks publishing now and scheduling before it", "[hub][desk][embargo]") {
  DeskFixture fx;
  Draft d = Must(fx.desk->Create(kAlice, Content()));
  base::TimeMs until = kT0 + 86400000;
  Must(fx.desk->SetEmbargo(kAlice, d.id, until));
  d = fx.Reviewed();  // a second draft, embargoed by the approver
  Must(fx.desk->Approve(kDave, d.id, ""));
  Must(fx.desk->SetEmbargo(kDave, d.id, until));
  base::Result<Draft> now = fx.desk->PublishNow(kDave, d.id);
  REQUIRE(now.status().code() == base::Code::kFailedPrecondition);
  CHECK(now.status().message().find("embargo") != std::string::npos);
  CHECK(fx.desk->Schedule(kDave, d.id, until - 1).status().code() ==
        base::Code::kFailedPrecondition);
  Must(fx.desk->Schedule(kDave, d.id, until));
  fx.clock.Set(until - 1);
  CHECK(fx.PublishDue() == 0);
  fx.clock.Set(until);
  CHECK(fx.PublishDue() == 1);
}

TEST_CASE("desk embargo set after scheduling holds the publication back", "[hub][desk][embargo]") {
  DeskFixture fx;
  Draft d = fx.Approved();
  Must(fx.desk->Schedule(kDave, d.id, kT0 + 1000));
  Must(fx.desk->SetEmbargo(kDave, d.id, kT0 + 5000));
  fx.clock.Set(kT0 + 1000);
  CHECK(fx.PublishDue() == 0);
  fx.clock.Set(kT0 + 5000);
  CHECK(fx.PublishDue() == 1);
}

TEST_CASE("desk stores attachments by SHA-256 and adds them to the draft",
          "[hub][desk][attachments]") {
  DeskFixture fx;
  Draft d = Must(fx.desk->Create(kAlice, Content()));
  std::string bytes = "%PDF-1.4 附件内容";
  d = Must(fx.desk->Attach(kAlice, d.id, "附件 1.pdf", "application/pdf", bytes));
  std::string sha = base::Sha256Hex(bytes);
  REQUIRE(d.content.attachments.size() == 1);
  const feeds::Attachment& a = d.content.attachments[0];
  CHECK(a.sha256_hex == sha);
  CHECK(a.length == bytes.size());
  CHECK(a.title == "附件 1.pdf");
  CHECK(a.href == "https://hub.example.gov.cn/attachments/" + sha + "/%E9%99%84%E4%BB%B6%201.pdf");
  CHECK(d.revision == 2);
  std::string path = fx.options.attachments_dir + "/" + sha;
  CHECK(testing::ReadText(path) == bytes);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);
  CHECK(Must(fx.desk->AttachmentBytes(sha)) == bytes);
  CHECK(fx.desk->AttachmentBytes("../etc").status().code() == base::Code::kInvalidArgument);
  CHECK(fx.desk->AttachmentBytes(std::string(64, 'a')).status().code() == base::Code::kNotFound);
  CHECK(fx.AuditActions(d.id).back() == "draft.attach");
}

TEST_CASE("desk refuses oversized attachments and bad file names", "[hub][desk][attachments]") {
  DeskFixture fx;
  Draft d = Must(fx.desk->Create(kAlice, Content()));
  base::Result<Draft> big = fx.desk->Attach(kAlice, d.id, "big.bin", "", std::string(1025, 'x'));
  REQUIRE(big.status().code() == base::Code::kResourceExhausted);
  CHECK(big.status().message().find("1025 bytes exceeds the limit of 1024") != std::string::npos);
  for (const std::string& name : {std::string("../x.pdf"), std::string("a/b.pdf"),
                                  std::string("a\\b"), std::string("bad\nname"), std::string("")}) {
    base::Result<Draft> r = fx.desk->Attach(kAlice, d.id, name, "", "bytes");
    INFO(name);
    REQUIRE(r.status().code() == base::Code::kInvalidArgument);
    CHECK(r.status().message().rfind("filename:", 0) == 0);
  }
  Must(fx.desk->Submit(kAlice, d.id));
  CHECK(fx.desk->Attach(kAlice, d.id, "ok.pdf", "", "bytes").status().code() ==
        base::Code::kFailedPrecondition);
  CHECK(fx.Get(d.id).content.attachments.empty());
}

TEST_CASE("desk imports untrusted items into review and trusted ones to approval",
          "[hub][desk][import]") {
  DeskFixture fx;
  Draft u = Must(fx.desk->Import("province-gov", false, Content(), "https://up.example/1"));
  CHECK(u.state == DraftState::kInReview);
  CHECK(u.level == 1);
  CHECK(u.author == "ingest:province-gov");
  CHECK(u.author_id == 0);
  CHECK(u.source == "ingest:province-gov");
  CHECK(u.source_link == "https://up.example/1");
  Draft t = Must(fx.desk->Import("state-council", true, Content(), "https://up.example/2"));
  CHECK(t.state == DraftState::kAwaitingApproval);
  Must(fx.desk->Approve(kDave, t.id, ""));
  Must(fx.desk->PublishNow(kDave, t.id));
  staff::AuditFilter f;
  f.actor = "ingest:province-gov";
  std::vector<staff::AuditRecord> recs = Must(fx.audit->List(f));
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].action == "draft.import");
  CHECK(Must(fx.desk->History(u.id)).front().action == StepAction::kImport);
  DraftContent bad = Content();
  bad.title = "";
  CHECK(fx.desk->Import("x", false, bad, "").status().code() == base::Code::kInvalidArgument);
}

TEST_CASE("desk queue shows each role what it may act on now", "[hub][desk][queue]") {
  DeskFixture fx;
  Draft mine = Must(fx.desk->Create(kAlice, Content("甲")));
  Draft franks = Must(fx.desk->Create(kFrank, Content("乙")));
  Draft at2 = Must(fx.desk->Create(kAlice, Content("丙")));
  Must(fx.desk->Submit(kAlice, at2.id));
  Must(fx.desk->Pass(kBob, at2.id, ""));
  Draft waiting = fx.Reviewed(Content("丁"));
  Draft approved = fx.Approved(Content("戊"));

  auto ids = [](const std::vector<Draft>& v) {
    std::vector<std::int64_t> out;
    for (const Draft& d : v) out.push_back(d.id);
    return out;
  };
  CHECK(ids(Must(fx.desk->Queue(kAlice))) == std::vector<std::int64_t>{mine.id});
  CHECK(ids(Must(fx.desk->Queue(kFrank))) == std::vector<std::int64_t>{franks.id});
  CHECK(Must(fx.desk->Queue(kBob)).empty());  // bob passed level 1 of at2
  CHECK(ids(Must(fx.desk->Queue(kCarol))) == std::vector<std::int64_t>{at2.id});
  CHECK(ids(Must(fx.desk->Queue(kDave))) == std::vector<std::int64_t>{waiting.id, approved.id});
  staff::Principal erin_approver = kErin;
  erin_approver.roles.Add(staff::Role::kApprover);
  // erin took level 3 of both: she may act on neither as approver, but on at2 as reviewer.
  CHECK(ids(Must(fx.desk->Queue(erin_approver))) == std::vector<std::int64_t>{at2.id, approved.id});
}

TEST_CASE("desk diff shows only the fields and lines that changed", "[hub][desk][diff]") {
  DeskFixture fx;
  Draft d = Must(fx.desk->Create(kAlice, Content()));
  DraftContent c = d.content;
  c.title = "新标题";
  c.body_html = "<p>第一段。</p><p>第二段（改）。</p><p>第三段。</p>";
  d = Must(fx.desk->Edit(kAlice, d.id, 1, c));
  std::vector<FieldDiff> diff = Must(fx.desk->Diff(d.id, 1, 2));
  REQUIRE(diff.size() == 2);
  CHECK(diff[0].field == "title");
  REQUIRE(diff[0].lines.size() == 2);
  CHECK(diff[0].lines[0].op == '-');
  CHECK(diff[0].lines[0].text == "关于加强基层治理的通知");
  CHECK(diff[0].lines[1].op == '+');
  CHECK(diff[0].lines[1].text == "新标题");
  CHECK(diff[1].field == "body");
  std::string ops;
  for (const FieldDiff::Line& l : diff[1].lines) ops += std::string(1, l.op) + l.text + "|";
  CHECK(ops == " 第一段。|-第二段。|+第二段（改）。|+第三段。|");
  CHECK(Must(fx.desk->Diff(d.id, 2, 2)).empty());
  CHECK(fx.desk->Diff(d.id, 1, 9).status().code() == base::Code::kNotFound);
  CHECK(fx.desk->Diff(999, 1, 2).status().code() == base::Code::kNotFound);
}

TEST_CASE("desk lists drafts by state, author and title text", "[hub][desk]") {
  DeskFixture fx;
  Must(fx.desk->Create(kAlice, Content("关于甲的通知")));
  Draft b = Must(fx.desk->Create(kFrank, Content("关于乙的通知")));
  Must(fx.desk->Submit(kFrank, b.id));
  DraftFilter f;
  CHECK(Must(fx.desk->List(f)).size() == 2);
  f.state = DraftState::kInReview;
  CHECK(Must(fx.desk->List(f)).size() == 1);
  f = {};
  f.author = "alice";
  CHECK(Must(fx.desk->List(f)).size() == 1);
  f = {};
  f.text = "乙";
  REQUIRE(Must(fx.desk->List(f)).size() == 1);
  CHECK(Must(fx.desk->List(f))[0].id == b.id);
}

TEST_CASE("desk with a single review level goes straight to approval after one pass",
          "[hub][desk]") {
  DeskFixture fx({"审核"});
  Draft d = Must(fx.desk->Create(kAlice, Content()));
  Must(fx.desk->Submit(kAlice, d.id));
  d = Must(fx.desk->Pass(kBob, d.id, ""));
  CHECK(d.state == DraftState::kAwaitingApproval);
  CHECK(d.levels == 1);
}

TEST_CASE("desk open refuses bad review levels", "[hub][desk]") {
  testing::HubFixture hf;
  std::unique_ptr<staff::AuditLog> audit = Must(staff::AuditLog::Open(hf.dir.File("audit.db")));
  DeskOptions o;
  o.review_levels = {};
  auto r = Desk::Open(hf.dir.File("desk.db"), o, *hf.hub, *audit, hf.clock);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().rfind("review_levels:", 0) == 0);
  o.review_levels = {"a", "b", "c", "d", "e", "f"};
  CHECK_FALSE(Desk::Open(hf.dir.File("desk.db"), o, *hf.hub, *audit, hf.clock).ok());
  o.review_levels = {"初审", ""};
  CHECK(Desk::Open(hf.dir.File("desk.db"), o, *hf.hub, *audit, hf.clock).status().message() ==
        "review_levels[1]: empty name");
}

TEST_CASE("desk state survives reopening desk.db", "[hub][desk]") {
  DeskFixture fx;
  Draft d = Must(fx.desk->Create(kAlice, Content()));
  Must(fx.desk->Submit(kAlice, d.id));
  Must(fx.desk->Pass(kBob, d.id, ""));
  fx.desk.reset();
  fx.desk = Must(Desk::Open(fx.dir.File("hub/desk.db"), fx.options, *fx.hub, *fx.audit, fx.clock));
  Draft again = *Must(fx.desk->Get(d.id));
  CHECK(again.level == 2);
  CHECK(again.content == d.content);
  // The round's reviewers were kept: bob still cannot take level 2.
  CHECK(fx.desk->Pass(kBob, d.id, "").status().code() == base::Code::kPermissionDenied);
}

}  // namespace zhanqun::desk

namespace zhanqun::desk {

TEST_CASE("desk rejection of a scheduled draft cancels its schedule", "[hub][desk][schedule]") {
  DeskFixture fx;
  Draft d = fx.Approved();
  Must(fx.desk->Schedule(kDave, d.id, kT0 + 1000));
  d = Must(fx.desk->Reject(kDave, d.id, "暂缓发布"));
  CHECK(d.state == DraftState::kDraft);
  CHECK_FALSE(d.publish_at_ms.has_value());
  fx.clock.Advance(2000);
  CHECK(fx.PublishDue() == 0);
  CHECK(fx.AuditActions(d.id).back() == "review.reject");
}

// ---- A failing desk.db is an error, never a plausible answer --------------

TEST_CASE("desk reads of a drafts table that cannot be read are errors, not empty answers",
          "[hub][desk][store]") {
  DeskFixture fx;
  Draft d = Must(fx.desk->Create(kAlice, Content()));
  Must(fx.desk->Submit(kAlice, d.id));
  testing::BreakDb(fx.dir.File("hub/desk.db"), "ALTER TABLE drafts RENAME TO drafts_gone");
  for (const base::Status& s :
       {fx.desk->Get(d.id).status(), fx.desk->List({}).status(), fx.desk->Queue(kBob).status(),
        fx.desk->StateCounts().status(), fx.desk->ReleaseDrafts(d.release_id).status(),
        fx.desk->PublishDue().status(), fx.desk->Diff(d.id, 1, 1).status()}) {
    INFO(s.ToString());
    CHECK(s.code() == base::Code::kIoError);
    CHECK_THAT(s.message(), Catch::Contains("no such table: drafts"));
  }
  // An action on the draft fails the same way, not with "draft does not exist".
  CHECK(fx.desk->Pass(kBob, d.id, "").status().code() == base::Code::kIoError);
}

TEST_CASE("a draft row with an unknown state is corruption naming the column and the value",
          "[hub][desk][store]") {
  DeskFixture fx;
  Draft d = Must(fx.desk->Create(kAlice, Content()));
  Draft other = Must(fx.desk->Create(kAlice, Content("另一篇")));
  testing::BreakDb(fx.dir.File("hub/desk.db"),
                   "UPDATE drafts SET state = 'limbo' WHERE id = " + std::to_string(d.id));
  base::Result<std::optional<Draft>> got = fx.desk->Get(d.id);
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == base::Code::kCorruption);
  CHECK_THAT(got.status().message(), Catch::Contains("drafts.state") &&
                                         Catch::Contains("draft " + std::to_string(d.id)) &&
                                         Catch::Contains("'limbo'"));
  CHECK(fx.desk->List({}).status().code() == base::Code::kCorruption);
  CHECK(fx.desk->StateCounts().status().code() == base::Code::kCorruption);
  // Neither the queue nor the scheduler may pass over a row they cannot read.
  CHECK(fx.desk->Queue(kAlice).status().code() == base::Code::kCorruption);
  CHECK(fx.desk->PublishDue().status().code() == base::Code::kCorruption);
  CHECK(fx.desk->Submit(kAlice, d.id).status().code() == base::Code::kCorruption);
  // The other draft reads as before: the error is the damaged row's alone.
  CHECK(fx.Get(other.id).state == DraftState::kDraft);
}

TEST_CASE("draft content that is not JSON is corruption, not an empty draft",
          "[hub][desk][store]") {
  DeskFixture fx;
  Draft d = Must(fx.desk->Create(kAlice, Content()));
  DraftContent c = d.content;
  c.title = "新标题";
  Must(fx.desk->Edit(kAlice, d.id, 1, c));
  testing::BreakDb(fx.dir.File("hub/desk.db"),
                   "UPDATE draft_revisions SET content = 'not json' WHERE revision = 1");
  base::Result<std::vector<DraftRevision>> revs = fx.desk->Revisions(d.id);
  REQUIRE_FALSE(revs.ok());
  CHECK(revs.status().code() == base::Code::kCorruption);
  CHECK_THAT(revs.status().message(),
             Catch::Contains("draft_revisions.content") && Catch::Contains("revision 1"));
  CHECK(fx.desk->Diff(d.id, 1, 2).status().code() == base::Code::kCorruption);
  CHECK(Must(fx.desk->Diff(d.id, 2, 2)).empty());  // revision 2 is intact

  testing::BreakDb(fx.dir.File("hub/desk.db"), "UPDATE drafts SET content = '{'");
  base::Result<std::optional<Draft>> got = fx.desk->Get(d.id);
  CHECK(got.status().code() == base::Code::kCorruption);
  CHECK_THAT(got.status().message(), Catch::Contains("drafts.content"));
}

TEST_CASE("a history step with an unknown action is corruption naming it", "[hub][desk][store]") {
  DeskFixture fx;
  Draft d = Must(fx.desk->Create(kAlice, Content()));
  testing::BreakDb(fx.dir.File("hub/desk.db"), "UPDATE draft_steps SET action = 'teleport'");
  base::Result<std::vector<DraftStep>> history = fx.desk->History(d.id);
  REQUIRE_FALSE(history.ok());
  CHECK(history.status().code() == base::Code::kCorruption);
  CHECK_THAT(history.status().message(),
             Catch::Contains("draft_steps.action") && Catch::Contains("'teleport'"));
}

TEST_CASE("an unreadable reviewer list refuses the approval instead of forgetting the reviewers",
          "[hub][desk][store][security]") {
  DeskFixture fx;
  Draft d = fx.Reviewed();  // erin took level 3
  staff::Principal erin_approver = kErin;
  erin_approver.roles.Add(staff::Role::kApprover);
  CHECK(fx.desk->Approve(erin_approver, d.id, "").status().code() == base::Code::kPermissionDenied);
  testing::BreakDb(fx.dir.File("hub/desk.db"), "DROP TABLE draft_reviewers");
  // Read as "nobody reviewed this round", the list would let erin sign off
  // on her own review.
  CHECK(fx.desk->Approve(erin_approver, d.id, "").status().code() == base::Code::kIoError);
  CHECK(fx.desk->Queue(erin_approver).status().code() == base::Code::kIoError);
  CHECK(fx.Get(d.id).state == DraftState::kAwaitingApproval);
}

}  // namespace zhanqun::desk
