/*
 * sslp11 — the CNG "SSL Protocol Provider" API (Windows sslprovider.h) for
 * Linux, backed by PKCS#11 tokens.
 *
 * Names, values, struct layouts and function signatures follow the Windows
 * SDK header, so code written against it builds unchanged apart from the
 * include path. Differences that cannot be hidden:
 *   - string constants are u"..." (char16_t) literals; see wintypes.h;
 *   - PCCERT_CONTEXT points at a minimal stand-in for wincrypt.h's
 *     CERT_CONTEXT (below);
 *   - a few IANA cipher-suite ids missing from the SDK are added, marked
 *     "sslp11 addition".
 */
#ifndef SSLP11_SSLPROVIDER_H
#define SSLP11_SSLPROVIDER_H

#include "bcrypt.h"
#include "ncrypt.h"
#include "winerror.h"
#include "wintypes.h"

/* Marks the symbols libsslp11 exports (it is built with hidden visibility). */
#ifndef SSLP11_API
#define SSLP11_API __attribute__((visibility("default")))
#endif

/* =========================================================================
 * Provider names
 * ========================================================================= */

#define MS_SCHANNEL_PROVIDER u"Microsoft SSL Protocol Provider"

/*
 * sslp11's own provider name. SslOpenProvider also accepts NULL and
 * MS_SCHANNEL_PROVIDER and opens the configured sslp11 provider for both, so
 * unmodified Windows callers work.
 */
#define SSLP11_PROVIDER_NAME u"sslp11 PKCS#11 SSL Protocol Provider"

/* =========================================================================
 * Flags
 * ========================================================================= */

/* Which side of the handshake a call is for (master key, Finished, ...). */
#define NCRYPT_SSL_CLIENT_FLAG 0x00000001
#define NCRYPT_SSL_SERVER_FLAG 0x00000002

/* SslSignHash */
#define NCRYPT_SSL_SIGN_INCLUDE_HASHOID 0x00000001 /* PKCS#1 v1.5 with DigestInfo */
#define NCRYPT_SSL_SIGN_USE_PSS_PADDING 0x00000002

/* SslExpandBinderKey: which TLS 1.3 binder label to use. */
#define NCRYPT_SSL_EXTERNAL_PSK_FLAG   0x00000001
#define NCRYPT_SSL_RESUMPTION_PSK_FLAG 0x00000002

/* SslComputeEapKeyBlock: the low byte of dwFlags selects the EAP PRF. */
#define NCRYPT_SSL_EAP_PRF_FIELD       0x000000FF
#define NCRYPT_SSL_EAP_ID              0x00000000
#define NCRYPT_SSL_EAP_TTLSV0_ID       0x00000001
#define NCRYPT_SSL_EAP_TTLSV0_CHLNG_ID 0x00000002
#define NCRYPT_SSL_EAP_FAST_ID         0x00000003

/* =========================================================================
 * Protocol identifiers (dwProtocol): on-the-wire version numbers
 * ========================================================================= */

#define SSL2_PROTOCOL_VERSION    0x0002
#define SSL3_PROTOCOL_VERSION    0x0300
#define TLS1_PROTOCOL_VERSION    0x0301
#define TLS1_0_PROTOCOL_VERSION  TLS1_PROTOCOL_VERSION
#define TLS1_1_PROTOCOL_VERSION  0x0302
#define TLS1_2_PROTOCOL_VERSION  0x0303
#define TLS1_3_PROTOCOL_VERSION  0x0304
#define DTLS1_0_PROTOCOL_VERSION 0xFEFF
#define DTLS1_2_PROTOCOL_VERSION 0xFEFD

/* =========================================================================
 * Cipher suite identifiers (dwCipherSuite): IANA code points
 * ========================================================================= */

#define TLS_RSA_WITH_NULL_MD5                   0x0001
#define TLS_RSA_WITH_NULL_SHA                   0x0002
#define TLS_RSA_EXPORT_WITH_RC4_40_MD5          0x0003
#define TLS_RSA_WITH_RC4_128_MD5                0x0004
#define TLS_RSA_WITH_RC4_128_SHA                0x0005
#define TLS_RSA_WITH_DES_CBC_SHA                0x0009
#define TLS_RSA_WITH_3DES_EDE_CBC_SHA           0x000A
#define TLS_DHE_DSS_WITH_DES_CBC_SHA            0x0012
#define TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA       0x0013
#define TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA       0x0016
#define TLS_RSA_WITH_AES_128_CBC_SHA            0x002F
#define TLS_DHE_DSS_WITH_AES_128_CBC_SHA        0x0032
#define TLS_DHE_RSA_WITH_AES_128_CBC_SHA        0x0033
#define TLS_RSA_WITH_AES_256_CBC_SHA            0x0035
#define TLS_DHE_DSS_WITH_AES_256_CBC_SHA        0x0038
#define TLS_DHE_RSA_WITH_AES_256_CBC_SHA        0x0039
#define TLS_RSA_WITH_NULL_SHA256                0x003B
#define TLS_RSA_WITH_AES_128_CBC_SHA256         0x003C
#define TLS_RSA_WITH_AES_256_CBC_SHA256         0x003D
#define TLS_DHE_DSS_WITH_AES_128_CBC_SHA256     0x0040
#define TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA     0x0062
#define TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA 0x0063
#define TLS_RSA_EXPORT1024_WITH_RC4_56_SHA      0x0064
#define TLS_DHE_DSS_WITH_AES_256_CBC_SHA256     0x006A
#define TLS_RSA_WITH_AES_128_GCM_SHA256         0x009C
#define TLS_RSA_WITH_AES_256_GCM_SHA384         0x009D
#define TLS_DHE_RSA_WITH_AES_128_GCM_SHA256     0x009E
#define TLS_DHE_RSA_WITH_AES_256_GCM_SHA384     0x009F

