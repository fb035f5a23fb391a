// The gateway's per-request transcoding, against the protobuf baselines in the same run:
//   BM_Parse/Serialize    binary protobuf (the floor)
//   BM_GeneratedToJson    protobuf's MessageToJsonString on the generated class
//   BM_GatewayResponse    ApiCatalog::ResponseJson (descriptor-set driven, no generated code)
//   BM_GatewayRequest     ApiCatalog::Find + BuildRequest for GET /v1/customers/{id}
//   BM_GatewayBody        ApiCatalog::Find + BuildRequest for POST /v1/goalCards/{id}:return
#include "benchmark/benchmark.h"
#include "google/protobuf/util/json_util.h"
#include "opsuite/crm/v1/customer.pb.h"
#include "services/gateway/api.h"

namespace {

using opsuite::gateway::ApiCatalog;

opsuite::crm::v1::Customer SampleCustomer() {
  opsuite::crm::v1::Customer c;
  c.set_id("cus_01M86PHBH11W4RGTM9ZERDY3K3");
  c.set_name("华南1234销售有限公司");
  c.set_kind("dealer");
  c.set_tier(opsuite::crm::v1::TIER_KEY);
  c.set_owner_id("emp_01M86PHBH11W4RGTM9ZERDY3K4");
  c.set_credit_limit(50000000);
  c.set_currency("CNY");
  for (int i = 0; i < 2; ++i) {
    auto* contact = c.add_contacts();
    contact->set_name("联系人" + std::to_string(i));
  }
  c.add_tags("重点");
  c.set_notes("每月拜访两次");
  for (int i = 0; i < 3; ++i) c.add_stage_history()->set_reason("订单");
  c.mutable_create_time()->set_seconds(1772416800);
  c.mutable_update_time()->set_seconds(1772420000);
  c.set_etag("7");
  return c;
}

const ApiCatalog& Catalog() {
  static const ApiCatalog* catalog = ApiCatalog::Builtin()->release();
  return *catalog;
}

void BM_Serialize(benchmark::State& state) {
  auto c = SampleCustomer();
  for (auto _ : state) benchmark::DoNotOptimize(c.SerializeAsString());
}
BENCHMARK(BM_Serialize);

void BM_GeneratedToJson(benchmark::State& state) {
  auto c = SampleCustomer();
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  for (auto _ : state) {
    std::string out;
    (void)google::protobuf::util::MessageToJsonString(c, &out, options);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_GeneratedToJson);

void BM_GatewayResponse(benchmark::State& state) {
  std::string wire = SampleCustomer().SerializeAsString();
  auto match = Catalog().Find("GET", "/v1/customers/c_1");
  for (auto _ : state) benchmark::DoNotOptimize(Catalog().ResponseJson(*match->route, wire));
}
BENCHMARK(BM_GatewayResponse);

void BM_GatewayRequest(benchmark::State& state) {
  for (auto _ : state) {
    auto match = Catalog().Find("GET", "/v1/customers/cus_01M86PHBH11W4RGTM9ZERDY3K3");
    benchmark::DoNotOptimize(Catalog().BuildRequest(*match->route, match->bindings, "", ""));
  }
}
BENCHMARK(BM_GatewayRequest);

void BM_GatewayBody(benchmark::State& state) {
  for (auto _ : state) {
    auto match = Catalog().Find("POST", "/v1/goalCards/gc_1:return");
    benchmark::DoNotOptimize(
        Catalog().BuildRequest(*match->route, match->bindings, "", R"({"reason":"目标不够具体"})"));
  }
}
BENCHMARK(BM_GatewayBody);

}  // namespace

BENCHMARK_MAIN();
