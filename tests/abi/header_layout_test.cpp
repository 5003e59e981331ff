// Checks, from C++, that the public headers lay out their types as Windows
// does and that the string constants are UTF-16 with the Windows text.
// The layout checks are static_asserts: if this file compiles, they hold.

#include <sslp11/sslprovider.h>

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace {

// ---- Base types ----

static_assert(sizeof(WCHAR) == 2);
static_assert(std::is_same_v<WCHAR, char16_t>);
static_assert(sizeof(DWORD) == 4 && sizeof(ULONG) == 4 && sizeof(LONG) == 4);
static_assert(sizeof(WORD) == 2 && sizeof(ULONGLONG) == 8);
static_assert(std::is_signed_v<SECURITY_STATUS> && sizeof(SECURITY_STATUS) == 4);
static_assert(sizeof(NCRYPT_KEY_HANDLE) == sizeof(void*));
static_assert(std::is_same_v<PCCERT_CONTEXT, const CERT_CONTEXT*>);

// ---- NCRYPT_SSL_CIPHER_SUITE (676 bytes) ----

static_assert(sizeof(NCRYPT_SSL_CIPHER_SUITE) == 676);
static_assert(offsetof(NCRYPT_SSL_CIPHER_SUITE, dwBaseCipherSuite) == 8);
static_assert(offsetof(NCRYPT_SSL_CIPHER_SUITE, szCipherSuite) == 12);
static_assert(offsetof(NCRYPT_SSL_CIPHER_SUITE, szCipher) == 140);
static_assert(offsetof(NCRYPT_SSL_CIPHER_SUITE, dwCipherLen) == 268);
static_assert(offsetof(NCRYPT_SSL_CIPHER_SUITE, dwCipherBlockLen) == 272);
static_assert(offsetof(NCRYPT_SSL_CIPHER_SUITE, szHash) == 276);
static_assert(offsetof(NCRYPT_SSL_CIPHER_SUITE, dwHashLen) == 404);
static_assert(offsetof(NCRYPT_SSL_CIPHER_SUITE, szExchange) == 408);
static_assert(offsetof(NCRYPT_SSL_CIPHER_SUITE, dwMinExchangeLen) == 536);
static_assert(offsetof(NCRYPT_SSL_CIPHER_SUITE, dwMaxExchangeLen) == 540);
static_assert(offsetof(NCRYPT_SSL_CIPHER_SUITE, szCertificate) == 544);
static_assert(offsetof(NCRYPT_SSL_CIPHER_SUITE, dwKeyType) == 672);

// ---- NCRYPT_SSL_CIPHER_SUITE_EX (808 bytes) ----

static_assert(sizeof(NCRYPT_SSL_CIPHER_SUITE_EX) == 808);
static_assert(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, dwProtocol) == 4);
static_assert(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, szCipherSuite) == 16);
static_assert(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, szCipher) == 144);
static_assert(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, dwCipherLen) == 272);
static_assert(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, szHash) == 280);
static_assert(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, szExchange) == 412);
static_assert(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, szCertificate) == 548);
static_assert(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, dwKeyType) == 676);
static_assert(offsetof(NCRYPT_SSL_CIPHER_SUITE_EX, szCipherMode) == 680);

// ---- NCRYPT_SSL_CIPHER_LENGTHS (20 bytes) ----

static_assert(sizeof(NCRYPT_SSL_CIPHER_LENGTHS) == 20);
static_assert(offsetof(NCRYPT_SSL_CIPHER_LENGTHS, dwHeaderLen) == 4);
static_assert(offsetof(NCRYPT_SSL_CIPHER_LENGTHS, dwFixedTrailerLen) == 8);
static_assert(offsetof(NCRYPT_SSL_CIPHER_LENGTHS, dwMaxVariableTrailerLen) == 12);
static_assert(offsetof(NCRYPT_SSL_CIPHER_LENGTHS, dwFlags) == 16);

// ---- NCRYPT_SSL_ECC_CURVE (780 bytes) ----

