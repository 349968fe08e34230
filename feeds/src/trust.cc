#include "zhanqun/feeds/trust.h"

#include <charconv>
#include <cstring>
#include <set>
#include <utility>

#include "zhanqun/base/encoding.h"

namespace zhanqun::feeds {
namespace {

constexpr std::string_view kTrustMagic = "zhanqun-trust/1";

std::string U64(std::uint64_t v) { return std::to_string(v); }

// Decimal digits only (no sign, no leading zero except "0"), so every value
// has exactly one text form and the canonical bytes are unique.
bool ParseDecimal(std::string_view s, std::uint64_t& out) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::vector<std::string_view> Words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (true) {
    std::size_t sp = line.find(' ', pos);
    out.push_back(line.substr(pos, sp == std::string_view::npos ? sp : sp - pos));
    if (sp == std::string_view::npos) return out;
    pos = sp + 1;
  }
}

base::Status LineError(std::size_t n, const std::string& what) {
  return base::Status::Invalid("trust statement line " + std::to_string(n) + ": " + what);
}

// Counts the keys of `roots` with a valid signature in `t` (each key once).
int CountValid(const TrustStatement& t, const std::string& canonical, const TrustRoots& roots) {
  int valid = 0;
  for (const PublicKey& key : roots.keys) {
    const std::string id = key.KeyIdHex();
    for (const RootSignature& s : t.signatures) {
      if (s.key_id != id) continue;
      base::Result<std::string> raw = base::Base64Decode(s.signature);
      if (!raw.ok() || raw->size() != 64) continue;
      std::array<std::uint8_t, 64> sig{};
      std::memcpy(sig.data(), raw->data(), sig.size());
      if (VerifyRaw(key, canonical, sig).ok()) {
        ++valid;
        break;
      }
    }
  }
  return valid;
}

std::string DescribeRoots(const TrustRoots& r) {
  std::string ids;
  for (const PublicKey& k : r.keys) ids += (ids.empty() ? "" : ",") + k.KeyIdHex();
  return "threshold " + std::to_string(r.threshold) + " of [" + ids + "]";
}

}  // namespace

base::Status ValidateTrustRoots(const TrustRoots& roots) {
  if (roots.keys.empty()) return base::Status::Invalid("trust roots: no root key");
  if (roots.keys.size() > static_cast<std::size_t>(kMaxTrustRoots))
    return base::Status::Invalid("trust roots: more than 16 root keys");
  std::set<std::string> ids;
  for (const PublicKey& k : roots.keys)
    if (!ids.insert(k.KeyIdHex()).second)
      return base::Status::Invalid("trust roots: root key " + k.KeyIdHex() + " listed twice");
  if (roots.threshold < 1 || roots.threshold > static_cast<int>(roots.keys.size()))
    return base::Status::Invalid("trust roots: threshold " + std::to_string(roots.threshold) +
                                 " is not between 1 and the " + std::to_string(roots.keys.size()) +
                                 " root keys");
  return base::Status::Ok();
}

base::Status ValidateTrustStatement(const TrustStatement& t) {
  if (t.seq == 0) return base::Status::Invalid("trust statement: seq must be >= 1");
  ZQ_RETURN_IF_ERROR(ValidateTrustRoots(t.roots));
  if (t.online.empty() || t.online.size() > static_cast<std::size_t>(kMaxTrustOnlineKeys))
    return base::Status::Invalid("trust statement: needs 1..16 online keys, has " +
                                 std::to_string(t.online.size()));
  std::set<std::string> ids;
  for (const KeyGrant& g : t.online) {
    const std::string id = g.key.KeyIdHex();
    if (!ids.insert(id).second)
      return base::Status::Invalid("trust statement: online key " + id + " listed twice");
    if (g.from_seq == 0 || (g.until_seq != 0 && g.until_seq <= g.from_seq))
      return base::Status::Invalid("trust statement: online key " + id + " has an empty range " +
                                   DescribeGrant(g));
  }
  if (t.expires_ms <= 0) return base::Status::Invalid("trust statement: expires must be > 0");
  return base::Status::Ok();
}

std::string TrustCanonical(const TrustStatement& t) {
  std::string out(kTrustMagic);
  out += "\norigin ";
  out += kHubCode;
  out += "\nseq " + U64(t.seq) + "\nthreshold " + std::to_string(t.roots.threshold) + "\n";
  for (const PublicKey& k : t.roots.keys) out += "root " + PublicKeyBase64(k) + "\n";
  for (const KeyGrant& g : t.online)
    out +=
        "online " + PublicKeyBase64(g.key) + " " + U64(g.from_seq) + " " + U64(g.until_seq) + "\n";
  out += "expires " + std::to_string(t.expires_ms) + "\n";
  return out;
}

std::string EncodeTrust(const TrustStatement& t) {
  std::string out = TrustCanonical(t);
  for (const RootSignature& s : t.signatures) out += "sig " + s.key_id + " " + s.signature + "\n";
  return out;
}

