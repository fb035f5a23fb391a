// Chinese-aware search folding for customer and contact names. Seed 003 is written in
// Traditional characters, the others in Simplified, and names are typed with full-width
// letters and assorted punctuation, so a query matches when both sides fold to the same
// canonical text (domain.md §7: 銷售/销售, 績效/绩效 must find each other).
//
//   ASSIGN_OR_RETURN(std::unique_ptr<TextFolder> folder, TextFolder::Create());
//   const std::string needle = folder->Fold(request.query());   // "銷售" -> "销售"
//   if (Matches(folder->Fold(customer.name()), needle)) ...
//   if (CustomerMatches(*folder, customer, needle)) ...          // name or a contact's name
//   const std::string key = NormalizedName(*folder, customer.name());  // duplicate guard
//
// Pure except for reading OpenCC's dictionaries once, in Create().
#pragma once

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "opsuite/crm/v1/customer.pb.h"

namespace opencc {
class SimpleConverter;
}  // namespace opencc

namespace opsuite::crm {

// OpenCC's stock Traditional -> Simplified configuration (/usr/share/opencc/t2s.json).
inline constexpr absl::string_view kTraditionalToSimplifiedConfig = "t2s.json";

// Folds text to its canonical search form, in this order:
//   1. invalid UTF-8 bytes become U+FFFD (so garbage never matches real text);
//   2. full-width ASCII (U+FF01..U+FF5E) becomes half-width, the ideographic space U+3000 a
//      space ("ＡＢＣ" -> "ABC");
//   3. ASCII letters become lower case (other scripts are left alone);
//   4. whitespace (ASCII, U+00A0, U+2000..U+200B, U+3000, U+FEFF) and common punctuation are
//      dropped: ( ) - . , " ' _ / and 「」『』（）·・，。、“”‘’—–‐ (full-width ASCII forms such
//      as （ ） ， are covered by step 2), so "佐妮（广东）" and "佐妮 广东" fold alike;
//   5. Traditional characters become Simplified (OpenCC t2s: "廣東" -> "广东").
// Thread-safe: OpenCC does not document its converter as safe for concurrent use, so calls
// are serialized by a mutex (a conversion of a name takes microseconds).
class TextFolder {
 public:
  // Loads `config` (a file name resolved by OpenCC: the working directory, then its data
  // directory). A missing or broken configuration is FAILED_PRECONDITION with OpenCC's
  // message; OpenCC's exceptions never escape.
  static absl::StatusOr<std::unique_ptr<TextFolder>> Create(
      absl::string_view config = kTraditionalToSimplifiedConfig);
  ~TextFolder();
  TextFolder(const TextFolder&) = delete;
  TextFolder& operator=(const TextFolder&) = delete;

  // The canonical form of `text` (see the class comment). Never throws: should OpenCC fail
  // on some input, the text is returned folded by steps 1-4 only.
  std::string Fold(absl::string_view text) const;

 private:
  explicit TextFolder(std::unique_ptr<opencc::SimpleConverter> converter);

  mutable absl::Mutex mu_;
  std::unique_ptr<opencc::SimpleConverter> converter_ ABSL_GUARDED_BY(mu_);
};

// True iff `folded_needle` occurs in `folded_haystack`; both must come from Fold(). An empty
// needle (a query of only spaces and punctuation folds to "") matches everything.
bool Matches(absl::string_view folded_haystack, absl::string_view folded_needle);

// True iff `folded_needle` matches the customer's name or the name of one of its contacts
// (ListCustomers `query`).
bool CustomerMatches(const TextFolder& folder, const v1::Customer& customer,
                     absl::string_view folded_needle);

// The key of CreateCustomer's duplicate guard (same normalized name in the same city).
// Deliberately just Fold(): company suffixes such as 有限公司 or 分公司 are NOT dropped,
// because "佐妮化妆品" and "佐妮化妆品有限公司" may be different legal entities (a shop and
// the company, a branch and its head office) and a false ALREADY_EXISTS would block a
// legitimate customer; the guard catches the same name re-typed in another script, width,
// case or spacing.
std::string NormalizedName(const TextFolder& folder, absl::string_view name);

}  // namespace opsuite::crm
