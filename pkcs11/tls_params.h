// PKCS#11 TLS mechanism parameters that p11-kit 0.24's pkcs11.h does not
// declare. Layouts are the OASIS ones (LP64, natural alignment, no packing);
// the static_asserts pin them to the sizes in the spec tables so a wrong
// field order fails the build instead of a token call.
#pragma once

#include <p11-kit/pkcs11.h>

#include <cstddef>

// Mechanisms that are missing from p11-kit 0.24 or are vendor-defined.
#ifndef CKM_TLS12_EXTENDED_MASTER_KEY_DERIVE
#define CKM_TLS12_EXTENDED_MASTER_KEY_DERIVE (0x56UL)     // PKCS#11 3.2
#define CKM_TLS12_EXTENDED_MASTER_KEY_DERIVE_DH (0x57UL)  // PKCS#11 3.2
#endif
// PKCS#11 3.0: X25519 / X448 keys (RFC 7748), made by their own key-pair
// generator and used with CKM_ECDH1_DERIVE.
#ifndef CKM_EC_MONTGOMERY_KEY_PAIR_GEN
#define CKM_EC_MONTGOMERY_KEY_PAIR_GEN (0x1056UL)
#endif
#ifndef CKK_EC_MONTGOMERY
#define CKK_EC_MONTGOMERY (0x41UL)
#endif
#ifndef CKM_HKDF_DERIVE
#define CKM_HKDF_DERIVE (0x402AUL)
#define CKM_HKDF_DATA (0x402BUL)
#define CKM_HKDF_KEY_GEN (0x402CUL)
#endif
#ifndef CKM_CHACHA20_POLY1305
#define CKM_CHACHA20_POLY1305 (0x4021UL)
#endif
// PKCS#11 3.0 mechanisms NSS softoken lists: named here so that
// `sslp11-admin mechanisms` names them (pkcs11/mechanism_names.h).
#ifndef CKM_CHACHA20_KEY_GEN
#define CKM_CHACHA20_KEY_GEN (0x1225UL)
#define CKM_CHACHA20 (0x1226UL)
#endif
#ifndef CKM_AES_KEY_WRAP_KWP
#define CKM_AES_KEY_WRAP_KWP (0x210BUL)
#endif
#ifndef CKM_SP800_108_COUNTER_KDF
#define CKM_SP800_108_COUNTER_KDF (0x3ACUL)
#define CKM_SP800_108_FEEDBACK_KDF (0x3ADUL)
#define CKM_SP800_108_DOUBLE_PIPELINE_KDF (0x3AEUL)
#endif
#ifndef CKK_CHACHA20
#define CKK_CHACHA20 (0x33UL)
#endif
#ifndef CKF_HKDF_SALT_NULL
#define CKF_HKDF_SALT_NULL (0x1UL)
#define CKF_HKDF_SALT_DATA (0x2UL)
#define CKF_HKDF_SALT_KEY (0x4UL)
#endif

// NSS vendor mechanisms (lib/util/pkcs11n.h): NSS 3.87 has EMS only under these.
#define SSLP11_CKM_NSS (0xCE534350UL)
#define CKM_NSS_TLS_EXTENDED_MASTER_KEY_DERIVE (SSLP11_CKM_NSS + 25)
#define CKM_NSS_TLS_EXTENDED_MASTER_KEY_DERIVE_DH (SSLP11_CKM_NSS + 26)
#define CKM_NSS_HKDF_SHA256 (SSLP11_CKM_NSS + 4)
#define CKM_NSS_HKDF_SHA384 (SSLP11_CKM_NSS + 5)

// CK_TLS_MAC_PARAMS.ulServerOrClient
#define SSLP11_TLS_MAC_SERVER 1UL
#define SSLP11_TLS_MAC_CLIENT 2UL

struct CK_SSL3_RANDOM_DATA {
  CK_BYTE_PTR pClientRandom;
  CK_ULONG ulClientRandomLen;
  CK_BYTE_PTR pServerRandom;
  CK_ULONG ulServerRandomLen;
};

struct CK_TLS12_MASTER_KEY_DERIVE_PARAMS {
  CK_SSL3_RANDOM_DATA RandomInfo;
  CK_VERSION_PTR pVersion;  // out for RSA pre-masters; must be NULL for the _DH mechanism
  CK_MECHANISM_TYPE prfHashMechanism;
};

