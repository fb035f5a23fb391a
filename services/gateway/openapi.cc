#include "services/gateway/openapi.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "google/api/annotations.pb.h"
#include "google/protobuf/descriptor.h"
#include "nlohmann/json.hpp"

namespace opsuite::gateway {
namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;
// Insertion-ordered: the document reads in a natural order (openapi, info, ... paths in
// declaration order, properties in field order) and is the same bytes for the same input.
using Json = nlohmann::ordered_json;

constexpr int kMaxQueryDepth = 8;  // nesting of message fields flattened into query parameters

std::string SchemaRef(const std::string& name) { return "#/components/schemas/" + name; }
Json RefTo(const std::string& name) {
  Json j = Json::object();
  j["$ref"] = SchemaRef(name);
  return j;
}
Json Typed(const char* type, const char* format = nullptr) {
  Json j = Json::object();
  j["type"] = type;
  if (format != nullptr) j["format"] = format;
  return j;
}

// A comment as protoc keeps it: one leading space per line (after "//"), a trailing newline.
std::string CleanComment(const std::string& raw) {
  std::vector<std::string> lines = absl::StrSplit(raw, '\n');
  for (std::string& line : lines) {
    if (!line.empty() && line[0] == ' ') line.erase(0, 1);
    absl::StripTrailingAsciiWhitespace(&line);
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  size_t first = 0;
  while (first < lines.size() && lines[first].empty()) ++first;
  return absl::StrJoin(lines.begin() + static_cast<std::ptrdiff_t>(first), lines.end(), "\n");
}

// Leading and trailing comments of a declaration ("" without source info).
template <typename D>
std::string Comments(const D* d, bool trailing = true) {
  pb::SourceLocation loc;
  if (!d->GetSourceLocation(&loc)) return "";
  std::string lead = CleanComment(loc.leading_comments);
  std::string trail = trailing ? CleanComment(loc.trailing_comments) : "";
  if (lead.empty()) return trail;
  if (trail.empty()) return lead;
  return absl::StrCat(lead, "\n\n", trail);
}

// The first sentence of the first paragraph, unwrapped.
std::string Summary(const std::string& text) {
  std::string para = text.substr(0, text.find("\n\n"));
  for (char& c : para) {
    if (c == '\n') c = ' ';
  }
  for (size_t i = 0; i < para.size(); ++i) {
    if (para[i] != '.' || (i + 1 < para.size() && para[i + 1] != ' ')) continue;
    size_t word = para.rfind(' ', i);
    word = word == std::string::npos ? 0 : word + 1;
    if (para.substr(word, i - word).find('.') != std::string::npos) continue;  // "e.g."
    return para.substr(0, i + 1);
  }
  return para;
}

// Well-known types with a JSON form of their own (the proto3 JSON mapping).
std::optional<Json> WellKnownSchema(const pb::Descriptor* d) {
  const std::string& n = d->full_name();
  if (n == "google.protobuf.Timestamp") return Typed("string", "date-time");
  if (n == "google.protobuf.Duration") {
    Json j = Typed("string");
    j["pattern"] = "^-?[0-9]+(\\.[0-9]{1,9})?s$";
    return j;
  }
  if (n == "google.protobuf.FieldMask") return Typed("string");
  if (n == "google.protobuf.Struct") {
    Json j = Typed("object");
    j["additionalProperties"] = true;
    return j;
  }
  if (n == "google.protobuf.Value") return Json::object();
  if (n == "google.protobuf.ListValue") {
    Json j = Typed("array");
    j["items"] = Json::object();
    return j;
  }
  if (n == "google.protobuf.Any") {
    Json j = Typed("object");
    j["properties"]["@type"] = Typed("string");
    j["required"] = Json::array({"@type"});
    j["additionalProperties"] = true;
    return j;
  }
  if (n == "google.protobuf.DoubleValue") return Typed("number", "double");
  if (n == "google.protobuf.FloatValue") return Typed("number", "float");
  if (n == "google.protobuf.Int64Value") return Typed("string", "int64");
  if (n == "google.protobuf.UInt64Value") return Typed("string", "int64");
  if (n == "google.protobuf.Int32Value") return Typed("integer", "int32");
  if (n == "google.protobuf.UInt32Value") {
    Json j = Typed("integer", "int64");
    j["minimum"] = 0;
    return j;
  }
  if (n == "google.protobuf.BoolValue") return Typed("boolean");
  if (n == "google.protobuf.StringValue") return Typed("string");
  if (n == "google.protobuf.BytesValue") return Typed("string", "byte");
  return std::nullopt;
}

// Messages that a query parameter or path variable sets from one string.
bool IsQueryScalar(const pb::Descriptor* d) {
  const std::string& n = d->full_name();
  if (n == "google.protobuf.Struct" || n == "google.protobuf.Value" ||
      n == "google.protobuf.ListValue" || n == "google.protobuf.Any") {
    return false;
  }
  return WellKnownSchema(d).has_value();
}

// Messages never flattened into query parameters (no field of theirs is settable there).
bool IsOpaqueWellKnown(const pb::Descriptor* d) {
  return d->file()->package() == "google.protobuf" && !IsQueryScalar(d);
}

Json ScalarSchema(FD::Type type) {
  switch (type) {
    case FD::TYPE_INT64:
    case FD::TYPE_SINT64:
    case FD::TYPE_SFIXED64:
    case FD::TYPE_UINT64:
    case FD::TYPE_FIXED64:
      return Typed("string", "int64");
    case FD::TYPE_INT32:
    case FD::TYPE_SINT32:
    case FD::TYPE_SFIXED32:
      return Typed("integer", "int32");
    case FD::TYPE_UINT32:
    case FD::TYPE_FIXED32: {
      Json j = Typed("integer", "int64");
      j["minimum"] = 0;
      return j;
    }
    case FD::TYPE_DOUBLE:
      return Typed("number", "double");
    case FD::TYPE_FLOAT:
      return Typed("number", "float");
    case FD::TYPE_BOOL:
      return Typed("boolean");
    case FD::TYPE_BYTES:
      return Typed("string", "byte");
    default:
      return Typed("string");
  }
}

// A field by proto name, lowerCamelCase or json_name (as the catalog resolves them).
const FD* FindField(const pb::Descriptor* d, const std::string& name) {
  const FD* f = d->FindFieldByName(name);
  if (f == nullptr) f = d->FindFieldByCamelcaseName(name);
  if (f == nullptr) {
    for (int i = 0; i < d->field_count(); ++i) {
      if (d->field(i)->json_name() == name) return d->field(i);
    }
  }
  return f;
}

// The fields a dotted path variable names ("goal_card.id"), or empty.
std::vector<const FD*> ResolvePath(const pb::Descriptor* d, const std::string& path) {
  std::vector<const FD*> chain;
  for (absl::string_view piece : absl::StrSplit(path, '.')) {
    std::string part(piece);
    const FD* f = d != nullptr ? FindField(d, part) : nullptr;
    if (f == nullptr) return {};
    chain.push_back(f);
    d = f->message_type();
  }
  return chain;
}

// The "=segments" of a variable in the template text ("{name=shelves/*}" -> "shelves/*").
std::string VariablePattern(const std::string& text, const std::string& var) {
  std::string open = absl::StrCat("{", var, "=");
  size_t at = text.find(open);
  if (at == std::string::npos) return "";
  at += open.size();
  size_t end = text.find('}', at);
  return end == std::string::npos ? "" : text.substr(at, end - at);
}

std::string ToLower(std::string s) { return absl::AsciiStrToLower(s); }

bool IsOpenApiMethod(const std::string& m) {
  static const char* const kMethods[] = {"get",     "put",  "post",  "delete",
                                         "options", "head", "patch", "trace"};
  for (const char* k : kMethods) {
    if (m == k) return true;
  }
  return false;
}

// (HTTP method, path template) of each google.api.http binding of a method, in declaration
// order: the primary binding first, then additional_bindings.
std::vector<std::pair<std::string, std::string>> DeclaredBindings(const pb::MethodDescriptor* m) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!m->options().HasExtension(google::api::http)) return out;
  const google::api::HttpRule& top = m->options().GetExtension(google::api::http);
  std::vector<const google::api::HttpRule*> rules = {&top};
  for (const google::api::HttpRule& extra : top.additional_bindings()) rules.push_back(&extra);
  for (const google::api::HttpRule* r : rules) {
    switch (r->pattern_case()) {
      case google::api::HttpRule::kGet:
        out.emplace_back("GET", r->get());
        break;
      case google::api::HttpRule::kPut:
        out.emplace_back("PUT", r->put());
        break;
      case google::api::HttpRule::kPost:
        out.emplace_back("POST", r->post());
        break;
      case google::api::HttpRule::kDelete:
        out.emplace_back("DELETE", r->delete_());
        break;
      case google::api::HttpRule::kPatch:
        out.emplace_back("PATCH", r->patch());
        break;
      case google::api::HttpRule::kCustom:
        out.emplace_back(r->custom().kind(), r->custom().path());
        break;
      default:
        break;
    }
  }
  return out;
}

