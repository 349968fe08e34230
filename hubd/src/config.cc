#include "zhanqun/hubd/config.h"

#include <iterator>
#include <vector>

#include "zhanqun/base/config.h"
#include "zhanqun/staff/staff.h"

namespace zhanqun::hubd {

base::Result<Config> ParseConfig(const std::string& json_text, const std::string& base_dir) {
  base::ConfigReader r = base::ConfigReader::Parse(json_text, "", base_dir);
  if (!r.is_object()) return r.Check();
  std::vector<std::string> known(std::begin(hub::kHubConfigKeys), std::end(hub::kHubConfigKeys));
  for (const char* section : {"accounts", "review_levels", "sources"}) known.push_back(section);
  r.CheckKnown(known);
  Config c;
  c.hub = hub::ReadHubConfig(r);
  if (r.Has("accounts")) r.AddProblems(staff::ParseAccountsOptions(r.Raw("accounts"), &c.accounts));
  if (r.Has("review_levels")) {
    r.AddProblems(desk::ParseReviewLevels(r.Raw("review_levels"), &c.desk.review_levels));
  }
  if (r.Has("sources")) r.AddProblems(desk::ParseSourceConfigs(r.Raw("sources"), &c.desk.sources));
  c.desk.data_dir = c.hub.data_dir;
  c.desk.public_url = c.hub.public_url;
  ZQ_RETURN_IF_ERROR(r.Check());
  return c;
}

base::Result<Config> LoadConfig(const std::string& path) {
  return base::LoadConfigFile<Config>(path, ParseConfig);
}

}  // namespace zhanqun::hubd
