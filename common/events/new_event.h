// Building events for the outbox (the envelope of DESIGN.md §6).
//
//   google::protobuf::Struct p;
//   events::Put(p, "goal_card_id", card.id());
//   RETURN_IF_ERROR(storage::AppendOutbox(
//       tx, events::NewEvent(clock, "planning.goal_card.returned", org, employee, actor, p)));
#pragma once

#include <string>

#include "common/clock.h"
#include "google/protobuf/struct.pb.h"
#include "opsuite/common/v1/event.pb.h"

namespace opsuite::events {

// A fresh id, the clock's time, and a child of the current request's trace (when a request
// is current on this thread).
common::v1::Event NewEvent(const Clock& clock, std::string type, const std::string& org,
                           const std::string& subject, const std::string& actor,
                           google::protobuf::Struct payload);

// Payload fields (usable as template variables by notify).
void Put(google::protobuf::Struct& s, const std::string& key, const std::string& value);
void PutNumber(google::protobuf::Struct& s, const std::string& key, double value);

}  // namespace opsuite::events