Json ErrorContent() {
  Json c = Json::object();
  c["application/json"]["schema"] = RefTo("google.rpc.Status");
  return c;
}

Json StatusSchema() {
  Json s = Typed("object");
  s["description"] =
      "An error (google.rpc.Status). `code` is the google.rpc.Code; the HTTP status follows "
      "google/rpc/code.proto's mapping of it.";
  Json code = Typed("integer", "int32");
  code["description"] = "The google.rpc.Code, e.g. 5 (NOT_FOUND).";
  s["properties"]["code"] = code;
  Json message = Typed("string");
  message["description"] = "A developer-facing explanation in English.";
  s["properties"]["message"] = message;
  Json detail = Typed("object");
  detail["properties"]["@type"] = Typed("string");
  detail["required"] = Json::array({"@type"});
  detail["additionalProperties"] = true;
  Json details = Typed("array");
  details["items"] = detail;
  details["description"] = "Typed details (google.rpc.BadRequest, ErrorInfo, ...).";
  s["properties"]["details"] = details;
  return s;
}

class Builder {
 public:
  explicit Builder(const ApiCatalog& catalog) : catalog_(catalog) {}

  Json Document(const OpenApiInfo& info) {
    Json doc = Json::object();
    doc["openapi"] = "3.0.3";
    doc["info"]["title"] = info.title;
    doc["info"]["version"] = info.version;
    if (!info.description.empty()) doc["info"]["description"] = info.description;
    Json server = Json::object();
    server["url"] = "/";
    doc["servers"] = Json::array({server});
    Json bearer = Json::object();
    bearer["bearerAuth"] = Json::array();
    doc["security"] = Json::array({bearer});

    NameServices();
    Json tags = Json::array();
    for (const pb::ServiceDescriptor* s : catalog_.services()) {
      Json tag = Json::object();
      tag["name"] = service_names_[s];
      std::string c = Comments(s, false);
      if (!c.empty()) tag["description"] = c;
      tags.push_back(tag);
    }
    doc["tags"] = tags;

    Json paths = Json::object();
    std::map<std::string, int> op_ids;
    for (const Route* r : OrderedRoutes()) {
      std::string method = ToLower(r->http_method);
      if (!IsOpenApiMethod(method)) continue;  // a custom kind OpenAPI has no name for
      std::string path = r->path.OpenApiPath();
      std::string tag = ServiceName(r->method->service());
      std::string id = absl::StrCat(tag, "_", r->method->name());
      int n = ++op_ids[id];
      if (n > 1) absl::StrAppend(&id, "_", n);
      Json& item = paths[path];
      if (item.contains(method)) {
        // Two templates that OpenAPI spells alike ("{name=a/*}", "{name=b/*}"): the first
        // (the one the gateway tries first) keeps the entry; the other is named in it.
        Json& op = item[method];
        std::string d = op.contains("description") ? op["description"].get<std::string>() : "";
        if (!d.empty()) d += "\n\n";
        absl::StrAppend(&d, "Also ", r->http_method, " ", r->path.text(), " (",
                        r->method->full_name(), ").");
        op["description"] = d;
        continue;
      }
      item[method] = Operation(*r, id, tag);
    }
    doc["paths"] = paths;

    DefinePending();
    schemas_.emplace("google.rpc.Status", StatusSchema());
    Json components = Json::object();
    Json schemas = Json::object();
    for (auto& [name, schema] : schemas_) schemas[name] = std::move(schema);
    components["schemas"] = schemas;
    components["responses"] = SharedResponses();
    Json scheme = Json::object();
    scheme["type"] = "http";
    scheme["scheme"] = "bearer";
    scheme["bearerFormat"] = "JWT";
    scheme["description"] = "An opsuite access token: `Authorization: Bearer <JWT>`.";
    components["securitySchemes"]["bearerAuth"] = scheme;
    Json query_token = Json::object();
    query_token["type"] = "apiKey";
    query_token["in"] = "query";
    query_token["name"] = "access_token";
    query_token["description"] =
        "The same JWT as a query parameter, for GET requests from clients that cannot set "
        "headers (EventSource); offered on the event streams only.";
    components["securitySchemes"]["accessToken"] = query_token;
    doc["components"] = components;
    return doc;
  }

