// What a TLS 1.3 secret handle names, and how the TLS 1.3 Ssl* functions
// look one up. The secret itself is the core's (core/tls13_secrets.h); the
// C boundary adds the schedule that made it, so the next step runs on the same
// token, path and policy. A TLS 1.3 write key is published as a
// core::SessionKey of protocol 0x0304 (the record functions take it as they
// take a TLS 1.2 session key).
#pragma once

#include <initializer_list>
#include <memory>
#include <span>
#include <vector>

#include <sslp11/sslprovider.h>

#include "abi/handles.h"
#include "core/tls13_schedule.h"

namespace sslp11::abi {

struct Tls13SecretKey {
  std::shared_ptr<core::TokenContext> token;
  std::shared_ptr<const core::Tls13Schedule> schedule;
  core::Tls13Secret secret;
  // An early secret without a PSK: HKDF-Extract(0, zeros), the same on every
  // pool member. A call that meets it with keys of another member makes it
  // again there (early_secret_on) instead of refusing a mix of members:
  // SslExtractEarlyKey and SslCreateEphemeralKey are placed independently.
  bool portable = false;
  // A PSK that can travel (core/tls13_pool_blobs.h): made wrappable, or
  // imported from the blob kept here. An early secret made from one keeps it
  // (`travelling_psk`), so that meeting a key share of another member it is
  // made again there from the PSK imported on that member, as a portable
  // early secret is: the key share is placed independently of the ticket.
  std::shared_ptr<const std::vector<std::uint8_t>> pool_blob = nullptr;
  std::shared_ptr<const Tls13SecretKey> travelling_psk = nullptr;
};

// The PSK travels: its early secrets follow the key share.
bool travels(const Tls13SecretKey& psk);

// `early` on the provider's member (another than its own): made again there,
// from zeros or from its PSK imported there. Throws as the steps do.
std::shared_ptr<Tls13SecretKey> early_secret_here(const ProviderRef& provider, const Tls13SecretKey& early);

// The TLS 1.3 schedule of the provider's token: one per token context, kept
// by every provider instance that used it (Owner::tls13) and by every secret.
// NTE_NOT_SUPPORTED (with the reason) when the token can run none, or only
// the composed one and the policy is native-only.
std::shared_ptr<const core::Tls13Schedule> tls13_schedule(const ProviderRef& provider);

// The TLS 1.3 suite for (protocol, suite) that this provider's token runs:
// NTE_NOT_SUPPORTED for another protocol, an id that is no TLS 1.3 suite, or
// a suite the token cannot run (with the reason).
const core::Tls13Suite& offered_tls13_suite(const core::Provider& provider, DWORD protocol, DWORD suite);

// The live TLS 1.3 secret behind `h`, made by `provider`, of one of `kinds`:
// NTE_INVALID_HANDLE for anything else, NTE_BAD_KEY_STATE when its token
// object is gone.
std::shared_ptr<Tls13SecretKey> tls13_secret_from(NCRYPT_KEY_HANDLE h, const ProviderRef& provider,
                                                  std::initializer_list<core::Tls13SecretKind> kinds,
                                                  const char* what);

// A new handle to `secret`, made by `from`'s schedule.
NCRYPT_KEY_HANDLE publish_tls13(const Tls13SecretKey& from, core::Tls13Secret secret, const ProviderRef& provider);

// The resumption PSK behind `h` when it may leave as a pool blob
// (core/tls13_pool_blobs.h: made in a pool whose members all hold the pool
// key); NTE_NOT_SUPPORTED for every other TLS 1.3 secret.
std::shared_ptr<Tls13SecretKey> wrappable_psk_from(NCRYPT_KEY_HANDLE h, const ProviderRef& provider);

// A PSK from its pool blob, on the member the pool's policy places it on (a
// resumption starts a new key schedule there): NTE_BAD_DATA for a refused blob.
NCRYPT_KEY_HANDLE import_pool_psk(const ProviderRef& provider, std::span<const std::uint8_t> blob);

// The transcript hash behind `h` as its digest, checked against the secret's
// suite (a TLS 1.3 hash of the same hash algorithm).
std::vector<std::uint8_t> tls13_transcript(NCRYPT_HASH_HANDLE h, const ProviderRef& provider,
                                           const core::Tls13Secret& secret);

}  // namespace sslp11::abi