static_assert(sizeof(NCRYPT_SSL_ECC_CURVE) == 780);
static_assert(offsetof(NCRYPT_SSL_ECC_CURVE, szOID) == 510);
static_assert(offsetof(NCRYPT_SSL_ECC_CURVE, dwPublicKeyLength) == 768);
static_assert(offsetof(NCRYPT_SSL_ECC_CURVE, dwCurveType) == 772);
static_assert(offsetof(NCRYPT_SSL_ECC_CURVE, dwFlags) == 776);

// ---- Blob headers ----

static_assert(sizeof(BCRYPT_INTERFACE_VERSION) == 4);
static_assert(sizeof(SSL_ECCKEY_BLOB) == 8);
static_assert(sizeof(BCRYPT_ECCKEY_BLOB) == 8);
static_assert(sizeof(BCRYPT_DH_PARAMETER_HEADER) == 12);
static_assert(sizeof(BCRYPT_RSAKEY_BLOB) == 24);
static_assert(sizeof(BCRYPT_KEY_DATA_BLOB_HEADER) == 12);

// ---- Pointer-sized layouts ----

constexpr std::size_t kPtr = sizeof(void*);

static_assert(sizeof(NCryptBuffer) == 8 + kPtr);  // 16 on x86-64
static_assert(offsetof(NCryptBuffer, pvBuffer) == 8);
static_assert(sizeof(NCryptBufferDesc) == 8 + kPtr);
static_assert(offsetof(NCryptBufferDesc, pBuffers) == 8);

// Function table slot i: Version is padded to pointer alignment, then one
// pointer per slot.
constexpr std::size_t table_slot(std::size_t i) { return kPtr + kPtr * i; }

static_assert(offsetof(NCRYPT_SSL_FUNCTION_TABLE, ComputeClientAuthHash) == table_slot(0));
static_assert(offsetof(NCRYPT_SSL_FUNCTION_TABLE, EncryptPacket) == table_slot(6));
static_assert(offsetof(NCRYPT_SSL_FUNCTION_TABLE, OpenProvider) == table_slot(20));
static_assert(offsetof(NCRYPT_SSL_FUNCTION_TABLE, VerifySignature) == table_slot(22));
static_assert(offsetof(NCRYPT_SSL_FUNCTION_TABLE, GetCipherSuitePRFHashAlgorithm) ==
              table_slot(25));
static_assert(offsetof(NCRYPT_SSL_FUNCTION_TABLE, ExportKeyingMaterial) == table_slot(29));
static_assert(offsetof(NCRYPT_SSL_FUNCTION_TABLE, EnumCipherSuitesEx) == table_slot(36));
static_assert(offsetof(NCRYPT_SSL_FUNCTION_TABLE, ExpandPreSharedKey) == table_slot(40));
static_assert(sizeof(NCRYPT_SSL_FUNCTION_TABLE) == table_slot(41));  // 336 on x86-64

// ---- Prototypes match the function-table slot types ----

static_assert(std::is_same_v<decltype(&SslOpenProvider), SslOpenProviderFn>);
static_assert(std::is_same_v<decltype(&SslEncryptPacket), SslEncryptPacketFn>);
static_assert(std::is_same_v<decltype(&SslGenerateMasterKey), SslGenerateMasterKeyFn>);
static_assert(std::is_same_v<decltype(&SslImportMasterKey), SslImportMasterKeyFn>);
static_assert(std::is_same_v<decltype(&SslExportKeyingMaterial), SslExportKeyingMaterialFn>);
static_assert(std::is_same_v<decltype(&SslGetCipherSuitePRFHashAlgorithm),
                             SslGetCipherSuitePRFHashAlgorithmFn>);
static_assert(std::is_same_v<decltype(&SslExpandPreSharedKey), SslExpandPreSharedKeyFn>);

// ---- Status codes: negative 32-bit values with the Windows bit patterns ----

