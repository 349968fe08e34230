// Publication: publish now, schedules and embargoes, amend, withdraw,
// repeal, ingestion and the per-role queue.
#include "desk_impl.h"
#include "zhanqun/base/time.h"
#include "zhanqun/feeds/atom.h"
#include "zhanqun/feeds/log.h"
#include "zhanqun/sql/sqlite.h"
#include "zhanqun/text/sanitize.h"

namespace zhanqun::desk {

using base::Result;
using base::Status;
using json = nlohmann::json;

namespace {

bool IsOpen(DraftState s) {
  return s == DraftState::kDraft || s == DraftState::kInReview ||
         s == DraftState::kAwaitingApproval || s == DraftState::kApproved ||
         s == DraftState::kScheduled;
}

json OptionalTimeJson(const std::optional<base::TimeMs>& t) {
  return t ? json(base::FormatTime(*t)) : json(nullptr);
}

}  // namespace

Result<Draft> Desk::Impl::PublishDraft(const Actor& actor, Draft d) {
  // Read before publishing: a store that cannot answer must not leave a
  // release in the log that the desk never recorded.
  Result<std::vector<Draft>> older = store->ByRelease(d.release_id);
  if (!older.ok()) return older.status().Context("publishing draft " + std::to_string(d.id));
  feeds::Release release = ToRelease(d);
  Result<feeds::SignedEntry> se = hub.Publish(std::move(release));
  if (!se.ok()) return se.status().Context("publishing draft " + std::to_string(d.id));
  const feeds::Release& published = *se->entry.release;
  d.state = DraftState::kPublished;
  d.published_seq = se->entry.log.seq;
  d.release_version = published.version;
  ZQ_RETURN_IF_ERROR(Record(actor, d, StepAction::kPublish, "release.publish",
                            {{"version", published.version},
                             {"seq", d.published_seq},
                             {"status", feeds::ReleaseStatusName(published.status)}},
                            "", 0, "release:" + d.release_id));
  for (Draft& old : *older) {
    if (old.id == d.id || old.state != DraftState::kPublished) continue;
    old.state = DraftState::kSuperseded;
    ZQ_RETURN_IF_ERROR(Record(actor, old, StepAction::kSupersede, "draft.supersede",
                              {{"by_draft", d.id}, {"version", published.version}}));
  }
  return d;
}

// A release published without the desk (the publish API, the CLI) becomes a
// published draft here the first time someone amends, withdraws or repeals
// it, with its content read back from the signed log.
Result<Draft> Desk::Impl::AdoptPublished(const std::string& release_id) {
  Result<std::optional<hub::ReleaseRow>> found = hub.store().FindRelease(release_id);
  if (!found.ok()) return found.status().Context("release '" + release_id + "'");
  const std::optional<hub::ReleaseRow>& row = *found;
  if (!row) return Status::NotFound("release '" + release_id + "' is not published");
  Result<std::vector<std::string>> wires = hub.store().ReadWire(feeds::kHubCode, row->seq - 1, 1);
  if (!wires.ok()) return wires.status();
  if (wires->empty()) return Status::Internal("release '" + release_id + "': its entry is missing");
  Result<feeds::ParsedEntry> e = feeds::DecodeEntry(wires->front());
  if (!e.ok() || !e->entry.release) {
    return Status::Corruption("release '" + release_id + "': its entry does not decode");
  }
  const feeds::Release& r = *e->entry.release;
  if (r.status == feeds::ReleaseStatus::kWithdrawn || r.status == feeds::ReleaseStatus::kRepealed) {
    return Status::Precondition("release '" + release_id + "' is " +
                                feeds::ReleaseStatusName(r.status) + "; it cannot change now");
  }
  Draft d;
  d.release_id = release_id;
  d.release_version = r.version;
  d.state = DraftState::kPublished;
  d.content = {r.title,      r.doc_number, r.authority, r.signed_date, r.topics,
               r.categories, r.body_html,  "",          r.attachments};
  d.author = "hub-log";
  d.source = "hub-log";
  d.published_seq = row->seq;
  d.levels = static_cast<int>(options.review_levels.size());
  return CreateDraft({"system", 0}, std::move(d), StepAction::kAdopt, "release.adopt",
                     {{"version", r.version}, {"seq", row->seq}});
}

Result<Draft> Desk::Impl::PublishedDraft(const std::string& release_id) {
  Result<std::vector<Draft>> found = store->ByRelease(release_id);
  if (!found.ok()) return found.status();
  const std::vector<Draft>& drafts = *found;
  if (drafts.empty()) return AdoptPublished(release_id);
  for (auto it = drafts.rbegin(); it != drafts.rend(); ++it) {
    if (it->state == DraftState::kPublished) return *it;
  }
  for (auto it = drafts.rbegin(); it != drafts.rend(); ++it) {
    if (!IsOpen(it->state)) return *it;  // withdrawn or repealed: the rules say why not
  }
  return Status::NotFound("release '" + release_id + "' has no published draft on this desk");
}

Result<feeds::SignedEntry> Desk::Impl::EndRelease(const staff::Principal& by,
                                                  const std::string& release_id,
                                                  const std::string& reason, DeskAction action) {
  // The role first, so a caller without it learns nothing about the release.
  ZQ_RETURN_IF_ERROR(staff::Require(by, action == DeskAction::kWithdraw
                                            ? staff::Permission::kWithdraw
                                            : staff::Permission::kRepeal));
  Result<Draft> d = PublishedDraft(release_id);
  if (!d.ok()) return d.status();
  Result<Transition> t = Ask(by, *d, {action, reason, std::nullopt});
  if (!t.ok()) return t.status();
  feeds::Release r = ToRelease(*d);
  r.version = 0;  // the next version
  std::string para = "<p>" + text::EscapeHtml(reason) + "</p>";
  if (action == DeskAction::kWithdraw) {
    r.status = feeds::ReleaseStatus::kWithdrawn;
    r.body_html = para;
  } else {
    r.status = feeds::ReleaseStatus::kRepealed;
    r.body_html = para + r.body_html;  // the policy stays readable under the notice
  }
  Result<feeds::SignedEntry> se = hub.Publish(std::move(r));
  if (!se.ok()) return se.status().Context(std::string(DeskActionName(action)) + " " + release_id);
  d->state = t->state;
  const char* name = DeskActionName(action);
  const StepAction step =
      action == DeskAction::kWithdraw ? StepAction::kWithdraw : StepAction::kRepeal;
  ZQ_RETURN_IF_ERROR(Record(ActorOf(by), *d, step, std::string("release.") + name,
                            {{"version", se->entry.release->version}, {"seq", se->entry.log.seq}},
                            reason, 0, "release:" + release_id));
  return se;
}

Result<Draft> Desk::PublishNow(const staff::Principal& by, std::int64_t id) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Result<Draft> d = impl_->Load(id);
  if (!d.ok()) return d;
  Result<Transition> t = impl_->Ask(by, *d, {DeskAction::kPublish, "", {}});
  if (!t.ok()) return t.status();
  return impl_->PublishDraft(ActorOf(by), std::move(d).value());
}

