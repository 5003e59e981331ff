// Keying material for the caller: SslExportKeyingMaterial (RFC 5705) and
// SslComputeEapKeyBlock (EAP-TLS, EAP-TTLS, EAP-FAST). Validate, translate,
// call the core (src/core/exporters.h).
#include <cstring>
#include <optional>

#include "abi/guard.h"
#include "abi/handles.h"
#include "abi/tls13_keys.h"
#include "core/exporters.h"

using namespace sslp11;
using namespace sslp11::abi;

namespace {

constexpr DWORD kRandomsBytes = 64;     // client_random || server_random
constexpr std::size_t kMaxLabel = 255;  // RFC 5705 labels are short ASCII names

void require_randoms(PBYTE randoms, DWORD cb_randoms) {
  if (randoms == nullptr || cb_randoms != kRandomsBytes) {
    fail(NTE_INVALID_PARAMETER, "pbRandoms must be client_random || server_random (64 bytes)");
  }
}

// The NUL-terminated label without its terminator; refuses one that runs on
// past kMaxLabel (a missing terminator must not walk off into memory).
std::string_view label_view(PCHAR label) {
  const std::size_t n = strnlen(label, kMaxLabel + 1);
  if (n > kMaxLabel) fail(NTE_INVALID_PARAMETER, "sLabel is longer than 255 characters (or not NUL-terminated)");
  return {label, n};
}

// The key block an SslComputeEapKeyBlock selector (the low byte of dwFlags)
// names, or nullopt if sslp11 does not know it.
std::optional<core::EapKeyBlock> eap_key_block_for(DWORD selector) {
  switch (selector) {
    case NCRYPT_SSL_EAP_ID: return core::EapKeyBlock::eap_tls;
    case NCRYPT_SSL_EAP_TTLSV0_ID: return core::EapKeyBlock::ttls_keying;
    case NCRYPT_SSL_EAP_TTLSV0_CHLNG_ID: return core::EapKeyBlock::ttls_challenge;
    case NCRYPT_SSL_EAP_FAST_ID: return core::EapKeyBlock::eap_fast;
    default: return std::nullopt;
  }
}

}  // namespace

extern "C" {

SECURITY_STATUS WINAPI SslExportKeyingMaterial(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hMasterKey,
                                               PCHAR sLabel, PBYTE pbRandoms, DWORD cbRandoms, PBYTE pbContextValue,
                                               WORD cbContextValue, PBYTE pbOutput, DWORD cbOutput, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hMasterKey", hMasterKey, "cbRandoms", cbRandoms,
                           "cbContextValue", cbContextValue, "cbOutput", cbOutput, "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    if (sLabel == nullptr) fail(NTE_INVALID_PARAMETER, "sLabel is NULL");
    if (pbOutput == nullptr || cbOutput == 0) fail(NTE_INVALID_PARAMETER, "no output buffer");
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "SslExportKeyingMaterial takes no flags");
    if (cbOutput > core::kMaxExportBytes) fail(NTE_INVALID_PARAMETER, "sslp11 exports at most 65536 bytes per call");
    if (auto entry = HandleTable::instance().find(hMasterKey); entry && entry->kind == HandleKind::tls13_secret) {
      // RFC 8446 §7.5: no randoms (the exporter master has the transcript),
      // and no context is the empty context.
      if (pbRandoms != nullptr || cbRandoms != 0) {
        fail(NTE_INVALID_PARAMETER, "a TLS 1.3 exporter takes no randoms (pbRandoms NULL, cbRandoms 0)");
      }
      if (pbContextValue == nullptr && cbContextValue != 0) {
        fail(NTE_INVALID_PARAMETER, "cbContextValue must be 0 when pbContextValue is NULL");
      }
      const std::string_view label = label_view(sLabel);
      // The TLS 1.2 labels stay reserved here too: one rule for every exporter.
      core::check_exporter_input(label, {});
      auto base = tls13_secret_from(hMasterKey, provider,
                                    {core::Tls13SecretKind::exporter_master, core::Tls13SecretKind::early_exporter_master},
                                    "hMasterKey");
      const std::span<const std::uint8_t> context(pbContextValue, pbContextValue == nullptr ? 0 : cbContextValue);
      base->schedule->export_keying_material(base->secret, label, context, {pbOutput, cbOutput});
      return;
    }
    // TLS 1.2 exporters need the randoms (TLS 1.3's would take NULL/0, but
    // sslp11's master keys are all TLS 1.2).
    require_randoms(pbRandoms, cbRandoms);
    if (pbContextValue == nullptr && cbContextValue != 0) {
      fail(NTE_INVALID_PARAMETER, "cbContextValue must be 0 when pbContextValue is NULL");
    }
    // The label, randoms and context are checked together by the core: the
    // PRF sees them as one string (core::check_exporter_input).
    const std::string_view label = label_view(sLabel);
    auto master = live_master_from(hMasterKey, provider);
    // RFC 5705: a NULL context (no length field) is not an empty one (00 00).
    std::optional<std::span<const std::uint8_t>> context;
    if (pbContextValue != nullptr) context = std::span<const std::uint8_t>(pbContextValue, cbContextValue);
    core::export_keying_material(*master, label, {pbRandoms, cbRandoms}, context, {pbOutput, cbOutput});
  });
}

SECURITY_STATUS WINAPI SslComputeEapKeyBlock(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hMasterKey,
                                             PBYTE pbRandoms, DWORD cbRandoms, PBYTE pbOutput, DWORD cbOutput,
                                             DWORD* pcbResult, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hMasterKey", hMasterKey, "cbRandoms", cbRandoms,
                           "cbOutput", cbOutput, "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    if (pcbResult == nullptr) fail(NTE_INVALID_PARAMETER, "pcbResult is NULL");
    // The header's reading of dwFlags (the low byte selects the EAP PRF) wins
    // over Learn's "NCRYPT_SSL_SERVER_FLAG for a server": the two collide
    // (SERVER_FLAG = 2 = TTLSv0 challenge) and the output does not depend on
    // the side.
    if ((dwFlags & ~DWORD{NCRYPT_SSL_EAP_PRF_FIELD}) != 0) fail(NTE_BAD_FLAGS, "only the EAP selector byte is allowed");
    const auto kind = eap_key_block_for(dwFlags & NCRYPT_SSL_EAP_PRF_FIELD);
    if (!kind) fail(NTE_BAD_FLAGS, "unknown EAP selector (0 EAP-TLS, 1 TTLSv0, 2 TTLSv0 challenge, 3 EAP-FAST)");
    require_randoms(pbRandoms, cbRandoms);
    auto master = live_master_from(hMasterKey, provider);
    const std::size_t size = core::eap_key_block_bytes(*kind);
    *pcbResult = static_cast<DWORD>(size);
    if (pbOutput == nullptr) return;  // size query
    if (cbOutput < size) fail(NTE_BUFFER_TOO_SMALL, "the output buffer is smaller than the EAP key block");
    core::compute_eap_key_block(*master, *kind, {pbRandoms, cbRandoms}, {pbOutput, size});
  });
}

}  // extern "C"
