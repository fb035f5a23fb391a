#include "services/crm/domain/search.h"

#include <cstdint>
#include <exception>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "opencc/Exception.hpp"
#include "opencc/opencc.h"

namespace opsuite::crm {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Decodes one code point at `text[*pos]` and advances `*pos`; an invalid sequence (a stray
// continuation byte, a truncated sequence, an overlong form, a surrogate, a value above
// U+10FFFF) yields U+FFFD and consumes one byte.
char32_t NextCodePoint(absl::string_view text, size_t* pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(*pos);
  if (lead < 0x80) {
    ++*pos;
    return lead;
  }
  int extra = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((lead & 0xE0) == 0xC0) {
    extra = 1;
    cp = lead & 0x1F;
    min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    extra = 2;
    cp = lead & 0x0F;
    min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    extra = 3;
    cp = lead & 0x07;
    min = 0x10000;
  } else {
    ++*pos;
    return kReplacement;
  }
  if (*pos + extra >= text.size()) {  // truncated
    ++*pos;
    return kReplacement;
  }
  for (int i = 1; i <= extra; ++i) {
    const unsigned char c = byte(*pos + i);
    if ((c & 0xC0) != 0x80) {
      ++*pos;
      return kReplacement;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++*pos;
    return kReplacement;
  }
  *pos += extra + 1;
  return cp;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool IsDropped(char32_t cp) {
  switch (cp) {
    // Whitespace.
    case ' ':
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case 0x00A0:  // no-break space
    case 0x3000:  // ideographic space (already half-width by now, kept for clarity)
    case 0xFEFF:  // zero-width no-break space / BOM
    // ASCII punctuation (full-width forms arrive here already converted).
    case '(':
    case ')':
    case '-':
    case '.':
    case ',':
    case '"':
    case '\'':
    case '_':
    case '/':
    // CJK punctuation.
    case 0x300C:  // 「
    case 0x300D:  // 」
    case 0x300E:  // 『
    case 0x300F:  // 』
    case 0x00B7:  // · middle dot (transliterated foreign names)
    case 0x30FB:  // ・ katakana middle dot (the same use)
    case 0x3001:  // 、
    case 0x3002:  // 。
    case 0x201C:  // “
    case 0x201D:  // ”
    case 0x2018:  // ‘
    case 0x2019:  // ’
    case 0x2010:  // ‐ hyphen
    case 0x2013:  // – en dash
    case 0x2014:  // — em dash
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200B;  // en quad .. zero-width space
  }
}

// Steps 1-4 of TextFolder's comment.
std::string FoldWidthCaseAndPunctuation(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    char32_t cp = NextCodePoint(text, &pos);
    if (cp >= 0xFF01 && cp <= 0xFF5E) {
      cp -= 0xFEE0;  // full-width ASCII -> ASCII
    } else if (cp == 0x3000) {
      cp = ' ';
    }
    if (cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
    if (IsDropped(cp)) continue;
    AppendUtf8(cp, &out);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TextFolder>> TextFolder::Create(absl::string_view config) {
  const std::string file(config);
  // OpenCC reports a missing or malformed configuration by throwing: opencc::Exception (not a
  // std::exception), or std::runtime_error when SimpleConverter rethrows it.
  try {
    auto converter = std::make_unique<opencc::SimpleConverter>(file);
    // Dictionaries load lazily in some releases: convert once so a broken one fails here.
    converter->Convert(std::string("測試"));
    return std::unique_ptr<TextFolder>(new TextFolder(std::move(converter)));
  } catch (const opencc::Exception& e) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot load the OpenCC configuration \"", file, "\": ", e.what()));
  } catch (const std::exception& e) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot load the OpenCC configuration \"", file, "\": ", e.what()));
  } catch (...) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot load the OpenCC configuration \"", file, "\": unknown error"));
  }
}

TextFolder::TextFolder(std::unique_ptr<opencc::SimpleConverter> converter)
    : converter_(std::move(converter)) {}

TextFolder::~TextFolder() = default;

std::string TextFolder::Fold(absl::string_view text) const {
  std::string folded = FoldWidthCaseAndPunctuation(text);
  // Pure ASCII has nothing for OpenCC to convert.
  bool ascii = true;
  for (char c : folded) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return folded;
  absl::MutexLock lock(&mu_);
  try {
    return converter_->Convert(folded);
  } catch (...) {
    return folded;  // see the header: never throws, degrades to steps 1-4
  }
}

bool Matches(absl::string_view folded_haystack, absl::string_view folded_needle) {
  return absl::StrContains(folded_haystack, folded_needle);
}

bool CustomerMatches(const TextFolder& folder, const v1::Customer& customer,
                     absl::string_view folded_needle) {
  if (folded_needle.empty()) return true;
  if (Matches(folder.Fold(customer.name()), folded_needle)) return true;
  for (const v1::Contact& contact : customer.contacts()) {
    if (Matches(folder.Fold(contact.name()), folded_needle)) return true;
  }
  return false;
}

std::string NormalizedName(const TextFolder& folder, absl::string_view name) {
  return folder.Fold(name);
}

}  // namespace opsuite::crm
