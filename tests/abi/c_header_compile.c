/*
 * Compile-time check that <sslp11/sslprovider.h> is valid C11 and lays out
 * its types as Windows does. Building this file is the test; nothing runs.
 *
 *   gcc -std=c11 -Wall -Wextra -Wpedantic -Werror -Iinclude -c c_header_compile.c
 */
#include <sslp11/sslprovider.h>

#include <stddef.h>
#include <stdint.h>

#define CHECK(expr) _Static_assert(expr, #expr)

/* ---- Base types ---- */

CHECK(sizeof(WCHAR) == 2);
CHECK(sizeof(DWORD) == 4);
CHECK(sizeof(ULONG) == 4);
CHECK(sizeof(LONG) == 4);
CHECK(sizeof(WORD) == 2);
CHECK(sizeof(ULONGLONG) == 8);
CHECK(sizeof(SECURITY_STATUS) == 4);
CHECK(sizeof(NCRYPT_HANDLE) == sizeof(void *));
CHECK(sizeof(MS_SCHANNEL_PROVIDER[0]) == 2);

/* ---- NCRYPT_SSL_CIPHER_SUITE (676 bytes) ---- */

CHECK(sizeof(NCRYPT_SSL_CIPHER_SUITE) == 676);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE, dwProtocol) == 0);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE, dwCipherSuite) == 4);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE, dwBaseCipherSuite) == 8);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE, szCipherSuite) == 12);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE, szCipher) == 140);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE, dwCipherLen) == 268);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE, dwCipherBlockLen) == 272);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE, szHash) == 276);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE, dwHashLen) == 404);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE, szExchange) == 408);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE, dwMinExchangeLen) == 536);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE, dwMaxExchangeLen) == 540);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE, szCertificate) == 544);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE, dwKeyType) == 672);

/* ---- NCRYPT_SSL_CIPHER_SUITE_EX (808 bytes) ---- */

CHECK(sizeof(NCRYPT_SSL_CIPHER_SUITE_EX) == 808);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, dwVersion) == 0);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, dwProtocol) == 4);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, dwCipherSuite) == 8);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, dwBaseCipherSuite) == 12);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, szCipherSuite) == 16);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, szCipher) == 144);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, dwCipherLen) == 272);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, dwCipherBlockLen) == 276);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, szHash) == 280);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, dwHashLen) == 408);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, szExchange) == 412);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, dwMinExchangeLen) == 540);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, dwMaxExchangeLen) == 544);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, szCertificate) == 548);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, dwKeyType) == 676);
CHECK(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, szCipherMode) == 680);

/* ---- NCRYPT_SSL_CIPHER_LENGTHS (20 bytes) ---- */

CHECK(sizeof(NCRYPT_SSL_CIPHER_LENGTHS) == 20);
CHECK(offsetof(NCRYPT_SSL_CIPHER_LENGTHS, cbLength) == 0);
CHECK(offsetof(NCRYPT_SSL_CIPHER_LENGTHS, dwHeaderLen) == 4);
CHECK(offsetof(NCRYPT_SSL_CIPHER_LENGTHS, dwFixedTrailerLen) == 8);
CHECK(offsetof(NCRYPT_SSL_CIPHER_LENGTHS, dwMaxVariableTrailerLen) == 12);
CHECK(offsetof(NCRYPT_SSL_CIPHER_LENGTHS, dwFlags) == 16);

/* ---- NCRYPT_SSL_ECC_CURVE (780 bytes, 3 padding bytes after szOID) ---- */

CHECK(sizeof(NCRYPT_SSL_ECC_CURVE) == 780);
CHECK(offsetof(NCRYPT_SSL_ECC_CURVE, szCurveName) == 0);
CHECK(offsetof(NCRYPT_SSL_ECC_CURVE, szOID) == 510);
CHECK(offsetof(NCRYPT_SSL_ECC_CURVE, dwPublicKeyLength) == 768);
CHECK(offsetof(NCRYPT_SSL_ECC_CURVE, dwCurveType) == 772);
CHECK(offsetof(NCRYPT_SSL_ECC_CURVE, dwFlags) == 776);

/* ---- Small fixed-size structs ---- */

CHECK(sizeof(BCRYPT_INTERFACE_VERSION) == 4);
CHECK(sizeof(SSL_ECCKEY_BLOB) == 8);
CHECK(sizeof(BCRYPT_ECCKEY_BLOB) == 8);
CHECK(sizeof(BCRYPT_DH_KEY_BLOB) == 8);
CHECK(sizeof(BCRYPT_DH_PARAMETER_HEADER) == 12);
CHECK(sizeof(BCRYPT_RSAKEY_BLOB) == 24);
CHECK(sizeof(BCRYPT_KEY_DATA_BLOB_HEADER) == 12);

/* ---- Pointer-sized layouts: x86-64 values, and the ILP32 ones ---- */

CHECK(offsetof(NCryptBuffer, cbBuffer) == 0);
CHECK(offsetof(NCryptBuffer, BufferType) == 4);
CHECK(offsetof(NCryptBufferDesc, ulVersion) == 0);
CHECK(offsetof(NCryptBufferDesc, cBuffers) == 4);
CHECK(offsetof(NCRYPT_SSL_FUNCTION_TABLE, Version) == 0);

