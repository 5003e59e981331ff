// Operator names for PKCS#11 mechanisms and their info flags. The CKM_ names
// come from one table the build generates from the headers sslp11 compiles
// against (p11-kit's pkcs11.h, then pkcs11/tls_params.h with the PKCS#11 3.x
// and NSS vendor additions), so no list of names is typed by hand. When a
// value has several names the one defined last wins: the headers list the
// current PKCS#11 name after the deprecated alias (CKM_EC_KEY_PAIR_GEN after
// CKM_ECDSA_KEY_PAIR_GEN, CKM_CAST128_* after CKM_CAST5_*).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pkcs11/cryptoki.h"

namespace sslp11::p11 {

// The CKM_ name, or nullopt for a value no header names.
std::optional<std::string_view> known_mechanism_name(CK_MECHANISM_TYPE m);
// "CKM_TLS12_KEY_AND_MAC_DERIVE"; for a value no header names, its hex and
// which range it is in: "0x80001234 (vendor)" or "0x9999 (unknown)".
std::string mechanism_name(CK_MECHANISM_TYPE m);
bool is_vendor_mechanism(CK_MECHANISM_TYPE m);

// CK_MECHANISM_INFO.flags in the words and order of `pkcs11-tool -M`: hw,
// encrypt, decrypt, digest, sign, sign_recover, verify, verify_recover,
// generate, generate_key_pair, wrap, unwrap, derive, then the EC flags
// ("EC F_P", "EC OID", ...); bits none of these covers as one
// "other flags=0x...".
std::vector<std::string> mechanism_flag_names(CK_FLAGS flags);
// One mechanism as `pkcs11-tool -M` prints it, with the CKM_ name:
// "CKM_SHA256_HMAC, keySize={32,512}, sign, verify". keySize is left out
// when the token states no sizes, and a bound of 0 is left empty.
std::string mechanism_info_line(CK_MECHANISM_TYPE m, const CK_MECHANISM_INFO& info);

}  // namespace sslp11::p11
