// TLS 1.2 PRF outputs keyed by the master secret that are handed to the
// caller: RFC 5705 exporters (SslExportKeyingMaterial) and the EAP key blocks
// (SslComputeEapKeyBlock).
//
// These outputs are keying material *for the caller*: they must land in host
// memory whatever the token can do. So they are computed on both derivation
// paths with composed_prf -- P_hash over the token's HMAC keyed by the master
// object -- rather than with a derive mechanism whose result would be a
// sensitive key object we then could not read (CKM_TLS_KDF, §3.7 of the
// PKCS#11 reference). The master stays on the token; it may sign because
// sslp11's master template sets CKA_SIGN, and NSS softoken forces CKA_SIGN on
// the masters its CKM_TLS12_MASTER_KEY_DERIVE* mechanisms make.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "core/keys.h"
#include "pkcs11/session_pool.h"

namespace sslp11::core {

// out = PRF(master, label, seed), the TLS 1.2 PRF of the master's suite,
// computed in `lease`'s session. Throws Error(Fault::not_supported)
// when the token's HMAC cannot take the 48-byte master as its key.
void master_prf(const p11::Lease& lease, const MasterKey& master, std::string_view label,
                std::span<const std::uint8_t> seed, std::span<std::uint8_t> out);

// Refuses (Fault::invalid_parameter) an exporter request whose PRF input could
// reproduce an output of the key schedule itself. The PRF sees one string,
// label || randoms || [uint16 length || context], and the caller chooses all
// three parts: a check of the label alone is passed by a reserved label split
// across them (e.g. label "" and randoms that begin "key expansion" give the
// key block). RFC 5705 §4 forbids such collisions; so sslp11 refuses any input
// that *begins* with a label of prf_labels::kReserved, an empty label, and a
// label with bytes outside printable ASCII (RFC 5705 labels are ASCII names).
void check_exporter_input(std::string_view label, std::span<const std::uint8_t> seed);

// Longest exporter output sslp11 computes in one call (the PRF costs two HMAC
// calls on the token per hash-length block).
inline constexpr std::size_t kMaxExportBytes = 64 * 1024;

// RFC 5705 §4: out = PRF(master, label, client_random || server_random
// [|| uint16(context length) || context]). No context (nullopt) and an empty
// context differ: the first has no length field, the second has 00 00.
// `randoms` = client_random || server_random (64 bytes).
void export_keying_material(const MasterKey& master, std::string_view label, std::span<const std::uint8_t> randoms,
                            std::optional<std::span<const std::uint8_t>> context, std::span<std::uint8_t> out);

// The EAP methods' key blocks (SslComputeEapKeyBlock's selector picks one;
// src/abi/exporters.cpp reads the selector).
enum class EapKeyBlock {
  eap_tls,         // RFC 5216
  ttls_keying,     // RFC 5281 §8
  ttls_challenge,  // RFC 5281 §11.1
  eap_fast,        // RFC 4851 §5.1
};
// The block length for that selector (what the size query reports).
std::size_t eap_key_block_bytes(EapKeyBlock kind);

// Fills `out` (exactly eap_key_block_bytes(kind) bytes) with the EAP keying
// material for `randoms` = client_random || server_random (64 bytes).
// EAP-FAST under derivation = native-only throws Fault::not_supported: its seed
// is the tail of the TLS key block, which no token mechanism returns, so it
// would be composed in host memory record keys and all.
void compute_eap_key_block(const MasterKey& master, EapKeyBlock kind, std::span<const std::uint8_t> randoms,
                           std::span<std::uint8_t> out);

}  // namespace sslp11::core
