#include "zhanqun/feeds/freshness.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "zhanqun/base/encoding.h"

namespace zhanqun::feeds {

namespace {

constexpr std::string_view kSigSep = ";sig=";

std::string Body(const std::string& origin, std::uint64_t seq, const std::string& hash,
                 base::TimeMs time_ms, base::TimeMs expires_ms) {
  return "origin=" + origin + ";seq=" + std::to_string(seq) + ";hash=" + hash +
         ";time=" + std::to_string(time_ms) + ";expires=" + std::to_string(expires_ms);
}

// "k=v;k=v" -> map; false on a malformed or repeated field.
bool SplitFields(std::string_view text, std::map<std::string, std::string>* out) {
  while (!text.empty()) {
    std::size_t semi = text.find(';');
    std::string_view part = text.substr(0, semi);
    std::size_t eq = part.find('=');
    if (eq == std::string_view::npos || eq == 0) return false;
    if (!out->emplace(std::string(part.substr(0, eq)), std::string(part.substr(eq + 1))).second) {
      return false;
    }
    if (semi == std::string_view::npos) break;
    text.remove_prefix(semi + 1);
  }
  return true;
}

template <typename T>
bool ParseNumber(const std::string& s, T* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

HeadStatement SignHeadStatement(const SecretKey& key, const std::string& origin, std::uint64_t seq,
                                const std::string& hash, base::TimeMs time_ms,
                                base::TimeMs expires_ms) {
  HeadStatement h{origin,  seq,        hash,
                  time_ms, expires_ms, Body(origin, seq, hash, time_ms, expires_ms)};
  auto sig = key.SignRaw(h.text);
  h.text += std::string(kSigSep) + base::Base64Encode(std::string_view(
                                       reinterpret_cast<const char*>(sig.data()), sig.size()));
  return h;
}

base::Result<HeadStatement> VerifyHeadStatement(const std::string& text, const PublicKey& key) {
  if (text.size() > 1024) return base::Status::Invalid("head statement: longer than 1024 bytes");
  std::size_t at = text.rfind(kSigSep);
  if (at == std::string::npos) return base::Status::Invalid("head statement: no ';sig=' field");
  std::string body = text.substr(0, at);
  base::Result<std::string> raw = base::Base64Decode(text.substr(at + kSigSep.size()));
  if (!raw.ok() || raw->size() != 64) {
    return base::Status::Invalid("head statement: sig is not a base64 Ed25519 signature");
  }
  std::map<std::string, std::string> f;
  if (!SplitFields(body, &f)) return base::Status::Invalid("head statement: malformed fields");
  HeadStatement h;
  h.text = text;
  for (const char* name : {"origin", "seq", "hash", "time", "expires"}) {
    if (!f.count(name))
      return base::Status::Invalid(std::string("head statement: no '") + name + "'");
  }
  h.origin = f["origin"];
  h.hash = f["hash"];
  if (!IsDivisionCode(h.origin))
    return base::Status::Invalid("head statement: origin is not a code");
  if (!ParseNumber(f["seq"], &h.seq)) return base::Status::Invalid("head statement: seq");
  if (!ParseNumber(f["time"], &h.time_ms)) return base::Status::Invalid("head statement: time");
  if (!ParseNumber(f["expires"], &h.expires_ms) || h.expires_ms < h.time_ms) {
    return base::Status::Invalid("head statement: expires");
  }
  if (body != Body(h.origin, h.seq, h.hash, h.time_ms, h.expires_ms)) {
    return base::Status::Invalid("head statement: fields not in canonical form");
  }
  std::array<std::uint8_t, 64> sig{};
  std::copy(raw->begin(), raw->end(), sig.begin());
  base::Status v = VerifyRaw(key, body, sig);
  if (!v.ok()) return base::Status::Unauthenticated("head statement: signature does not verify");
  return h;
}

std::string FormatClockHeader(base::TimeMs t1, base::TimeMs t2, std::int64_t error_ms) {
  return "t1=" + std::to_string(t1) + ";t2=" + std::to_string(t2) +
         ";err=" + std::to_string(error_ms);
}

bool ParseClockHeader(const std::string& value, base::TimeMs* t1, base::TimeMs* t2,
                      std::int64_t* error_ms) {
  std::map<std::string, std::string> f;
  if (value.size() > 200 || !SplitFields(value, &f) || f.size() != 3) return false;
  return ParseNumber(f["t1"], t1) && ParseNumber(f["t2"], t2) && ParseNumber(f["err"], error_ms) &&
         *t2 >= *t1 && *error_ms >= 0;
}

void ClockSync::AddSample(base::TimeMs t0, base::TimeMs t1, base::TimeMs t2, base::TimeMs t3,
                          std::int64_t server_error_ms) {
  std::int64_t delay = (t3 - t0) - (t2 - t1);
  if (delay < 0) delay = 0;  // sub-millisecond rounding
  std::int64_t offset = ((t1 - t0) + (t2 - t3)) / 2;
  std::lock_guard<std::mutex> lock(mu_);
  samples_.push_back({offset, delay, server_error_ms});
  while (samples_.size() > window_) samples_.pop_front();
}

ClockEstimate ClockSync::Estimate() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (samples_.empty()) return {};
  const Sample* best = &samples_.front();
  for (const Sample& s : samples_) {
    if (s.delay + 2 * s.server_error < best->delay + 2 * best->server_error) best = &s;
  }
  const std::int64_t offset = std::clamp(best->offset, -kMaxClockOffsetMs, kMaxClockOffsetMs);
  const std::int64_t cut = best->offset > offset ? best->offset - offset : offset - best->offset;
  return {true, offset, best->delay / 2 + best->server_error + 1 + cut, cut != 0};
}

base::TimeMs ClockSync::HubTime(base::TimeMs local_ms) const {
  ClockEstimate e = Estimate();
  return e.known ? local_ms + e.offset_ms : local_ms;
}

}  // namespace zhanqun::feeds
