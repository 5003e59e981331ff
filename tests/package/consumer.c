/*
 * A program written against the installed package only: the headers found
 * through pkg-config (or CMake's find_package), libsslp11 from the package.
 * It opens the provider on the token SSLP11_CONF names and lists the cipher
 * suites per protocol, as a Windows program would call the API.
 */
#include <sslprovider.h>
#include <sslp11/sslp11.h>
#include <sslp11/version.h>

#include <stdio.h>

int main(void) {
  printf("sslp11 %s, extension API %lu\n", SSLP11_VERSION_STRING, (unsigned long)Sslp11GetExtensionVersion());
  NCRYPT_PROV_HANDLE provider = 0;
  SECURITY_STATUS status = SslOpenProvider(&provider, MS_SCHANNEL_PROVIDER, 0);
  if (status != ERROR_SUCCESS) {
    printf("SslOpenProvider: 0x%08lX\n", (unsigned long)status);
    return 1;
  }
  unsigned tls12 = 0, tls13 = 0;
  PVOID state = NULL;
  NCRYPT_SSL_CIPHER_SUITE* suite = NULL;
  while ((status = SslEnumCipherSuites(provider, 0, &suite, &state, 0)) == ERROR_SUCCESS) {
    if (suite->dwProtocol == TLS1_2_PROTOCOL_VERSION) ++tls12;
    if (suite->dwProtocol == TLS1_3_PROTOCOL_VERSION) ++tls13;
    SslFreeBuffer(suite);
  }
  if (state != NULL) SslFreeBuffer(state);
  SslFreeObject(provider, 0);
  printf("cipher suites: %u TLS 1.2, %u TLS 1.3\n", tls12, tls13);
  return status == NTE_NO_MORE_ITEMS && tls12 > 0 && tls13 > 0 ? 0 : 1;
}