 private:
  // Short service names ("CustomerService") unless two services share one.
  void NameServices() {
    std::map<std::string, int> count;
    std::vector<const pb::ServiceDescriptor*> all = catalog_.services();
    for (const Route& r : catalog_.routes()) all.push_back(r.method->service());
    std::set<const pb::ServiceDescriptor*> seen;
    for (const pb::ServiceDescriptor* s : all) {
      if (seen.insert(s).second) ++count[s->name()];
    }
    for (const pb::ServiceDescriptor* s : seen) {
      service_names_[s] = count[s->name()] > 1 ? s->full_name() : s->name();
    }
  }
  std::string ServiceName(const pb::ServiceDescriptor* s) { return service_names_[s]; }

  // Routes by service (catalog order), method (declaration order) and binding (declaration
  // order); any the walk does not reach follow in catalog order.
  std::vector<const Route*> OrderedRoutes() const {
    std::vector<const Route*> out;
    std::set<const Route*> taken;
    std::vector<const pb::ServiceDescriptor*> services = catalog_.services();
    for (const pb::ServiceDescriptor* s : services) {
      for (int m = 0; m < s->method_count(); ++m) {
        const pb::MethodDescriptor* method = s->method(m);
        std::vector<const Route*> mine;
        for (const Route& r : catalog_.routes()) {
          if (r.method == method) mine.push_back(&r);
        }
        for (const auto& [http, path] : DeclaredBindings(method)) {
          for (const Route* r : mine) {
            if (!taken.count(r) && r->http_method == http && r->path.text() == path) {
              taken.insert(r);
              out.push_back(r);
              break;
            }
          }
        }
        for (const Route* r : mine) {
          if (taken.insert(r).second) out.push_back(r);
        }
      }
    }
    for (const Route& r : catalog_.routes()) {
      if (taken.insert(&r).second) out.push_back(&r);
    }
    return out;
  }

