#include "tls/schedule13.h"

namespace sslp11::tls::schedule13 {

SslObject early_secret(const Provider& p, NCRYPT_KEY_HANDLE psk, std::uint32_t suite) {
  SslObject out;
  check(SslExtractEarlyKey(p.get(), psk, out.out(), TLS1_3_PROTOCOL_VERSION, suite, nullptr, 0), "SslExtractEarlyKey");
  return out;
}

SslObject handshake_secret(const Provider& p, NCRYPT_KEY_HANDLE own, NCRYPT_KEY_HANDLE peer, NCRYPT_KEY_HANDLE early) {
  SslObject out;
  check(SslExtractHandshakeKey(p.get(), own, peer, early, out.out(), nullptr, 0), "SslExtractHandshakeKey");
  return out;
}

SslObject master_secret(const Provider& p, NCRYPT_KEY_HANDLE handshake) {
  SslObject out;
  check(SslExtractMasterKey(p.get(), handshake, out.out(), nullptr, 0), "SslExtractMasterKey");
  return out;
}

TrafficSecrets traffic_secrets(const Provider& p, NCRYPT_KEY_HANDLE base, NCRYPT_HASH_HANDLE transcript) {
  TrafficSecrets out;
  check(SslExpandTrafficKeys(p.get(), base, transcript, out.client.out(), out.server.out(), nullptr, 0),
        "SslExpandTrafficKeys");
  return out;
}

SslObject write_key(const Provider& p, NCRYPT_KEY_HANDLE traffic_secret) {
  SslObject out;
  check(SslExpandWriteKey(p.get(), traffic_secret, out.out(), nullptr, 0), "SslExpandWriteKey");
  return out;
}

SslObject next_generation(const Provider& p, NCRYPT_KEY_HANDLE traffic_secret) {
  SslObject out;
  check(SslExpandNextGenTrafficKey(p.get(), traffic_secret, out.out(), nullptr, 0), "SslExpandNextGenTrafficKey");
  return out;
}

SslObject exporter_master(const Provider& p, NCRYPT_KEY_HANDLE master, NCRYPT_HASH_HANDLE transcript) {
  SslObject out;
  check(SslExpandExporterMasterKey(p.get(), master, transcript, out.out(), nullptr, 0), "SslExpandExporterMasterKey");
  return out;
}

SslObject resumption_master(const Provider& p, NCRYPT_KEY_HANDLE master, NCRYPT_HASH_HANDLE transcript) {
  SslObject out;
  check(SslExpandResumptionMasterKey(p.get(), master, transcript, out.out(), nullptr, 0),
        "SslExpandResumptionMasterKey");
  return out;
}

SslObject ticket_psk(const Provider& p, NCRYPT_KEY_HANDLE resumption_master, ByteView nonce) {
  SslObject out;
  Bytes copy(nonce.begin(), nonce.end());
  check(SslExpandPreSharedKey(p.get(), resumption_master, copy.empty() ? nullptr : copy.data(),
                              static_cast<DWORD>(copy.size()), out.out(), nullptr, 0),
        "SslExpandPreSharedKey");
  return out;
}

SslObject resumption_binder_key(const Provider& p, NCRYPT_KEY_HANDLE early) {
  SslObject out;
  check(SslExpandBinderKey(p.get(), early, out.out(), nullptr, NCRYPT_SSL_RESUMPTION_PSK_FLAG), "SslExpandBinderKey");
  return out;
}

Bytes finished(const Provider& p, NCRYPT_KEY_HANDLE base, NCRYPT_HASH_HANDLE transcript, std::size_t n) {
  Bytes out(n);
  check(SslComputeFinishedHash(p.get(), base, transcript, out.data(), static_cast<DWORD>(n), 0),
        "SslComputeFinishedHash");
  return out;
}

Bytes export_keying_material(const Provider& p, NCRYPT_KEY_HANDLE exporter, const std::string& label, std::size_t n) {
  Bytes out(n);
  std::string l = label;
  check(SslExportKeyingMaterial(p.get(), exporter, l.data(), nullptr, 0, nullptr, 0, out.data(),
                                static_cast<DWORD>(n), 0),
        "SslExportKeyingMaterial");
  return out;
}

ApplicationSecrets application_secrets(const Provider& p, NCRYPT_KEY_HANDLE handshake, NCRYPT_HASH_HANDLE transcript) {
  ApplicationSecrets out;
  out.master = master_secret(p, handshake);
  out.traffic = traffic_secrets(p, out.master.get(), transcript);
  out.exporter = exporter_master(p, out.master.get(), transcript);
  return out;
}

}  // namespace sslp11::tls::schedule13
