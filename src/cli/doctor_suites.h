// doctor's question about each offered TLS 1.2 cipher suite: can the token
// run it on every curve the provider offers? The provider lists suites
// (Sslp11GetTokenReport) and curves (SslEnumEccCurves) apart, and a TLS
// stack pairs them as the peer asks; some pairs cannot run (SoftHSM's
// CKM_SHA384_HMAC wants 48-byte keys, a P-256 pre-master has 32). Asked of
// the provider, one pair at a time (SslLookupCipherSuiteInfo with the curve
// as dwKeyType); the rule itself stays in the provider.
#pragma once

#include <string>
#include <vector>

#include "cli/provider_handle.h"

namespace sslp11::cli {

struct SuiteOnCurves {
  std::string suite;
  std::vector<std::string> runs_on;  // curves (CNG names) it runs on; empty for a suite without ECDHE
  std::vector<std::pair<std::string, std::string>> fails_on;  // curve, the provider's reason
  bool needs_curve = false;                                   // an ECDHE suite

  bool runs_everywhere() const noexcept { return fails_on.empty(); }
  bool runs_nowhere() const noexcept { return needs_curve && runs_on.empty(); }
};

// Each name in `offered`, in order.
std::vector<SuiteOnCurves> check_suites_on_curves(const ProviderHandle& provider,
                                                  const std::vector<std::string>& offered);

}  // namespace sslp11::cli
