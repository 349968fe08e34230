#include "zhanqun/desk/operations.h"

#include <nlohmann/json.hpp>

#include "zhanqun/hub/node_keys.h"
#include "zhanqun/hub/release_json.h"

namespace zhanqun::desk {

using base::Result;
using base::Status;

Result<feeds::SignedEntry> Operations::Audited(const staff::Principal& who,
                                               const std::string& action, const std::string& object,
                                               Result<feeds::SignedEntry> made) {
  if (!made.ok()) return made;
  nlohmann::json detail = {{"seq", made->entry.log.seq}, {"hash", made->hash}};
  if (made->entry.release) detail["version"] = made->entry.release->version;
  Status s = audit_.Append(clock_.NowMs(), who.AuditName(), action, object, detail.dump()).status();
  if (!s.ok()) return s.Context("audit");
  return made;
}

Result<feeds::SignedEntry> Operations::PublishDirect(const staff::Principal& who,
                                                     feeds::Release release) {
  ZQ_RETURN_IF_ERROR(staff::Require(who, staff::Permission::kPublishDirect));
  Result<feeds::SignedEntry> se = hub_.Publish(std::move(release));
  const std::string object = se.ok() ? "release:" + se->entry.release->id : "";
  return Audited(who, "release.publish_direct", object, std::move(se));
}

Result<feeds::SignedEntry> Operations::PublishDirectJson(const staff::Principal& who,
                                                         const std::string& release_json) {
  ZQ_RETURN_IF_ERROR(staff::Require(who, staff::Permission::kPublishDirect));
  Result<feeds::Release> release = hub::ParseReleaseJson(release_json, clock_.NowMs());
  if (!release.ok()) {
    hub_.counters().publish_rejected++;
    return release.status();
  }
  return PublishDirect(who, std::move(*release));
}

Result<feeds::SignedEntry> Operations::AddNode(const staff::Principal& who, const std::string& code,
                                               const std::string& parent,
                                               const feeds::PublicKey& key) {
  ZQ_RETURN_IF_ERROR(staff::Require(who, staff::Permission::kNodeManage));
  Result<feeds::SignedEntry> se = hub_.AddNode(code, parent, key);
  const std::string object = se.ok() ? "node:" + se->entry.node->code : "";
  return Audited(who, "node.add", object, std::move(se));
}

Result<feeds::SignedEntry> Operations::RekeyNode(const staff::Principal& who,
                                                 const std::string& code,
                                                 const feeds::PublicKey& key,
                                                 std::uint64_t from_seq) {
  ZQ_RETURN_IF_ERROR(staff::Require(who, staff::Permission::kNodeManage));
  Result<feeds::SignedEntry> se = hub_.RestateNode(
      code, [&](const feeds::Node& n) { return hub::RekeyNode(n, key, from_seq); });
  return Audited(who, "node.rekey", se.ok() ? "node:" + code : "", std::move(se));
}

Result<feeds::SignedEntry> Operations::RevokeNode(const staff::Principal& who,
                                                  const std::string& code,
                                                  std::uint64_t after_seq) {
  ZQ_RETURN_IF_ERROR(staff::Require(who, staff::Permission::kNodeManage));
  Result<feeds::SignedEntry> se =
      hub_.RestateNode(code, [&](const feeds::Node& n) { return hub::RevokeNode(n, after_seq); });
  return Audited(who, "node.revoke", se.ok() ? "node:" + code : "", std::move(se));
}

Result<feeds::SignedEntry> Operations::RemoveNode(const staff::Principal& who,
                                                  const std::string& code) {
  ZQ_RETURN_IF_ERROR(staff::Require(who, staff::Permission::kNodeManage));
  Result<feeds::SignedEntry> se =
      hub_.RestateNode(code, [](const feeds::Node& n) { return hub::RemoveNode(n); });
  return Audited(who, "node.remove", se.ok() ? "node:" + code : "", std::move(se));
}

Result<feeds::SignedEntry> Operations::RejoinNode(const staff::Principal& who,
                                                  const std::string& code,
                                                  const feeds::PublicKey& key) {
  ZQ_RETURN_IF_ERROR(staff::Require(who, staff::Permission::kNodeManage));
  Result<feeds::SignedEntry> se =
      hub_.RestateNode(code, [&](const feeds::Node& n) { return hub::RejoinNode(n, key); });
  return Audited(who, "node.rejoin", se.ok() ? "node:" + code : "", std::move(se));
}

Result<feeds::SignedEntry> Operations::MoveNode(const staff::Principal& who,
                                                const std::string& code,
                                                const std::string& parent) {
  ZQ_RETURN_IF_ERROR(staff::Require(who, staff::Permission::kNodeManage));
  Result<feeds::SignedEntry> se = hub_.MoveNode(code, parent);
  const std::string object = se.ok() ? "node:" + code + " parent:" + parent : "";
  return Audited(who, "node.move", object, std::move(se));
}

Result<feeds::SignedEntry> Operations::DefineTopic(const staff::Principal& who,
                                                   feeds::TopicDef topic) {
  ZQ_RETURN_IF_ERROR(staff::Require(who, staff::Permission::kTopicManage));
  Result<feeds::SignedEntry> se = hub_.AddTopic(std::move(topic));
  const std::string object = se.ok() ? "topic:" + se->entry.topic->id : "";
  return Audited(who, "topic.define", object, std::move(se));
}

Result<feeds::SignedEntry> Operations::RotateOnlineKey(
    const staff::Principal& who, const std::vector<const feeds::SecretKey*>& roots) {
  ZQ_RETURN_IF_ERROR(staff::Require(who, staff::Permission::kNodeManage));
  Result<feeds::SignedEntry> se = hub_.RotateOnlineKey(roots);
  const std::string object =
      se.ok() ? "hub-key:" + hub_.public_key().KeyIdHex() + "@" + std::to_string(se->entry.log.seq)
              : "";
  return Audited(who, "key.rotate", object, std::move(se));
}

Result<feeds::SignedEntry> Operations::RotateRoots(
    const staff::Principal& who, const std::vector<const feeds::SecretKey*>& old_roots,
    const std::vector<const feeds::SecretKey*>& new_roots, int threshold) {
  ZQ_RETURN_IF_ERROR(staff::Require(who, staff::Permission::kNodeManage));
  Result<feeds::SignedEntry> se = hub_.RotateRoots(old_roots, new_roots, threshold);
  std::string object;
  if (se.ok()) {
    object = "hub-roots:";
    for (std::size_t i = 0; i < new_roots.size(); ++i)
      object += (i ? "," : "") + new_roots[i]->public_key().KeyIdHex();
    object += "@" + std::to_string(se->entry.log.seq);
  }
  return Audited(who, "key.rotate-root", object, std::move(se));
}

}  // namespace zhanqun::desk
