#include "services/gateway/openapi.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "gmock/gmock.h"
#include "google/api/annotations.pb.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/timestamp.pb.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace opsuite::gateway {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr const char* kHttpMethods[] = {"get", "put", "post", "delete", "patch"};

// The parameter of an operation by (in, name), or null.
const Json* Param(const Json& op, const std::string& in, const std::string& name) {
  if (!op.contains("parameters")) return nullptr;
  for (const Json& p : op["parameters"]) {
    if (p["in"] == in && p["name"] == name) return &p;
  }
  return nullptr;
}

// Every "$ref" anywhere in the document.
void CollectRefs(const Json& j, std::vector<std::string>& refs) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "$ref" && it.value().is_string()) {
        refs.push_back(it.value().get<std::string>());
      } else {
        CollectRefs(it.value(), refs);
      }
    }
  } else if (j.is_array()) {
    for (const Json& e : j) CollectRefs(e, refs);
  }
}

// The component a local $ref names, or null.
const Json* Resolve(const Json& doc, const std::string& ref) {
  const std::string prefix = "#/";
  if (ref.rfind(prefix, 0) != 0) return nullptr;
  const Json* at = &doc;
  std::string rest = ref.substr(prefix.size());
  size_t start = 0;
  while (start <= rest.size()) {
    size_t slash = rest.find('/', start);
    std::string part =
        rest.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (!at->is_object() || !at->contains(part)) return nullptr;
    at = &(*at)[part];
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return at;
}

void ExpectRefsResolve(const Json& doc) {
  std::vector<std::string> refs;
  CollectRefs(doc, refs);
  EXPECT_GT(refs.size(), 10u);
  for (const std::string& ref : refs) EXPECT_NE(Resolve(doc, ref), nullptr) << ref;
}

class OpenApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto c = ApiCatalog::Builtin();
    ASSERT_TRUE(c.ok()) << c.status();
    catalog_ = c->release();
    text_ = new std::string(BuildOpenApi(*catalog_));
    doc_ = new Json(Json::parse(*text_));
  }
  static void TearDownTestSuite() {
    delete doc_;
    delete text_;
    delete catalog_;
  }
  static const Json& doc() { return *doc_; }
  static const Json& schema(const std::string& name) {
    return (*doc_)["components"]["schemas"][name];
  }

  static ApiCatalog* catalog_;
  static std::string* text_;
  static Json* doc_;
};
ApiCatalog* OpenApiTest::catalog_ = nullptr;
std::string* OpenApiTest::text_ = nullptr;
Json* OpenApiTest::doc_ = nullptr;

TEST_F(OpenApiTest, IsAnOpenApi303DocumentWithInfoServersAndSecurity) {
  EXPECT_EQ(doc()["openapi"], "3.0.3");
  EXPECT_EQ(doc()["info"]["title"], "opsuite API");
  EXPECT_EQ(doc()["info"]["version"], "v1");
  EXPECT_EQ(doc()["servers"], Json::parse(R"([{"url": "/"}])"));
  EXPECT_EQ(doc()["security"], Json::parse(R"([{"bearerAuth": []}])"));
  const Json& bearer = doc()["components"]["securitySchemes"]["bearerAuth"];
  EXPECT_EQ(bearer["type"], "http");
  EXPECT_EQ(bearer["scheme"], "bearer");
  EXPECT_EQ(bearer["bearerFormat"], "JWT");

  OpenApiInfo info;
  info.title = "Custom";
  info.version = "9";
  info.description = "About it.";
  Json custom = Json::parse(BuildOpenApi(*catalog_, info));
  EXPECT_EQ(custom["info"]["title"], "Custom");
  EXPECT_EQ(custom["info"]["version"], "9");
  EXPECT_EQ(custom["info"]["description"], "About it.");
}

TEST_F(OpenApiTest, IsDeterministic) {
  EXPECT_EQ(BuildOpenApi(*catalog_), *text_);
  auto again = ApiCatalog::Builtin();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(BuildOpenApi(**again), *text_);
}