/* PSK suites defined only by the Windows 8 SDK (dropped from later SDKs). */
#define TLS_PSK_WITH_3DES_EDE_CBC_SHA           0x008B
#define TLS_PSK_WITH_AES_128_CBC_SHA            0x008C
#define TLS_PSK_WITH_AES_256_CBC_SHA            0x008D
#define TLS_RSA_PSK_WITH_3DES_EDE_CBC_SHA       0x0093
#define TLS_RSA_PSK_WITH_AES_128_CBC_SHA        0x0094
#define TLS_RSA_PSK_WITH_AES_256_CBC_SHA        0x0095

/* RFC 5487 PSK suites (Windows 10 SDK). */
#define TLS_PSK_WITH_AES_128_GCM_SHA256         0x00A8
#define TLS_PSK_WITH_AES_256_GCM_SHA384         0x00A9
#define TLS_PSK_WITH_AES_128_CBC_SHA256         0x00AE
#define TLS_PSK_WITH_AES_256_CBC_SHA384         0x00AF
#define TLS_PSK_WITH_NULL_SHA256                0x00B0
#define TLS_PSK_WITH_NULL_SHA384                0x00B1

#define TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA    0xC009
#define TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA    0xC00A
#define TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA      0xC013
#define TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA      0xC014
#define TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 0xC023
#define TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384 0xC024
#define TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256   0xC027
#define TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384   0xC028
#define TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 0xC02B
#define TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 0xC02C
#define TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256   0xC02F
#define TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384   0xC030

/* TLS 1.3 */
#define TLS_AES_128_GCM_SHA256                  0x1301
#define TLS_AES_256_GCM_SHA384                  0x1302

/*
 * sslp11 additions: IANA suites that no Windows SDK names but that sslp11's
 * catalogue implements (ChaCha20-Poly1305 and the DHE-RSA CBC-SHA256 pair are
 * common on non-Windows peers). Each is guarded because Windows code that
 * needed one has had to define it itself.
 */
#ifndef TLS_DHE_RSA_WITH_AES_128_CBC_SHA256
#define TLS_DHE_RSA_WITH_AES_128_CBC_SHA256           0x0067
#endif
#ifndef TLS_DHE_RSA_WITH_AES_256_CBC_SHA256
#define TLS_DHE_RSA_WITH_AES_256_CBC_SHA256           0x006B
#endif
#ifndef TLS_CHACHA20_POLY1305_SHA256
#define TLS_CHACHA20_POLY1305_SHA256                  0x1303
#endif
#ifndef TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
#define TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256   0xCCA8
#endif
#ifndef TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
#define TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 0xCCA9
#endif
#ifndef TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256
#define TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256     0xCCAA
#endif

/* SSL 2.0 cipher kinds (24-bit). */
#define SSL_CK_RC4_128_WITH_MD5              0x010080
#define SSL_CK_RC4_128_EXPORT40_WITH_MD5     0x020080
#define SSL_CK_RC2_128_CBC_WITH_MD5          0x030080
#define SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5 0x040080
#define SSL_CK_IDEA_128_CBC_WITH_MD5         0x050080
#define SSL_CK_DES_64_CBC_WITH_MD5           0x060040
#define SSL_CK_DES_192_EDE3_CBC_WITH_MD5     0x0700C0

/* =========================================================================
 * Key types (dwKeyType): IANA named-group ids; 0 for non-ECC suites
 * ========================================================================= */

#define TLS_ECC_P256_CURVE_KEY_TYPE 23
#define TLS_ECC_P384_CURVE_KEY_TYPE 24
#define TLS_ECC_P521_CURVE_KEY_TYPE 25

/* =========================================================================
 * Names used in NCRYPT_SSL_CIPHER_SUITE and key properties
 * ========================================================================= */

#define SSL_ECDSA_ALGORITHM u"ECDSA" /* same as BCRYPT_ECDSA_ALGORITHM */

/* szExchange values of PSK suites. */
#define TLS_PSK_EXCHANGE     u"PSK"
#define TLS_RSA_PSK_EXCHANGE u"RSA_PSK"

/* SslGetKeyProperty: the key's dwKeyType. */
#define SSL_KEY_TYPE_PROPERTY u"KEYTYPE"

/* sslp11 additions. SslGetKeyProperty on a master or session key, and
 * SslGetProviderProperty: which key schedule the token runs, as a
 * NUL-terminated UTF-16 string, u"native" (CKM_TLS12_* in the token) or
 * u"composed" (TLS PRF built from the token's HMAC). */
#define SSLP11_DERIVATION_PATH_PROPERTY u"SSLP11_DERIVATION_PATH"
/* SslGetProviderProperty: the token label (UTF-16, NUL-terminated). */
#define SSLP11_TOKEN_LABEL_PROPERTY u"SSLP11_TOKEN_LABEL"

/* =========================================================================
 * Record content types (dwContentType of SslEncryptPacket). Windows leaves
 * these to the caller; they are the TLS ContentType values.
 * ========================================================================= */

