// The TLS 1.3 Ssl* API tests' shared pieces: a 1-RTT key schedule run through
// the public API only (reference §7.5), the same schedule by OpenSSL
// (tests/support/oracle/tls13_kdf.h) from the (EC)DHE secret OpenSSL computes,
// and TLS 1.3 records as the peer builds them (RFC 8446 §5.2, §5.3).
#pragma once

#include <gtest/gtest.h>
#include <sslp11/sslprovider.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "api/api_support.h"
#include "support/oracle/bytes.h"
#include "support/oracle/ciphers.h"
#include "support/oracle/cng_blobs.h"
#include "support/oracle/digests.h"
#include "support/oracle/keys.h"
#include "support/oracle/tls13_kdf.h"
#include "support/suite_facts.h"

namespace sslp11::tls13api {

using oracle::Bytes;
using oracle::ByteView;
using test::Handle;
using test::ProviderHandle;
using test::TestTokens;
using test::TokenName;
using test::TokenSpec;

inline constexpr std::uint8_t kApplicationData = 23;
inline constexpr std::uint8_t kHandshake = 22;

// The TLS 1.3 suites this provider's token runs (SslLookupCipherSuiteInfo
// under 0x0304 succeeds), from the tests' own table.
std::vector<const oracle::SuiteFacts*> runnable_suites(NCRYPT_PROV_HANDLE p);

inline const oracle::CurveFacts* curve_facts(std::uint32_t group) {
  for (const auto* c : {&oracle::p256(), &oracle::p384(), &oracle::p521()})
    if (c->group == group) return c;
  return nullptr;
}

// An ephemeral key share made through the API and its public point.
struct KeyShare {
  Handle key;
  Bytes point;  // 04 || X || Y, from SslExportKey
};
KeyShare make_key_share(NCRYPT_PROV_HANDLE p, const oracle::SuiteFacts& suite, const oracle::CurveFacts& curve);
// The peer's point as an SslImportKey public key.
Handle import_point(NCRYPT_PROV_HANDLE p, const oracle::CurveFacts& curve, ByteView point);

// A TLS 1.3 transcript hash handle and the bytes hashed into it (to hash with OpenSSL).
struct Transcript {
  Handle hash;
  Bytes messages;
  void add(NCRYPT_PROV_HANDLE p, ByteView message);
  Bytes digest(oracle::Hash h) const { return oracle::digest(h, messages); }
};
Transcript make_transcript(NCRYPT_PROV_HANDLE p, const oracle::SuiteFacts& suite);

// One side's 1-RTT schedule through the API, in Schannel's order (§7.5).
struct ApiSchedule {
  Handle early, handshake, c_hs, s_hs, c_hs_key, s_hs_key;
  Handle master, c_ap, s_ap, c_ap_key, s_ap_key, exporter, resumption;
};
// `th` holds ClientHello..ServerHello on entry; the function adds
// EncryptedExtensions..server Finished and client Finished (random bytes, the
// same for both sides when `script` is the same) at the points RFC 8446 says.
struct HandshakeScript {
  Bytes encrypted_extensions_to_server_finished;
  Bytes client_finished;
};
HandshakeScript random_script();
void run_api_schedule(NCRYPT_PROV_HANDLE p, const oracle::SuiteFacts& suite, NCRYPT_KEY_HANDLE own_share,
                      NCRYPT_KEY_HANDLE peer_share, Transcript& th, const HandshakeScript& script, ApiSchedule& out);

// The same secrets by OpenSSL from the shared secret `z`.
struct OracleSchedule {
  Bytes early, handshake, c_hs, s_hs, master, c_ap, s_ap, exporter, resumption;
  Bytes th_server_hello, th_server_finished, th_client_finished;
};
OracleSchedule oracle_schedule(const oracle::SuiteFacts& suite, ByteView z, ByteView hello_messages,
                               const HandshakeScript& script);

// Write key and IV of a traffic secret (RFC 8446 §7.3).
struct OracleWriteKey {
  Bytes key, iv;
};
OracleWriteKey oracle_write_key(const oracle::SuiteFacts& suite, ByteView traffic_secret);

// A record by the API: NTE status checked by the caller via the return.
SECURITY_STATUS api_seal(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE key, std::uint64_t seq, ByteView inner, Bytes& record);
SECURITY_STATUS api_open(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE key, std::uint64_t seq, ByteView record, Bytes& inner);
// A record by OpenSSL: header 17 03 03 len, nonce = iv XOR seq, AAD = header.
Bytes oracle_seal(const oracle::SuiteFacts& suite, const OracleWriteKey& k, std::uint64_t seq, ByteView inner);
std::optional<Bytes> oracle_open(const oracle::SuiteFacts& suite, const OracleWriteKey& k, std::uint64_t seq,
                                 ByteView record);

// The write key `api_key` and the oracle's `k` are the same key: records
// sealed by each open under the other, at a few sequence numbers.
::testing::AssertionResult same_write_key(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE api_key,
                                          const oracle::SuiteFacts& suite, const OracleWriteKey& k);

// verify_data by the API (SslComputeFinishedHash on a traffic secret or binder key).
Bytes api_finished(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE base, NCRYPT_HASH_HANDLE th, std::size_t n);
Bytes api_export(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE exporter, const char* label, const Bytes* context,
                 std::size_t n);

// TLSInnerPlaintext: content || type (no padding).
inline Bytes inner_plaintext(ByteView content, std::uint8_t type) {
  Bytes b(content.begin(), content.end());
  b.push_back(type);
  return b;
}

}  // namespace sslp11::tls13api
