// Secrets for accounts: random values, argon2id hashing, and the input rules
// for usernames, passwords and token names.
#include <argon2.h>

#include <cstdlib>

#include "accounts_internal.h"
#include "zhanqun/base/hash.h"
#include "zhanqun/base/random.h"

namespace zhanqun::staff::accounts_internal {

using base::Result;
using base::Status;

namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
constexpr std::uint32_t kParallelism = 1;

bool AllOf(const std::string& s, const char* extra) {
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    for (const char* e = extra; *e != '\0'; ++e) ok = ok || c == *e;
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string RandomSecret(std::size_t bytes) { return base::RandomBase64Url(bytes); }

Result<std::string> HashPassword(const std::string& password, const AccountsOptions& o) {
  const std::string salt = base::RandomBytes(kSaltBytes);
  std::string encoded(argon2_encodedlen(o.argon2_t_cost, o.argon2_m_cost_kib, kParallelism,
                                        kSaltBytes, kHashBytes, Argon2_id),
                      '\0');
  int rc = argon2id_hash_encoded(o.argon2_t_cost, o.argon2_m_cost_kib, kParallelism,
                                 password.data(), password.size(), salt.data(), salt.size(),
                                 kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return Status::Internal(std::string("password hash (argon2id): ") + argon2_error_message(rc));
  }
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool VerifyPassword(const std::string& encoded, const std::string& password) {
  if (encoded.rfind("$argon2id$", 0) != 0) return false;
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

Status CheckUsername(const std::string& username) {
  if (username.size() < 2 || username.size() > 32 || !AllOf(username, "._-")) {
    return Status::Invalid("username: expected 2 to 32 of a-z 0-9 . _ -, got '" + username + "'");
  }
  return Status::Ok();
}

Status CheckPassword(const std::string& password) {
  if (password.size() < 10 || password.size() > 256) {
    return Status::Invalid("password: expected 10 to 256 bytes, got " +
                           std::to_string(password.size()));
  }
  return Status::Ok();
}

Status CheckTokenName(const std::string& name) {
  if (name.empty() || name.size() > 64 || !AllOf(name, "._-ABCDEFGHIJKLMNOPQRSTUVWXYZ")) {
    return Status::Invalid("name: a token name is 1 to 64 of A-Z a-z 0-9 . _ -, got '" + name +
                           "'");
  }
  return Status::Ok();
}

}  // namespace zhanqun::staff::accounts_internal
