#include "desk_store.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace zhanqun::desk {

using base::Result;
using base::Status;
using json = nlohmann::json;

namespace {

const std::vector<std::string>& Migrations() {
  static const std::vector<std::string> kMigrations = {
      R"sql(
CREATE TABLE drafts (
  id INTEGER PRIMARY KEY, release_id TEXT NOT NULL, release_version INTEGER NOT NULL,
  state TEXT NOT NULL, level INTEGER NOT NULL, levels INTEGER NOT NULL,
  revision INTEGER NOT NULL, content TEXT NOT NULL, author_id INTEGER NOT NULL,
  author TEXT NOT NULL, source TEXT NOT NULL, source_link TEXT NOT NULL,
  publish_at_ms INTEGER, embargo_until_ms INTEGER, last_comment TEXT NOT NULL,
  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL, published_seq INTEGER NOT NULL,
  title TEXT NOT NULL);
CREATE INDEX drafts_by_release ON drafts (release_id, release_version);
CREATE INDEX drafts_by_state ON drafts (state, updated_ms);
CREATE TABLE draft_revisions (
  draft_id INTEGER NOT NULL REFERENCES drafts(id), revision INTEGER NOT NULL,
  content TEXT NOT NULL, actor TEXT NOT NULL, at_ms INTEGER NOT NULL,
  PRIMARY KEY (draft_id, revision));
CREATE TABLE draft_steps (
  id INTEGER PRIMARY KEY, draft_id INTEGER NOT NULL REFERENCES drafts(id),
  at_ms INTEGER NOT NULL, actor TEXT NOT NULL, actor_id INTEGER NOT NULL,
  action TEXT NOT NULL, level INTEGER NOT NULL, revision INTEGER NOT NULL,
  comment TEXT NOT NULL);
CREATE INDEX draft_steps_by_draft ON draft_steps (draft_id, id);
CREATE TABLE draft_reviewers (
  draft_id INTEGER NOT NULL REFERENCES drafts(id), level INTEGER NOT NULL,
  user_id INTEGER NOT NULL, username TEXT NOT NULL, PRIMARY KEY (draft_id, level));
)sql",
  };
  return kMigrations;
}

constexpr const char* kDraftColumns =
    "id, release_id, release_version, state, level, levels, revision, content, author_id, "
    "author, source, source_link, publish_at_ms, embargo_until_ms, last_comment, created_ms, "
    "updated_ms, published_seq";

// `what` names the row for the message: "draft 12".
Result<DraftState> StateFromName(const std::string& name, const char* column,
                                 const std::string& what) {
  for (DraftState s : AllDraftStates()) {
    if (name == DraftStateName(s)) return s;
  }
  return Status::Corruption(std::string("desk.db ") + column + " of " + what + ": unknown state '" +
                            name + "'");
}

Result<StepAction> StepActionFromName(const std::string& name, const std::string& what) {
  for (StepAction a : AllStepActions()) {
    if (name == StepActionName(a)) return a;
  }
  return Status::Corruption("desk.db draft_steps.action of " + what + ": unknown action '" + name +
                            "'");
}

Result<DraftContent> ContentFromColumn(const std::string& text, const char* column,
                                       const std::string& what) {
  Result<DraftContent> c = ContentFromJson(text);
  if (!c.ok()) return c.status().Context(std::string("desk.db ") + column + " of " + what);
  return c;
}

std::optional<base::TimeMs> OptionalTime(sql::Stmt& st, int col) {
  if (st.IsNull(col)) return std::nullopt;
  return st.Int(col);
}

Result<Draft> DraftFromRow(sql::Stmt& st) {
  Draft d;
  d.id = st.Int(0);
  const std::string what = "draft " + std::to_string(d.id);
  d.release_id = st.Text(1);
  d.release_version = static_cast<int>(st.Int(2));
  Result<DraftState> state = StateFromName(st.Text(3), "drafts.state", what);
  if (!state.ok()) return state.status();
  d.state = *state;
  d.level = static_cast<int>(st.Int(4));
  d.levels = static_cast<int>(st.Int(5));
  d.revision = static_cast<int>(st.Int(6));
  Result<DraftContent> c = ContentFromColumn(st.Text(7), "drafts.content", what);
  if (!c.ok()) return c.status();
  d.content = std::move(c).value();
  d.author_id = st.Int(8);
  d.author = st.Text(9);
  d.source = st.Text(10);
  d.source_link = st.Text(11);
  d.publish_at_ms = OptionalTime(st, 12);
  d.embargo_until_ms = OptionalTime(st, 13);
  d.last_comment = st.Text(14);
  d.created_ms = st.Int(15);
  d.updated_ms = st.Int(16);
  d.published_seq = static_cast<std::uint64_t>(st.Int(17));
  return d;
}

