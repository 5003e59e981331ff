// Extension blocks and 16-bit lists, shared by the hello messages
// (messages.cpp) and TLS 1.3's other messages (messages13.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "tls/bytes.h"

namespace sslp11::tls {

// A non-empty list of 16-bit values filling `r`.
std::vector<std::uint16_t> u16_list(ByteReader r, const char* what);
Bytes u16_list_bytes(const std::vector<std::uint16_t>& values);

// Walks an extensions block: each extension once (a repeat is an
// illegal_parameter TlsFailure), its data as its own reader, which must be
// consumed. TLS 1.2 hellos may omit the block (`optional`); TLS 1.3's other
// messages always carry it, if empty.
enum class Block { optional, required };
void for_each_extension(ByteReader& message, std::vector<std::uint16_t>& seen,
                        const std::function<void(std::uint16_t, ByteReader&)>& on_extension,
                        Block presence = Block::optional);

void write_extension(ByteWriter& w, std::uint16_t type, ByteView data);
// An extension whose data is one vector with an 8- or 16-bit length, or one 16-bit value.
void write_vec8_extension(ByteWriter& w, std::uint16_t type, ByteView body);
void write_vec16_extension(ByteWriter& w, std::uint16_t type, ByteView body);
void write_u16_extension(ByteWriter& w, std::uint16_t type, std::uint16_t value);

}  // namespace sslp11::tls