  // ---- schemas ----

  // A message as a schema: the inline form of a well-known type, else a $ref (defined later).
  Json MessageSchema(const pb::Descriptor* d) {
    if (std::optional<Json> wk = WellKnownSchema(d)) return *wk;
    if (named_.insert(d->full_name()).second) pending_.push_back(d);
    return RefTo(d->full_name());
  }

  Json EnumSchema(const pb::EnumDescriptor* e) {
    if (e->full_name() == "google.protobuf.NullValue") {
      Json j = Json::object();
      j["nullable"] = true;
      j["description"] = "JSON null.";
      return j;
    }
    if (named_.insert(e->full_name()).second) {
      Json s = Typed("string");
      Json values = Json::array();
      std::vector<std::string> notes;
      for (int i = 0; i < e->value_count(); ++i) {
        const pb::EnumValueDescriptor* v = e->value(i);
        values.push_back(v->name());
        std::string c = Comments(v);
        if (!c.empty()) {
          absl::StrReplaceAll({{"\n", " "}}, &c);
          notes.push_back(absl::StrCat("- `", v->name(), "`: ", c));
        }
      }
      s["enum"] = values;
      std::string desc = Comments(e, false);
      if (!notes.empty()) {
        if (!desc.empty()) desc += "\n\n";
        desc += absl::StrJoin(notes, "\n");
      }
      if (!desc.empty()) s["description"] = desc;
      if (e->options().deprecated()) s["deprecated"] = true;
      schemas_[e->full_name()] = std::move(s);
    }
    return RefTo(e->full_name());
  }