static_assert(NTE_INVALID_HANDLE == static_cast<SECURITY_STATUS>(0x80090026UL));
static_assert(NTE_INVALID_HANDLE < 0);
static_assert(static_cast<std::uint32_t>(NTE_BAD_FLAGS) == 0x80090009U);
static_assert(static_cast<std::uint32_t>(STATUS_NO_MEMORY) == 0xC0000017U);
static_assert(ERROR_SUCCESS == 0 && SEC_E_OK == 0);

// ---- Selected constants ----

static_assert(NCRYPTBUFFER_SSL_SESSION_HASH == 25);
static_assert(TLS1_2_PROTOCOL_VERSION == 0x0303);
static_assert(TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 == 0xC02F);
static_assert(TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 == 0xCCA9);

// A wide-string macro must be a char16_t array literal.
template <std::size_t N>
constexpr bool is_utf16_literal(const char16_t (&)[N])
{
    return true;
}

TEST(HeaderStrings, BlobTypesAreUtf16WithWindowsText)
{
    static_assert(is_utf16_literal(BCRYPT_ECCPUBLIC_BLOB));
    EXPECT_EQ(std::u16string_view(BCRYPT_ECCPUBLIC_BLOB), u"ECCPUBLICBLOB");
    EXPECT_EQ(std::u16string_view(BCRYPT_OPAQUE_KEY_BLOB), u"OpaqueKeyBlob");
    EXPECT_EQ(std::u16string_view(BCRYPT_RSAPUBLIC_BLOB), u"RSAPUBLICBLOB");
    EXPECT_EQ(std::u16string_view(BCRYPT_DH_PUBLIC_BLOB), u"DHPUBLICBLOB");
    EXPECT_EQ(std::u16string_view(SSL_ECCPUBLIC_BLOB), u"SSLECCPUBLICBLOB");
    EXPECT_EQ(std::u16string_view(TLS_13_PRE_SHARED_KEY), u"TLS13PRESHAREDKEY");
}

TEST(HeaderStrings, AlgorithmAndPropertyNames)
{
    EXPECT_EQ(std::u16string_view(BCRYPT_AES_ALGORITHM), u"AES");
    EXPECT_EQ(std::u16string_view(BCRYPT_SHA384_ALGORITHM), u"SHA384");
    EXPECT_EQ(std::u16string_view(BCRYPT_CHAIN_MODE_GCM), u"ChainingModeGCM");
    EXPECT_EQ(std::u16string_view(NCRYPT_ALGORITHM_PROPERTY), u"Algorithm Name");
    EXPECT_EQ(std::u16string_view(NCRYPT_CHAINING_MODE_PROPERTY), u"Chaining Mode");
    EXPECT_EQ(std::u16string_view(SSL_KEY_TYPE_PROPERTY), u"KEYTYPE");
    EXPECT_EQ(std::u16string_view(TLS_RSA_PSK_EXCHANGE), u"RSA_PSK");
}

TEST(HeaderStrings, ProviderNames)
{
    static_assert(is_utf16_literal(MS_SCHANNEL_PROVIDER));
    LPCWSTR name = MS_SCHANNEL_PROVIDER;  // usable where the API wants LPCWSTR
    EXPECT_EQ(std::u16string_view(name), u"Microsoft SSL Protocol Provider");
    EXPECT_EQ(std::u16string_view(SSLP11_PROVIDER_NAME), u"sslp11 PKCS#11 SSL Protocol Provider");
}

TEST(HeaderMacros, InterfaceVersionInitializers)
{
    const BCRYPT_INTERFACE_VERSION v5 = NCRYPT_SSL_INTERFACE_VERSION_5;
    const BCRYPT_INTERFACE_VERSION v1 = NCRYPT_SSL_INTERFACE_VERSION;
    EXPECT_EQ(v5.MajorVersion, 5);
    EXPECT_EQ(v5.MinorVersion, 0);
    EXPECT_EQ(v1.MajorVersion, 1);
    EXPECT_TRUE(BCRYPT_IS_INTERFACE_VERSION_COMPATIBLE(v1, v5));
    EXPECT_FALSE(BCRYPT_IS_INTERFACE_VERSION_COMPATIBLE(v5, v1));
}

}  // namespace
