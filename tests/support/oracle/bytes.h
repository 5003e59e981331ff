// Byte strings for the OpenSSL oracle and the tests that compare with it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sslp11::oracle {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

std::string hex(ByteView b);
Bytes from_hex(std::string_view hex);  // throws std::invalid_argument
Bytes concat(ByteView a, ByteView b);
Bytes random_bytes(std::size_t n);  // RAND_bytes

}  // namespace sslp11::oracle
