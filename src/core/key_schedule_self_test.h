// The token self-test behind Sslp11RunSelfTest (and `sslp11-admin doctor`):
// a full TLS 1.2 key schedule run on the token over the fixed inputs of
// self_test_vectors.h and compared with the known answers there, so a token
// whose TLS mechanisms disagree with the standard is caught before a peer
// sees it. The pre-master and master are made for this test only,
// deliberately NOT sensitive and extractable so the token's results can be
// read back; they are session objects, destroyed before the test returns.
//
//   master secret        native: CKM_TLS12_MASTER_KEY_DERIVE_DH;
//                        composed: composed_prf (C_Sign HMAC-SHA256)
//   extended master      the token's RFC 7627 mechanism / composed_prf
//   key block            the token context's own KeySchedule (the code
//                        SslGenerateSessionKeys runs): fixed IVs, and every
//                        key the token lets us read; composed: the whole
//                        block through composed_prf as well
#pragma once

#include <string>
#include <vector>

#include "core/token_context.h"

namespace sslp11::core {

struct SelfTestReport {
  bool passed = false;
  bool skipped = false;              // nothing this test can check (no SHA-256-PRF suite offered)
  p11::DerivationPath path = p11::DerivationPath::unusable;
  const CipherSuite* suite = nullptr;  // the suite whose key block was derived
  std::vector<std::string> steps;    // what was compared, one line each
  std::string failure;               // one line when !passed
};

// Throws what the token's calls throw when a step cannot run at all; a
// result that differs is a report with passed == false.
SelfTestReport run_key_schedule_self_test(const TokenContext& token);

}  // namespace sslp11::core
