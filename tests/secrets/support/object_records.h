// The test side of the recording shim (record_shim.h): a token spec routed
// through it, its controls, and its events in C++ form.
#pragma once

#include <string>
#include <vector>

#include "pkcs11/cryptoki.h"
#include "secrets/support/record_shim.h"
#include "secrets/support/secret_patterns.h"
#include "support/test_tokens.h"

namespace sslp11::secretstest {

// `real` routed through the recording shim: module_path = the shim and
// $SSLP11_RECORD_MODULE = the real module. The result can itself be routed
// through tests/faults' fault shim (faults::through_shim), which then injects
// its faults in front of the recorder.
test::TokenSpec through_recorder(const test::TokenSpec& real);
std::string recorder_path();

struct ObjectEvent : sslp11_record_event {
  bool is(int k) const { return kind == k; }
  bool secret_or_private() const {
    return attrs.has_cls != 0 && (attrs.cls == CKO_SECRET_KEY || attrs.cls == CKO_PRIVATE_KEY);
  }
};

// The controls (each loads the shim if it is not loaded yet).
namespace recorder {
void step(unsigned long step);
void readback();
std::vector<ObjectEvent> events();
void clear();
// Keep 48-byte C_GenerateRandom outputs from now on (wipes earlier ones).
void capture_random(bool on);
std::vector<Bytes> randoms();
// The sessions open on the module behind the shim.
std::vector<CK_SESSION_HANDLE> sessions();
}  // namespace recorder

// "CKO_SECRET_KEY CKK_AES token=0 sensitive=1 extractable=0 value_len=16".
std::string describe_attrs(const sslp11_record_attrs& a);
// "C_DeriveKey(CKM_ECDH1_DERIVE) [private] handle 0x12".
std::string describe_origin(const sslp11_record_event& e);
std::string kind_name(int kind);

}  // namespace sslp11::secretstest
