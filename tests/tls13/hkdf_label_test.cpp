// HkdfLabel (src/core/tls13_hkdf_label.cpp): the encoding against the `info`
// bytes RFC 8448 §3 prints, and the refusal of what the structure cannot
// carry. No token.
#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "core/tls13_hkdf_label.h"
#include "support/oracle/bytes.h"
#include "support/oracle/digests.h"

namespace sslp11::tls13test {
namespace {

using namespace ::sslp11::oracle;

core::Fault fault_of(std::size_t length, std::string_view label, ByteView context) {
  try {
    core::HkdfLabel l(length, label, context);
    ADD_FAILURE() << "accepted label '" << label << "' (" << label.size() << " bytes), context of " << context.size()
                  << " bytes, length " << length;
  } catch (const core::Error& e) {
    return e.fault();
  }
  return core::Fault::internal;
}

TEST(HkdfLabel, EncodesAsRfc8448Shows) {
  // {server} generate resumption secret "tls13 resumption": info (22 octets).
  const Bytes nonce = from_hex("0000");
  EXPECT_EQ(hex(core::HkdfLabel(32, "resumption", nonce).bytes()),
            "002010746c73313320726573756d7074696f6e020000");
  // {server} derive secret for handshake "tls13 derived": 00 20 0d "tls13 derived" 20 Hash("").
  const Bytes empty = digest(Hash::sha256, {});
  EXPECT_EQ(hex(core::HkdfLabel(32, "derived", empty).bytes()),
            "00200d746c733133206465726976656420" + hex(empty));
  // "tls13 iv" with 12 bytes and no context.
  EXPECT_EQ(hex(core::HkdfLabel(12, "iv", {}).bytes()), "000c08746c73313320697600");
}

TEST(HkdfLabel, RefusesWhatTheStructureCannotCarry) {
  const Bytes small(32, 0);
  const Bytes big(256, 0);
  EXPECT_EQ(fault_of(32, "", small), core::Fault::invalid_parameter) << "empty label";
  EXPECT_EQ(fault_of(32, std::string(core::HkdfLabel::kMaxLabel + 1, 'a'), small), core::Fault::invalid_parameter);
  EXPECT_EQ(fault_of(32, "derived", big), core::Fault::invalid_parameter) << "256-byte context";
  EXPECT_EQ(fault_of(0, "key", {}), core::Fault::invalid_parameter) << "zero length";
  EXPECT_EQ(fault_of(65536, "key", {}), core::Fault::invalid_parameter) << "length over 16 bits";
  // The limits themselves are accepted.
  EXPECT_EQ(core::HkdfLabel(65535, std::string(core::HkdfLabel::kMaxLabel, 'a'), Bytes(255, 1)).size(),
            2u + 1 + 255 + 1 + 255);
}

}  // namespace
}  // namespace sslp11::tls13test
