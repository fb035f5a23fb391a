// Status helpers shared by every service.
//
// Inside the code everything returns absl::Status / absl::StatusOr; at the gRPC edge
// ToGrpcStatus() maps the code 1:1 and turns field violations into a google.rpc.Status
// carrying a google.rpc.BadRequest detail, so clients learn which field was wrong.
//
//   FieldViolations v;
//   if (req.name().empty()) v.Add("name", "must not be empty");
//   RETURN_IF_ERROR(v.ToStatus());
//   ASSIGN_OR_RETURN(Employee e, store.GetEmployee(org, id));
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"

#define OPSUITE_CONCAT_INNER_(a, b) a##b
#define OPSUITE_CONCAT_(a, b) OPSUITE_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                        \
  do {                                               \
    ::absl::Status _opsuite_status = (expr);         \
    if (!_opsuite_status.ok()) return _opsuite_status; \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, expr) \
  OPSUITE_ASSIGN_OR_RETURN_IMPL_(OPSUITE_CONCAT_(_opsuite_statusor_, __LINE__), lhs, expr)
#define OPSUITE_ASSIGN_OR_RETURN_IMPL_(var, lhs, expr) \
  auto var = (expr);                                   \
  if (!var.ok()) return std::move(var).status();       \
  lhs = std::move(var).value()

namespace opsuite {

// Type URL of the payload that carries a serialized google.rpc.BadRequest on an absl::Status.
inline constexpr absl::string_view kBadRequestPayloadUrl =
    "type.googleapis.com/google.rpc.BadRequest";

// Collects "field: what is wrong" pairs; ToStatus() is OK when there are none, else
// INVALID_ARGUMENT whose message lists every violation and whose payload is a BadRequest.
class FieldViolations {
 public:
  void Add(std::string field, std::string description);
  bool empty() const { return violations_.empty(); }
  absl::Status ToStatus() const;
  // (field, description) in the order added.
  const std::vector<std::pair<std::string, std::string>>& all() const { return violations_; }

 private:
  std::vector<std::pair<std::string, std::string>> violations_;
};

// INVALID_ARGUMENT naming one field.
absl::Status InvalidField(std::string field, std::string description);

// `status` with every field it names moved under `prefix` ("policy" + "daily_deadline" ->
// "policy.daily_deadline"), for a check written for a message that sits inside a request.
absl::Status PrefixFields(absl::Status status, absl::string_view prefix);

// The fields named by a BadRequest payload on `status` (empty when there is none).
std::vector<std::string> ViolatedFields(const absl::Status& status);

// absl -> gRPC: the same code and message; a BadRequest payload becomes a google.rpc.Status
// in the trailing `grpc-status-details-bin`.
grpc::Status ToGrpcStatus(const absl::Status& status);
// gRPC -> absl: the same code and message, with a BadRequest detail kept as a payload.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace opsuite
