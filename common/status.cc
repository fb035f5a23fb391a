#include "common/status.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace opsuite {

void FieldViolations::Add(std::string field, std::string description) {
  violations_.emplace_back(std::move(field), std::move(description));
}

absl::Status FieldViolations::ToStatus() const {
  if (violations_.empty()) return absl::OkStatus();
  google::rpc::BadRequest detail;
  std::vector<std::string> parts;
  for (const auto& [field, description] : violations_) {
    auto* v = detail.add_field_violations();
    v->set_field(field);
    v->set_description(description);
    parts.push_back(absl::StrCat(field, ": ", description));
  }
  absl::Status status = absl::InvalidArgumentError(absl::StrJoin(parts, "; "));
  status.SetPayload(kBadRequestPayloadUrl, absl::Cord(detail.SerializeAsString()));
  return status;
}

absl::Status InvalidField(std::string field, std::string description) {
  FieldViolations v;
  v.Add(std::move(field), std::move(description));
  return v.ToStatus();
}

std::vector<std::string> ViolatedFields(const absl::Status& status) {
  std::vector<std::string> fields;
  auto payload = status.GetPayload(kBadRequestPayloadUrl);
  if (!payload) return fields;
  google::rpc::BadRequest detail;
  if (!detail.ParseFromString(std::string(*payload))) return fields;
  for (const auto& v : detail.field_violations()) fields.push_back(v.field());
  return fields;
}

absl::Status PrefixFields(absl::Status status, absl::string_view prefix) {
  auto payload = status.GetPayload(kBadRequestPayloadUrl);
  if (!payload) return status;
  google::rpc::BadRequest detail;
  if (!detail.ParseFromString(std::string(*payload))) return status;
  FieldViolations v;
  for (const auto& fv : detail.field_violations()) {
    v.Add(absl::StrCat(prefix, ".", fv.field()), fv.description());
  }
  return v.ToStatus();
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  auto code = static_cast<grpc::StatusCode>(status.code());
  std::string message(status.message());
  auto payload = status.GetPayload(kBadRequestPayloadUrl);
  if (!payload) return grpc::Status(code, message);
  google::rpc::Status rpc_status;
  rpc_status.set_code(static_cast<int>(status.code()));
  rpc_status.set_message(message);
  auto* any = rpc_status.add_details();
  any->set_type_url(std::string(kBadRequestPayloadUrl));
  any->set_value(std::string(*payload));
  return grpc::Status(code, message, rpc_status.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status out(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  if (!status.error_details().empty()) {
    google::rpc::Status rpc_status;
    if (rpc_status.ParseFromString(status.error_details())) {
      for (const auto& any : rpc_status.details()) {
        if (any.type_url() == kBadRequestPayloadUrl) {
          out.SetPayload(kBadRequestPayloadUrl, absl::Cord(any.value()));
        }
      }
    }
  }
  return out;
}

}  // namespace opsuite