void BindOptional(sql::Stmt& st, int i, const std::optional<base::TimeMs>& t) {
  if (t) {
    st.Bind(i, *t);
  } else {
    st.BindNull(i);
  }
}

// Binds columns 2.. of kDraftColumns (everything but id), then title.
void BindDraft(sql::Stmt& st, const Draft& d) {
  st.Bind(2, d.release_id)
      .Bind(3, static_cast<std::int64_t>(d.release_version))
      .Bind(4, std::string(DraftStateName(d.state)))
      .Bind(5, static_cast<std::int64_t>(d.level))
      .Bind(6, static_cast<std::int64_t>(d.levels))
      .Bind(7, static_cast<std::int64_t>(d.revision))
      .Bind(8, ContentToJson(d.content))
      .Bind(9, d.author_id)
      .Bind(10, d.author)
      .Bind(11, d.source)
      .Bind(12, d.source_link);
  BindOptional(st, 13, d.publish_at_ms);
  BindOptional(st, 14, d.embargo_until_ms);
  st.Bind(15, d.last_comment)
      .Bind(16, d.created_ms)
      .Bind(17, d.updated_ms)
      .Bind(18, static_cast<std::int64_t>(d.published_seq))
      .Bind(19, d.content.title);
}

json AttachmentJson(const feeds::Attachment& a) {
  return {{"href", a.href},
          {"title", a.title},
          {"media_type", a.media_type},
          {"sha256", a.sha256_hex},
          {"length", a.length}};
}

}  // namespace

