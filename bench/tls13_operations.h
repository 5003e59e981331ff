// The TLS 1.3 measured operation: one 1-RTT key schedule (RFC 8446 §7.1-7.3)
// through the Ssl* API and as its raw PKCS#11 floor (bench/tls13_floor.h).
// Shared by the benchmark program and the call-count test, so the test checks
// exactly what the benchmark measures.
//
// What "the same objects" are -- both sides start from the same point and end
// with the same token state:
//  * Start: this side's ECDHE private key already on the token (made once, in
//    set-up: the key share went out in the ClientHello/ServerHello before the
//    schedule starts) and the peer's public point. Both sides then do the
//    ECDHE itself (C_DeriveKey(CKM_ECDH1_DERIVE) and, once the handshake
//    secret is made, C_DestroyObject of the (EC)DHE secret): the API does it
//    inside SslExtractHandshakeKey, so the floor must too.
//  * Transcript hashes: the API takes a transcript hash handle and digests it
//    on the token (core/handshake_hash.h), so the floor digests on the token
//    as well: once per distinct transcript a 1-RTT schedule needs, three
//    (ClientHello..ServerHello for the handshake traffic secrets;
//    ..CertificateVerify for the server Finished; ..server Finished for the
//    application traffic secrets and the client Finished).
//  * Made: early, handshake and master secrets, both handshake and both
//    application traffic secrets, their four write keys (the IVs to the
//    host) and both Finished verify_data; the "derived" salts and finished
//    keys are destroyed where they are used; at the end every remaining
//    object is destroyed (SslFreeObject of each handle), so the token holds
//    what it held before.
//  * Not counted on either side: the zeros object (the "0" of §7.1; made once
//    per token and hash, before the first schedule, by both).
// Server and client run the same calls in the same order (the role decides
// only which write key seals and which opens): one operation measures both.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "bench/operations.h"
#include "bench/tls13_floor.h"

namespace sslp11::bench {

inline constexpr DWORD kTls13 = TLS1_3_PROTOCOL_VERSION;
inline constexpr DWORD kAes128GcmSha256 = 0x1301;  // TLS_AES_128_GCM_SHA256

// One token's TLS 1.3 set-up: the provider's and the floor's own key shares
// (P-256), the peer's, the floor's zeros object, and the handshake messages.
struct Tls13Keys {
  const core::Tls13Suite* suite = nullptr;
  const core::NamedCurve* curve = nullptr;
  std::unique_ptr<Tls13Floor> floor;
  Handle own, peer_public;                  // provider: our ephemeral key, the peer's share
  Handle peer;                              // the peer's ephemeral key (only its public half is used)
  std::vector<std::uint8_t> peer_point;     // 04 || X || Y
  std::vector<std::uint8_t> own_point, floor_own_point;  // each side's public share, 04 || X || Y
  CK_OBJECT_HANDLE floor_own = CK_INVALID_HANDLE;    // the floor's ephemeral private key
  CK_OBJECT_HANDLE floor_zeros = CK_INVALID_HANDLE;  // Hash.length zeros
  // ClientHello..ServerHello | EncryptedExtensions..CertificateVerify | server Finished
  std::vector<std::uint8_t> messages;
  std::size_t hello_end = 0, certificate_verify_end = 0;
};

// Made once per token, in its set-up session (never destroyed, as BenchToken),
// with a peer share made through the API.
Tls13Keys& tls13_keys(BenchToken& t);
// The same with the peer's public point given (a test's OpenSSL key).
std::unique_ptr<Tls13Keys> make_tls13_keys(BenchToken& t, std::span<const std::uint8_t> peer_point);

// One 1-RTT schedule; `verify_data` gets the server's then the client's
// Finished (2 x Hash.length bytes), for the tests to compare sides.
void provider_tls13_schedule(BenchToken& t, const Tls13Keys& k, std::span<std::uint8_t> verify_data = {});
// A record key as the floor makes it from a traffic secret (the API's
// SslExpandWriteKey): the AES key object of the record template, the IV to the host.
struct FloorWriteKey {
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  std::array<std::uint8_t, 12> iv{};
};
FloorWriteKey floor_write_key(const Tls13Floor& f, CK_SESSION_HANDLE s, const core::Tls13Suite& suite,
                              CK_OBJECT_HANDLE traffic);

void floor_tls13_schedule(const BenchToken& t, CK_SESSION_HANDLE s, const Tls13Keys& k,
                          std::span<std::uint8_t> verify_data = {});

}  // namespace sslp11::bench
