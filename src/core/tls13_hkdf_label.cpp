#include "core/tls13_hkdf_label.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace sslp11::core {

HkdfLabel::HkdfLabel(std::size_t length, std::string_view label, std::span<const std::uint8_t> context) {
  if (label.empty()) throw Error(Fault::invalid_parameter, "a TLS 1.3 HKDF label must not be empty");
  if (label.size() > kMaxLabel) {
    throw Error(Fault::invalid_parameter, "a TLS 1.3 HKDF label may have at most " + std::to_string(kMaxLabel) +
                                              " bytes, this one has " + std::to_string(label.size()));
  }
  if (context.size() > kMaxContext) {
    throw Error(Fault::invalid_parameter, "a TLS 1.3 HKDF context may have at most 255 bytes, this one has " +
                                              std::to_string(context.size()));
  }
  if (length == 0 || length > 0xffff) {
    throw Error(Fault::invalid_parameter,
                "a TLS 1.3 HKDF output must be 1..65535 bytes, not " + std::to_string(length));
  }
  std::uint8_t* p = bytes_.data();
  *p++ = static_cast<std::uint8_t>(length >> 8);
  *p++ = static_cast<std::uint8_t>(length & 0xff);
  *p++ = static_cast<std::uint8_t>(kPrefix.size() + label.size());
  p = std::copy(kPrefix.begin(), kPrefix.end(), p);
  p = std::copy(label.begin(), label.end(), p);
  *p++ = static_cast<std::uint8_t>(context.size());
  p = std::copy(context.begin(), context.end(), p);
  size_ = static_cast<std::size_t>(p - bytes_.data());
}

}  // namespace sslp11::core