  // One value of the field (an element if repeated).
  Json ElementSchema(const FD* f) {
    switch (f->type()) {
      case FD::TYPE_MESSAGE:
      case FD::TYPE_GROUP:
        return MessageSchema(f->message_type());
      case FD::TYPE_ENUM:
        return EnumSchema(f->enum_type());
      default:
        return ScalarSchema(f->type());
    }
  }

  Json FieldSchema(const FD* f, bool describe) {
    Json s;
    if (f->is_map()) {
      s = Typed("object");
      s["additionalProperties"] = ElementSchema(f->message_type()->map_value());
    } else if (f->is_repeated()) {
      s = Typed("array");
      s["items"] = ElementSchema(f);
    } else {
      s = ElementSchema(f);
    }
    if (!describe) return s;
    std::string c = Comments(f);
    bool deprecated = f->options().deprecated();
    if (c.empty() && !deprecated) return s;
    if (s.contains("$ref")) {  // siblings of a $ref are ignored in OpenAPI 3.0
      Json wrapped = Json::object();
      wrapped["allOf"] = Json::array({s});
      s = std::move(wrapped);
    }
    if (!c.empty()) s["description"] = c;
    if (deprecated) s["deprecated"] = true;
    return s;
  }

  Json ObjectSchema(const pb::Descriptor* d, const std::set<const FD*>& omit = {}) {
    Json s = Typed("object");
    std::string c = Comments(d);
    if (!c.empty()) s["description"] = c;
    Json props = Json::object();
    for (int i = 0; i < d->field_count(); ++i) {
      const FD* f = d->field(i);
      if (omit.count(f)) continue;
      props[f->json_name()] = FieldSchema(f, true);
    }
    if (!props.empty()) s["properties"] = props;
    if (d->options().deprecated()) s["deprecated"] = true;
    return s;
  }

  void DefinePending() {
    while (!pending_.empty()) {
      const pb::Descriptor* d = pending_.back();
      pending_.pop_back();
      Json s = ObjectSchema(d);
      schemas_[d->full_name()] = std::move(s);
    }
  }

  // ---- operations ----

  struct QueryWalk {
    std::set<std::vector<const FD*>> path_fields;
    const FD* body_field = nullptr;
    std::vector<const FD*> chain;
    std::vector<const pb::Descriptor*> stack;
  };

  // Every field settable from the query string: scalars, enums, scalar-like well-known types,
  // repeated ones of those; through singular message fields as "a.b".
  void AddQueryParams(const pb::Descriptor* d, const std::string& prefix, QueryWalk& w,
                      Json& params) {
    for (int i = 0; i < d->field_count(); ++i) {
      const FD* f = d->field(i);
      w.chain.push_back(f);
      bool skip =
          (w.chain.size() == 1 && f == w.body_field) || w.path_fields.count(w.chain) || f->is_map();
      if (!skip) {
        std::string name = prefix + f->json_name();
        bool message = f->type() == FD::TYPE_MESSAGE || f->type() == FD::TYPE_GROUP;
        if (message && !IsQueryScalar(f->message_type())) {
          const pb::Descriptor* m = f->message_type();
          bool on_stack = std::find(w.stack.begin(), w.stack.end(), m) != w.stack.end();
          if (!f->is_repeated() && !on_stack && !IsOpaqueWellKnown(m) &&
              static_cast<int>(w.stack.size()) < kMaxQueryDepth) {
            w.stack.push_back(m);
            AddQueryParams(m, name + ".", w, params);
            w.stack.pop_back();
          }
        } else {
          Json p = Json::object();
          p["name"] = name;
          p["in"] = "query";
          std::string c = Comments(f);
          if (!c.empty()) p["description"] = c;
          if (f->is_repeated()) {
            Json s = Typed("array");
            s["items"] = ElementSchema(f);
            p["schema"] = s;
            p["style"] = "form";
            p["explode"] = true;
          } else {
            p["schema"] = ElementSchema(f);
          }
          if (f->options().deprecated()) p["deprecated"] = true;
          params.push_back(p);
        }
      }
      w.chain.pop_back();
    }
  }

