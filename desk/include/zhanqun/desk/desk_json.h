// Drafts, steps, diffs and audit records as JSON, shared by the desk API
// (desk_api.cc) and the desk pages (web/), which render the same objects.
// The one public header above the protocol that names a third-party type:
// nlohmann::json is what these functions are about (docs/architecture.md,
// "Third-party libraries").
#ifndef ZHANQUN_DESK_DESK_JSON_H_
#define ZHANQUN_DESK_DESK_JSON_H_

#include <nlohmann/json.hpp>
#include <string>

#include "zhanqun/desk/desk.h"
#include "zhanqun/staff/audit.h"

namespace zhanqun::desk {

nlohmann::json DraftContentToJson(const DraftContent& c);
// Parses {title, doc_number, authority, signed_date, topics, categories,
// body_html | body_text}. Unknown fields are refused, naming them; fields
// listed in `extra_allowed` are skipped (e.g. "revision").
base::Result<DraftContent> DraftContentFromJson(const nlohmann::json& j,
                                                const std::vector<std::string>& extra_allowed);
nlohmann::json DraftToJson(const Desk& desk, const Draft& d);
nlohmann::json StepToJson(const Desk& desk, const DraftStep& s);
nlohmann::json DiffToJson(const std::vector<FieldDiff>& diff);
nlohmann::json AuditToJson(const staff::AuditRecord& r);

}  // namespace zhanqun::desk

#endif  // ZHANQUN_DESK_DESK_JSON_H_
