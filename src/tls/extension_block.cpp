#include "tls/extension_block.h"

#include <set>
#include <string>

#include "tls/alerts.h"

namespace sslp11::tls {

std::vector<std::uint16_t> u16_list(ByteReader r, const char* what) {
  if (r.remaining() == 0 || r.remaining() % 2 != 0) {
    throw DecodeError(std::string(what) + " must be a non-empty list of 16-bit values");
  }
  std::vector<std::uint16_t> out;
  while (!r.empty()) out.push_back(r.u16());
  return out;
}

Bytes u16_list_bytes(const std::vector<std::uint16_t>& values) {
  ByteWriter w;
  for (std::uint16_t v : values) w.u16(v);
  return w.take();
}

void for_each_extension(ByteReader& message, std::vector<std::uint16_t>& seen,
                        const std::function<void(std::uint16_t, ByteReader&)>& on_extension, Block presence) {
  if (message.empty() && presence == Block::optional) return;
  ByteReader block = message.vec16("extensions");
  std::set<std::uint16_t> types;
  while (!block.empty()) {
    const std::uint16_t type = block.u16();
    ByteReader data = block.vec16("extension " + std::to_string(type));
    if (!types.insert(type).second) {
      throw TlsFailure(AlertDescription::illegal_parameter, "extension " + std::to_string(type) + " appears twice");
    }
    seen.push_back(type);
    on_extension(type, data);
    data.expect_end();
  }
  message.expect_end();
}

void write_extension(ByteWriter& w, std::uint16_t type, ByteView data) { w.u16(type).vec16(data); }

void write_vec8_extension(ByteWriter& w, std::uint16_t type, ByteView body) {
  ByteWriter d;
  d.vec8(body);
  write_extension(w, type, d.data());
}

void write_vec16_extension(ByteWriter& w, std::uint16_t type, ByteView body) {
  ByteWriter d;
  d.vec16(body);
  write_extension(w, type, d.data());
}

void write_u16_extension(ByteWriter& w, std::uint16_t type, std::uint16_t value) {
  ByteWriter d;
  d.u16(value);
  write_extension(w, type, d.data());
}

}  // namespace sslp11::tls
