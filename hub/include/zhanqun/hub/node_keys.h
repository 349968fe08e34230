// How the hub changes a registered node's keys: pure rules that take the
// node's current registry entry and return the entry that restates its whole
// key history (docs/protocol.md §4.1). Errors name the code and the rule.
// Stateless; safe from any thread.
#ifndef ZHANQUN_HUB_NODE_KEYS_H_
#define ZHANQUN_HUB_NODE_KEYS_H_

#include <cstdint>

#include "zhanqun/base/status.h"
#include "zhanqun/feeds/model.h"

namespace zhanqun::hub {

// A new key for the node's log from seq `from_seq` on; every open key's grant
// ends there. kInvalid when the node is removed, the key is already one of
// the node's, or `from_seq` is not after the start of an open grant.
base::Result<feeds::Node> RekeyNode(const feeds::Node& current, const feeds::PublicKey& key,
                                    std::uint64_t from_seq);

// The open keys sign nothing after seq `after_seq`. kInvalid when the node is
// removed or has no open key, or a grant would end before it starts.
base::Result<feeds::Node> RevokeNode(const feeds::Node& current, std::uint64_t after_seq);

// The node leaves: no grants. kInvalid when it is already removed.
base::Result<feeds::Node> RemoveNode(const feeds::Node& current);

// A node that lost its disk and key starts a new epoch: one new key, from
// seq 1 of the new log. kInvalid when the key is one the node had.
base::Result<feeds::Node> RejoinNode(const feeds::Node& current, const feeds::PublicKey& key);

}  // namespace zhanqun::hub

#endif  // ZHANQUN_HUB_NODE_KEYS_H_
