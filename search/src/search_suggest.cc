// Did-you-mean for a query with no matches; the method is described at
// SearchResults::did_you_mean.
#include <algorithm>
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "search_internal.h"

namespace zhanqun::search::search_internal {
namespace {

using base::Result;

constexpr std::size_t kMaxSuggestChars = 40;
constexpr int kMaxSuggestSearches = 200;
constexpr std::size_t kMaxSubstitutesPerChar = 12;
constexpr std::size_t kMaxWordScan = 5000;
constexpr Xapian::doccount kSuggestCheckAtLeast = 100;

bool IsCjkWord(unsigned ch) {
  bool cjk = (ch >= 0x2E80 && ch <= 0x2FDF) || (ch >= 0x3040 && ch <= 0x30FF) ||
             (ch >= 0x3400 && ch <= 0x4DBF) || (ch >= 0x4E00 && ch <= 0x9FFF) ||
             (ch >= 0xAC00 && ch <= 0xD7AF) || (ch >= 0xF900 && ch <= 0xFAFF) ||
             (ch >= 0x20000 && ch <= 0x2FA1F);
  return cjk && Xapian::Unicode::is_wordchar(ch);
}

bool IsLatinWord(unsigned ch) { return !IsCjkWord(ch) && Xapian::Unicode::is_wordchar(ch); }

using CodePoints = std::vector<unsigned>;

CodePoints Decode(const std::string& s) {
  CodePoints out;
  for (Xapian::Utf8Iterator it(s); it != Xapian::Utf8Iterator(); ++it) out.push_back(*it);
  return out;
}

std::string Encode(const CodePoints& cps) {
  std::string out;
  for (unsigned ch : cps) Xapian::Unicode::append_utf8(out, ch);
  return out;
}

std::string Encode(unsigned ch) { return Encode(CodePoints{ch}); }

std::size_t EditDistance(const CodePoints& a, const CodePoints& b) {
  std::vector<std::size_t> prev(b.size() + 1);
  std::vector<std::size_t> cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t replace = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, replace});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

class Suggester {
 public:
  Suggester(const Xapian::Database& db, const SearchQuery& query) : db_(db), query_(query) {}

  std::optional<std::string> Suggest() {
    std::string text = Trim(query_.text);
    cps_ = Decode(text);
    if (cps_.empty() || cps_.size() > kMaxSuggestChars) return std::nullopt;
    tried_.insert(text);
    for (void (Suggester::*tier)() :
         {&Suggester::CorrectWords, &Suggester::SubstituteUnknown, &Suggester::DeleteOne,
          &Suggester::SubstituteKnown, &Suggester::LongestRun}) {
      (this->*tier)();
      if (best_) return best_->text;
    }
    return std::nullopt;
  }

 private:
  struct Candidate {
    std::string text;
    Xapian::doccount matches = 0;
  };

  void Consider(const CodePoints& cps) {
    std::string text = Trim(Encode(cps));
    if (text.empty() || budget_ <= 0 || !tried_.insert(text).second) return;
    --budget_;
    Xapian::doccount matches = Matches(text);
    if (matches > 0 && (!best_ || matches > best_->matches)) best_ = Candidate{text, matches};
  }

  // Matches of `text` under the original filters; a text that does not
  // parse (an edit can break query syntax) has none.
  Xapian::doccount Matches(const std::string& text) const {
    SearchQuery q = query_;
    q.text = text;
    Result<Xapian::Query> parsed = ParseQuery(db_, q);
    if (!parsed.ok()) return 0;
    Xapian::Enquire enquire(db_);
    enquire.set_query(*parsed);
    Xapian::MSet mset = enquire.get_mset(0, 1, kSuggestCheckAtLeast);
    return mset.empty() ? 0 : mset.get_matches_estimated();
  }

  void CorrectWords() {
    CodePoints out;
    bool changed = false;
    for (std::size_t i = 0; i < cps_.size();) {
      if (!IsLatinWord(cps_[i])) {
        out.push_back(cps_[i++]);
        continue;
      }
      std::size_t end = i;
      while (end < cps_.size() && IsLatinWord(cps_[end])) ++end;
      CodePoints word;
      for (std::size_t k = i; k < end; ++k) word.push_back(Xapian::Unicode::tolower(cps_[k]));
      std::optional<CodePoints> fix = NearestWord(word);
      changed = changed || fix.has_value();
      const CodePoints& use = fix ? *fix : word;
      out.insert(out.end(), use.begin(), use.end());
      i = end;
    }
    if (changed) Consider(out);
  }

