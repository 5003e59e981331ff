// doctor's self-test: a full TLS 1.2 key schedule run on the token, on
// throwaway data, and cross-checked against the software PRF of
// selftest_prf.h. The pre-master and master are made for this test only,
// deliberately NOT sensitive and extractable so the token's results can be
// read back; they are session objects, destroyed before the test returns.
//
//   master secret        native: CKM_TLS12_MASTER_KEY_DERIVE_DH;
//                        composed: core::composed_prf (C_Sign HMAC-SHA256)
//   extended master      the token's RFC 7627 mechanism / composed_prf
//   key block            the token context's own KeySchedule (the code
//                        SslGenerateSessionKeys runs): fixed IVs, and every
//                        key the token lets us read; composed: the whole
//                        block through composed_prf as well
#pragma once

#include <string>
#include <vector>

#include "core/token_context.h"

namespace sslp11::cli {

struct SelfTestReport {
  bool passed = false;
  bool skipped = false;          // nothing this test can check (no SHA-256-PRF suite)
  p11::Tier path = p11::Tier::unusable;
  std::string suite;             // the suite whose key block was derived
  std::vector<std::string> steps;  // what was compared, for --verbose
  std::string failure;           // one line when !passed
};

SelfTestReport run_self_test(const core::TokenContext& token);

}  // namespace sslp11::cli
