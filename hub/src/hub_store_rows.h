// Rows of the hub store's tables as typed values, shared by hub_store*.cc.
#ifndef ZHANQUN_HUB_SRC_HUB_STORE_ROWS_H_
#define ZHANQUN_HUB_SRC_HUB_STORE_ROWS_H_

#include "zhanqun/hub/hub_store.h"

namespace zhanqun::hub::store_rows {

// The columns (node, origin, stage, seq, hub_ms) of acks or ack_events;
// `stage_column` names the stage column ("acks.stage") in a kCorruption error.
base::Result<AckRow> ReadAck(const sql::Stmt& row, const char* stage_column);

}  // namespace zhanqun::hub::store_rows

#endif  // ZHANQUN_HUB_SRC_HUB_STORE_ROWS_H_