// Identical layout to NSS's CK_NSS_TLS_EXTENDED_MASTER_KEY_DERIVE_PARAMS.
struct CK_TLS12_EXTENDED_MASTER_KEY_DERIVE_PARAMS {
  CK_MECHANISM_TYPE prfHashMechanism;
  CK_BYTE_PTR pSessionHash;
  CK_ULONG ulSessionHashLen;
  CK_VERSION_PTR pVersion;
};

struct CK_SSL3_KEY_MAT_OUT {
  CK_OBJECT_HANDLE hClientMacSecret;
  CK_OBJECT_HANDLE hServerMacSecret;
  CK_OBJECT_HANDLE hClientKey;
  CK_OBJECT_HANDLE hServerKey;
  CK_BYTE_PTR pIVClient;
  CK_BYTE_PTR pIVServer;
};

struct CK_SSL3_KEY_MAT_PARAMS {
  CK_ULONG ulMacSizeInBits;
  CK_ULONG ulKeySizeInBits;
  CK_ULONG ulIVSizeInBits;
  CK_BBOOL bIsExport;
  CK_SSL3_RANDOM_DATA RandomInfo;
  CK_SSL3_KEY_MAT_OUT* pReturnedKeyMaterial;
};

struct CK_TLS12_KEY_MAT_PARAMS {
  CK_ULONG ulMacSizeInBits;
  CK_ULONG ulKeySizeInBits;
  CK_ULONG ulIVSizeInBits;
  CK_BBOOL bIsExport;
  CK_SSL3_RANDOM_DATA RandomInfo;
  CK_SSL3_KEY_MAT_OUT* pReturnedKeyMaterial;
  CK_MECHANISM_TYPE prfHashMechanism;
};

struct CK_TLS_KDF_PARAMS {
  CK_MECHANISM_TYPE prfMechanism;
  CK_BYTE_PTR pLabel;
  CK_ULONG ulLabelLength;
  CK_SSL3_RANDOM_DATA RandomInfo;
  CK_BYTE_PTR pContextData;
  CK_ULONG ulContextDataLength;
};

struct CK_TLS_MAC_PARAMS {
  CK_MECHANISM_TYPE prfHashMechanism;
  CK_ULONG ulMacLength;
  CK_ULONG ulServerOrClient;
};

struct CK_HKDF_PARAMS {
  CK_BBOOL bExtract;
  CK_BBOOL bExpand;
  CK_MECHANISM_TYPE prfHashMechanism;
  CK_ULONG ulSaltType;
  CK_BYTE_PTR pSalt;
  CK_ULONG ulSaltLen;
  CK_OBJECT_HANDLE hSaltKey;
  CK_BYTE_PTR pInfo;
  CK_ULONG ulInfoLen;
};

#if defined(__x86_64__) || defined(__aarch64__)
static_assert(sizeof(CK_SSL3_RANDOM_DATA) == 32);
static_assert(sizeof(CK_TLS12_MASTER_KEY_DERIVE_PARAMS) == 48);
static_assert(offsetof(CK_TLS12_MASTER_KEY_DERIVE_PARAMS, prfHashMechanism) == 40);
static_assert(sizeof(CK_TLS12_EXTENDED_MASTER_KEY_DERIVE_PARAMS) == 32);
static_assert(sizeof(CK_SSL3_KEY_MAT_OUT) == 48);
static_assert(sizeof(CK_SSL3_KEY_MAT_PARAMS) == 72);
static_assert(sizeof(CK_TLS12_KEY_MAT_PARAMS) == 80);
static_assert(offsetof(CK_TLS12_KEY_MAT_PARAMS, RandomInfo) == 32);
static_assert(offsetof(CK_TLS12_KEY_MAT_PARAMS, prfHashMechanism) == 72);
static_assert(sizeof(CK_TLS_KDF_PARAMS) == 72);
static_assert(sizeof(CK_TLS_MAC_PARAMS) == 24);
static_assert(sizeof(CK_HKDF_PARAMS) == 64);
static_assert(sizeof(CK_GCM_PARAMS) == 48, "PKCS#11 3.0 GCM layout with ulIvBits");
#endif