#define CT_CHANGE_CIPHER_SPEC 20
#define CT_ALERT              21
#define CT_HANDSHAKE          22
#define CT_APPLICATIONDATA    23

/* =========================================================================
 * Structures. Natural alignment, no packing: sizes match Windows
 * (676, 808, 20 and 780 bytes).
 * ========================================================================= */

#define NCRYPT_SSL_MAX_NAME_SIZE 64 /* WCHARs, including the terminator */

typedef struct _NCRYPT_SSL_CIPHER_SUITE {
    DWORD dwProtocol;        /* protocol this entry is for */
    DWORD dwCipherSuite;     /* suite id */
    DWORD dwBaseCipherSuite; /* suite id without key-type decoration */
    WCHAR szCipherSuite[NCRYPT_SSL_MAX_NAME_SIZE];
    WCHAR szCipher[NCRYPT_SSL_MAX_NAME_SIZE]; /* CNG id, e.g. BCRYPT_AES_ALGORITHM */
    DWORD dwCipherLen;                        /* key strength, bits */
    DWORD dwCipherBlockLen;                   /* bytes */
    WCHAR szHash[NCRYPT_SSL_MAX_NAME_SIZE];
    DWORD dwHashLen;
    WCHAR szExchange[NCRYPT_SSL_MAX_NAME_SIZE];
    DWORD dwMinExchangeLen; /* bits */
    DWORD dwMaxExchangeLen; /* bits */
    WCHAR szCertificate[NCRYPT_SSL_MAX_NAME_SIZE];
    DWORD dwKeyType; /* TLS_ECC_*_CURVE_KEY_TYPE or 0 */
} NCRYPT_SSL_CIPHER_SUITE, *PNCRYPT_SSL_CIPHER_SUITE;

#define NCRYPT_SSL_CIPHER_SUITE_EX_VERSION 1

/* NCRYPT_SSL_CIPHER_SUITE with a leading version and a trailing chaining mode. */
typedef struct _NCRYPT_SSL_CIPHER_SUITE_EX {
    DWORD dwVersion; /* NCRYPT_SSL_CIPHER_SUITE_EX_VERSION */
    DWORD dwProtocol;
    DWORD dwCipherSuite;
    DWORD dwBaseCipherSuite;
    WCHAR szCipherSuite[NCRYPT_SSL_MAX_NAME_SIZE];
    WCHAR szCipher[NCRYPT_SSL_MAX_NAME_SIZE];
    DWORD dwCipherLen;
    DWORD dwCipherBlockLen;
    WCHAR szHash[NCRYPT_SSL_MAX_NAME_SIZE];
    DWORD dwHashLen;
    WCHAR szExchange[NCRYPT_SSL_MAX_NAME_SIZE];
    DWORD dwMinExchangeLen;
    DWORD dwMaxExchangeLen;
    WCHAR szCertificate[NCRYPT_SSL_MAX_NAME_SIZE];
    DWORD dwKeyType;
    WCHAR szCipherMode[NCRYPT_SSL_MAX_NAME_SIZE]; /* BCRYPT_CHAIN_MODE_* */
} NCRYPT_SSL_CIPHER_SUITE_EX, *PNCRYPT_SSL_CIPHER_SUITE_EX;

#define NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING 0x00000001

/* Per-record overhead of a suite. The 5-byte record header is not counted. */
typedef struct _NCRYPT_SSL_CIPHER_LENGTHS {
    DWORD cbLength;                /* sizeof(NCRYPT_SSL_CIPHER_LENGTHS) */
    DWORD dwHeaderLen;             /* explicit IV or nonce */
    DWORD dwFixedTrailerLen;       /* MAC or AEAD tag */
    DWORD dwMaxVariableTrailerLen; /* worst-case CBC padding */
    DWORD dwFlags;                 /* NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING */
} NCRYPT_SSL_CIPHER_LENGTHS, *PNCRYPT_SSL_CIPHER_LENGTHS;

#define MSCRYPT_ECC_MAX_OID_LENGTH        255
#define MSCRYPT_ECC_MAX_CURVE_NAME_LENGTH 255

typedef struct _NCRYPT_SSL_ECC_CURVE {
    WCHAR szCurveName[MSCRYPT_ECC_MAX_CURVE_NAME_LENGTH]; /* CNG curve name */
    CHAR szOID[MSCRYPT_ECC_MAX_OID_LENGTH];               /* dotted ASCII */
    DWORD dwPublicKeyLength;
    DWORD dwCurveType; /* IANA named group */
    DWORD dwFlags;
} NCRYPT_SSL_ECC_CURVE, *PNCRYPT_SSL_ECC_CURVE;

/* =========================================================================
 * Certificates (SslOpenPrivateKey)
 *
 * Linux stand-in for wincrypt.h's CERT_CONTEXT: same field names and order,
 * so Windows code that fills one in compiles. sslp11 reads only
 * pbCertEncoded/cbCertEncoded, which must hold a DER X.509 certificate;
 * dwCertEncodingType, pCertInfo and hCertStore are ignored.
 * ========================================================================= */

#define X509_ASN_ENCODING   0x00000001
#define PKCS_7_ASN_ENCODING 0x00010000

typedef struct _CERT_CONTEXT {
    DWORD dwCertEncodingType; /* X509_ASN_ENCODING | PKCS_7_ASN_ENCODING */
    BYTE *pbCertEncoded;      /* DER certificate */
    DWORD cbCertEncoded;
    void *pCertInfo;  /* unused by sslp11 */
    void *hCertStore; /* unused by sslp11 */
} CERT_CONTEXT, *PCERT_CONTEXT;