Result<Draft> Desk::Schedule(const staff::Principal& by, std::int64_t id, base::TimeMs at_ms) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Result<Draft> d = impl_->Load(id);
  if (!d.ok()) return d;
  Result<Transition> t = impl_->Ask(by, *d, {DeskAction::kSchedule, "", at_ms});
  if (!t.ok()) return t.status();
  d->state = t->state;
  d->publish_at_ms = at_ms;
  ZQ_RETURN_IF_ERROR(impl_->Record(ActorOf(by), *d, StepAction::kSchedule, "release.schedule",
                                   {{"publish_at", base::FormatTime(at_ms)}}));
  return d;
}

Result<Draft> Desk::Unschedule(const staff::Principal& by, std::int64_t id) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Result<Draft> d = impl_->Load(id);
  if (!d.ok()) return d;
  Result<Transition> t = impl_->Ask(by, *d, {DeskAction::kUnschedule, "", {}});
  if (!t.ok()) return t.status();
  json detail = {{"publish_at", OptionalTimeJson(d->publish_at_ms)}};
  d->state = t->state;
  d->publish_at_ms.reset();
  ZQ_RETURN_IF_ERROR(
      impl_->Record(ActorOf(by), *d, StepAction::kUnschedule, "release.unschedule", detail));
  return d;
}

Result<Draft> Desk::SetEmbargo(const staff::Principal& by, std::int64_t id,
                               std::optional<base::TimeMs> until_ms) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Result<Draft> d = impl_->Load(id);
  if (!d.ok()) return d;
  Result<Transition> t = impl_->Ask(by, *d, {DeskAction::kEmbargo, "", {}});
  if (!t.ok()) return t.status();
  d->embargo_until_ms = until_ms;
  ZQ_RETURN_IF_ERROR(impl_->Record(ActorOf(by), *d, StepAction::kEmbargo, "draft.embargo",
                                   {{"until", OptionalTimeJson(until_ms)}}));
  return d;
}

