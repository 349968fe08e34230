// The hub actions staff take outside the 三审 workflow: publishing a release
// given as signed-off JSON (automation; permission publish_direct),
// registering and moving a node and defining a national topic. Each checks the
// principal's permission, acts through the Hub and appends one audit record
// naming the entry it made, so the JSON API and the CLI audit these actions
// in one place and one way.
//
// Thread-safe as Hub and AuditLog are; both must outlive it.
#ifndef ZHANQUN_DESK_OPERATIONS_H_
#define ZHANQUN_DESK_OPERATIONS_H_

#include <cstdint>
#include <string>

#include "zhanqun/base/clock.h"
#include "zhanqun/base/status.h"
#include "zhanqun/feeds/log.h"
#include "zhanqun/feeds/model.h"
#include "zhanqun/hub/hub.h"
#include "zhanqun/staff/audit.h"
#include "zhanqun/staff/roles.h"

namespace zhanqun::desk {

class Operations {
 public:
  Operations(hub::Hub& hub, staff::AuditLog& audit, const base::Clock& clock)
      : hub_(hub), audit_(audit), clock_(clock) {}

  // Errors: kPermissionDenied naming the role needed; the Hub's errors
  // (fields named); kIoError etc. when the audit record cannot be written
  // (the entry itself is then already in the log: "audit: ...").
  base::Result<feeds::SignedEntry> PublishDirect(const staff::Principal& who,
                                                 feeds::Release release);
  // `release_json` as in docs/api.md; a body that does not parse counts in
  // the hub's publish_rejected like a release the Hub refuses.
  base::Result<feeds::SignedEntry> PublishDirectJson(const staff::Principal& who,
                                                     const std::string& release_json);
  base::Result<feeds::SignedEntry> AddNode(const staff::Principal& who, const std::string& code,
                                           const std::string& parent, const feeds::PublicKey& key);
  // Key changes of a registered node (docs/protocol.md §4.1), each audited as
  // node.rekey / node.revoke / node.remove / node.rejoin; errors as
  // hub::Hub::RestateNode and hub/node_keys.h.
  base::Result<feeds::SignedEntry> RekeyNode(const staff::Principal& who, const std::string& code,
                                             const feeds::PublicKey& key, std::uint64_t from_seq);
  base::Result<feeds::SignedEntry> RevokeNode(const staff::Principal& who, const std::string& code,
                                              std::uint64_t after_seq);
  base::Result<feeds::SignedEntry> RemoveNode(const staff::Principal& who, const std::string& code);
  base::Result<feeds::SignedEntry> RejoinNode(const staff::Principal& who, const std::string& code,
                                              const feeds::PublicKey& key);
  // hub::Hub::MoveNode, audited as node.move (object: "node:<code> parent:<parent>").
  base::Result<feeds::SignedEntry> MoveNode(const staff::Principal& who, const std::string& code,
                                            const std::string& parent);
  base::Result<feeds::SignedEntry> DefineTopic(const staff::Principal& who, feeds::TopicDef topic);
  // hub::Hub::RotateOnlineKey, audited as "key.rotate" (object: the new key
  // id and the trust entry's seq). Needs the node-management permission.
  base::Result<feeds::SignedEntry> RotateOnlineKey(
      const staff::Principal& who, const std::vector<const feeds::SecretKey*>& roots);
  // hub::Hub::RotateRoots, audited as "key.rotate-root" (object: the new
  // root key ids and the trust entry's seq). Needs the node-management
  // permission.
  base::Result<feeds::SignedEntry> RotateRoots(
      const staff::Principal& who, const std::vector<const feeds::SecretKey*>& old_roots,
      const std::vector<const feeds::SecretKey*>& new_roots, int threshold);

 private:
  base::Result<feeds::SignedEntry> Audited(const staff::Principal& who, const std::string& action,
                                           const std::string& object,
                                           base::Result<feeds::SignedEntry> made);

  hub::Hub& hub_;
  staff::AuditLog& audit_;
  const base::Clock& clock_;
};

}  // namespace zhanqun::desk

#endif  // ZHANQUN_DESK_OPERATIONS_H_