typedef const CERT_CONTEXT *PCCERT_CONTEXT;

/* =========================================================================
 * Functions. Objects returned through ph* parameters are released with
 * SslFreeObject; memory returned through pp* parameters with SslFreeBuffer.
 * ========================================================================= */

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Provider lifecycle ---- */

SSLP11_API SECURITY_STATUS WINAPI SslOpenProvider(
    NCRYPT_PROV_HANDLE *phSslProvider,
    LPCWSTR pszProviderName, /* NULL, MS_SCHANNEL_PROVIDER or SSLP11_PROVIDER_NAME */
    DWORD dwFlags);

SSLP11_API SECURITY_STATUS WINAPI SslFreeObject(
    NCRYPT_HANDLE hObject,
    DWORD dwFlags);

SSLP11_API SECURITY_STATUS WINAPI SslFreeBuffer(
    PVOID pvInput);

SSLP11_API SECURITY_STATUS WINAPI SslIncrementProviderReferenceCount(
    NCRYPT_PROV_HANDLE hSslProvider);

SSLP11_API SECURITY_STATUS WINAPI SslDecrementProviderReferenceCount(
    NCRYPT_PROV_HANDLE hSslProvider);

/* Not implemented by Windows either: always NTE_NOT_SUPPORTED. */
SSLP11_API SECURITY_STATUS WINAPI SslChangeNotify(
    HANDLE hEvent,
    DWORD dwFlags);

/* ---- Enumeration and lookup ---- */

SSLP11_API SECURITY_STATUS WINAPI SslEnumProtocolProviders(
    DWORD *pdwProviderCount,
    NCryptProviderName **ppProviderList,
    DWORD dwFlags);

/* One suite per call; NTE_NO_MORE_ITEMS at the end. */
SSLP11_API SECURITY_STATUS WINAPI SslEnumCipherSuites(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey, /* optional filter */
    NCRYPT_SSL_CIPHER_SUITE **ppCipherSuite,
    PVOID *ppEnumState, /* NULL on the first call */
    DWORD dwFlags);

SSLP11_API SECURITY_STATUS WINAPI SslEnumCipherSuitesEx(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_SSL_CIPHER_SUITE_EX **ppCipherSuite,
    PVOID *ppEnumState,
    DWORD dwFlags);

/* The whole curve list in one call. */
SSLP11_API SECURITY_STATUS WINAPI SslEnumEccCurves(
    NCRYPT_PROV_HANDLE hSslProvider,
    DWORD *pEccCurveCount,
    NCRYPT_SSL_ECC_CURVE **ppEccCurve,
    DWORD dwFlags);

SSLP11_API SECURITY_STATUS WINAPI SslLookupCipherSuiteInfo(
    NCRYPT_PROV_HANDLE hSslProvider,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    DWORD dwKeyType,
    NCRYPT_SSL_CIPHER_SUITE *pCipherSuite,
    DWORD dwFlags);

SSLP11_API SECURITY_STATUS WINAPI SslLookupCipherLengths(
    NCRYPT_PROV_HANDLE hSslProvider,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    DWORD dwKeyType,
    NCRYPT_SSL_CIPHER_LENGTHS *pCipherLengths,
    DWORD cbCipherLengths,
    DWORD dwFlags);

SSLP11_API SECURITY_STATUS WINAPI SslGetCipherSuitePRFHashAlgorithm(
    NCRYPT_PROV_HANDLE hSslProvider,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    DWORD dwKeyType,
    WCHAR szPRFHash[NCRYPT_SSL_MAX_NAME_SIZE],
    DWORD dwFlags);

SSLP11_API SECURITY_STATUS WINAPI SslGetProviderProperty(
    NCRYPT_PROV_HANDLE hSslProvider,
    LPCWSTR pszProperty,
    PBYTE *ppbOutput,
    DWORD *pcbOutput,
    PVOID *ppEnumState, /* optional */
    DWORD dwFlags);

/* Takes a key handle only; the provider is implied by the key. */
SSLP11_API SECURITY_STATUS WINAPI SslGetKeyProperty(
    NCRYPT_KEY_HANDLE hKey,
    LPCWSTR pszProperty,
    PBYTE *ppbOutput,
    DWORD *pcbOutput,
    DWORD dwFlags);

/* ---- Keys: open, create, import, export ---- */

SSLP11_API SECURITY_STATUS WINAPI SslOpenPrivateKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE *phPrivateKey,
    PCCERT_CONTEXT pCertContext,
    DWORD dwFlags);

SSLP11_API SECURITY_STATUS WINAPI SslCreateEphemeralKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE *phEphemeralKey,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    DWORD dwKeyType,
    DWORD dwKeyBitLen,
    PBYTE pbParams, /* optional: BCRYPT_DH_PARAMETER_HEADER, p, g */
    DWORD cbParams,
    DWORD dwFlags);

SSLP11_API SECURITY_STATUS WINAPI SslImportKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE *phKey,
    LPCWSTR pszBlobType,
    PBYTE pbKeyBlob,
    DWORD cbKeyBlob,
    DWORD dwFlags);

SSLP11_API SECURITY_STATUS WINAPI SslExportKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hKey,
    LPCWSTR pszBlobType,
    PBYTE pbOutput, /* NULL: size query */
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags);

