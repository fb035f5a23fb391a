// Reading one field of a serialized protobuf message without parsing the message: for a reply
// sent as the bytes it was cached as (Edge::UnaryAsync), where one field decides who may see it.
//
//   std::optional<std::string_view> owner = wire::StringField(bytes, /*owner_id=*/8);
//   if (!owner.has_value()) ...  // malformed: parse it properly (and fail there)
#pragma once

#include <optional>
#include <string_view>

namespace opsuite::wire {

// The value of top-level length-delimited field `field_number` in `message` (a serialized
// message), the last one when it occurs more than once (as a parser keeps it); "" when it does
// not occur (proto3's default). nullopt when `message` is not well-formed wire format as far as
// the scan goes (a bad tag or varint, a length past the end, an unbalanced group) or the field
// is there with another wire type. Nested messages are skipped, not checked.
std::optional<std::string_view> StringField(std::string_view message, int field_number);

}  // namespace opsuite::wire
