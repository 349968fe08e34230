// hub.json: the publishing core's settings (hub/config.h), the staff
// accounts' ("accounts") and the desk's ("review_levels", "sources"), read
// in one pass that reports every problem, one line each.
#ifndef ZHANQUN_HUBD_CONFIG_H_
#define ZHANQUN_HUBD_CONFIG_H_

#include <string>

#include "zhanqun/base/status.h"
#include "zhanqun/desk/config.h"
#include "zhanqun/hub/config.h"
#include "zhanqun/staff/accounts.h"

namespace zhanqun::hubd {

struct Config {
  hub::HubConfig hub;
  staff::AccountsOptions accounts;
  desk::DeskConfig desk;  // data_dir and public_url are the hub's
};

// Parses and validates; on failure the message has one line per problem,
// each naming the field ("listen: expected host:port, got 'x'").
base::Result<Config> ParseConfig(const std::string& json_text, const std::string& base_dir);
// The same for a file; each line is prefixed with its path.
base::Result<Config> LoadConfig(const std::string& path);

}  // namespace zhanqun::hubd

#endif  // ZHANQUN_HUBD_CONFIG_H_