/* ---- Key exchange and master secret (TLS 1.2 and earlier) ---- */

SSLP11_API SECURITY_STATUS WINAPI SslGeneratePreMasterKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPublicKey,
    NCRYPT_KEY_HANDLE *phPreMasterKey,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    PNCryptBufferDesc pParameterList,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags);

SSLP11_API SECURITY_STATUS WINAPI SslGenerateMasterKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey, /* optional */
    NCRYPT_KEY_HANDLE hPublicKey,
    NCRYPT_KEY_HANDLE *phMasterKey,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    PNCryptBufferDesc pParameterList,
    PBYTE pbOutput, /* RSA only: encrypted pre-master */
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags); /* NCRYPT_SSL_CLIENT_FLAG or NCRYPT_SSL_SERVER_FLAG */

SSLP11_API SECURITY_STATUS WINAPI SslImportMasterKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_KEY_HANDLE *phMasterKey,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    NCryptBufferDesc *pParameterList,
    PBYTE pbEncryptedKey,
    DWORD cbEncryptedKey,
    DWORD dwFlags);

/* ---- Session keys and other derivations ---- */

SSLP11_API SECURITY_STATUS WINAPI SslGenerateSessionKeys(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    NCRYPT_KEY_HANDLE *phReadKey,
    NCRYPT_KEY_HANDLE *phWriteKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);

SSLP11_API SECURITY_STATUS WINAPI SslComputeEapKeyBlock(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    PBYTE pbRandoms, /* client_random || server_random */
    DWORD cbRandoms,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags); /* NCRYPT_SSL_EAP_* in the low byte */

/* RFC 5705 / RFC 8446 exporter. Note the 16-bit context length. */
SSLP11_API SECURITY_STATUS WINAPI SslExportKeyingMaterial(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    PCHAR sLabel,
    PBYTE pbRandoms, /* NULL for TLS 1.3 */
    DWORD cbRandoms,
    PBYTE pbContextValue, /* optional */
    WORD cbContextValue,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD dwFlags);

/* ---- Record protection: one complete record per call ---- */

SSLP11_API SECURITY_STATUS WINAPI SslEncryptPacket(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hKey,
    PBYTE pbInput,
    DWORD cbInput,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    ULONGLONG SequenceNumber,
    DWORD dwContentType, /* CT_* */
    DWORD dwFlags);

SSLP11_API SECURITY_STATUS WINAPI SslDecryptPacket(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hKey,
    PBYTE pbInput,
    DWORD cbInput,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    ULONGLONG SequenceNumber,
    DWORD dwFlags);

/* ---- Handshake hashing, Finished, client authentication ---- */

SSLP11_API SECURITY_STATUS WINAPI SslCreateHandshakeHash(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE *phHandshakeHash,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    DWORD dwFlags);

SSLP11_API SECURITY_STATUS WINAPI SslHashHandshake(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE hHandshakeHash,
    PBYTE pbInput,
    DWORD cbInput,
    DWORD dwFlags);

SSLP11_API SECURITY_STATUS WINAPI SslComputeFinishedHash(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    NCRYPT_HASH_HANDLE hHandshakeHash,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD dwFlags);

SSLP11_API SECURITY_STATUS WINAPI SslCreateClientAuthHash(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE *phHandshakeHash,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    LPCWSTR pszHashAlgId,
    DWORD dwFlags);

SSLP11_API SECURITY_STATUS WINAPI SslComputeClientAuthHash(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    NCRYPT_HASH_HANDLE hHandshakeHash,
    LPCWSTR pszAlgId,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags);

SSLP11_API SECURITY_STATUS WINAPI SslComputeSessionHash(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE hHandshakeHash,
    DWORD dwProtocol,
    PBYTE pbOutput,
    DWORD cbOutput,
    DWORD *pcbResult,
    DWORD dwFlags);

SSLP11_API SECURITY_STATUS WINAPI SslDuplicateTranscriptHash(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_HASH_HANDLE hTranscriptHash,
    NCRYPT_HASH_HANDLE *phTranscriptHash,
    DWORD dwFlags);

/* ---- Signing ---- */

SSLP11_API SECURITY_STATUS WINAPI SslSignHash(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    PBYTE pbHashValue,
    DWORD cbHashValue,
    PBYTE pbSignature,
    DWORD cbSignature,
    DWORD *pcbResult,
    DWORD dwFlags); /* NCRYPT_SSL_SIGN_* */

SSLP11_API SECURITY_STATUS WINAPI SslVerifySignature(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPublicKey,
    PBYTE pbHashValue,
    DWORD cbHashValue,
    PBYTE pbSignature,
    DWORD cbSignature,
    DWORD dwFlags);

/* ---- TLS 1.3 key schedule ("Key" here means an RFC 8446 secret) ---- */

SSLP11_API SECURITY_STATUS WINAPI SslExtractEarlyKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPreSharedKey, /* optional */
    NCRYPT_KEY_HANDLE *phEarlyKey,
    DWORD dwProtocol,
    DWORD dwCipherSuite,
    PNCryptBufferDesc pParameterList, /* optional */
    DWORD dwFlags);

SSLP11_API SECURITY_STATUS WINAPI SslExtractHandshakeKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hPrivateKey,
    NCRYPT_KEY_HANDLE hPublicKey,
    NCRYPT_KEY_HANDLE hEarlyKey,
    NCRYPT_KEY_HANDLE *phHandshakeKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);

