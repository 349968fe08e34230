// Wiring of the local site into the agent: opening the Localizer from the
// configuration for the SiteWorker, local topics, the admin token.
#include "zhanqun/agent/agent.h"
#include "zhanqun/base/env.h"
#include "zhanqun/base/hash.h"
#include "zhanqun/feeds/signature.h"

namespace zhanqun::agent {

using base::Result;
using base::Status;

namespace {

// A bearer token kept in a file of its own, which must be 0600.
Result<std::string> ReadToken(base::Env& env, const std::string& path) {
  Result<std::string> text = env.ReadSecretFile(path, 4096);
  if (!text.ok()) return text.status().Context("admin_token_file");
  std::string token = *text;
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (token.size() < 16) {
    return Status::Invalid("admin_token_file: token shorter than 16 characters");
  }
  return token;
}

}  // namespace

Status Agent::OpenSite() {
  if (!config_.admin_token_file.empty()) {
    Result<std::string> token = ReadToken(env_, config_.admin_token_file);
    if (!token.ok()) return token.status();
    admin_token_sha256_ = base::Sha256Hex(*token);
  }
  if (!config_.SiteEnabled()) return Status::Ok();
  Result<std::string> text = env_.ReadFile(config_.profile, base::kMaxConfigFileBytes);
  if (!text.ok()) return text.status().Context("profile");
  Result<localization::NodeProfile> profile = localization::ParseNodeProfile(*text);
  if (!profile.ok()) return profile.status().Context("profile " + config_.profile);
  if (profile->code != config_.node) {
    return Status::Invalid("profile: code " + profile->code + " is not this node (" + config_.node +
                           ")");
  }
  ZQ_RETURN_IF_ERROR(env_.CreateDirs(config_.site_dir, 0755).Context("site_dir"));
  LocalizerOptions options{config_.templates_dir, config_.theme_dir,  config_.theme_override_dir,
                           config_.site_dir,      config_.public_url, &env_};
  Result<std::unique_ptr<Localizer>> l = Localizer::Open(
      options, std::move(*profile), *store_, [this](feeds::Entry e) { return AppendOwn(e); });
  if (!l.ok()) return l.status();
  site_ = std::make_unique<SiteWorker>(std::move(*l), *store_, clock_, sink_,
                                       [this](feeds::Stage stage, std::uint64_t seq) {
                                         reporter_.RecordStages(feeds::kHubCode, {{stage, seq}});
                                       });
  return Status::Ok();
}

void Agent::RequestSiteRefresh() {
  if (site_) site_->RequestRefresh();
}

Result<feeds::SignedEntry> Agent::AddLocalTopic(feeds::TopicDef topic) {
  ZQ_RETURN_IF_ERROR(feeds::ValidateTopic(topic));
  feeds::Entry entry;
  entry.kind = feeds::EntryKind::kTopic;
  entry.topic = std::move(topic);
  Result<feeds::SignedEntry> se = AppendOwn(std::move(entry));
  if (se.ok()) RequestSiteRefresh();
  return se;
}

bool Agent::CheckAdminBearer(const std::string& header) const {
  static const std::string kPrefix = "Bearer ";
  if (admin_token_sha256_.empty() || header.compare(0, kPrefix.size(), kPrefix) != 0) return false;
  // Comparing digests, not secrets, keeps the comparison time independent of the token.
  return base::Sha256Hex(header.substr(kPrefix.size())) == admin_token_sha256_;
}

}  // namespace zhanqun::agent