TEST_F(OpenApiTest, GetCustomerHasItsOperationIdTagCommentsAndPathParameter) {
  const Json& op = doc()["paths"]["/v1/customers/{id}"]["get"];
  ASSERT_TRUE(op.is_object());
  EXPECT_EQ(op["operationId"], "CustomerService_GetCustomer");
  EXPECT_EQ(op["tags"], Json::array({"CustomerService"}));
  const Json* id = Param(op, "path", "id");
  ASSERT_NE(id, nullptr);
  EXPECT_EQ((*id)["required"], true);
  EXPECT_EQ((*id)["schema"]["type"], "string");
  EXPECT_EQ(op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/opsuite.crm.v1.Customer");
  // No query parameter for the field in the path.
  EXPECT_EQ(Param(op, "query", "id"), nullptr);

  // The method's leading comment is its summary and description.
  const Json& del = doc()["paths"]["/v1/customers/{id}"]["delete"];
  EXPECT_EQ(del["operationId"], "CustomerService_DeleteCustomer");
  EXPECT_EQ(del["summary"],
            "Soft delete: the customer disappears from reads and lists; orders keep referring to "
            "it.");
  const Json& create = doc()["paths"]["/v1/customers"]["post"];
  EXPECT_EQ(create["summary"],
            "Refused with ALREADY_EXISTS (naming the existing id) when the org already has a "
            "customer with the same normalized name in the same city.");
  EXPECT_THAT(create["description"].get<std::string>(), HasSubstr("A repeat `request_id`"));

  // Services are tags, described by their comments when they have them.
  std::set<std::string> tags;
  for (const Json& t : doc()["tags"]) tags.insert(t["name"].get<std::string>());
  EXPECT_THAT(tags, Contains("CustomerService"));
  EXPECT_EQ(tags.size(), catalog_->services().size());
}

TEST_F(OpenApiTest, UpdateGoalCardTakesTheGoalCardAsBodyAndTheMaskInTheQuery) {
  const Json& op = doc()["paths"]["/v1/goalCards/{goal_card.id}"]["patch"];
  ASSERT_TRUE(op.is_object());
  EXPECT_EQ(op["operationId"], "GoalCardService_UpdateGoalCard");
  const Json* id = Param(op, "path", "goal_card.id");
  ASSERT_NE(id, nullptr);
  EXPECT_EQ((*id)["required"], true);
  EXPECT_EQ((*id)["schema"]["type"], "string");
  EXPECT_EQ(op["requestBody"]["required"], true);
  EXPECT_EQ(op["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/opsuite.planning.v1.GoalCard");
  // The body field itself is no query parameter; nothing under it is either.
  for (const Json& p : op["parameters"]) {
    EXPECT_NE(p["name"].get<std::string>().rfind("goalCard", 0), 0u) << p.dump();
  }
  EXPECT_TRUE(op["responses"].contains("413"));
}

TEST_F(OpenApiTest, BodyStarRequestsOmitTheFieldsInThePath) {
  const Json& op = doc()["paths"]["/v1/customers/{id}:transfer"]["post"];
  ASSERT_TRUE(op.is_object());
  const Json& schema = op["requestBody"]["content"]["application/json"]["schema"];
  ASSERT_TRUE(schema.contains("properties")) << schema.dump();
  EXPECT_FALSE(schema["properties"].contains("id"));
  EXPECT_TRUE(schema["properties"].contains("newOwnerId"));
  EXPECT_FALSE(op.contains("parameters") && Param(op, "query", "newOwnerId") != nullptr);

  const Json& create = doc()["paths"]["/v1/customers"]["post"];
  EXPECT_EQ(create["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/opsuite.crm.v1.CreateCustomerRequest");
  EXPECT_FALSE(create.contains("parameters"));
}

TEST_F(OpenApiTest, ListCustomersTakesItsFieldsAsQueryParameters) {
  const Json& op = doc()["paths"]["/v1/customers"]["get"];
  ASSERT_TRUE(op.is_object());
  const Json* page_size = Param(op, "query", "pageSize");
  ASSERT_NE(page_size, nullptr);
  EXPECT_EQ((*page_size)["schema"]["type"], "integer");
  EXPECT_EQ((*page_size)["schema"]["format"], "int32");
  const Json* query = Param(op, "query", "query");
  ASSERT_NE(query, nullptr);
  EXPECT_EQ((*query)["schema"]["type"], "string");
  EXPECT_THAT((*query)["description"].get<std::string>(), HasSubstr("Substring of a customer"));
  const Json* tier = Param(op, "query", "tier");
  ASSERT_NE(tier, nullptr);
  EXPECT_EQ((*tier)["schema"]["$ref"], "#/components/schemas/opsuite.crm.v1.Tier");
  EXPECT_FALSE(op.contains("requestBody"));
  EXPECT_FALSE(op["responses"].contains("413"));
}

TEST_F(OpenApiTest, RepeatedScalarsAndNestedFieldsAreQueryParameters) {
  // Some GET with a repeated scalar (ids=a&ids=b) and some with a nested field (a.b).
  int arrays = 0, nested = 0;
  for (const auto& [path, item] : doc()["paths"].items()) {
    if (!item.contains("get") || !item["get"].contains("parameters")) continue;
    for (const Json& p : item["get"]["parameters"]) {
      if (p.value("in", "") != "query") continue;
      std::string name = p["name"];
      if (p["schema"].value("type", "") == "array") {
        ++arrays;
        EXPECT_EQ(p["style"], "form") << path << " " << name;
        EXPECT_EQ(p["explode"], true) << path << " " << name;
        EXPECT_FALSE(p["schema"]["items"].is_null()) << path << " " << name;
      }
      if (name.find('.') != std::string::npos) {
        ++nested;
        EXPECT_EQ(absl::AsciiStrToLower(name).find('_'), std::string::npos) << name;
      }
    }
  }
  EXPECT_GT(arrays, 0);
  const Json& batch = doc()["paths"]["/v1/customers:batchGet"]["get"];
  const Json* ids = Param(batch, "query", "ids");
  ASSERT_NE(ids, nullptr);
  EXPECT_EQ((*ids)["schema"]["items"]["type"], "string");
  // Periods are nested messages wherever a GET takes one.
  bool any_period = false;
  for (const auto& [path, item] : doc()["paths"].items()) {
    if (!item.contains("get")) continue;
    if (Param(item["get"], "query", "period.granularity") != nullptr) {
      any_period = true;
      EXPECT_EQ((*Param(item["get"], "query", "period.granularity"))["schema"]["$ref"],
                "#/components/schemas/opsuite.common.v1.Granularity");
    }
  }
  if (any_period) {
    EXPECT_GT(nested, 0);
  }
}

TEST_F(OpenApiTest, SchemasFollowTheProto3JsonMapping) {
  const Json& customer = schema("opsuite.crm.v1.Customer");
  ASSERT_TRUE(customer.is_object());
  EXPECT_EQ(customer["type"], "object");
  const Json& props = customer["properties"];
  // int64 as a string.
  ASSERT_TRUE(props.contains("annualConsumptionCents")) << props.dump();
  EXPECT_EQ(props["annualConsumptionCents"]["type"], "string");
  EXPECT_EQ(props["annualConsumptionCents"]["format"], "int64");
  EXPECT_THAT(props["annualConsumptionCents"]["description"].get<std::string>(),
              HasSubstr("hotel archives"));
  // Repeated scalars and messages.
  EXPECT_EQ(props["tags"]["type"], "array");
  EXPECT_EQ(props["tags"]["items"]["type"], "string");
  EXPECT_EQ(props["contacts"]["type"], "array");
  EXPECT_EQ(props["contacts"]["items"]["$ref"], "#/components/schemas/opsuite.crm.v1.Contact");
  // Enums by name.
  const Json& tier = schema("opsuite.crm.v1.Tier");
  EXPECT_EQ(tier["type"], "string");
  EXPECT_THAT(tier["enum"], Contains("TIER_KEY"));
  EXPECT_THAT(tier["enum"], Contains("TIER_UNSPECIFIED"));
  const Json& stage = schema("opsuite.crm.v1.Stage");
  EXPECT_THAT(stage["description"].get<std::string>(),
              HasSubstr("`STAGE_REPEAT`: set by the second regular order"));
  // A message field with a comment wraps its $ref (siblings of $ref are ignored).
  const Json& history = schema("opsuite.crm.v1.StageChange")["properties"];
  EXPECT_EQ(history["time"]["type"], "string");
  EXPECT_EQ(history["time"]["format"], "date-time");
  EXPECT_EQ(history["from"]["$ref"], "#/components/schemas/opsuite.crm.v1.Stage");
  // Message descriptions from comments.
  EXPECT_THAT(schema("opsuite.crm.v1.Contact")["description"].get<std::string>(),
              HasSubstr("A person at the customer."));
  // Every 64-bit integer is a string, every *Cents field among them.
  for (const auto& [name, s] : doc()["components"]["schemas"].items()) {
    if (!s.contains("properties")) continue;
    for (const auto& [prop, p] : s["properties"].items()) {
      EXPECT_EQ(prop.find('_'), std::string::npos) << name << "." << prop;
      if (prop.size() > 5 && prop.substr(prop.size() - 5) == "Cents") {
        EXPECT_EQ(p["type"], "string") << name << "." << prop;
        EXPECT_EQ(p["format"], "int64") << name << "." << prop;
      }
    }
  }
  // Struct is an object of anything.
  bool any_struct = false;
  for (const auto& [name, s] : doc()["components"]["schemas"].items()) {
    if (!s.contains("properties")) continue;
    for (const auto& [prop, p] : s["properties"].items()) {
      if (p.contains("additionalProperties") && p["additionalProperties"] == true)
        any_struct = true;
    }
  }
  EXPECT_TRUE(any_struct);
}

TEST_F(OpenApiTest, WatchInboxIsAnEventStream) {
  const Json& op = doc()["paths"]["/v1/inbox:watch"]["get"];
  ASSERT_TRUE(op.is_object());
  const Json& ok = op["responses"]["200"];
  ASSERT_TRUE(ok["content"].contains("text/event-stream")) << ok.dump();
  EXPECT_FALSE(ok["content"].contains("application/json"));
  std::string desc = ok["description"];
  EXPECT_THAT(desc, HasSubstr("opsuite.notify.v1.Notice"));
  EXPECT_THAT(desc, HasSubstr("`data`"));
  EXPECT_THAT(desc, HasSubstr("`id`"));
  EXPECT_THAT(desc, HasSubstr("Last-Event-ID"));
  EXPECT_NE(Param(op, "header", "Last-Event-ID"), nullptr);
  EXPECT_TRUE(schema("opsuite.notify.v1.Notice").is_object());
  EXPECT_EQ(ok["x-event-data"]["$ref"], "#/components/schemas/opsuite.notify.v1.Notice");
  // EventSource cannot set headers: the token may come as ?access_token= here.
  EXPECT_EQ(op["security"], Json::parse(R"([{"bearerAuth": []}, {"accessToken": []}])"));
  EXPECT_EQ(doc()["components"]["securitySchemes"]["accessToken"]["name"], "access_token");
  EXPECT_EQ(Param(op, "query", "accessToken"), nullptr);
}

TEST_F(OpenApiTest, ErrorsAreGoogleRpcStatus) {
  const Json& responses = doc()["components"]["responses"];
  ASSERT_TRUE(responses.contains("Error"));
  EXPECT_EQ(responses["Error"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/google.rpc.Status");
  EXPECT_TRUE(responses["TooManyRequests"]["headers"].contains("Retry-After"));
  const Json& status = schema("google.rpc.Status");
  EXPECT_EQ(status["properties"]["code"]["type"], "integer");
  EXPECT_EQ(status["properties"]["code"]["format"], "int32");
  EXPECT_EQ(status["properties"]["message"]["type"], "string");
  EXPECT_EQ(status["properties"]["details"]["type"], "array");
  EXPECT_TRUE(status["properties"]["details"]["items"]["properties"].contains("@type"));
  for (const auto& [path, item] : doc()["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      EXPECT_EQ(op["responses"]["default"]["$ref"], "#/components/responses/Error")
          << method << " " << path;
      EXPECT_TRUE(op["responses"].contains("401")) << method << " " << path;
      EXPECT_EQ(op["responses"]["429"]["$ref"], "#/components/responses/TooManyRequests")
          << method << " " << path;
    }
  }
}

TEST_F(OpenApiTest, EveryRefResolves) { ExpectRefsResolve(doc()); }

TEST_F(OpenApiTest, EveryRouteAppearsOnceWithAUniqueOperationId) {
  int operations = 0;
  std::set<std::string> ids;
  for (const auto& [path, item] : doc()["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      ++operations;
      std::string id = op["operationId"];
      EXPECT_TRUE(ids.insert(id).second) << "duplicate operationId " << id;
      // Every {variable} of the path is a path parameter, and the other way round.
      std::set<std::string> vars;
      for (size_t at = path.find('{'); at != std::string::npos; at = path.find('{', at + 1)) {
        vars.insert(path.substr(at + 1, path.find('}', at) - at - 1));
      }
      std::set<std::string> params;
      if (op.contains("parameters")) {
        for (const Json& p : op["parameters"]) {
          if (p["in"] == "path") params.insert(p["name"].get<std::string>());
        }
      }
      EXPECT_EQ(vars, params) << method << " " << path;
    }
  }
  EXPECT_EQ(operations, static_cast<int>(catalog_->routes().size()));
  for (const Route& r : catalog_->routes()) {
    std::string method = absl::AsciiStrToLower(r.http_method);
    const Json& item = doc()["paths"][r.path.OpenApiPath()];
    ASSERT_TRUE(item.contains(method)) << r.http_method << " " << r.path.text();
    EXPECT_EQ(item[method]["operationId"], r.method->service()->name() + "_" + r.method->name());
  }
}

// A descriptor set built here, with a service no code knows: documented without a change.
TEST(OpenApiDescriptorSetTest, ANewAnnotatedMethodAppearsWithoutCodeChanges) {
  namespace pb = google::protobuf;
  pb::FileDescriptorSet set;
  const pb::FileDescriptor* deps[] = {
      pb::FileDescriptorProto::descriptor()->file(),
      google::api::HttpRule::descriptor()->file(),
      pb::DescriptorPool::generated_pool()->FindFileByName("google/api/annotations.proto"),
      pb::Timestamp::descriptor()->file(),
  };
  for (const pb::FileDescriptor* f : deps) {
    ASSERT_NE(f, nullptr);
    f->CopyTo(set.add_file());
  }
  pb::FileDescriptorProto* file = set.add_file();
  ASSERT_TRUE(pb::TextFormat::ParseFromString(
      R"pb(
        name: "test/widgets/v1/widgets.proto"
        package: "test.widgets.v1"
        syntax: "proto3"
        dependency: "google/api/annotations.proto"
        dependency: "google/protobuf/timestamp.proto"
        enum_type {
          name: "Color"
          value { name: "COLOR_UNSPECIFIED" number: 0 }
          value { name: "COLOR_RED" number: 1 }
        }
        message_type {
          name: "Widget"
          field { name: "id" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL }
          field { name: "weight_grams" number: 2 type: TYPE_INT64 label: LABEL_OPTIONAL }
          field {
            name: "color"
            number: 3
            type: TYPE_ENUM
            label: LABEL_OPTIONAL
            type_name: ".test.widgets.v1.Color"
          }
          field { name: "tags" number: 4 type: TYPE_STRING label: LABEL_REPEATED }
          field {
            name: "parent"
            number: 5
            type: TYPE_MESSAGE
            label: LABEL_OPTIONAL
            type_name: ".test.widgets.v1.Widget"
          }
          field {
            name: "counts"
            number: 6
            type: TYPE_MESSAGE
            label: LABEL_REPEATED
            type_name: ".test.widgets.v1.Widget.CountsEntry"
          }
          field {
            name: "made_at"
            number: 7
            type: TYPE_MESSAGE
            label: LABEL_OPTIONAL
            type_name: ".google.protobuf.Timestamp"
          }
          nested_type {
            name: "CountsEntry"
            field { name: "key" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL }
            field { name: "value" number: 2 type: TYPE_INT32 label: LABEL_OPTIONAL }
            options { map_entry: true }
          }
        }
        message_type {
          name: "GetWidgetRequest"
          field { name: "id" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL }
        }
        message_type {
          name: "Filter"
          field { name: "name_prefix" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL }
          field {
            name: "nested"
            number: 2
            type: TYPE_MESSAGE
            label: LABEL_OPTIONAL
            type_name: ".test.widgets.v1.Filter"
          }
          field {
            name: "since"
            number: 3
            type: TYPE_MESSAGE
            label: LABEL_OPTIONAL
            type_name: ".google.protobuf.Timestamp"
          }
        }
        message_type {
          name: "ListWidgetsRequest"
          field { name: "page_size" number: 1 type: TYPE_INT32 label: LABEL_OPTIONAL }
          field {
            name: "filter"
            number: 2
            type: TYPE_MESSAGE
            label: LABEL_OPTIONAL
            type_name: ".test.widgets.v1.Filter"
          }
          field {
            name: "colors"
            number: 3
            type: TYPE_ENUM
            label: LABEL_REPEATED
            type_name: ".test.widgets.v1.Color"
          }
        }
        message_type {
          name: "ListWidgetsResponse"
          field {
            name: "widgets"
            number: 1
            type: TYPE_MESSAGE
            label: LABEL_REPEATED
            type_name: ".test.widgets.v1.Widget"
          }
        }
        message_type {
          name: "UpdateWidgetRequest"
          field {
            name: "widget"
            number: 1
            type: TYPE_MESSAGE
            label: LABEL_OPTIONAL
            type_name: ".test.widgets.v1.Widget"
          }
          field { name: "etag" number: 2 type: TYPE_STRING label: LABEL_OPTIONAL }
        }
        service {
          name: "WidgetService"
          method {
            name: "GetWidget"
            input_type: ".test.widgets.v1.GetWidgetRequest"
            output_type: ".test.widgets.v1.Widget"
          }
          method {
            name: "ListWidgets"
            input_type: ".test.widgets.v1.ListWidgetsRequest"
            output_type: ".test.widgets.v1.ListWidgetsResponse"
          }
          method {
            name: "WatchWidgets"
            input_type: ".test.widgets.v1.ListWidgetsRequest"
            output_type: ".test.widgets.v1.Widget"
            server_streaming: true
          }
          method {
            name: "UpdateWidget"
            input_type: ".test.widgets.v1.UpdateWidgetRequest"
            output_type: ".test.widgets.v1.Widget"
            options {
              [google.api.http] { patch: "/v1/widgets/{widget.id}" body: "widget" }
            }
          }
        }
      )pb",
      file));
  // The annotations set through the generated extension, as a tool writing descriptors would.
  auto annotate = [&](int method, const std::string& get,
                      const std::vector<std::string>& more = {}) {
    google::api::HttpRule* rule =
        file->mutable_service(0)->mutable_method(method)->mutable_options()->MutableExtension(
            google::api::http);
    rule->set_get(get);
    for (const std::string& m : more) rule->add_additional_bindings()->set_get(m);
  };
  annotate(0, "/v1/widgets/{id}", {"/v1/things/{id}"});
  annotate(1, "/v1/widgets");
  annotate(2, "/v1/widgets:watch");

  auto catalog = ApiCatalog::FromDescriptorSet(set.SerializeAsString());
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  ASSERT_EQ((*catalog)->routes().size(), 5u);
  std::string text = BuildOpenApi(**catalog);
  EXPECT_EQ(BuildOpenApi(**catalog), text);
  Json doc = Json::parse(text);
  ExpectRefsResolve(doc);

  const Json& get = doc["paths"]["/v1/widgets/{id}"]["get"];
  EXPECT_EQ(get["operationId"], "WidgetService_GetWidget");
  EXPECT_EQ(get["tags"], Json::array({"WidgetService"}));
  EXPECT_NE(Param(get, "path", "id"), nullptr);
  EXPECT_EQ(get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/test.widgets.v1.Widget");
  // The additional binding is documented too, under an operationId of its own.
  EXPECT_EQ(doc["paths"]["/v1/things/{id}"]["get"]["operationId"], "WidgetService_GetWidget_2");

  const Json& widget = doc["components"]["schemas"]["test.widgets.v1.Widget"];
  EXPECT_EQ(widget["properties"]["weightGrams"],
            Json::parse(R"({"type": "string", "format": "int64"})"));
  EXPECT_EQ(widget["properties"]["color"]["$ref"], "#/components/schemas/test.widgets.v1.Color");
  EXPECT_EQ(widget["properties"]["parent"]["$ref"], "#/components/schemas/test.widgets.v1.Widget");
  EXPECT_EQ(widget["properties"]["counts"]["type"], "object");
  EXPECT_EQ(widget["properties"]["counts"]["additionalProperties"]["type"], "integer");
  EXPECT_EQ(widget["properties"]["madeAt"]["format"], "date-time");
  EXPECT_EQ(doc["components"]["schemas"]["test.widgets.v1.Color"]["enum"],
            Json::parse(R"(["COLOR_UNSPECIFIED", "COLOR_RED"])"));
  EXPECT_FALSE(doc["components"]["schemas"].contains("test.widgets.v1.Widget.CountsEntry"));

  const Json& list = doc["paths"]["/v1/widgets"]["get"];
  EXPECT_EQ(list["operationId"], "WidgetService_ListWidgets");
  ASSERT_NE(Param(list, "query", "pageSize"), nullptr);
  ASSERT_NE(Param(list, "query", "filter.namePrefix"), nullptr);
  ASSERT_NE(Param(list, "query", "filter.since"), nullptr);
  EXPECT_EQ((*Param(list, "query", "filter.since"))["schema"]["format"], "date-time");
  EXPECT_EQ(Param(list, "query", "filter.nested.namePrefix"), nullptr);  // no endless recursion
  const Json* colors = Param(list, "query", "colors");
  ASSERT_NE(colors, nullptr);
  EXPECT_EQ((*colors)["schema"]["type"], "array");
  EXPECT_EQ((*colors)["schema"]["items"]["$ref"], "#/components/schemas/test.widgets.v1.Color");
  EXPECT_EQ((*colors)["explode"], true);

  const Json& watch = doc["paths"]["/v1/widgets:watch"]["get"];
  EXPECT_TRUE(watch["responses"]["200"]["content"].contains("text/event-stream"));

  const Json& update = doc["paths"]["/v1/widgets/{widget.id}"]["patch"];
  EXPECT_EQ(update["operationId"], "WidgetService_UpdateWidget");
  EXPECT_NE(Param(update, "path", "widget.id"), nullptr);
  EXPECT_NE(Param(update, "query", "etag"), nullptr);
  EXPECT_EQ(update["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/test.widgets.v1.Widget");
}

}  // namespace
}  // namespace opsuite::gateway