SSLP11_API SECURITY_STATUS WINAPI SslExtractMasterKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hHandshakeKey,
    NCRYPT_KEY_HANDLE *phMasterKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);

SSLP11_API SECURITY_STATUS WINAPI SslExpandTrafficKeys(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hBaseKey,
    NCRYPT_HASH_HANDLE hHashValue,
    NCRYPT_KEY_HANDLE *phClientTrafficKey, /* optional */
    NCRYPT_KEY_HANDLE *phServerTrafficKey, /* optional */
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);

SSLP11_API SECURITY_STATUS WINAPI SslExpandWriteKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hBaseTrafficKey,
    NCRYPT_KEY_HANDLE *phWriteKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);

SSLP11_API SECURITY_STATUS WINAPI SslExpandExporterMasterKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hBaseKey,
    NCRYPT_HASH_HANDLE hHashValue,
    NCRYPT_KEY_HANDLE *phExporterMasterKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);

SSLP11_API SECURITY_STATUS WINAPI SslExpandResumptionMasterKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hMasterKey,
    NCRYPT_HASH_HANDLE hHashValue,
    NCRYPT_KEY_HANDLE *phResumptionMasterKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);

SSLP11_API SECURITY_STATUS WINAPI SslExpandBinderKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hEarlyKey,
    NCRYPT_KEY_HANDLE *phBinderKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags); /* NCRYPT_SSL_EXTERNAL_PSK_FLAG or ..._RESUMPTION_PSK_FLAG */

SSLP11_API SECURITY_STATUS WINAPI SslExpandPreSharedKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hResumptionMasterKey,
    PBYTE pbTicketNonce, /* optional */
    DWORD cbTicketNonce,
    NCRYPT_KEY_HANDLE *phPreSharedKey,
    PNCryptBufferDesc pParameterList,
    DWORD dwFlags);

/* KeyUpdate (RFC 8446 §7.2): the next application traffic secret ("traffic
 * upd"). Exported by current ncrypt.dll builds (table v6) but in no public
 * header; the shape is the reference's (§2.J). Not in the v5 table below. */
SSLP11_API SECURITY_STATUS WINAPI SslExpandNextGenTrafficKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    NCRYPT_KEY_HANDLE hTrafficSecret,
    NCRYPT_KEY_HANDLE *phNextTrafficSecret,
    PNCryptBufferDesc pParameterList, /* optional */
    DWORD dwFlags);

/* =========================================================================
 * Provider function table: what a provider hands the router. The Fn types
 * mirror the prototypes above; the table order is fixed by the ABI.
 * ========================================================================= */

#define NCRYPT_SSL_INTERFACE_VERSION_1 BCRYPT_MAKE_INTERFACE_VERSION(1, 0)
#define NCRYPT_SSL_INTERFACE_VERSION_2 BCRYPT_MAKE_INTERFACE_VERSION(2, 0)
#define NCRYPT_SSL_INTERFACE_VERSION_3 BCRYPT_MAKE_INTERFACE_VERSION(3, 0)
#define NCRYPT_SSL_INTERFACE_VERSION_4 BCRYPT_MAKE_INTERFACE_VERSION(4, 0)
#define NCRYPT_SSL_INTERFACE_VERSION_5 BCRYPT_MAKE_INTERFACE_VERSION(5, 0)
#define NCRYPT_SSL_INTERFACE_VERSION   NCRYPT_SSL_INTERFACE_VERSION_1

typedef SECURITY_STATUS(WINAPI *SslComputeClientAuthHashFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE, NCRYPT_HASH_HANDLE, LPCWSTR,
    PBYTE, DWORD, DWORD *, DWORD);
typedef SECURITY_STATUS(WINAPI *SslComputeEapKeyBlockFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE, PBYTE, DWORD, PBYTE, DWORD,
    DWORD *, DWORD);
typedef SECURITY_STATUS(WINAPI *SslComputeFinishedHashFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE, NCRYPT_HASH_HANDLE, PBYTE, DWORD,
    DWORD);
typedef SECURITY_STATUS(WINAPI *SslCreateEphemeralKeyFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE *, DWORD, DWORD, DWORD, DWORD,
    PBYTE, DWORD, DWORD);
typedef SECURITY_STATUS(WINAPI *SslCreateHandshakeHashFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_HASH_HANDLE *, DWORD, DWORD, DWORD);
typedef SECURITY_STATUS(WINAPI *SslDecryptPacketFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE, PBYTE, DWORD, PBYTE, DWORD,
    DWORD *, ULONGLONG, DWORD);
typedef SECURITY_STATUS(WINAPI *SslEncryptPacketFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE, PBYTE, DWORD, PBYTE, DWORD,
    DWORD *, ULONGLONG, DWORD, DWORD);
typedef SECURITY_STATUS(WINAPI *SslEnumCipherSuitesFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE, NCRYPT_SSL_CIPHER_SUITE **,
    PVOID *, DWORD);
typedef SECURITY_STATUS(WINAPI *SslExportKeyFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE, LPCWSTR, PBYTE, DWORD, DWORD *,
    DWORD);
typedef SECURITY_STATUS(WINAPI *SslFreeBufferFn)(PVOID);
typedef SECURITY_STATUS(WINAPI *SslFreeObjectFn)(NCRYPT_HANDLE, DWORD);
typedef SECURITY_STATUS(WINAPI *SslGenerateMasterKeyFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE, NCRYPT_KEY_HANDLE,
    NCRYPT_KEY_HANDLE *, DWORD, DWORD, PNCryptBufferDesc, PBYTE, DWORD,
    DWORD *, DWORD);
