// SQLite persistence of WebSub subscriptions (websub_internal.h).
#include "websub_internal.h"

namespace zhanqun::feeds::websub_internal {

namespace {

const std::vector<std::string> kMigrations = {
    "CREATE TABLE subscriptions ("
    "  topic TEXT NOT NULL,"
    "  callback TEXT NOT NULL,"
    "  secret TEXT NOT NULL DEFAULT '',"
    "  lease_s INTEGER NOT NULL,"
    "  expires_ms INTEGER NOT NULL,"
    "  cursor_seq INTEGER NOT NULL DEFAULT 0,"
    "  cursor_hash TEXT NOT NULL DEFAULT '',"
    "  PRIMARY KEY (topic, callback)"
    ") WITHOUT ROWID;",
};

}  // namespace

base::Result<std::unique_ptr<SubscriptionStore>> SubscriptionStore::Open(const std::string& path) {
  base::Result<std::unique_ptr<sql::Db>> db = sql::Db::Open(path, kMigrations);
  if (!db.ok()) return db.status().Context("websub store " + path);
  return std::unique_ptr<SubscriptionStore>(new SubscriptionStore(std::move(*db)));
}

base::Status SubscriptionStore::Upsert(const SubscriptionRow& r) {
  std::lock_guard<std::mutex> lock(mu_);
  base::Result<sql::Stmt> st = db_->Prepare(
      "INSERT INTO subscriptions (topic, callback, secret, lease_s, expires_ms, cursor_seq,"
      " cursor_hash) VALUES (?, ?, ?, ?, ?, ?, ?)"
      " ON CONFLICT (topic, callback) DO UPDATE SET secret = excluded.secret,"
      " lease_s = excluded.lease_s, expires_ms = excluded.expires_ms");
  if (!st.ok()) return st.status();
  st->Bind(1, r.topic).Bind(2, r.callback).Bind(3, r.secret);
  st->Bind(4, static_cast<std::int64_t>(r.lease_s))
      .Bind(5, static_cast<std::int64_t>(r.expires_ms));
  st->Bind(6, static_cast<std::int64_t>(r.cursor_seq)).Bind(7, r.cursor_hash);
  return st->Run();
}

base::Status SubscriptionStore::Remove(const std::string& topic, const std::string& callback) {
  std::lock_guard<std::mutex> lock(mu_);
  base::Result<sql::Stmt> st =
      db_->Prepare("DELETE FROM subscriptions WHERE topic = ? AND callback = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, topic).Bind(2, callback);
  return st->Run();
}

base::Status SubscriptionStore::SaveCursor(const std::string& topic, const std::string& callback,
                                           std::uint64_t seq, const std::string& hash) {
  std::lock_guard<std::mutex> lock(mu_);
  base::Result<sql::Stmt> st = db_->Prepare(
      "UPDATE subscriptions SET cursor_seq = ?, cursor_hash = ? WHERE topic = ? AND callback = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, static_cast<std::int64_t>(seq)).Bind(2, hash).Bind(3, topic).Bind(4, callback);
  return st->Run();
}

base::Result<std::vector<SubscriptionRow>> SubscriptionStore::All() {
  std::lock_guard<std::mutex> lock(mu_);
  base::Result<sql::Stmt> st = db_->Prepare(
      "SELECT topic, callback, secret, lease_s, expires_ms, cursor_seq, cursor_hash"
      " FROM subscriptions ORDER BY topic, callback");
  if (!st.ok()) return st.status();
  std::vector<SubscriptionRow> out;
  base::Status s = sql::ForEachRow(*st, [&](sql::Stmt& row) {
    SubscriptionRow r;
    r.topic = row.Text(0);
    r.callback = row.Text(1);
    r.secret = row.Text(2);
    r.lease_s = static_cast<int>(row.Int(3));
    r.expires_ms = row.Int(4);
    r.cursor_seq = static_cast<std::uint64_t>(row.Int(5));
    r.cursor_hash = row.Text(6);
    out.push_back(std::move(r));
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace zhanqun::feeds::websub_internal
