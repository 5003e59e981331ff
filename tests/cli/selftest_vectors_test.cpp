// The known answers behind Sslp11RunSelfTest (src/core/self_test_vectors.h,
// the self-test `sslp11-admin doctor` runs) against OpenSSL's TLS1-PRF
// (tests/support/oracle): the library ships expected bytes instead of a
// software PRF, so every expected byte is checked here.
#include <gtest/gtest.h>

#include "core/self_test_vectors.h"
#include "support/oracle/bytes.h"
#include "support/oracle/tls_prf.h"

namespace sslp11::test {
namespace {

namespace v = core::self_test_vectors;
using oracle::Bytes;

Bytes bytes(std::span<const std::uint8_t> b) { return Bytes(b.begin(), b.end()); }

TEST(SelfTestVectors, MasterSecretIsThePrfOfThePremaster) {
  EXPECT_EQ(bytes(v::kMasterSecret),
            oracle::tls12_prf(oracle::Hash::sha256, v::kPremaster, "master secret",
                              oracle::concat(v::kClientRandom, v::kServerRandom), 48));
}

TEST(SelfTestVectors, ExtendedMasterSecretIsThePrfOfTheSessionHash) {
  EXPECT_EQ(bytes(v::kExtendedMasterSecret),
            oracle::tls12_prf(oracle::Hash::sha256, v::kPremaster, "extended master secret", v::kSessionHash, 48));
}

TEST(SelfTestVectors, KeyBlockIsThePrfOfTheMasterSecret) {
  EXPECT_EQ(bytes(v::kKeyBlock), oracle::tls12_prf(oracle::Hash::sha256, v::kMasterSecret, "key expansion",
                                                   oracle::concat(v::kServerRandom, v::kClientRandom),
                                                   v::kKeyBlock.size()));
}

TEST(SelfTestVectors, AShorterKeyBlockIsAPrefix) {
  // The self-test compares a suite's key block with the first bytes of kKeyBlock.
  for (std::size_t length : {40u, 88u, 104u}) {
    const Bytes block = oracle::tls12_prf(oracle::Hash::sha256, v::kMasterSecret, "key expansion",
                                          oracle::concat(v::kServerRandom, v::kClientRandom), length);
    EXPECT_EQ(block, Bytes(v::kKeyBlock.begin(), v::kKeyBlock.begin() + static_cast<std::ptrdiff_t>(length)))
        << length;
  }
}

TEST(SelfTestVectors, InputsAreDistinct) {
  // Swapped randoms must not give the same answers by accident.
  EXPECT_NE(bytes(v::kClientRandom), bytes(v::kServerRandom));
  EXPECT_NE(bytes(v::kMasterSecret), bytes(v::kExtendedMasterSecret));
}

}  // namespace
}  // namespace sslp11::test