typedef SECURITY_STATUS(WINAPI *SslGenerateSessionKeysFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE, NCRYPT_KEY_HANDLE *,
    NCRYPT_KEY_HANDLE *, PNCryptBufferDesc, DWORD);
typedef SECURITY_STATUS(WINAPI *SslGetKeyPropertyFn)(
    NCRYPT_KEY_HANDLE, LPCWSTR, PBYTE *, DWORD *, DWORD);
typedef SECURITY_STATUS(WINAPI *SslGetProviderPropertyFn)(
    NCRYPT_PROV_HANDLE, LPCWSTR, PBYTE *, DWORD *, PVOID *, DWORD);
typedef SECURITY_STATUS(WINAPI *SslHashHandshakeFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_HASH_HANDLE, PBYTE, DWORD, DWORD);
typedef SECURITY_STATUS(WINAPI *SslImportMasterKeyFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE, NCRYPT_KEY_HANDLE *, DWORD, DWORD,
    NCryptBufferDesc *, PBYTE, DWORD, DWORD);
typedef SECURITY_STATUS(WINAPI *SslImportKeyFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE *, LPCWSTR, PBYTE, DWORD, DWORD);
typedef SECURITY_STATUS(WINAPI *SslLookupCipherSuiteInfoFn)(
    NCRYPT_PROV_HANDLE, DWORD, DWORD, DWORD, NCRYPT_SSL_CIPHER_SUITE *,
    DWORD);
typedef SECURITY_STATUS(WINAPI *SslOpenPrivateKeyFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE *, PCCERT_CONTEXT, DWORD);
typedef SECURITY_STATUS(WINAPI *SslOpenProviderFn)(
    NCRYPT_PROV_HANDLE *, LPCWSTR, DWORD);
typedef SECURITY_STATUS(WINAPI *SslSignHashFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE, PBYTE, DWORD, PBYTE, DWORD,
    DWORD *, DWORD);
typedef SECURITY_STATUS(WINAPI *SslVerifySignatureFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE, PBYTE, DWORD, PBYTE, DWORD,
    DWORD);
typedef SECURITY_STATUS(WINAPI *SslLookupCipherLengthsFn)(
    NCRYPT_PROV_HANDLE, DWORD, DWORD, DWORD, NCRYPT_SSL_CIPHER_LENGTHS *,
    DWORD, DWORD);
typedef SECURITY_STATUS(WINAPI *SslCreateClientAuthHashFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_HASH_HANDLE *, DWORD, DWORD, LPCWSTR, DWORD);
typedef SECURITY_STATUS(WINAPI *SslGetCipherSuitePRFHashAlgorithmFn)(
    NCRYPT_PROV_HANDLE, DWORD, DWORD, DWORD,
    WCHAR[NCRYPT_SSL_MAX_NAME_SIZE], DWORD);
typedef SECURITY_STATUS(WINAPI *SslComputeSessionHashFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_HASH_HANDLE, DWORD, PBYTE, DWORD, DWORD *,
    DWORD);
typedef SECURITY_STATUS(WINAPI *SslGeneratePreMasterKeyFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE, NCRYPT_KEY_HANDLE *, DWORD, DWORD,
    PNCryptBufferDesc, PBYTE, DWORD, DWORD *, DWORD);
typedef SECURITY_STATUS(WINAPI *SslEnumEccCurvesFn)(
    NCRYPT_PROV_HANDLE, DWORD *, NCRYPT_SSL_ECC_CURVE **, DWORD);
typedef SECURITY_STATUS(WINAPI *SslExportKeyingMaterialFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE, PCHAR, PBYTE, DWORD, PBYTE, WORD,
    PBYTE, DWORD, DWORD);
typedef SECURITY_STATUS(WINAPI *SslExtractEarlyKeyFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE, NCRYPT_KEY_HANDLE *, DWORD, DWORD,
    PNCryptBufferDesc, DWORD);
typedef SECURITY_STATUS(WINAPI *SslExtractHandshakeKeyFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE, NCRYPT_KEY_HANDLE,
    NCRYPT_KEY_HANDLE, NCRYPT_KEY_HANDLE *, PNCryptBufferDesc, DWORD);
typedef SECURITY_STATUS(WINAPI *SslExtractMasterKeyFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE, NCRYPT_KEY_HANDLE *,
    PNCryptBufferDesc, DWORD);
typedef SECURITY_STATUS(WINAPI *SslExpandTrafficKeysFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE, NCRYPT_HASH_HANDLE,
    NCRYPT_KEY_HANDLE *, NCRYPT_KEY_HANDLE *, PNCryptBufferDesc, DWORD);
typedef SECURITY_STATUS(WINAPI *SslExpandWriteKeyFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE, NCRYPT_KEY_HANDLE *,
    PNCryptBufferDesc, DWORD);
typedef SECURITY_STATUS(WINAPI *SslExpandExporterMasterKeyFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE, NCRYPT_HASH_HANDLE,
    NCRYPT_KEY_HANDLE *, PNCryptBufferDesc, DWORD);
typedef SECURITY_STATUS(WINAPI *SslEnumCipherSuitesExFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE, NCRYPT_SSL_CIPHER_SUITE_EX **,
    PVOID *, DWORD);