  Json Operation(const Route& r, const std::string& id, const std::string& tag) {
    const pb::MethodDescriptor* method = r.method;
    const pb::Descriptor* input = method->input_type();
    const pb::Descriptor* output = method->output_type();
    Json op = Json::object();
    op["tags"] = Json::array({tag});
    std::string comment = Comments(method, false);
    if (!comment.empty()) {
      std::string summary = Summary(comment);
      op["summary"] = summary;
      if (summary != comment) op["description"] = comment;
    }
    op["operationId"] = id;

    Json params = Json::array();
    QueryWalk walk;
    std::set<const FD*> top_path_fields;
    for (const std::string& var : r.path.Variables()) {
      std::vector<const FD*> chain = ResolvePath(input, var);
      Json p = Json::object();
      p["name"] = var;
      p["in"] = "path";
      p["required"] = true;
      std::string desc;
      if (!chain.empty()) {
        walk.path_fields.insert(chain);
        if (chain.size() == 1) top_path_fields.insert(chain[0]);
        const FD* leaf = chain.back();
        desc = Comments(leaf);
        bool message = leaf->type() == FD::TYPE_MESSAGE || leaf->type() == FD::TYPE_GROUP;
        p["schema"] =
            message && !IsQueryScalar(leaf->message_type()) ? Typed("string") : ElementSchema(leaf);
      } else {
        p["schema"] = Typed("string");
      }
      std::string pattern = VariablePattern(r.path.text(), var);
      if (!pattern.empty()) {
        if (!desc.empty()) desc += "\n\n";
        absl::StrAppend(&desc, "Matches `", pattern, "` (may contain '/').");
      }
      if (!desc.empty()) p["description"] = desc;
      params.push_back(p);
    }
    // The gateway turns Last-Event-ID into the request's `after_id`, when it has one.
    bool resumable = r.streaming && input->FindFieldByName("after_id") != nullptr;
    if (resumable) {
      Json p = Json::object();
      p["name"] = "Last-Event-ID";
      p["in"] = "header";
      p["required"] = false;
      p["description"] =
          "The `id` of the last event received: the stream resumes after it (EventSource sends "
          "it on reconnect). It sets `after_id`.";
      p["schema"] = Typed("string");
      params.push_back(p);
    }
    if (r.body != "*") {
      walk.body_field = r.body.empty() ? nullptr : input->FindFieldByName(r.body);
      walk.stack.push_back(input);
      AddQueryParams(input, "", walk, params);
    }
    if (!params.empty()) op["parameters"] = params;

    bool has_body = !r.body.empty();
    if (has_body) {
      Json body = Json::object();
      Json schema;
      if (r.body == "*") {
        schema = top_path_fields.empty() || WellKnownSchema(input).has_value()
                     ? MessageSchema(input)
                     : ObjectSchema(input, top_path_fields);  // without the fields in the path
      } else {
        const FD* f = input->FindFieldByName(r.body);
        std::string c = f != nullptr ? Comments(f) : "";
        if (!c.empty()) body["description"] = c;
        schema = f != nullptr ? FieldSchema(f, false) : Json::object();
      }
      body["required"] = true;
      body["content"]["application/json"]["schema"] = schema;
      op["requestBody"] = body;
    }

    Json responses = Json::object();
    const FD* rb = r.response_body.empty() ? nullptr : output->FindFieldByName(r.response_body);
    Json ok = Json::object();
    if (r.streaming) {
      // As the gateway relays it: `id:` the message's string `id` (field 1) when it has one,
      // `event:` the output type's name lowercased, `data:` the message as JSON (the whole
      // output: response_body does not apply to streams).
      const FD* id = output->FindFieldByName("id");
      bool has_id = id != nullptr && id->number() == 1 && id->type() == FD::TYPE_STRING;
      std::string event = absl::AsciiStrToLower(output->name());
      ok["description"] = absl::StrCat(
          "A stream of Server-Sent Events (`text/event-stream`): each event's `data` is one JSON `",
          output->full_name(), "`", has_id ? " and its `id` that message's `id`" : "",
          " (`event: ", event, "`). ",
          resumable ? "After a dropped connection, reconnect with the `Last-Event-ID` header set "
                      "to the last `id` received (EventSource does so itself) to resume after it."
                    : "Reconnecting (even with `Last-Event-ID`) starts the stream anew.",
          " When the call ends with an error, a last `event: error` carries a google.rpc.Status "
          "as its `data`.");
      Json s = Typed("string");
      s["description"] =
          absl::StrCat("Events whose `data` is one JSON `", output->full_name(), "`.");
      ok["content"]["text/event-stream"]["schema"] = s;
      ok["x-event-data"] = MessageSchema(output);
    } else {
      ok["description"] = "OK";
      ok["content"]["application/json"]["schema"] =
          rb != nullptr ? FieldSchema(rb, false) : MessageSchema(output);
    }
    responses["200"] = ok;
    responses["401"] = SharedResponse("Unauthenticated");
    if (has_body) responses["413"] = SharedResponse("PayloadTooLarge");
    responses["429"] = SharedResponse("TooManyRequests");
    responses["default"] = SharedResponse("Error");
    op["responses"] = responses;
    if (r.streaming && r.http_method == "GET") {
      // EventSource cannot set headers: the gateway also takes the token as ?access_token=.
      Json bearer = Json::object(), query = Json::object();
      bearer["bearerAuth"] = Json::array();
      query["accessToken"] = Json::array();
      op["security"] = Json::array({bearer, query});
    }
    if (method->options().deprecated()) op["deprecated"] = true;
    return op;
  }