#if UINTPTR_MAX == UINT64_MAX
CHECK(sizeof(NCryptBuffer) == 16);
CHECK(offsetof(NCryptBuffer, pvBuffer) == 8);
CHECK(sizeof(NCryptBufferDesc) == 16);
CHECK(offsetof(NCryptBufferDesc, pBuffers) == 8);
CHECK(sizeof(NCryptProviderName) == 16);
CHECK(offsetof(CERT_CONTEXT, pbCertEncoded) == 8);
CHECK(offsetof(CERT_CONTEXT, cbCertEncoded) == 16);
CHECK(sizeof(CERT_CONTEXT) == 40);
/* slot i sits at 8 + 8*i */
CHECK(offsetof(NCRYPT_SSL_FUNCTION_TABLE, ComputeClientAuthHash) == 8);
CHECK(offsetof(NCRYPT_SSL_FUNCTION_TABLE, EncryptPacket) == 8 + 8 * 6);
CHECK(offsetof(NCRYPT_SSL_FUNCTION_TABLE, OpenProvider) == 8 + 8 * 20);
CHECK(offsetof(NCRYPT_SSL_FUNCTION_TABLE, VerifySignature) == 8 + 8 * 22);
CHECK(offsetof(NCRYPT_SSL_FUNCTION_TABLE, LookupCipherLengths) == 8 + 8 * 23);
CHECK(offsetof(NCRYPT_SSL_FUNCTION_TABLE, ComputeSessionHash) == 8 + 8 * 26);
CHECK(offsetof(NCRYPT_SSL_FUNCTION_TABLE, ExtractEarlyKey) == 8 + 8 * 30);
CHECK(offsetof(NCRYPT_SSL_FUNCTION_TABLE, EnumCipherSuitesEx) == 8 + 8 * 36);
CHECK(offsetof(NCRYPT_SSL_FUNCTION_TABLE, ExpandResumptionMasterKey) == 8 + 8 * 37);
CHECK(offsetof(NCRYPT_SSL_FUNCTION_TABLE, ExpandPreSharedKey) == 8 + 8 * 40);
CHECK(sizeof(NCRYPT_SSL_FUNCTION_TABLE) == 336);
#elif UINTPTR_MAX == UINT32_MAX
CHECK(sizeof(NCryptBuffer) == 12);
CHECK(sizeof(NCryptBufferDesc) == 12);
CHECK(offsetof(NCRYPT_SSL_FUNCTION_TABLE, ExpandPreSharedKey) == 4 + 4 * 40);
CHECK(sizeof(NCRYPT_SSL_FUNCTION_TABLE) == 168);
#endif

/* ---- Constant values ---- */

CHECK(NTE_INVALID_HANDLE == (SECURITY_STATUS)0x80090026UL);
CHECK(NTE_INVALID_HANDLE < 0);
CHECK((uint32_t)NTE_NO_MORE_ITEMS == 0x8009002AU);
CHECK((uint32_t)NTE_NOT_ACTIVE_CONSOLE == 0x80090038U);
CHECK((uint32_t)SEC_E_INVALID_PARAMETER == 0x8009035DU);
CHECK((uint32_t)STATUS_AUTH_TAG_MISMATCH == 0xC000A002U);
CHECK(ERROR_SUCCESS == 0 && SEC_E_OK == 0);
CHECK(NCRYPTBUFFER_SSL_SESSION_HASH == 25);
CHECK(NCRYPTBUFFER_SSL_CLIENT_RANDOM == 20);
CHECK(NCRYPT_SCHANNEL_INTERFACE == 0x00010002);
CHECK(TLS1_2_PROTOCOL_VERSION == 0x0303);
CHECK(TLS1_3_PROTOCOL_VERSION == 0x0304);
CHECK(TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 == 0xC02F);
CHECK(TLS_CHACHA20_POLY1305_SHA256 == 0x1303);
CHECK(TLS_ECC_P256_CURVE_KEY_TYPE == 23);
CHECK(BCRYPT_ECDH_PUBLIC_P256_MAGIC == 0x314B4345);
CHECK(BCRYPT_RSAPUBLIC_MAGIC == 0x31415352);
CHECK(NCRYPT_SSL_MAX_NAME_SIZE == 64);

/* ---- Function signatures agree with the Fn typedefs ---- */

int sslp11_c_header_compiles(void);

int sslp11_c_header_compiles(void)
{
    /* Filling a table checks every assignment against its slot type. */
    NCRYPT_SSL_FUNCTION_TABLE table = {
        .Version = NCRYPT_SSL_INTERFACE_VERSION_5,
        .OpenProvider = SslOpenProvider,
        .FreeObject = SslFreeObject,
        .EnumCipherSuites = SslEnumCipherSuites,
        .GenerateMasterKey = SslGenerateMasterKey,
        .EncryptPacket = SslEncryptPacket,
        .DecryptPacket = SslDecryptPacket,
        .LookupCipherLengths = SslLookupCipherLengths,
        .GetCipherSuitePRFHashAlgorithm = SslGetCipherSuitePRFHashAlgorithm,
        .ExportKeyingMaterial = SslExportKeyingMaterial,
        .ExpandTrafficKeys = SslExpandTrafficKeys,
    };
    SslOpenPrivateKeyFn open_private_key = SslOpenPrivateKey;
    LPCWSTR blob_type = BCRYPT_OPAQUE_KEY_BLOB;
    BCRYPT_INTERFACE_VERSION v1 = NCRYPT_SSL_INTERFACE_VERSION_1;

    (void)table;
    (void)open_private_key;
    (void)blob_type;
    (void)v1;
    return 0;
}
