#include "services/gateway/path_template.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status.h"

namespace opsuite::gateway {
namespace {

absl::Status Bad(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("path template \"", text, "\": ", why));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> PercentDecode(absl::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = HexValue(text[i + 1]), lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

absl::StatusOr<PathTemplate> PathTemplate::Parse(absl::string_view text) {
  PathTemplate t;
  t.text_ = std::string(text);
  if (text.empty() || text[0] != '/') return Bad(text, "must start with /");
  absl::string_view rest = text.substr(1);
  // The verb is after the last ':' that is outside braces.
  int depth = 0;
  size_t verb_at = absl::string_view::npos;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '{') ++depth;
    if (rest[i] == '}') --depth;
    if (rest[i] == ':' && depth == 0) verb_at = i;
  }
  if (verb_at != absl::string_view::npos) {
    t.verb_ = std::string(rest.substr(verb_at + 1));
    rest = rest.substr(0, verb_at);
    if (t.verb_.empty()) return Bad(text, "empty verb after ':'");
  }
  size_t i = 0;
  auto read_segment = [&](int variable) -> absl::Status {
    size_t end = i;
    while (end < rest.size() && rest[end] != '/' && rest[end] != '}' && rest[end] != '{') ++end;
    absl::string_view s = rest.substr(i, end - i);
    if (s.empty()) return Bad(text, "empty segment");
    Segment seg;
    seg.variable = variable;
    if (s == "*") {
      seg.kind = Segment::kStar;
    } else if (s == "**") {
      seg.kind = Segment::kDoubleStar;
    } else {
      seg.kind = Segment::kLiteral;
      seg.literal = std::string(s);
    }
    t.segments_.push_back(std::move(seg));
    i = end;
    return absl::OkStatus();
  };
  while (i < rest.size()) {
    if (rest[i] == '{') {
      size_t close = rest.find('}', i);
      if (close == absl::string_view::npos) return Bad(text, "unclosed {");
      absl::string_view inner = rest.substr(i + 1, close - i - 1);
      std::pair<absl::string_view, absl::string_view> kv =
          absl::StrSplit(inner, absl::MaxSplits('=', 1));
      if (kv.first.empty()) return Bad(text, "a variable needs a field path");
      int var = static_cast<int>(t.variables_.size());
      t.variables_.emplace_back(kv.first);
      if (kv.second.empty()) {
        t.segments_.push_back({Segment::kStar, "", var});
      } else {
        for (absl::string_view s : absl::StrSplit(kv.second, '/')) {
          if (s.empty()) return Bad(text, "empty segment in a variable");
          Segment seg{Segment::kLiteral, std::string(s), var};
          if (s == "*") seg.kind = Segment::kStar;
          if (s == "**") seg.kind = Segment::kDoubleStar;
          t.segments_.push_back(std::move(seg));
        }
      }
      i = close + 1;
    } else {
      RETURN_IF_ERROR(read_segment(-1));
    }
    if (i < rest.size()) {
      if (rest[i] != '/') return Bad(text, "expected / between segments");
      ++i;
      if (i == rest.size()) return Bad(text, "trailing /");
    }
  }
  for (size_t k = 0; k + 1 < t.segments_.size(); ++k) {
    if (t.segments_[k].kind == Segment::kDoubleStar) return Bad(text, "** must be the last segment");
  }
  return t;
}

bool PathTemplate::MatchFrom(size_t si, const std::vector<std::string>& parts, size_t pi,
                             std::vector<std::vector<std::string>>& values) const {
  if (si == segments_.size()) return pi == parts.size();
  const Segment& seg = segments_[si];
  if (seg.kind == Segment::kDoubleStar) {  // the rest of the path (validated: last segment)
    if (seg.variable >= 0) {
      for (size_t k = pi; k < parts.size(); ++k) values[seg.variable].push_back(parts[k]);
    }
    return true;
  }
  if (pi == parts.size()) return false;
  if (seg.kind == Segment::kLiteral && parts[pi] != seg.literal) return false;
  if (seg.kind == Segment::kStar && parts[pi].empty()) return false;
  if (seg.variable >= 0) values[seg.variable].push_back(parts[pi]);
  return MatchFrom(si + 1, parts, pi + 1, values);
}

std::optional<PathTemplate::Bindings> PathTemplate::Match(absl::string_view path) const {
  if (path.empty() || path[0] != '/') return std::nullopt;
  absl::string_view rest = path.substr(1);
  if (!verb_.empty()) {
    size_t colon = rest.rfind(':');
    if (colon == absl::string_view::npos || rest.find('/', colon) != absl::string_view::npos ||
        rest.substr(colon + 1) != verb_) {
      return std::nullopt;
    }
    rest = rest.substr(0, colon);
  }
  std::vector<std::string> parts;
  for (absl::string_view raw : absl::StrSplit(rest, '/')) {
    std::optional<std::string> part = PercentDecode(raw);
    if (!part) return std::nullopt;
    parts.push_back(*std::move(part));
  }
  std::vector<std::vector<std::string>> values(variables_.size());
  if (!MatchFrom(0, parts, 0, values)) return std::nullopt;
  Bindings out;
  for (size_t v = 0; v < variables_.size(); ++v) {
    out.emplace_back(variables_[v], absl::StrJoin(values[v], "/"));
  }
  return out;
}

std::vector<std::string> PathTemplate::Variables() const { return variables_; }

int PathTemplate::literal_count() const {
  int n = 0;
  for (const Segment& s : segments_) n += s.kind == Segment::kLiteral;
  return n;
}

std::string PathTemplate::OpenApiPath() const {
  std::string out;
  int open = -1;
  for (const Segment& s : segments_) {
    if (s.variable >= 0) {
      if (s.variable != open) {
        absl::StrAppend(&out, "/{", variables_[s.variable], "}");
        open = s.variable;
      }
      continue;
    }
    open = -1;
    absl::StrAppend(&out, "/", s.kind == Segment::kLiteral ? s.literal
                                : s.kind == Segment::kStar  ? "*"
                                                            : "**");
  }
  if (!verb_.empty()) absl::StrAppend(&out, ":", verb_);
  return out;
}

}  // namespace opsuite::gateway
