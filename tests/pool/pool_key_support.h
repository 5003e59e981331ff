// The pool key on test members (core/pool_blobs.h): put there as the
// documented fallback does - one host-generated value imported on each
// member - and taken away again. Shared by the TLS 1.2 and TLS 1.3
// cross-member resumption tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "pool/pool_support.h"

namespace sslp11::pool_test {

using Bytes = std::vector<std::uint8_t>;

// A random 32-byte AES key value (a test value: a real ceremony wipes it).
Bytes random_pool_key();

// The pool key `value` on the token of `m`, replacing any it had.
void put_pool_key(const Member& m, const Bytes& value);
void remove_pool_key(const Member& m);

// Members a and b (two SoftHSM tokens) holding one new pool key for the
// test, and none after it.
class PoolKeyOnMembers : public ::testing::Test {
 protected:
  void SetUp() override {
    const Bytes key = random_pool_key();
    for (const Member& m : members_) put_pool_key(m, key);
  }
  void TearDown() override {
    for (const Member& m : members_) remove_pool_key(m);
  }
  const std::vector<Member> members_{member_a(), member_b()};
};

}  // namespace sslp11::pool_test
