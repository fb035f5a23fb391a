#include "common/events/new_event.h"

#include "common/ids.h"
#include "common/log.h"
#include "common/timestamps.h"

namespace opsuite::events {

common::v1::Event NewEvent(const Clock& clock, std::string type, const std::string& org,
                           const std::string& subject, const std::string& actor,
                           google::protobuf::Struct payload) {
  common::v1::Event e;
  absl::Time now = clock.Now();
  e.set_id(NewId("evt", now));
  e.set_type(std::move(type));
  e.set_org_id(org);
  *e.mutable_occurred_at() = ToProto(now);
  e.set_subject_id(subject);
  e.set_actor_id(actor);
  *e.mutable_payload() = std::move(payload);
  if (const log::RequestInfo* r = log::CurrentRequest()) {
    e.set_traceparent(r->trace.Child().ToHeader());
  }
  return e;
}

void Put(google::protobuf::Struct& s, const std::string& key, const std::string& value) {
  (*s.mutable_fields())[key].set_string_value(value);
}

void PutNumber(google::protobuf::Struct& s, const std::string& key, double value) {
  (*s.mutable_fields())[key].set_number_value(value);
}

}  // namespace opsuite::events
