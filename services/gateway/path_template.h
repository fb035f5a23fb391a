// google.api.http path templates (google/api/http.proto):
//
//   Template = "/" Segments [ Verb ] ;   Segments = Segment { "/" Segment } ;
//   Segment  = "*" | "**" | LITERAL | Variable ;
//   Variable = "{" FieldPath [ "=" Segments ] "}" ;   Verb = ":" LITERAL ;
//
// Parse() compiles a template once; Match() binds a request path to it, returning the
// percent-decoded variable values by field path ("goal_card.id" -> "gc_1").
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace opsuite::gateway {

class PathTemplate {
 public:
  static absl::StatusOr<PathTemplate> Parse(absl::string_view text);

  using Bindings = std::vector<std::pair<std::string, std::string>>;
  // The bindings when `path` (no query string) matches, else nullopt.
  std::optional<Bindings> Match(absl::string_view path) const;

  const std::string& text() const { return text_; }
  const std::string& verb() const { return verb_; }
  // Field paths of the variables, in order.
  std::vector<std::string> Variables() const;
  // Literal segments count: more literals = more specific (routes try those first).
  int literal_count() const;
  // The template with each variable written as "{field.path}" (OpenAPI style).
  std::string OpenApiPath() const;

 private:
  struct Segment {
    enum Kind { kLiteral, kStar, kDoubleStar } kind;
    std::string literal;
    int variable = -1;  // index into variables_, or -1
  };
  std::string text_;
  std::vector<Segment> segments_;
  std::vector<std::string> variables_;
  std::string verb_;

  bool MatchFrom(size_t si, const std::vector<std::string>& parts, size_t pi,
                 std::vector<std::vector<std::string>>& values) const;
};

// Percent-decoding ("%E5%8D%8E" -> "华", '+' kept as is); nullopt on a bad escape.
std::optional<std::string> PercentDecode(absl::string_view text, bool plus_is_space = false);

}  // namespace opsuite::gateway
