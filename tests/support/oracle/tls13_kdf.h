// The TLS 1.3 key schedule by OpenSSL (EVP_KDF "TLS13-KDF", RFC 8446 §7.1),
// for the differential and RFC 8448 tests of src/core/tls13_*. Never linked
// with sslp11: every value here comes from libcrypto.
#pragma once

#include <optional>
#include <string_view>

#include "support/oracle/bytes.h"
#include "support/suite_facts.h"

namespace sslp11::oracle {

// TLS13-KDF in EXTRACT_ONLY mode: HKDF-Extract(salt, ikm) where salt =
// Derive-Secret(previous, "derived", "") when there is a previous secret and
// Hash.length zeros otherwise, and ikm nullopt = Hash.length zeros. So
// early = tls13_extract(h, nullopt, psk), handshake = tls13_extract(h, early, dhe),
// master = tls13_extract(h, handshake, nullopt).
Bytes tls13_extract(Hash h, const std::optional<Bytes>& previous, const std::optional<Bytes>& ikm);

// TLS13-KDF in EXPAND_ONLY mode: HKDF-Expand-Label(secret, label, context, length).
Bytes tls13_expand_label(Hash h, ByteView secret, std::string_view label, ByteView context, std::size_t length);

// Derive-Secret(secret, label, transcript hash) = HKDF-Expand-Label(..., Hash.length).
Bytes tls13_derive_secret(Hash h, ByteView secret, std::string_view label, ByteView transcript_hash);

// verify_data = HMAC(HKDF-Expand-Label(base, "finished", "", Hash.length), transcript hash).
Bytes tls13_finished(Hash h, ByteView base, ByteView transcript_hash);

// RFC 8446 §7.5: HKDF-Expand-Label(Derive-Secret(exporter_master, label, ""),
// "exporter", Hash(context), length).
Bytes tls13_export(Hash h, ByteView exporter_master, std::string_view label, ByteView context, std::size_t length);

}  // namespace sslp11::oracle
