// SchemeService: create, read and validate scoring schemes (DESIGN.md §8 scoring).
#pragma once

#include "common/server/edge.h"
#include "opsuite/scoring/v1/scoring.grpc.pb.h"
#include "services/scoring/context.h"

namespace opsuite::scoring {

class SchemeServiceImpl final : public v1::SchemeService::CallbackService {
 public:
  explicit SchemeServiceImpl(Context* ctx) : ctx_(ctx) {}

#define SCORING_SCHEME(M, Req, Resp) \
  OPSUITE_UNARY(ctx_->edge, "opsuite.scoring.v1.SchemeService", M, Req, Resp)
  SCORING_SCHEME(CreateScheme, v1::CreateSchemeRequest, v1::Scheme)
  SCORING_SCHEME(GetScheme, v1::GetSchemeRequest, v1::Scheme)
  SCORING_SCHEME(ListSchemes, v1::ListSchemesRequest, v1::ListSchemesResponse)
  SCORING_SCHEME(ValidateScheme, v1::ValidateSchemeRequest, v1::ValidateSchemeResponse)
#undef SCORING_SCHEME

 private:
  using Call = server::Call;
  absl::Status DoCreateScheme(const Call&, const v1::CreateSchemeRequest&, v1::Scheme*);
  absl::Status DoGetScheme(const Call&, const v1::GetSchemeRequest&, v1::Scheme*);
  absl::Status DoListSchemes(const Call&, const v1::ListSchemesRequest&, v1::ListSchemesResponse*);
  absl::Status DoValidateScheme(const Call&, const v1::ValidateSchemeRequest&,
                                v1::ValidateSchemeResponse*);

  Context* ctx_;
};

}  // namespace opsuite::scoring
