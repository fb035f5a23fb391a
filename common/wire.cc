#include "common/wire.h"

#include <cstdint>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"

namespace opsuite::wire {

using google::protobuf::internal::WireFormatLite;

std::optional<std::string_view> StringField(std::string_view message, int field_number) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(message.data()),
                                            static_cast<int>(message.size()));
  std::string_view found;
  while (true) {
    const uint32_t tag = in.ReadTag();
    if (tag == 0) {
      // The end, or a malformed tag (0 is never a valid one).
      if (in.CurrentPosition() != static_cast<int>(message.size())) return std::nullopt;
      return found;
    }
    if (WireFormatLite::GetTagFieldNumber(tag) != field_number) {
      if (!WireFormatLite::SkipField(&in, tag)) return std::nullopt;
      continue;
    }
    if (WireFormatLite::GetTagWireType(tag) != WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      return std::nullopt;
    }
    uint32_t length = 0;
    if (!in.ReadVarint32(&length)) return std::nullopt;
    const int at = in.CurrentPosition();
    if (length > message.size() - static_cast<size_t>(at)) return std::nullopt;
    found = message.substr(static_cast<size_t>(at), length);
    if (!in.Skip(static_cast<int>(length))) return std::nullopt;
  }
}

}  // namespace opsuite::wire
