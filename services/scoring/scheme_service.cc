#include "services/scoring/scheme_service.h"

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/storage/idempotency.h"
#include "common/storage/page.h"
#include "common/timestamps.h"
#include "services/scoring/domain/rules.h"

namespace opsuite::scoring {

using storage::Rows;

absl::Status SchemeServiceImpl::DoCreateScheme(const Call& call, const v1::CreateSchemeRequest& req,
                                               v1::Scheme* resp) {
  if (!call.principal.IsAdmin()) {
    return absl::PermissionDeniedError("only admins create scoring schemes");
  }
  RETURN_IF_ERROR(scoring::ValidateScheme(req.scheme(), "scheme").ToStatus());
  const std::string& org = call.principal.org;
  return ctx_->db->Write([&](storage::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(bool seen,
                     storage::LookupIdempotent(tx, org, "CreateScheme", req.request_id(), resp));
    if (seen) return absl::OkStatus();
    v1::Scheme scheme = req.scheme();
    const absl::Time now = ctx_->clock->Now();
    scheme.set_id(NewId("sch", now));
    *scheme.mutable_create_time() = ToProto(now);
    scheme.set_creator_id(call.principal.subject);
    RETURN_IF_ERROR(InsertScheme(tx, org, scheme));
    *resp = scheme;
    return storage::RememberIdempotent(tx, org, "CreateScheme", req.request_id(), *resp);
  });
}

absl::Status SchemeServiceImpl::DoGetScheme(const Call& call, const v1::GetSchemeRequest& req,
                                            v1::Scheme* resp) {
  if (req.id().empty()) return InvalidField("id", "must name a scheme");
  return ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(*resp, LoadScheme(tx, call.principal.org, req.id()));
    return absl::OkStatus();
  });
}

absl::Status SchemeServiceImpl::DoListSchemes(const Call& call, const v1::ListSchemesRequest& req,
                                              v1::ListSchemesResponse* resp) {
  ASSIGN_OR_RETURN(int size, PageSize(req.page_size()));
  std::string after;
  if (!req.page_token().empty()) {
    auto token = DecodePageToken(req.page_token());
    if (!token.ok()) return InvalidField("page_token", "is not a token this service issued");
    after = *token;
  }
  // Newest first: ids are time-ordered, so descending ids are descending creation.
  return ctx_->db->Read([&](storage::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Rows rows,
                     tx.Query(after.empty() ? "SELECT id, body FROM schemes WHERE org_id = ? AND "
                                              "id > ? ORDER BY id DESC LIMIT ?"
                                            : "SELECT id, body FROM schemes WHERE org_id = ? AND "
                                              "id < ? ORDER BY id DESC LIMIT ?",
                              {call.principal.org, after, int64_t{size + 1}}));
    return storage::FillPage(rows, size, "scheme", [&] { return resp->add_schemes(); },
                             resp->mutable_next_page_token());
  });
}

absl::Status SchemeServiceImpl::DoValidateScheme(const Call&, const v1::ValidateSchemeRequest& req,
                                                 v1::ValidateSchemeResponse* resp) {
  FieldViolations v = scoring::ValidateScheme(req.scheme(), "scheme");
  for (const auto& [field, description] : v.all()) {
    v1::FieldViolation* out = resp->add_violations();
    out->set_field(field);
    out->set_description(description);
  }
  return absl::OkStatus();
}

}  // namespace opsuite::scoring
