#include "services/gateway/http_status.h"

#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace opsuite::gateway {

int HttpStatusFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return 200;
    case grpc::StatusCode::CANCELLED: return 499;
    case grpc::StatusCode::UNKNOWN: return 500;
    case grpc::StatusCode::INVALID_ARGUMENT: return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED: return 504;
    case grpc::StatusCode::NOT_FOUND: return 404;
    case grpc::StatusCode::ALREADY_EXISTS: return 409;
    case grpc::StatusCode::PERMISSION_DENIED: return 403;
    case grpc::StatusCode::UNAUTHENTICATED: return 401;
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return 429;
    case grpc::StatusCode::FAILED_PRECONDITION: return 400;
    case grpc::StatusCode::ABORTED: return 409;
    case grpc::StatusCode::OUT_OF_RANGE: return 400;
    case grpc::StatusCode::UNIMPLEMENTED: return 501;
    case grpc::StatusCode::INTERNAL: return 500;
    case grpc::StatusCode::UNAVAILABLE: return 503;
    case grpc::StatusCode::DATA_LOSS: return 500;
    default: return 500;
  }
}

std::string StatusJson(grpc::StatusCode code, absl::string_view message,
                       absl::string_view details_bin) {
  // Keeps the detail types (BadRequest, ErrorInfo, RetryInfo, ...) linked so that Any
  // details resolve in the generated pool.
  (void)google::rpc::BadRequest::descriptor();
  google::rpc::Status status;
  if (!details_bin.empty() && status.ParseFromArray(details_bin.data(),
                                                    static_cast<int>(details_bin.size()))) {
  } else {
    status.Clear();
  }
  status.set_code(static_cast<int>(code));
  status.set_message(std::string(message));
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(status, &out).ok()) {
    // A detail of a type this binary does not know: drop the details, keep the error.
    status.clear_details();
    out.clear();
    (void)google::protobuf::util::MessageToJsonString(status, &out);
  }
  return out;
}

}  // namespace opsuite::gateway
