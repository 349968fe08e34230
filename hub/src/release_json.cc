#include "zhanqun/hub/release_json.h"

#include <nlohmann/json.hpp>
#include <set>

#include "zhanqun/base/time.h"
#include "zhanqun/text/sanitize.h"

namespace zhanqun::hub {

using base::Result;
using base::Status;
using json = nlohmann::json;

namespace {

const std::set<std::string>& KnownFields() {
  static const std::set<std::string> k = {
      "id",     "version",    "title",     "doc_number", "authority",   "signed_date", "published",
      "topics", "categories", "body_html", "body_text",  "attachments", "status"};
  return k;
}

Status GetString(const json& j, const char* key, std::string* out) {
  if (!j.contains(key) || j[key].is_null()) return Status::Ok();
  if (!j[key].is_string()) {
    return Status::Invalid(std::string("release.") + key + ": expected a string, got " +
                           j[key].type_name());
  }
  *out = j[key].get<std::string>();
  return Status::Ok();
}

Status GetStrings(const json& j, const char* key, std::vector<std::string>* out) {
  if (!j.contains(key) || j[key].is_null()) return Status::Ok();
  if (!j[key].is_array()) {
    return Status::Invalid(std::string("release.") + key + ": expected an array of strings");
  }
  for (const json& v : j[key]) {
    if (!v.is_string()) {
      return Status::Invalid(std::string("release.") + key + ": expected an array of strings");
    }
    out->push_back(v.get<std::string>());
  }
  return Status::Ok();
}

Status GetAttachments(const json& j, std::vector<feeds::Attachment>* out) {
  if (!j.contains("attachments") || j["attachments"].is_null()) return Status::Ok();
  if (!j["attachments"].is_array()) {
    return Status::Invalid("release.attachments: expected an array");
  }
  for (std::size_t i = 0; i < j["attachments"].size(); ++i) {
    const json& a = j["attachments"][i];
    std::string where = "release.attachments[" + std::to_string(i) + "]";
    if (!a.is_object() || !a.value("href", json()).is_string() ||
        !a.value("sha256", json()).is_string() || !a.value("length", json()).is_number_unsigned()) {
      return Status::Invalid(where + ": expected {href, sha256, length[, title, type]}");
    }
    feeds::Attachment att;
    att.href = a["href"];
    att.sha256_hex = a["sha256"];
    att.length = a["length"];
    att.title = a.value("title", "");
    att.media_type = a.value("type", "");
    out->push_back(att);
  }
  return Status::Ok();
}

Status CheckFields(const json& j) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!KnownFields().count(it.key())) {
      return Status::Invalid("release." + it.key() + ": unknown field");
    }
  }
  if (j.contains("body_html") && j.contains("body_text")) {
    return Status::Invalid("release.body_html: give body_html or body_text, not both");
  }
  return Status::Ok();
}

Status FillScalars(const json& j, base::TimeMs now_ms, feeds::Release* r) {
  ZQ_RETURN_IF_ERROR(GetString(j, "id", &r->id));
  ZQ_RETURN_IF_ERROR(GetString(j, "title", &r->title));
  ZQ_RETURN_IF_ERROR(GetString(j, "doc_number", &r->doc_number));
  ZQ_RETURN_IF_ERROR(GetString(j, "authority", &r->authority));
  ZQ_RETURN_IF_ERROR(GetString(j, "signed_date", &r->signed_date));
  r->version = 0;
  if (j.contains("version")) {
    if (!j["version"].is_number_integer() || j["version"].get<long>() < 1 ||
        j["version"].get<long>() > 1000000) {
      return Status::Invalid("release.version: expected a positive integer");
    }
    r->version = j["version"].get<int>();
  }
  std::string published, status = "active";
  ZQ_RETURN_IF_ERROR(GetString(j, "published", &published));
  if (published.empty()) {
    r->published_ms = now_ms;
  } else {
    Result<base::TimeMs> t = base::ParseTime(published);
    if (!t.ok()) return t.status().Context("release.published");
    r->published_ms = *t;
  }
  ZQ_RETURN_IF_ERROR(GetString(j, "status", &status));
  Result<feeds::ReleaseStatus> st = feeds::ParseReleaseStatus(status);
  if (!st.ok()) return st.status().Context("release.status");
  r->status = *st;
  return Status::Ok();
}

}  // namespace

Result<feeds::Release> ParseReleaseJson(const std::string& text, base::TimeMs now_ms) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return Status::Invalid("release: body is not valid JSON");
  if (!j.is_object()) return Status::Invalid("release: expected a JSON object");
  ZQ_RETURN_IF_ERROR(CheckFields(j));
  feeds::Release r;
  ZQ_RETURN_IF_ERROR(FillScalars(j, now_ms, &r));
  ZQ_RETURN_IF_ERROR(GetStrings(j, "topics", &r.topics));
  ZQ_RETURN_IF_ERROR(GetStrings(j, "categories", &r.categories));
  ZQ_RETURN_IF_ERROR(GetAttachments(j, &r.attachments));
  std::string body;
  if (j.contains("body_text")) {
    ZQ_RETURN_IF_ERROR(GetString(j, "body_text", &body));
    if (body.size() > feeds::kMaxBodyBytes) {
      return Status::Invalid("release.body_text: " + std::to_string(body.size()) +
                             " bytes exceeds the limit of " + std::to_string(feeds::kMaxBodyBytes));
    }
    r.body_html = text::TextToHtml(body);
  } else {
    ZQ_RETURN_IF_ERROR(GetString(j, "body_html", &body));
    if (body.size() > feeds::kMaxBodyBytes) {
      return Status::Invalid("release.body_html: " + std::to_string(body.size()) +
                             " bytes exceeds the limit of " + std::to_string(feeds::kMaxBodyBytes));
    }
    r.body_html = text::SanitizeHtml(body);
  }
  return r;
}

std::string ReleaseToJson(const feeds::Release& r) {
  json atts = json::array();
  for (const auto& a : r.attachments) {
    atts.push_back({{"href", a.href},
                    {"title", a.title},
                    {"type", a.media_type},
                    {"sha256", a.sha256_hex},
                    {"length", a.length}});
  }
  json j = {{"id", r.id},
            {"version", r.version},
            {"title", r.title},
            {"doc_number", r.doc_number},
            {"authority", r.authority},
            {"signed_date", r.signed_date},
            {"published", base::FormatTime(r.published_ms)},
            {"topics", r.topics},
            {"categories", r.categories},
            {"body_html", r.body_html},
            {"attachments", atts},
            {"status", feeds::ReleaseStatusName(r.status)}};
  return j.dump();
}

}  // namespace zhanqun::hub