  // The most frequent indexed word within a small edit distance of an unknown
  // `word`. Only words with the same first letter are listed, which keeps
  // the scan short and is where most typos leave a word.
  std::optional<CodePoints> NearestWord(const CodePoints& word) const {
    if (word.size() < 3 || db_.term_exists(Encode(word))) return std::nullopt;
    const std::size_t max_distance = word.size() <= 4 ? 1 : 2;
    const std::string prefix = Encode(word[0]);
    std::optional<CodePoints> best;
    std::size_t best_distance = max_distance + 1;
    Xapian::doccount best_freq = 0;
    std::size_t scanned = 0;
    for (Xapian::TermIterator it = db_.allterms_begin(prefix);
         it != db_.allterms_end(prefix) && scanned < kMaxWordScan; ++it, ++scanned) {
      CodePoints term = Decode(*it);
      if (term.size() + max_distance < word.size() || term.size() > word.size() + max_distance) {
        continue;
      }
      std::size_t distance = EditDistance(word, term);
      Xapian::doccount freq = it.get_termfreq();
      if (distance < best_distance || (distance == best_distance && freq > best_freq)) {
        best = std::move(term);
        best_distance = distance;
        best_freq = freq;
      }
    }
    return best;
  }

  // CJK characters that form indexed bigrams with both neighbours of
  // position i, most frequent first. Bigrams can only be listed by their
  // first character, so a position without a CJK left neighbour gets none.
  CodePoints Substitutes(std::size_t i) const {
    if (i == 0 || !IsCjkWord(cps_[i - 1])) return {};
    const bool right = i + 1 < cps_.size() && IsCjkWord(cps_[i + 1]);
    const std::string prefix = Encode(cps_[i - 1]);
    std::vector<std::pair<Xapian::doccount, unsigned>> found;
    for (Xapian::TermIterator it = db_.allterms_begin(prefix); it != db_.allterms_end(prefix);
         ++it) {
      CodePoints term = Decode(*it);
      if (term.size() != 2 || term[1] == cps_[i] || !IsCjkWord(term[1])) continue;
      if (right && !db_.term_exists(Encode(CodePoints{term[1], cps_[i + 1]}))) continue;
      found.emplace_back(it.get_termfreq(), term[1]);
    }
    std::stable_sort(found.begin(), found.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    CodePoints out;
    for (std::size_t k = 0; k < found.size() && k < kMaxSubstitutesPerChar; ++k) {
      out.push_back(found[k].second);
    }
    return out;
  }

  void Substitute(bool known) {
    for (std::size_t i = 0; i < cps_.size(); ++i) {
      if (!IsCjkWord(cps_[i]) || db_.term_exists(Encode(cps_[i])) != known) continue;
      for (unsigned ch : Substitutes(i)) {
        CodePoints edited = cps_;
        edited[i] = ch;
        Consider(edited);
      }
    }
  }
  void SubstituteUnknown() { Substitute(false); }
  void SubstituteKnown() { Substitute(true); }

  void DeleteOne() {
    for (std::size_t i = 0; i < cps_.size(); ++i) {
      if (!IsCjkWord(cps_[i])) continue;
      CodePoints edited = cps_;
      edited.erase(edited.begin() + static_cast<std::ptrdiff_t>(i));
      Consider(edited);
    }
  }

  void LongestRun() {
    const std::size_t n = cps_.size();
    for (std::size_t len = n - 1; len >= 2 && len < n; --len) {
      for (std::size_t start = 0; start + len <= n; ++start) {
        const std::size_t end = start + len;
        if (start > 0 && IsLatinWord(cps_[start - 1]) && IsLatinWord(cps_[start])) continue;
        if (end < n && IsLatinWord(cps_[end - 1]) && IsLatinWord(cps_[end])) continue;
        Consider(CodePoints(cps_.begin() + static_cast<std::ptrdiff_t>(start),
                            cps_.begin() + static_cast<std::ptrdiff_t>(end)));
        // The leftmost of the longest runs wins, not the most frequent.
        if (best_) return;
      }
    }
  }

  const Xapian::Database& db_;
  const SearchQuery& query_;
  CodePoints cps_;
  std::set<std::string> tried_;
  std::optional<Candidate> best_;
  int budget_ = kMaxSuggestSearches;
};

}  // namespace

std::optional<std::string> SuggestQuery(const Xapian::Database& db, const SearchQuery& query) {
  return Suggester(db, query).Suggest();
}

}  // namespace zhanqun::search::search_internal