  static Json SharedResponse(const char* name) {
    Json j = Json::object();
    j["$ref"] = absl::StrCat("#/components/responses/", name);
    return j;
  }

  static Json SharedResponses() {
    Json out = Json::object();
    Json error = Json::object();
    error["description"] =
        "An error: a google.rpc.Status, with the HTTP status of its code (404 for NOT_FOUND, "
        "400 for INVALID_ARGUMENT, ...).";
    error["content"] = ErrorContent();
    out["Error"] = error;
    Json unauthenticated = Json::object();
    unauthenticated["description"] = "No valid bearer token (UNAUTHENTICATED).";
    unauthenticated["content"] = ErrorContent();
    out["Unauthenticated"] = unauthenticated;
    Json too_large = Json::object();
    too_large["description"] = "The request body is larger than the gateway accepts.";
    too_large["content"] = ErrorContent();
    out["PayloadTooLarge"] = too_large;
    Json limited = Json::object();
    limited["description"] = "Rate limited (RESOURCE_EXHAUSTED): retry after `Retry-After`.";
    Json retry = Json::object();
    retry["description"] = "Seconds to wait before retrying.";
    Json secs = Typed("integer", "int32");
    secs["minimum"] = 0;
    retry["schema"] = secs;
    limited["headers"]["Retry-After"] = retry;
    limited["content"] = ErrorContent();
    out["TooManyRequests"] = limited;
    return out;
  }

  const ApiCatalog& catalog_;
  std::map<const pb::ServiceDescriptor*, std::string> service_names_;
  std::map<std::string, Json> schemas_;  // by full name: sorted in the output
  std::set<std::string> named_;          // messages and enums given a schema (or queued)
  std::vector<const pb::Descriptor*> pending_;
};

}  // namespace

std::string BuildOpenApi(const ApiCatalog& catalog, const OpenApiInfo& info) {
  Builder builder(catalog);
  return builder.Document(info).dump(2, ' ', false, Json::error_handler_t::replace);
}

}  // namespace opsuite::gateway
