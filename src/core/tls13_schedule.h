// The TLS 1.3 key schedule (RFC 8446 §7.1-7.5) on a token, over either HKDF
// implementation (core/tls13_hkdf.h). One call per step of the Windows
// TLS 1.3 API (shared/reference/sslprovider-api.md §2.I), so the C boundary
// maps each Ssl* function onto one or two of these:
//   SslExtractEarlyKey            early_secret
//   SslExtractHandshakeKey        ecdhe_shared_secret (core/tls13_shared_secret.h) + handshake_secret
//   SslExtractMasterKey           master_secret
//   SslExpandTrafficKeys          traffic_secret (client and/or server)
//   SslExpandWriteKey             write_key
//   SslExpandExporterMasterKey    exporter_master
//   SslExpandResumptionMasterKey  resumption_master
//   SslExpandBinderKey            binder_key
//   SslExpandPreSharedKey         pre_shared_key
//   SslExpandNextGenTrafficKey    next_traffic_secret
//   SslComputeFinishedHash        finished (on a traffic secret or binder key)
//   SslExportKeyingMaterial       export_keying_material
// Every input secret is checked for its kind and suite; a wrong one throws
// core::Error(Fault::invalid_parameter). Token failures throw p11::Error.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "core/tls13_hkdf.h"
#include "core/tls13_secrets.h"
#include "core/tls13_suites.h"

namespace sslp11::core {

enum class Tls13Side { client, server };
enum class Tls13Binder { external, resumption };  // NCRYPT_SSL_EXTERNAL_PSK_FLAG / _RESUMPTION_PSK_FLAG

class Tls13Schedule {
 public:
  // The path follows the token (p11::Capabilities::tls13_derivation_path()). Throws
  // Error(Fault::not_supported) when the token can run neither, or when it
  // can only compose and `policy` is native-only.
  Tls13Schedule(std::shared_ptr<p11::SessionPool> pool, const p11::Capabilities& caps, DerivationPolicy policy);
  ~Tls13Schedule();
  Tls13Schedule(const Tls13Schedule&) = delete;
  Tls13Schedule& operator=(const Tls13Schedule&) = delete;

  p11::DerivationPath path() const noexcept { return path_; }
  const std::shared_ptr<p11::SessionPool>& pool() const noexcept { return pool_; }
  // The suite for (protocol, suite id), or Error(invalid_parameter) when the
  // protocol is not 0x0304 or the id is not a TLS 1.3 suite, or
  // Error(not_supported) when this token cannot run it.
  const Tls13Suite& suite(std::uint32_t protocol, std::uint32_t suite_id) const;

  // early_secret = HKDF-Extract(0, PSK or Hash.length zeros). A PSK must be of
  // the suite's hash (RFC 8446 §4.2.11).
  Tls13Secret early_secret(const Tls13Suite& suite, const Tls13Secret* psk) const;
  // handshake_secret = HKDF-Extract(Derive-Secret(early, "derived", ""), (EC)DHE).
  // `shared` is the (EC)DHE secret of `shared_bytes` bytes made by
  // ecdhe_shared_secret() for this path (or, in tests, of the same template).
  Tls13Secret handshake_secret(const Tls13Secret& early, const p11::Object& shared, std::size_t shared_bytes) const;
  // master_secret = HKDF-Extract(Derive-Secret(handshake, "derived", ""), 0).
  Tls13Secret master_secret(const Tls13Secret& handshake) const;

  // Derive-Secret(base, label, transcript): from early "c e traffic" (client
  // only), from handshake "c/s hs traffic", from master "c/s ap traffic".
  Tls13Secret traffic_secret(const Tls13Secret& base, Tls13Side side, std::span<const std::uint8_t> transcript) const;
  // From early "e exp master", from master "exp master".
  Tls13Secret exporter_master(const Tls13Secret& base, std::span<const std::uint8_t> transcript) const;
  Tls13Secret resumption_master(const Tls13Secret& master, std::span<const std::uint8_t> transcript) const;
  // Derive-Secret(early, "ext binder" | "res binder", "").
  Tls13Secret binder_key(const Tls13Secret& early, Tls13Binder kind) const;
  // HKDF-Expand-Label(resumption_master, "resumption", ticket_nonce, Hash.length).
  // `wrappable`: extractable for a pool blob (TokenPool::masters_wrappable).
  Tls13Secret pre_shared_key(const Tls13Secret& resumption_master, std::span<const std::uint8_t> ticket_nonce,
                             bool wrappable = false) const;
  // HKDF-Expand-Label(application traffic secret, "traffic upd", "", Hash.length) (KeyUpdate).
  Tls13Secret next_traffic_secret(const Tls13Secret& traffic) const;

  // key = HKDF-Expand-Label(secret, "key", "", key length) as a token object,
  // iv = HKDF-Expand-Label(secret, "iv", "", 12) to the host.
  Tls13WriteKey write_key(const Tls13Secret& traffic) const;
  // verify_data = HMAC(HKDF-Expand-Label(base, "finished", "", Hash.length),
  // transcript) with the finished key a token object; `out` = Hash.length bytes.
  // `base` is a traffic secret or a binder key.
  void finished(const Tls13Secret& base, std::span<const std::uint8_t> transcript, std::span<std::uint8_t> out) const;
  // RFC 8446 §7.5: HKDF-Expand-Label(Derive-Secret(exporter master, label, ""),
  // "exporter", Hash(context), out.size()). No context and an empty one are
  // the same in TLS 1.3. `base` is an exporter or early exporter master.
  void export_keying_material(const Tls13Secret& base, std::string_view label, std::span<const std::uint8_t> context,
                              std::span<std::uint8_t> out) const;

  // A PSK or (EC)DHE secret given as bytes, as a token object of this path's
  // IKM template (an external PSK; the tests' fixed (EC)DHE inputs).
  Tls13Secret import_psk(const Tls13Suite& suite, std::span<const std::uint8_t> value) const;

 private:
  Tls13Secret derive_secret(const Tls13Secret& base, std::string_view label, std::span<const std::uint8_t> transcript,
                            Tls13SecretKind kind) const;
  Tls13Secret expand_label(const Tls13Secret& base, std::string_view label, std::span<const std::uint8_t> context,
                           Tls13SecretKind kind, tls13_templates::Use use = tls13_templates::Use::chain) const;

  std::shared_ptr<p11::SessionPool> pool_;
  p11::Capabilities caps_;
  DerivationPolicy policy_;
  p11::DerivationPath path_;
  std::unique_ptr<Tls13Hkdf> hkdf_;
};

}  // namespace sslp11::core
