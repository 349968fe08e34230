#include "zhanqun/desk/desk_json.h"

#include <algorithm>

#include "zhanqun/base/time.h"
#include "zhanqun/text/sanitize.h"

namespace zhanqun::desk {

using base::Result;
using base::Status;
using json = nlohmann::json;

namespace {

std::string TimeOrNull(const std::optional<base::TimeMs>& t) {
  return t ? base::FormatTime(*t) : std::string();
}

Status TakeString(const json& j, const char* key, std::string* out) {
  if (!j.contains(key) || j[key].is_null()) return Status::Ok();
  if (!j[key].is_string()) {
    return Status::Invalid(std::string("draft.") + key + ": expected a string, got " +
                           j[key].type_name());
  }
  *out = j[key].get<std::string>();
  return Status::Ok();
}

Status TakeStrings(const json& j, const char* key, std::vector<std::string>* out) {
  if (!j.contains(key) || j[key].is_null()) return Status::Ok();
  bool ok = j[key].is_array() &&
            std::all_of(j[key].begin(), j[key].end(), [](const json& v) { return v.is_string(); });
  if (!ok) return Status::Invalid(std::string("draft.") + key + ": expected an array of strings");
  for (const json& v : j[key]) out->push_back(v.get<std::string>());
  return Status::Ok();
}

}  // namespace

json DraftContentToJson(const DraftContent& c) {
  json atts = json::array();
  for (const feeds::Attachment& a : c.attachments) {
    atts.push_back({{"href", a.href},
                    {"title", a.title},
                    {"type", a.media_type},
                    {"sha256", a.sha256_hex},
                    {"length", a.length}});
  }
  return {{"title", c.title},         {"doc_number", c.doc_number},
          {"authority", c.authority}, {"signed_date", c.signed_date},
          {"topics", c.topics},       {"categories", c.categories},
          {"body_html", c.body_html}, {"body_markdown", c.body_markdown},
          {"attachments", atts}};
}

Result<DraftContent> DraftContentFromJson(const json& j,
                                          const std::vector<std::string>& extra_allowed) {
  static const std::vector<std::string> kKnown = {"title",       "doc_number", "authority",
                                                  "signed_date", "topics",     "categories",
                                                  "body_html",   "body_text",  "body_markdown"};
  if (!j.is_object()) return Status::Invalid("draft: expected a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool known =
        std::find(kKnown.begin(), kKnown.end(), it.key()) != kKnown.end() ||
        std::find(extra_allowed.begin(), extra_allowed.end(), it.key()) != extra_allowed.end();
    if (!known) return Status::Invalid("draft." + it.key() + ": unknown field");
  }
  int bodies = static_cast<int>(j.contains("body_html")) +
               static_cast<int>(j.contains("body_text")) +
               static_cast<int>(j.contains("body_markdown"));
  if (bodies > 1) {
    return Status::Invalid("draft.body_html: give one of body_html, body_text or body_markdown");
  }
  DraftContent c;
  ZQ_RETURN_IF_ERROR(TakeString(j, "title", &c.title));
  ZQ_RETURN_IF_ERROR(TakeString(j, "doc_number", &c.doc_number));
  ZQ_RETURN_IF_ERROR(TakeString(j, "authority", &c.authority));
  ZQ_RETURN_IF_ERROR(TakeString(j, "signed_date", &c.signed_date));
  ZQ_RETURN_IF_ERROR(TakeStrings(j, "topics", &c.topics));
  ZQ_RETURN_IF_ERROR(TakeStrings(j, "categories", &c.categories));
  ZQ_RETURN_IF_ERROR(TakeString(j, "body_html", &c.body_html));
  std::string text;
  ZQ_RETURN_IF_ERROR(TakeString(j, "body_text", &text));
  if (!text.empty()) c.body_html = text::TextToHtml(text);
  ZQ_RETURN_IF_ERROR(TakeString(j, "body_markdown", &c.body_markdown));
  return c;
}

json DraftToJson(const Desk& desk, const Draft& d) {
  return {{"id", d.id},
          {"release_id", d.release_id},
          {"release_version", d.release_version},
          {"state", DraftStateName(d.state)},
          {"state_label", DraftStateLabel(d.state)},
          {"level", d.level},
          {"level_name", d.level > 0 ? desk.LevelName(d.level) : ""},
          {"levels", d.levels},
          {"revision", d.revision},
          {"content", DraftContentToJson(d.content)},
          {"author", d.author},
          {"source", d.source},
          {"source_link", d.source_link},
          {"publish_at", TimeOrNull(d.publish_at_ms)},
          {"embargo_until", TimeOrNull(d.embargo_until_ms)},
          {"last_comment", d.last_comment},
          {"created", base::FormatTime(d.created_ms)},
          {"updated", base::FormatTime(d.updated_ms)},
          {"published_seq", d.published_seq}};
}

json StepToJson(const Desk& desk, const DraftStep& s) {
  return {{"at", base::FormatTime(s.at_ms)},
          {"actor", s.actor},
          {"action", StepActionName(s.action)},
          {"level", s.level},
          {"level_name", s.level > 0 ? desk.LevelName(s.level) : ""},
          {"revision", s.revision},
          {"comment", s.comment}};
}

json DiffToJson(const std::vector<FieldDiff>& diff) {
  json out = json::array();
  for (const FieldDiff& f : diff) {
    json lines = json::array();
    for (const FieldDiff::Line& l : f.lines) {
      lines.push_back({{"op", std::string(1, l.op)}, {"text", l.text}});
    }
    out.push_back({{"field", f.field}, {"lines", lines}});
  }
  return out;
}

json AuditToJson(const staff::AuditRecord& r) {
  json detail = json::parse(r.detail, nullptr, false);
  return {{"seq", r.seq},       {"time", base::FormatTime(r.time_ms)},
          {"actor", r.actor},   {"action", r.action},
          {"object", r.object}, {"detail", detail.is_discarded() ? json(r.detail) : detail},
          {"hash", r.hash}};
}

}  // namespace zhanqun::desk
