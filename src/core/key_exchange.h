// Key exchange on the token: ephemeral (EC)DH key pairs, peer public keys,
// pre-master secrets and the master key. The ABI layer has validated handles
// and buffers; these functions throw p11::Error / core::Error.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "core/key_schedule.h"
#include "core/keys.h"

namespace sslp11::core {

std::shared_ptr<EphemeralKey> create_ec_ephemeral(const Provider& provider, const NamedCurve& curve);
std::shared_ptr<EphemeralKey> create_dh_ephemeral(const Provider& provider, std::span<const std::uint8_t> prime,
                                                  std::span<const std::uint8_t> generator);

std::shared_ptr<PublicKey> import_ec_public(const Provider& provider, const NamedCurve& curve,
                                            std::span<const std::uint8_t> x, std::span<const std::uint8_t> y);
// x25519 (RFC 7748): the peer's 32-byte u-coordinate. A value of small order
// (whose shared secret would be all zeros, RFC 7748 §6.1) throws
// Error(Fault::bad_data).
std::shared_ptr<PublicKey> import_montgomery_public(const Provider& provider, const NamedCurve& curve,
                                                    std::span<const std::uint8_t> u);
std::shared_ptr<PublicKey> import_dh_public(const Provider& provider, std::span<const std::uint8_t> prime,
                                            std::span<const std::uint8_t> generator, std::span<const std::uint8_t> y);
std::shared_ptr<PublicKey> import_rsa_public(const Provider& provider, std::span<const std::uint8_t> modulus,
                                             std::span<const std::uint8_t> exponent);

struct MasterRequest {
  std::uint32_t protocol;
  const CipherSuite* suite;
  Role role;
  MasterInput input;
};

// (EC)DHE, either side: Z = (EC)DH(own private, peer public) on the token,
// then the master secret from Z.
std::shared_ptr<MasterKey> generate_master_dh(const Provider& provider, const EphemeralKey& own,
                                              const PublicKey& peer, MasterRequest request);

// RSA client: a fresh pre-master carrying `client_version`, encrypted to the
// server key (the ClientKeyExchange body, without its length prefix).
struct RsaPremaster {
  std::shared_ptr<PreMasterKey> premaster;
  std::vector<std::uint8_t> encrypted;
};
RsaPremaster generate_rsa_premaster(const Provider& provider, const PublicKey& server_key, std::uint32_t protocol,
                                    const CipherSuite& suite, std::uint16_t client_version);
std::shared_ptr<MasterKey> master_from_premaster(const Provider& provider, const PreMasterKey& pms,
                                                 MasterRequest request);

// RSA server: decrypt the pre-master in the token and derive the master. A bad
// ciphertext or version yields a master from a random pre-master, with no
// distinguishable status (RFC 5246 §7.4.7.1).
std::shared_ptr<MasterKey> import_rsa_master(const Provider& provider, const PrivateKey& server_key,
                                             std::span<const std::uint8_t> encrypted, std::uint16_t client_version,
                                             MasterRequest request);

// The uncompressed point 04||X||Y from CKA_EC_POINT (raw or DER OCTET STRING).
std::vector<std::uint8_t> decode_ec_point(std::span<const std::uint8_t> attr, std::size_t coordinate_bytes);
// The curve's TLS public value from CKA_EC_POINT (p11::decode_public_value).
std::vector<std::uint8_t> decode_public_value(std::span<const std::uint8_t> attr, const NamedCurve& curve);

}  // namespace sslp11::core
