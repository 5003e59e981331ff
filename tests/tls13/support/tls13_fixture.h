// A TLS 1.3 key schedule on a throwaway test token, and the checks the
// TLS 1.3 tests share. The token is opened through core::TokenContext (no
// Ssl* handle: the TLS 1.3 functions are wired on top of the core later).
//
// How a secret that never leaves the token is compared with OpenSSL's
// (tests/support/oracle/tls13_kdf.h): by what may leave the token -- an
// HKDF-Expand-Label of it with a test-only label ("sslp11 probe") read
// through the schedule's own HKDF output path for caller-bound values
// (CKM_HKDF_DATA natively, C_Sign composed), the same path write IVs and
// exporter output take. Equal probes mean equal secrets (HKDF is a PRF); the
// probe's own correctness is pinned by the RFC 8448 IVs. Write keys are
// compared by an AEAD encryption under them (tests/core/support/key_checks).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/tls13_hkdf.h"
#include "core/tls13_schedule.h"
#include "core/token_context.h"
#include "support/oracle/bytes.h"
#include "support/suite_facts.h"
#include "support/test_tokens.h"

namespace sslp11::tls13test {

using oracle::Bytes;
using oracle::ByteView;

inline constexpr std::string_view kProbeLabel = "sslp11 probe";

class Tls13OnToken : public ::testing::TestWithParam<test::TokenSpec> {
 protected:
  void SetUp() override;
  void TearDown() override;
  const test::TokenSpec& spec() const { return GetParam(); }
  const std::shared_ptr<p11::SessionPool>& pool() const { return token_->pool(); }
  const p11::Capabilities& caps() const { return token_->capabilities(); }
  core::Tls13Schedule& schedule() { return *schedule_; }
  // The path the test token is expected to run TLS 1.3 on (NSS native, SoftHSM composed).
  p11::DerivationPath expected_path() const;

  // HKDF-Expand-Label(secret, "sslp11 probe", "", Hash.length) off the token.
  Bytes probe(const core::Tls13Secret& secret);
  // The same from OpenSSL on the expected secret bytes.
  static Bytes expected_probe(const oracle::SuiteFacts& suite, ByteView secret);
  // The secret's probe equals OpenSSL's on `expected`, and the object is
  // sensitive, not extractable and a session object.
  ::testing::AssertionResult secret_matches(const core::Tls13Secret& secret, const oracle::SuiteFacts& suite,
                                            ByteView expected);
  // The write key encrypts as OpenSSL does under `key`, and the IV is `iv`.
  ::testing::AssertionResult write_key_matches(const core::Tls13WriteKey& wk, const oracle::SuiteFacts& suite,
                                               ByteView key, ByteView iv);
  // An (EC)DHE secret given as bytes, made as the schedule's path makes one.
  p11::Object shared_secret(ByteView z);

  std::shared_ptr<core::TokenContext> token_;
  std::unique_ptr<core::Tls13Schedule> schedule_;
  std::unique_ptr<core::Tls13Hkdf> probe_hkdf_;
};

// CKA_VALUE refused, CKA_EXTRACTABLE false, CKA_TOKEN false.
::testing::AssertionResult object_is_protected(const p11::Lease& lease, CK_OBJECT_HANDLE object, const std::string& what);

}  // namespace sslp11::tls13test
