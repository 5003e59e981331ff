// Throwaway PKCS#11 test tokens for the sslp11 test suites.
//
// Every test process gets its own temporary directory
// ($TMPDIR or /tmp)/sslp11-test-<pid>-XXXXXX holding a private SoftHSMv2
// configuration and token store.  Nothing outside that directory is touched:
// not the system token store (/var/lib/softhsm), not the user's softhsm2.conf.
// The directory is removed when the process exits, unless the environment
// variable SSLP11_KEEP_TEST_TOKENS=1 is set (handy for post-mortem poking with
// softhsm2-util / pkcs11-tool; the path is then printed to stderr at exit).
//
// Two token kinds are provided:
//  * SoftHSMv2 ("softhsm"): a real, login-protected token created with
//    softhsm2-util.  softhsm() sets SOFTHSM2_CONF (setenv) to the private
//    config, so call it before C_Initialize of the SoftHSM module and before
//    starting threads (it is also called by all(), i.e. when the gtest
//    parameter generators run at test registration).
//  * NSS softoken ("nss"): no database at all; C_Initialize must receive
//    TokenSpec::init_args in CK_C_INITIALIZE_ARGS.pReserved.  Slot 1 needs no
//    login; only session objects are usable.
//
// Module locations are searched at run time (Debian multiarch and a few other
// common layouts) and can be overridden with SSLP11_TEST_SOFTHSM_MODULE and
// SSLP11_TEST_NSS_MODULE; SSLP11_TEST_SOFTHSM_UTIL overrides the softhsm2-util
// executable (default: looked up in PATH).
//
// This file depends on nothing else in sslp11.
#pragma once

#include <gtest/gtest.h>

#include <iosfwd>
#include <string>
#include <vector>

namespace sslp11::test {

struct TokenSpec {
  std::string name;          // "softhsm" or "nss": the gtest parameter name
  std::string module_path;   // absolute path of the PKCS#11 module
  std::string init_args;     // C_Initialize pReserved string ("" for SoftHSM)
  std::string label;         // CK_TOKEN_INFO.label, blank padding stripped
  std::string serial;        // CK_TOKEN_INFO.serialNumber, blank padding stripped
  std::string user_pin;      // "" when no login is needed (NSS)
  std::string so_pin;        // "" for NSS
  bool login_required = false;
  std::string expected_path; // "composed" for SoftHSM, "native" for NSS
};

class TestTokens {
 public:
  // Lazily creates ONE throwaway SoftHSM token per process (label
  // "sslp11-test", random PINs) and sets SOFTHSM2_CONF.  Thread-safe; the
  // returned reference stays valid for the life of the process.
  static const TokenSpec& softhsm();
  // The NSS softoken's "NSS Generic Crypto Services" token (slot 1).
  static const TokenSpec& nss();
  // {softhsm(), nss()}
  static std::vector<TokenSpec> all();
  // The tokens a test applies to (e.g. only those that need a login), so a
  // not-applicable combination is never instantiated rather than skipped.
  static std::vector<TokenSpec> where(bool (*applies)(const TokenSpec&));
  static bool needs_login(const TokenSpec& t) { return t.login_required; }
  static bool needs_no_login(const TokenSpec& t) { return !t.login_required; }
  static bool is_native(const TokenSpec& t) { return t.expected_path == "native"; }
  // Initialises one more SoftHSM token (fresh random PINs) in the same
  // per-process token directory and returns its spec.  The label must be
  // 1..32 bytes.  The spec's name is "softhsm" as well.
  static TokenSpec create_softhsm_token(const std::string& label);
  // The per-process directory (SoftHSM config + token store), created lazily.
  static const std::string& temp_dir();
};

// For INSTANTIATE_TEST_SUITE_P(P, Suite, ::testing::ValuesIn(TestTokens::all()), TokenName{}).
struct TokenName {
  std::string operator()(const ::testing::TestParamInfo<TokenSpec>& info) const;
};

// Prints name, module, label, serial and path -- never the PINs (gtest prints
// test parameters on failure).
std::ostream& operator<<(std::ostream& os, const TokenSpec& spec);

}  // namespace sslp11::test
