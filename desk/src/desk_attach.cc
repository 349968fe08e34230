// Attachments: bytes stored under attachments_dir, named by their SHA-256.

#include "desk_impl.h"
#include "zhanqun/base/env.h"
#include "zhanqun/base/hash.h"

namespace zhanqun::desk {

using base::Result;
using base::Status;
using json = nlohmann::json;

namespace {

constexpr std::size_t kMaxFilenameBytes = 255;

Status CheckFilename(const std::string& name) {
  if (name.empty()) return Status::Invalid("filename: required");
  if (name.size() > kMaxFilenameBytes) {
    return Status::Invalid("filename: longer than " + std::to_string(kMaxFilenameBytes) + " bytes");
  }
  if (name == "." || name == "..") return Status::Invalid("filename: '" + name + "' is not a name");
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (c == '/' || c == '\\') {
      return Status::Invalid("filename: '" + name + "' contains a slash; give the bare file name");
    }
    if (u < 0x20 || u == 0x7f) return Status::Invalid("filename: contains a control character");
  }
  return Status::Ok();
}

// Percent-encodes a path segment (RFC 3986 unreserved characters stay).
std::string EncodeSegment(const std::string& s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

bool IsSha256Hex(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Content-addressed, so a file already there holds these very bytes.
Status StoreBytes(base::Env& env, const std::string& dir, const std::string& sha,
                  const std::string& bytes) {
  const std::string path = dir + "/" + sha;
  base::Result<base::FileInfo> held = env.Stat(path);
  if (held.ok() && held->size == bytes.size()) return Status::Ok();
  return env.WriteFileAtomic(path, bytes, 0644, base::Env::Sync::kDurable)
      .Context("attachments_dir " + dir);
}

}  // namespace

Result<Draft> Desk::Attach(const staff::Principal& by, std::int64_t id, const std::string& filename,
                           const std::string& media_type, const std::string& bytes) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  const DeskOptions& o = impl_->options;
  Result<Draft> d = impl_->Load(id);
  if (!d.ok()) return d;
  Result<Transition> t = impl_->Ask(by, *d, {DeskAction::kAttach, "", {}});
  if (!t.ok()) return t.status();
  ZQ_RETURN_IF_ERROR(CheckFilename(filename));
  if (bytes.empty()) return Status::Invalid("attachment '" + filename + "': the file is empty");
  if (bytes.size() > o.max_attachment_bytes) {
    return Status::Exhausted("attachment '" + filename + "': " + std::to_string(bytes.size()) +
                             " bytes exceeds the limit of " +
                             std::to_string(o.max_attachment_bytes));
  }
  if (o.attachments_dir.empty() || o.public_url.empty()) {
    return Status::Precondition(
        "attachments need attachments_dir and public_url in the desk options");
  }
  std::string sha = base::Sha256Hex(bytes);
  for (const feeds::Attachment& a : d->content.attachments) {
    if (a.sha256_hex == sha && a.title == filename) {
      return Status(
          base::Code::kAlreadyExists,
          "attachment '" + filename + "' is already attached to draft " + std::to_string(id));
    }
  }
  DraftContent content = d->content;
  content.attachments.push_back(
      {o.public_url + "/attachments/" + sha + "/" + EncodeSegment(filename), filename, media_type,
       sha, bytes.size()});
  Result<DraftContent> clean = impl_->Clean(std::move(content), d->release_id, d->release_version);
  if (!clean.ok()) return clean.status();
  ZQ_RETURN_IF_ERROR(StoreBytes(*o.env, o.attachments_dir, sha, bytes));
  d->content = std::move(clean).value();
  d->revision++;
  Actor actor = ActorOf(by);
  DeskStore& store = *impl_->store;
  Draft& draft = *d;
  base::TimeMs now = impl_->clock.NowMs();
  ZQ_RETURN_IF_ERROR(impl_->Record(
      actor, draft, StepAction::kAttach, "draft.attach",
      {{"filename", filename}, {"sha256", sha}, {"length", bytes.size()}}, "", 0, "", [&] {
        return store.AddRevision(draft.id, {draft.revision, draft.content, actor.name, now});
      }));
  return d;
}

Result<std::string> Desk::AttachmentBytes(const std::string& sha256_hex) {
  if (!IsSha256Hex(sha256_hex)) {
    return Status::Invalid("sha256: expected 64 lowercase hex digits, got '" + sha256_hex + "'");
  }
  const DeskOptions& o = impl_->options;
  Result<std::string> bytes =
      o.env->ReadFile(o.attachments_dir + "/" + sha256_hex, o.max_attachment_bytes);
  if (!bytes.ok() && bytes.status().code() == base::Code::kNotFound) {
    return Status::NotFound("no attachment with sha256 " + sha256_hex);
  }
  return bytes;
}

}  // namespace zhanqun::desk