typedef SECURITY_STATUS(WINAPI *SslExpandResumptionMasterKeyFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE, NCRYPT_HASH_HANDLE,
    NCRYPT_KEY_HANDLE *, PNCryptBufferDesc, DWORD);
typedef SECURITY_STATUS(WINAPI *SslDuplicateTranscriptHashFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_HASH_HANDLE, NCRYPT_HASH_HANDLE *, DWORD);
typedef SECURITY_STATUS(WINAPI *SslExpandBinderKeyFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE, NCRYPT_KEY_HANDLE *,
    PNCryptBufferDesc, DWORD);
typedef SECURITY_STATUS(WINAPI *SslExpandPreSharedKeyFn)(
    NCRYPT_PROV_HANDLE, NCRYPT_KEY_HANDLE, PBYTE, DWORD, NCRYPT_KEY_HANDLE *,
    PNCryptBufferDesc, DWORD);

/*
 * Version tells the router which slots are valid: v1 ends at VerifySignature,
 * v2 at GetCipherSuitePRFHashAlgorithm, v3 at ExportKeyingMaterial, v4 at
 * EnumCipherSuitesEx, v5 at ExpandPreSharedKey. v1 is alphabetical; later
 * versions only append.
 */
typedef struct _NCRYPT_SSL_FUNCTION_TABLE {
    BCRYPT_INTERFACE_VERSION Version;
    /* v1 */
    SslComputeClientAuthHashFn ComputeClientAuthHash; /* slot 0 */
    SslComputeEapKeyBlockFn ComputeEapKeyBlock;
    SslComputeFinishedHashFn ComputeFinishedHash;
    SslCreateEphemeralKeyFn CreateEphemeralKey;
    SslCreateHandshakeHashFn CreateHandshakeHash;
    SslDecryptPacketFn DecryptPacket; /* slot 5 */
    SslEncryptPacketFn EncryptPacket;
    SslEnumCipherSuitesFn EnumCipherSuites;
    SslExportKeyFn ExportKey;
    SslFreeBufferFn FreeBuffer;
    SslFreeObjectFn FreeObject; /* slot 10 */
    SslGenerateMasterKeyFn GenerateMasterKey;
    SslGenerateSessionKeysFn GenerateSessionKeys;
    SslGetKeyPropertyFn GetKeyProperty;
    SslGetProviderPropertyFn GetProviderProperty;
    SslHashHandshakeFn HashHandshake; /* slot 15 */
    SslImportMasterKeyFn ImportMasterKey;
    SslImportKeyFn ImportKey;
    SslLookupCipherSuiteInfoFn LookupCipherSuiteInfo;
    SslOpenPrivateKeyFn OpenPrivateKey;
    SslOpenProviderFn OpenProvider; /* slot 20 */
    SslSignHashFn SignHash;
    SslVerifySignatureFn VerifySignature;
    /* v2 */
    SslLookupCipherLengthsFn LookupCipherLengths; /* slot 23 */
    SslCreateClientAuthHashFn CreateClientAuthHash;
    SslGetCipherSuitePRFHashAlgorithmFn GetCipherSuitePRFHashAlgorithm;
    /* v3 */
    SslComputeSessionHashFn ComputeSessionHash; /* slot 26 */
    SslGeneratePreMasterKeyFn GeneratePreMasterKey;
    SslEnumEccCurvesFn EnumEccCurves;
    SslExportKeyingMaterialFn ExportKeyingMaterial;
    /* v4 */
    SslExtractEarlyKeyFn ExtractEarlyKey; /* slot 30 */
    SslExtractHandshakeKeyFn ExtractHandshakeKey;
    SslExtractMasterKeyFn ExtractMasterKey;
    SslExpandTrafficKeysFn ExpandTrafficKeys;
    SslExpandWriteKeyFn ExpandWriteKey;
    SslExpandExporterMasterKeyFn ExpandExporterMasterKey;
    SslEnumCipherSuitesExFn EnumCipherSuitesEx;
    /* v5 */
    SslExpandResumptionMasterKeyFn ExpandResumptionMasterKey; /* slot 37 */
    SslDuplicateTranscriptHashFn DuplicateTranscriptHash;
    SslExpandBinderKeyFn ExpandBinderKey;
    SslExpandPreSharedKeyFn ExpandPreSharedKey; /* slot 40 */
} NCRYPT_SSL_FUNCTION_TABLE;

/* Provider discovery: returns a pointer to the provider's own table. */
SSLP11_API NTSTATUS WINAPI GetSChannelInterface(
    LPCWSTR pszProviderName,
    NCRYPT_SSL_FUNCTION_TABLE **ppFunctionTable,
    DWORD dwFlags);

typedef NTSTATUS(WINAPI *GetSChannelInterfaceFn)(
    LPCWSTR, NCRYPT_SSL_FUNCTION_TABLE **, ULONG);

/* Provider discovery: fills in a table the caller owns. */
SSLP11_API SECURITY_STATUS WINAPI SslInitializeInterface(
    LPCWSTR pszProviderName,
    NCRYPT_SSL_FUNCTION_TABLE *pFunctionTable,
    DWORD dwFlags);

typedef SECURITY_STATUS(WINAPI *SslInitializeInterfaceFn)(
    LPCWSTR, NCRYPT_SSL_FUNCTION_TABLE *, DWORD);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SSLP11_SSLPROVIDER_H */
