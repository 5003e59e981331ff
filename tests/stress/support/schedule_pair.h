// One full TLS 1.2 ECDHE key schedule run twice through the Ssl* API, once in
// each role, so that the two sides check each other: ephemeral key, the
// peer's public key imported, master key with the extended master secret,
// session keys both ways, both Finished values (each side computes the
// client's and the server's and they must agree), then records sealed by one
// side and opened by the other. The schedule's correctness against OpenSSL is
// proved elsewhere (tests/core, tests/records); here it is the load.
#pragma once

#include <sslp11/sslprovider.h>

#include <cstdint>
#include <random>
#include <vector>

#include "core/support/ssl_calls.h"
#include "support/suite_facts.h"

namespace sslp11::stresstest {

using coretest::Bytes;
using coretest::CurveFacts;
using coretest::SslObject;
using coretest::SuiteFacts;

// One role's handles (each side may use its own provider handle).
struct Side {
  NCRYPT_PROV_HANDLE provider = 0;
  SslObject ephemeral, peer, master, read, write, transcript;
};

struct SchedulePair {
  Side client, server;
  // Records sent so far in each direction (the TLS sequence numbers).
  std::uint64_t client_sent = 0, server_sent = 0;
};

// The whole key schedule for `suite` on `curve`, both roles. Throws
// std::runtime_error naming the call and status on any failure or mismatch.
void run_schedule(SchedulePair& pair, const SuiteFacts& suite, const CurveFacts& curve);

// `count` records, alternating client->server and server->client, of sizes
// from 0 to ~1.5 KiB; every one must open on the other side to the same bytes.
void exchange_records(SchedulePair& pair, int count, std::mt19937& rng);

// One record through SslEncryptPacket with `write`: the status only (the
// record itself is discarded). For the "used while another thread frees it" case.
SECURITY_STATUS seal_one(NCRYPT_PROV_HANDLE provider, NCRYPT_KEY_HANDLE write, std::uint64_t seq);

// All handles of the pair, released from their owners (the caller frees them).
std::vector<NCRYPT_HANDLE> release_all(SchedulePair& pair);

}  // namespace sslp11::stresstest