Result<Draft> Desk::Amend(const staff::Principal& by, const std::string& release_id) {
  ZQ_RETURN_IF_ERROR(staff::Require(by, staff::Permission::kAmend));
  std::lock_guard<std::mutex> lock(impl_->mu);
  Result<Draft> published = impl_->PublishedDraft(release_id);
  if (!published.ok()) return published.status();
  Result<Transition> t = impl_->Ask(by, *published, {DeskAction::kAmend, "", std::nullopt});
  if (!t.ok()) return t.status();
  Result<std::vector<Draft>> versions = impl_->store->ByRelease(release_id);
  if (!versions.ok()) return versions.status();
  for (const Draft& other : *versions) {
    if (IsOpen(other.state)) {
      return Status(base::Code::kAlreadyExists, "release '" + release_id +
                                                    "' already has an open draft " +
                                                    std::to_string(other.id) + " (version " +
                                                    std::to_string(other.release_version) + ", " +
                                                    DraftStateName(other.state) + ")");
    }
  }
  Result<std::optional<hub::ReleaseRow>> found = impl_->hub.store().FindRelease(release_id);
  if (!found.ok()) return found.status().Context("release '" + release_id + "'");
  const std::optional<hub::ReleaseRow>& row = *found;
  Draft d;
  d.release_id = release_id;
  d.release_version = (row ? row->version : published->release_version) + 1;
  d.content = published->content;
  d.author_id = by.user_id;
  d.author = by.username;
  d.levels = static_cast<int>(impl_->options.review_levels.size());
  Result<Draft> created = impl_->CreateDraft(ActorOf(by), std::move(d), StepAction::kAmend,
                                             "release.amend", {{"amends_draft", published->id}});
  return created;
}

Result<feeds::SignedEntry> Desk::Withdraw(const staff::Principal& by, const std::string& release_id,
                                          const std::string& reason) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->EndRelease(by, release_id, reason, DeskAction::kWithdraw);
}

Result<feeds::SignedEntry> Desk::Repeal(const staff::Principal& by, const std::string& release_id,
                                        const std::string& reason) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->EndRelease(by, release_id, reason, DeskAction::kRepeal);
}

Result<Draft> Desk::Import(const std::string& source, bool trusted, DraftContent content,
                           const std::string& link) {
  if (source.empty()) return Status::Invalid("source: required for an imported draft");
  std::lock_guard<std::mutex> lock(impl_->mu);
  Draft d;
  d.content = std::move(content);
  d.author = "ingest:" + source;
  d.source = d.author;
  d.source_link = link;
  d.levels = static_cast<int>(impl_->options.review_levels.size());
  d.state = trusted ? DraftState::kAwaitingApproval : DraftState::kInReview;
  d.level = trusted ? 0 : 1;
  Actor actor{d.author, 0};
  return impl_->CreateDraft(actor, std::move(d), StepAction::kImport, "draft.import",
                            {{"trusted", trusted}, {"link", link}});
}

Result<Desk::DuePass> Desk::PublishDue() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  base::TimeMs now = impl_->clock.NowMs();
  Result<std::vector<Draft>> scheduled = impl_->store->InStates({DraftState::kScheduled});
  if (!scheduled.ok()) return scheduled.status().Context("scheduled drafts");
  DuePass pass;
  for (Draft& d : *scheduled) {
    if (!d.publish_at_ms || *d.publish_at_ms > now) continue;
    if (d.embargo_until_ms && *d.embargo_until_ms > now) continue;
    const std::int64_t id = d.id;
    Result<Draft> published = impl_->PublishDraft({"system", 0}, std::move(d));
    if (published.ok()) {
      ++pass.published;
    } else {
      pass.failed.emplace_back(id, published.status());
    }
  }
  return pass;
}

Result<std::vector<Draft>> Desk::Queue(const staff::Principal& who) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  base::TimeMs now = impl_->clock.NowMs();
  Result<std::vector<Draft>> open =
      impl_->store->InStates({DraftState::kDraft, DraftState::kInReview,
                              DraftState::kAwaitingApproval, DraftState::kApproved});
  if (!open.ok()) return open.status();
  std::vector<Draft> out;
  for (const Draft& d : *open) {
    Result<WorkflowFacts> facts = impl_->Facts(who, d);
    if (!facts.ok()) return facts.status();
    WorkflowFacts& f = *facts;
    WorkflowRequest r;
    switch (d.state) {
      case DraftState::kDraft:
        // Editors: their own drafts, and ingested ones sent back to the desk.
        if (!f.principal_is_author && d.source == "manual") continue;
        r.action = DeskAction::kSubmit;
        f.levels = static_cast<int>(impl_->options.review_levels.size());
        break;
      case DraftState::kInReview:
        r.action = DeskAction::kPass;
        break;
      case DraftState::kAwaitingApproval:
        r.action = DeskAction::kApprove;
        break;
      default:
        r.action = DeskAction::kSchedule;
        r.at_ms = std::max(now, d.embargo_until_ms.value_or(now));
        break;
    }
    if (Decide(who, f, r).ok()) out.push_back(d);
  }
  return out;
}

}  // namespace zhanqun::desk
