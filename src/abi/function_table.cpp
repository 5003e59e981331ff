// Provider discovery (reference §2.A, §4.7): GetSChannelInterface hands out
// sslp11's own NCRYPT_SSL_FUNCTION_TABLE, SslInitializeInterface fills in a
// caller's. Both give version 5, every slot of the public header's table
// filled: a router (or a port of one) that loads providers by this entry
// point finds the same functions the library exports by name.
// SslExpandNextGenTrafficKey (table v6) is exported by name only: the public
// header's table ends at v5.
#include <sslp11/sslprovider.h>

#include "abi/guard.h"
#include "abi/provider_open.h"

using namespace sslp11;
using namespace sslp11::abi;

namespace {

constexpr NCRYPT_SSL_FUNCTION_TABLE kTable = {
    NCRYPT_SSL_INTERFACE_VERSION_5,
    // v1
    SslComputeClientAuthHash, SslComputeEapKeyBlock, SslComputeFinishedHash, SslCreateEphemeralKey,
    SslCreateHandshakeHash, SslDecryptPacket, SslEncryptPacket, SslEnumCipherSuites, SslExportKey, SslFreeBuffer,
    SslFreeObject, SslGenerateMasterKey, SslGenerateSessionKeys, SslGetKeyProperty, SslGetProviderProperty,
    SslHashHandshake, SslImportMasterKey, SslImportKey, SslLookupCipherSuiteInfo, SslOpenPrivateKey, SslOpenProvider,
    SslSignHash, SslVerifySignature,
    // v2
    SslLookupCipherLengths, SslCreateClientAuthHash, SslGetCipherSuitePRFHashAlgorithm,
    // v3
    SslComputeSessionHash, SslGeneratePreMasterKey, SslEnumEccCurves, SslExportKeyingMaterial,
    // v4
    SslExtractEarlyKey, SslExtractHandshakeKey, SslExtractMasterKey, SslExpandTrafficKeys, SslExpandWriteKey,
    SslExpandExporterMasterKey, SslEnumCipherSuitesEx,
    // v5
    SslExpandResumptionMasterKey, SslDuplicateTranscriptHash, SslExpandBinderKey, SslExpandPreSharedKey};

}  // namespace

extern "C" {

NTSTATUS WINAPI GetSChannelInterface(LPCWSTR pszProviderName, NCRYPT_SSL_FUNCTION_TABLE** ppFunctionTable,
                                     DWORD dwFlags) {
  return guarded(call_args("dwFlags", dwFlags), [&] {
    if (ppFunctionTable == nullptr) fail(STATUS_INVALID_PARAMETER, "ppFunctionTable is NULL");
    *ppFunctionTable = nullptr;
    if (dwFlags != 0) fail(STATUS_INVALID_PARAMETER, "GetSChannelInterface takes no flags");
    if (!names_this_provider(pszProviderName)) {
      fail(STATUS_NOT_FOUND, "no SSL protocol provider of that name (sslp11 answers to NULL, MS_SCHANNEL_PROVIDER "
                             "and SSLP11_PROVIDER_NAME)");
    }
    // The provider's own table: read-only, alive as long as the library.
    *ppFunctionTable = const_cast<NCRYPT_SSL_FUNCTION_TABLE*>(&kTable);
  });
}

SECURITY_STATUS WINAPI SslInitializeInterface(LPCWSTR pszProviderName, NCRYPT_SSL_FUNCTION_TABLE* pFunctionTable,
                                              DWORD dwFlags) {
  return guarded(call_args("dwFlags", dwFlags), [&] {
    if (pFunctionTable == nullptr) fail(NTE_INVALID_PARAMETER, "pFunctionTable is NULL");
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "SslInitializeInterface takes no flags");
    if (!names_this_provider(pszProviderName)) {
      fail(STATUS_NOT_FOUND, "no SSL protocol provider of that name (sslp11 answers to NULL, MS_SCHANNEL_PROVIDER "
                             "and SSLP11_PROVIDER_NAME)");
    }
    *pFunctionTable = kTable;
  });
}

}  // extern "C"
