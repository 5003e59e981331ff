#include "core/tls13_pool_blobs.h"

#include "core/error.h"
#include "core/pool_blobs.h"
#include "core/tls13_templates.h"

namespace sslp11::core::pool_blobs {

std::size_t psk_blob_bytes(const Tls13Suite& suite) { return blob_bytes(suite.hash_bytes()); }

std::vector<std::uint8_t> export_psk(TokenContext& token, const Tls13Secret& psk) {
  if (psk.kind != Tls13SecretKind::psk || !psk.wrappable) {
    throw Error(Fault::internal, "pool key blob asked for a TLS 1.3 secret that is not a wrappable PSK");
  }
  if (!psk.object.alive()) {
    throw Error(Fault::bad_key_state, "the key no longer exists on the token (its session was lost)");
  }
  return seal(token, Header{Kind::tls13_psk, 0, kTls13Version, psk.suite->id, psk.suite->hash_bytes()},
              psk.object.handle());
}

Tls13Secret import_psk(const Provider& provider, const Tls13Schedule& schedule, std::span<const std::uint8_t> blob) {
  const Header h = parse(blob, Kind::tls13_psk);
  if (h.flags != 0 || h.protocol != kTls13Version) bad_blob("malformed header");
  // The pool's suites are those every member runs, so the importing
  // member's schedule runs it too.
  const Tls13Suite* suite = provider.pool()->offered_tls13_suite(h.suite);
  if (suite == nullptr) bad_blob("its cipher suite is not offered here");
  if (h.secret_bytes != suite->hash_bytes()) bad_blob("malformed header");
  // An ikm like any PSK of this member's path: sensitive and not extractable
  // on the native path, readable on the composed one.
  p11::Object object = open(*provider.token(), blob,
                            tls13_templates::unwrapped(schedule.path(), tls13_templates::Use::ikm, CKK_GENERIC_SECRET));
  return Tls13Secret{suite, Tls13SecretKind::psk, schedule.path(), std::move(object)};
}

}  // namespace sslp11::core::pool_blobs
