// The TLS 1.3 key schedule (RFC 8446 §7.1) as sslp11-tls drives it, one
// Ssl* call per step (reference §2.I, §7.5). Every secret is a handle to a
// token object; only verify_data, binders and exporter output come back.
#pragma once

#include <cstdint>
#include <string>

#include "tls/bytes.h"
#include "tls/provider.h"

namespace sslp11::tls::schedule13 {

// SslExtractEarlyKey: from a PSK (resumption), or from nothing (0).
SslObject early_secret(const Provider& p, NCRYPT_KEY_HANDLE psk, std::uint32_t suite);
// SslExtractHandshakeKey: the (EC)DHE secret of our key share and the peer's.
SslObject handshake_secret(const Provider& p, NCRYPT_KEY_HANDLE own, NCRYPT_KEY_HANDLE peer, NCRYPT_KEY_HANDLE early);
SslObject master_secret(const Provider& p, NCRYPT_KEY_HANDLE handshake);

// SslExpandTrafficKeys: the client and server traffic secrets over the transcript.
struct TrafficSecrets {
  SslObject client, server;
};
TrafficSecrets traffic_secrets(const Provider& p, NCRYPT_KEY_HANDLE base, NCRYPT_HASH_HANDLE transcript);
// SslExpandWriteKey: the record key and IV of a traffic secret.
SslObject write_key(const Provider& p, NCRYPT_KEY_HANDLE traffic_secret);
// SslExpandNextGenTrafficKey: application_traffic_secret_N+1 (KeyUpdate).
SslObject next_generation(const Provider& p, NCRYPT_KEY_HANDLE traffic_secret);

SslObject exporter_master(const Provider& p, NCRYPT_KEY_HANDLE master, NCRYPT_HASH_HANDLE transcript);
SslObject resumption_master(const Provider& p, NCRYPT_KEY_HANDLE master, NCRYPT_HASH_HANDLE transcript);

// After the server Finished (both roles): the master secret, the application
// traffic secrets and the exporter master secret over the same transcript.
struct ApplicationSecrets {
  SslObject master;
  TrafficSecrets traffic;
  SslObject exporter;
};
ApplicationSecrets application_secrets(const Provider& p, NCRYPT_KEY_HANDLE handshake, NCRYPT_HASH_HANDLE transcript);
// SslExpandPreSharedKey: the PSK of one NewSessionTicket (its nonce).
SslObject ticket_psk(const Provider& p, NCRYPT_KEY_HANDLE resumption_master, ByteView nonce);
// SslExpandBinderKey with the "res binder" label.
SslObject resumption_binder_key(const Provider& p, NCRYPT_KEY_HANDLE early);

// SslComputeFinishedHash on a traffic secret or binder key: `n` bytes.
Bytes finished(const Provider& p, NCRYPT_KEY_HANDLE base, NCRYPT_HASH_HANDLE transcript, std::size_t n);
// SslExportKeyingMaterial on an exporter master secret, empty context.
Bytes export_keying_material(const Provider& p, NCRYPT_KEY_HANDLE exporter, const std::string& label, std::size_t n);

// The label sslp11-tls prints an exporter value for (32 bytes).
inline constexpr const char* kExporterLabel = "EXPERIMENTAL sslp11";

}  // namespace sslp11::tls::schedule13