std::string ContentToJson(const DraftContent& c) {
  json atts = json::array();
  for (const feeds::Attachment& a : c.attachments) atts.push_back(AttachmentJson(a));
  json j = {{"title", c.title},         {"doc_number", c.doc_number},
            {"authority", c.authority}, {"signed_date", c.signed_date},
            {"topics", c.topics},       {"categories", c.categories},
            {"body_html", c.body_html}, {"attachments", atts}};
  if (!c.body_markdown.empty()) j["body_markdown"] = c.body_markdown;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<DraftContent> ContentFromJson(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Corruption("draft content is not JSON");
  try {
    DraftContent c;
    c.title = j.value("title", "");
    c.doc_number = j.value("doc_number", "");
    c.authority = j.value("authority", "");
    c.signed_date = j.value("signed_date", "");
    c.topics = j.value("topics", std::vector<std::string>{});
    c.categories = j.value("categories", std::vector<std::string>{});
    c.body_html = j.value("body_html", "");
    c.body_markdown = j.value("body_markdown", "");
    for (const json& a : j.value("attachments", json::array())) {
      c.attachments.push_back({a.value("href", ""), a.value("title", ""), a.value("media_type", ""),
                               a.value("sha256", ""), a.value("length", std::uint64_t{0})});
    }
    return c;
  } catch (const json::exception& e) {
    return Status::Corruption(std::string("draft content: ") + e.what());
  }
}

Result<std::unique_ptr<DeskStore>> DeskStore::Open(const std::string& path) {
  Result<std::unique_ptr<sql::Db>> db = sql::Db::Open(path, Migrations());
  if (!db.ok()) return db.status();
  return std::unique_ptr<DeskStore>(new DeskStore(std::move(*db)));
}

Result<std::int64_t> DeskStore::Insert(const Draft& d, const std::string& actor) {
  Result<sql::Stmt> st = db_->Prepare(
      std::string("INSERT INTO drafts (") + kDraftColumns +
      ", title) VALUES (NULL,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19)");
  if (!st.ok()) return st.status();
  BindDraft(*st, d);
  ZQ_RETURN_IF_ERROR(st->Run());
  std::int64_t id = db_->LastInsertRowId();
  ZQ_RETURN_IF_ERROR(AddRevision(id, {d.revision, d.content, actor, d.created_ms}));
  return id;
}

Status DeskStore::Update(const Draft& d) {
  Result<sql::Stmt> st = db_->Prepare(
      "UPDATE drafts SET release_id=?2, release_version=?3, state=?4, level=?5, levels=?6, "
      "revision=?7, content=?8, author_id=?9, author=?10, source=?11, source_link=?12, "
      "publish_at_ms=?13, embargo_until_ms=?14, last_comment=?15, created_ms=?16, "
      "updated_ms=?17, published_seq=?18, title=?19 WHERE id=?1");
  if (!st.ok()) return st.status();
  st->Bind(1, d.id);
  BindDraft(*st, d);
  return st->Run();
}

Status DeskStore::AddRevision(std::int64_t id, const DraftRevision& rev) {
  Result<sql::Stmt> st = db_->Prepare(
      "INSERT INTO draft_revisions (draft_id, revision, content, actor, at_ms) "
      "VALUES (?1,?2,?3,?4,?5)");
  if (!st.ok()) return st.status();
  st->Bind(1, id)
      .Bind(2, static_cast<std::int64_t>(rev.revision))
      .Bind(3, ContentToJson(rev.content))
      .Bind(4, rev.actor)
      .Bind(5, rev.at_ms);
  return st->Run();
}

Status DeskStore::AddStep(const DraftStep& s) {
  Result<sql::Stmt> st = db_->Prepare(
      "INSERT INTO draft_steps (draft_id, at_ms, actor, actor_id, action, level, revision, "
      "comment) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)");
  if (!st.ok()) return st.status();
  st->Bind(1, s.draft_id)
      .Bind(2, s.at_ms)
      .Bind(3, s.actor)
      .Bind(4, s.actor_id)
      .Bind(5, std::string_view(StepActionName(s.action)))
      .Bind(6, static_cast<std::int64_t>(s.level))
      .Bind(7, static_cast<std::int64_t>(s.revision))
      .Bind(8, s.comment);
  return st->Run();
}

Status DeskStore::AddReviewer(std::int64_t id, const RoundReviewer& r) {
  Result<sql::Stmt> st = db_->Prepare(
      "INSERT OR REPLACE INTO draft_reviewers (draft_id, level, user_id, username) "
      "VALUES (?1,?2,?3,?4)");
  if (!st.ok()) return st.status();
  st->Bind(1, id)
      .Bind(2, static_cast<std::int64_t>(r.level))
      .Bind(3, r.user_id)
      .Bind(4, r.username);
  return st->Run();
}

Status DeskStore::ClearReviewers(std::int64_t id) {
  Result<sql::Stmt> st = db_->Prepare("DELETE FROM draft_reviewers WHERE draft_id = ?1");
  if (!st.ok()) return st.status();
  st->Bind(1, id);
  return st->Run();
}

Result<std::vector<Draft>> DeskStore::Query(const std::string& where_order,
                                            const std::function<void(sql::Stmt&)>& bind) {
  Result<sql::Stmt> st =
      db_->Prepare(std::string("SELECT ") + kDraftColumns + " FROM drafts " + where_order);
  if (!st.ok()) return st.status();
  bind(*st);
  std::vector<Draft> out;
  ZQ_RETURN_IF_ERROR(sql::ForEachRowChecked(*st, [&](sql::Stmt& s) {
    Result<Draft> d = DraftFromRow(s);
    if (!d.ok()) return d.status();
    out.push_back(std::move(d).value());
    return Status::Ok();
  }));
  return out;
}

Result<std::optional<Draft>> DeskStore::Get(std::int64_t id) {
  Result<std::vector<Draft>> v = Query("WHERE id = ?1", [id](sql::Stmt& st) { st.Bind(1, id); });
  if (!v.ok()) return v.status();
  if (v->empty()) return std::optional<Draft>();
  return std::optional<Draft>(std::move(v->front()));
}

Result<std::vector<Draft>> DeskStore::List(const DraftFilter& f) {
  return Query(
      "WHERE (?1 = '' OR state = ?1) AND (?2 = '' OR release_id = ?2) AND "
      "(?3 = '' OR author = ?3) AND (?4 = '' OR instr(title, ?4) > 0) "
      "ORDER BY updated_ms DESC, id DESC LIMIT ?5 OFFSET ?6",
      [&f](sql::Stmt& st) {
        st.Bind(1, std::string(f.state ? DraftStateName(*f.state) : ""))
            .Bind(2, f.release_id)
            .Bind(3, f.author)
            .Bind(4, f.text)
            .Bind(5, static_cast<std::int64_t>(f.limit))
            .Bind(6, static_cast<std::int64_t>(f.offset));
      });
}

Result<std::vector<std::pair<DraftState, std::size_t>>> DeskStore::StateCounts() {
  Result<sql::Stmt> st = db_->Prepare("SELECT state, count(*) FROM drafts GROUP BY state");
  if (!st.ok()) return st.status();
  std::vector<std::pair<DraftState, std::size_t>> out;
  ZQ_RETURN_IF_ERROR(sql::ForEachRowChecked(*st, [&out](sql::Stmt& s) {
    Result<DraftState> state = StateFromName(s.Text(0), "drafts.state", "a draft");
    if (!state.ok()) return state.status();
    out.emplace_back(*state, static_cast<std::size_t>(s.Int(1)));
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<Draft>> DeskStore::InStates(const std::vector<DraftState>& states) {
  // Every row is read, not only those whose state column matches: a row with
  // a state this program does not know must fail the read, not drop out of
  // the queue and the schedule unseen.
  Result<std::vector<Draft>> all = Query("ORDER BY updated_ms, id", [](sql::Stmt&) {});
  if (!all.ok()) return all.status();
  std::vector<Draft> out;
  for (Draft& d : *all) {
    if (std::find(states.begin(), states.end(), d.state) != states.end()) {
      out.push_back(std::move(d));
    }
  }
  return out;
}

Result<std::vector<Draft>> DeskStore::ByRelease(const std::string& release_id) {
  return Query("WHERE release_id = ?1 ORDER BY release_version, id",
               [&release_id](sql::Stmt& st) { st.Bind(1, release_id); });
}

Result<std::vector<RoundReviewer>> DeskStore::Reviewers(std::int64_t id) {
  Result<sql::Stmt> st = db_->Prepare(
      "SELECT level, user_id, username FROM draft_reviewers WHERE draft_id = ?1 ORDER BY level");
  if (!st.ok()) return st.status();
  st->Bind(1, id);
  std::vector<RoundReviewer> out;
  ZQ_RETURN_IF_ERROR(sql::ForEachRow(*st, [&](sql::Stmt& s) {
    out.push_back({static_cast<int>(s.Int(0)), s.Int(1), s.Text(2)});
  }));
  return out;
}

Result<std::vector<DraftStep>> DeskStore::Steps(std::int64_t id) {
  Result<sql::Stmt> st = db_->Prepare(
      "SELECT draft_id, at_ms, actor, actor_id, action, level, revision, comment "
      "FROM draft_steps WHERE draft_id = ?1 ORDER BY id");
  if (!st.ok()) return st.status();
  st->Bind(1, id);
  std::vector<DraftStep> out;
  ZQ_RETURN_IF_ERROR(sql::ForEachRowChecked(*st, [&](sql::Stmt& s) {
    Result<StepAction> action = StepActionFromName(s.Text(4), "draft " + std::to_string(id));
    if (!action.ok()) return action.status();
    out.push_back({s.Int(0), s.Int(1), s.Text(2), s.Int(3), *action, static_cast<int>(s.Int(5)),
                   static_cast<int>(s.Int(6)), s.Text(7)});
    return Status::Ok();
  }));
  return out;
}

namespace {

constexpr const char* kRevisionColumns =
    "SELECT revision, content, actor, at_ms FROM draft_revisions WHERE draft_id = ?1 ";

Result<DraftRevision> RevisionFromRow(sql::Stmt& s, std::int64_t id) {
  const int revision = static_cast<int>(s.Int(0));
  Result<DraftContent> c =
      ContentFromColumn(s.Text(1), "draft_revisions.content",
                        "draft " + std::to_string(id) + " revision " + std::to_string(revision));
  if (!c.ok()) return c.status();
  return DraftRevision{revision, std::move(c).value(), s.Text(2), s.Int(3)};
}

}  // namespace

Result<std::vector<DraftRevision>> DeskStore::Revisions(std::int64_t id) {
  Result<sql::Stmt> st = db_->Prepare(std::string(kRevisionColumns) + "ORDER BY revision");
  if (!st.ok()) return st.status();
  st->Bind(1, id);
  std::vector<DraftRevision> out;
  ZQ_RETURN_IF_ERROR(sql::ForEachRowChecked(*st, [&](sql::Stmt& s) {
    Result<DraftRevision> r = RevisionFromRow(s, id);
    if (!r.ok()) return r.status();
    out.push_back(std::move(r).value());
    return Status::Ok();
  }));
  return out;
}

Result<std::optional<DraftRevision>> DeskStore::Revision(std::int64_t id, int revision) {
  Result<sql::Stmt> st = db_->Prepare(std::string(kRevisionColumns) + "AND revision = ?2");
  if (!st.ok()) return st.status();
  st->Bind(1, id).Bind(2, static_cast<std::int64_t>(revision));
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<DraftRevision>();
  Result<DraftRevision> r = RevisionFromRow(*st, id);
  if (!r.ok()) return r.status();
  return std::optional<DraftRevision>(std::move(r).value());
}

}  // namespace zhanqun::desk