base::Result<TrustStatement> DecodeTrust(std::string_view text) {
  if (text.empty() || text.back() != '\n')
    return base::Status::Invalid("trust statement: does not end with a newline");
  std::vector<std::string_view> lines;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t nl = text.find('\n', pos);
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  if (lines.size() > 64) return base::Status::Exhausted("trust statement: more than 64 lines");
  if (lines[0] != kTrustMagic) return LineError(1, "expected \"zhanqun-trust/1\"");
  TrustStatement t;
  std::uint64_t v = 0;
  std::size_t i = 1;
  auto expect = [&](std::string_view key,
                    std::size_t n_words) -> base::Result<std::vector<std::string_view>> {
    if (i >= lines.size()) return LineError(i + 1, "missing \"" + std::string(key) + "\"");
    std::vector<std::string_view> w = Words(lines[i]);
    if (w[0] != key || w.size() != n_words)
      return LineError(i + 1, "expected \"" + std::string(key) + "\" with " +
                                  std::to_string(n_words - 1) + " value(s)");
    ++i;
    return w;
  };
  auto origin = expect("origin", 2);
  if (!origin.ok()) return origin.status();
  if ((*origin)[1] != kHubCode)
    return LineError(2, "origin must be 000000 (only the hub's log carries trust statements)");
  auto seq = expect("seq", 2);
  if (!seq.ok()) return seq.status();
  if (!ParseDecimal((*seq)[1], t.seq)) return LineError(3, "seq is not a decimal number");
  auto thr = expect("threshold", 2);
  if (!thr.ok()) return thr.status();
  if (!ParseDecimal((*thr)[1], v) || v > 1000) return LineError(4, "threshold is not a number");
  t.roots.threshold = static_cast<int>(v);
  auto key_of = [&](std::string_view b64) -> base::Result<PublicKey> {
    base::Result<PublicKey> k = ParsePublicKey(b64);
    if (!k.ok() || PublicKeyBase64(*k) != b64) return LineError(i, "not a minisign public key");
    return k;
  };
  while (i < lines.size() && lines[i].starts_with("root ")) {
    auto w = expect("root", 2);
    if (!w.ok()) return w.status();
    auto k = key_of((*w)[1]);
    if (!k.ok()) return k.status();
    t.roots.keys.push_back(*k);
  }
  while (i < lines.size() && lines[i].starts_with("online ")) {
    auto w = expect("online", 4);
    if (!w.ok()) return w.status();
    auto k = key_of((*w)[1]);
    if (!k.ok()) return k.status();
    KeyGrant g{*k, 0, 0};
    if (!ParseDecimal((*w)[2], g.from_seq) || !ParseDecimal((*w)[3], g.until_seq))
      return LineError(i, "online key range is not two decimal numbers");
    t.online.push_back(g);
  }
  auto exp = expect("expires", 2);
  if (!exp.ok()) return exp.status();
  if (!ParseDecimal((*exp)[1], v) || v > static_cast<std::uint64_t>(INT64_MAX))
    return LineError(i, "expires is not a decimal number");
  t.expires_ms = static_cast<base::TimeMs>(v);
  while (i < lines.size()) {
    auto w = expect("sig", 3);
    if (!w.ok()) return w.status();
    t.signatures.push_back(RootSignature{std::string((*w)[1]), std::string((*w)[2])});
  }
  ZQ_RETURN_IF_ERROR(ValidateTrustStatement(t));
  return t;
}

base::Result<std::vector<PublicKey>> ParseRootKeys(std::string_view text) {
  std::vector<PublicKey> keys;
  std::size_t n = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++n;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty() || line.starts_with("untrusted comment:")) continue;
    base::Result<PublicKey> k = ParsePublicKey(line);
    if (!k.ok())
      return base::Status::Invalid("root keys line " + std::to_string(n) + ": " +
                                   k.status().message());
    keys.push_back(*k);
  }
  if (keys.empty()) return base::Status::Invalid("root keys: no key in the file");
  return keys;
}

void SignTrust(TrustStatement& t, const SecretKey& root) {
  const std::string id = root.public_key().KeyIdHex();
  std::erase_if(t.signatures, [&](const RootSignature& s) { return s.key_id == id; });
  const std::array<std::uint8_t, 64> sig = root.SignRaw(TrustCanonical(t));
  t.signatures.push_back(RootSignature{
      id, base::Base64Encode(std::string_view(reinterpret_cast<const char*>(sig.data()), 64))});
}

base::Result<TrustRoots> VerifyTrust(const TrustStatement& t, std::uint64_t seq,
                                     const TrustRoots& pinned) {
  ZQ_RETURN_IF_ERROR(ValidateTrustStatement(t));
  if (t.seq != seq)
    return base::Status::Invalid("trust statement for seq " + U64(t.seq) + " found at seq " +
                                 U64(seq) + " of 000000 (a replayed statement)");
  const std::string canonical = TrustCanonical(t);
  const int old_valid = CountValid(t, canonical, pinned);
  if (old_valid < pinned.threshold)
    return base::Status::Unauthenticated(
        "trust statement at seq " + U64(seq) + " of 000000 has " + std::to_string(old_valid) +
        " valid signature(s) of the pinned root set, needs " + DescribeRoots(pinned));
  if (!(t.roots == pinned)) {
    const int new_valid = CountValid(t, canonical, t.roots);
    if (new_valid < t.roots.threshold)
      return base::Status::Unauthenticated(
          "trust statement at seq " + U64(seq) + " of 000000 changes the root set but has " +
          std::to_string(new_valid) + " valid signature(s) of the new set, needs " +
          DescribeRoots(t.roots));
  }
  return t.roots;
}

std::vector<KeyGrant> LiveOnlineGrants(const TrustStatement& t, base::TimeMs now_ms) {
  if (now_ms >= t.expires_ms) return {};
  return t.online;
}

}  // namespace zhanqun::feeds
