/*
 * sslp11 extension API: what an application on Linux needs beyond the
 * Windows sslprovider.h functions, under names of its own (Sslp11*).
 *
 *   - Sslp11GetLastErrorText: why the last failing Ssl* / Sslp11* call on
 *     this thread failed ("token lacks CKM_CHACHA20_POLY1305"), where the
 *     Windows API only gives a status;
 *   - Sslp11GetStatusName: "NTE_BAD_DATA" for a status;
 *   - Sslp11DescribeKey: the PKCS#11 objects behind a key handle and their
 *     attributes as the token reports them, for an audit;
 *   - Sslp11ImportPemKey / Sslp11DeleteImportedKey: a set-up and test aid
 *     that puts a PEM private key and its certificate on the provider's token
 *     (so SslOpenPrivateKey finds it) without a key database or sslp11-admin;
 *   - Sslp11CountTokenObjects / Sslp11CountLiveHandles: the counts a long
 *     run compares before and after to find leaks.
 *
 * C-compatible. Functions returning SECURITY_STATUS follow the Ssl*
 * conventions: every handle and buffer is checked, no exception or crash
 * crosses the boundary, and a failure leaves its reason for
 * Sslp11GetLastErrorText. Strings are UTF-8 (ASCII in practice). PINs and key
 * bytes never appear in any text.
 */
#ifndef SSLP11_SSLP11_H
#define SSLP11_SSLP11_H

#include "sslprovider.h"

/*
 * The version of this extension API the header describes. It grows when a
 * function or a field is added; Sslp11GetExtensionVersion() tells which
 * version the loaded library implements.
 */
#define SSLP11_EXTENSION_VERSION 1

/* Sslp11DescribeKey: what a token object is to the key it belongs to. */
#define SSLP11_OBJECT_ROLE_PRIVATE_KEY 1 /* the private half of a long-term or ephemeral key pair */
#define SSLP11_OBJECT_ROLE_PUBLIC_KEY  2 /* a peer's RSA public key, made on the token to encrypt to it */
#define SSLP11_OBJECT_ROLE_SECRET      3 /* a pre-master or master secret */
#define SSLP11_OBJECT_ROLE_CIPHER_KEY  4 /* a record protection key */
#define SSLP11_OBJECT_ROLE_MAC_KEY     5 /* a record MAC key (CBC suites) */

/* A value the token would not report (CKR_ATTRIBUTE_SENSITIVE, ...). */
#define SSLP11_UNKNOWN_VALUE ((DWORD)0xFFFFFFFF)
#define SSLP11_UNKNOWN_FLAG  (-1)

typedef struct _SSLP11_KEY_OBJECT_INFO {
    DWORD dwRole;       /* SSLP11_OBJECT_ROLE_* */
    DWORD dwClass;      /* CKA_CLASS: CKO_PRIVATE_KEY, CKO_SECRET_KEY, ... or SSLP11_UNKNOWN_VALUE */
    DWORD dwKeyType;    /* CKA_KEY_TYPE: CKK_EC, CKK_GENERIC_SECRET, CKK_AES, ... or SSLP11_UNKNOWN_VALUE */
    DWORD cbValue;      /* CKA_VALUE_LEN of a secret key in bytes; 0 for other classes or when unreadable */
    LONG lToken;        /* CKA_TOKEN: 1 a persistent object, 0 a session object, SSLP11_UNKNOWN_FLAG */
    LONG lSensitive;    /* CKA_SENSITIVE: 1, 0 or SSLP11_UNKNOWN_FLAG */
    LONG lExtractable;  /* CKA_EXTRACTABLE: 1, 0 or SSLP11_UNKNOWN_FLAG */
} SSLP11_KEY_OBJECT_INFO;

/* Sslp11ImportPemKey dwFlags. */
#define SSLP11_IMPORT_SESSION_OBJECTS 0x00000000 /* live as long as the provider handle's token context */
#define SSLP11_IMPORT_TOKEN_OBJECTS   0x00000001 /* persistent (CKA_TOKEN); the token must be able to keep them */

/* The CKA_ID Sslp11ImportPemKey gives the objects it makes. */
#define SSLP11_IMPORTED_KEY_ID_LENGTH 16

#ifdef __cplusplus
extern "C" {
#endif

/* SSLP11_EXTENSION_VERSION of the loaded library. Cannot fail. */
SSLP11_API DWORD WINAPI Sslp11GetExtensionVersion(void);

/*
 * The reason recorded for the last failing Ssl* or Sslp11* call on this
 * thread, NUL-terminated ("" when no call has failed yet). Two calls, as for
 * the Ssl* outputs: *pcbResult always receives the size including the NUL; a
 * NULL pszText is a size query; a cbText below that size gives
 * NTE_BUFFER_TOO_SMALL. This call never replaces the text it reports, so a
 * short buffer can be retried. NTE_INVALID_PARAMETER (pcbResult NULL),
 * NTE_BAD_FLAGS (dwFlags not 0).
 */
SSLP11_API SECURITY_STATUS WINAPI Sslp11GetLastErrorText(
    char *pszText,
    DWORD cbText,
    DWORD *pcbResult,
    DWORD dwFlags);

/*
 * The name of a status ("NTE_BAD_DATA"), or "" for one sslp11 never returns.
 * A static string; cannot fail.
 */
SSLP11_API const char *WINAPI Sslp11GetStatusName(SECURITY_STATUS status);

/*
 * The token objects behind a key handle (private key, ephemeral, pre-master,
 * master or session key), their attributes read from the token now. Two
 * calls: *pcObjects always receives the number of objects; a NULL pObjects
 * is a count query; a cObjects below it gives NTE_BUFFER_TOO_SMALL. A key
 * whose objects went with a lost token session has none.
 * NTE_INVALID_HANDLE (not a live key handle), NTE_INVALID_PARAMETER
 * (pcObjects NULL), NTE_BAD_FLAGS (dwFlags not 0), token failures.
 */
SSLP11_API SECURITY_STATUS WINAPI Sslp11DescribeKey(
    NCRYPT_KEY_HANDLE hKey,
    SSLP11_KEY_OBJECT_INFO *pObjects,
    DWORD cObjects,
    DWORD *pcObjects,
    DWORD dwFlags);

/*
 * Puts a private key (RSA or EC, PEM: PKCS#8 or traditional, unencrypted)
 * and its certificate (PEM; the first in the text) on the provider's token as
 * a CKO_PRIVATE_KEY (private, sensitive, not extractable), its
 * CKO_PUBLIC_KEY and a CKO_CERTIFICATE sharing one random CKA_ID, written to
 * pbKeyId (SSLP11_IMPORTED_KEY_ID_LENGTH bytes) unless it is NULL.
 * SslOpenPrivateKey then finds the key by the certificate.
 *
 * A test and set-up aid (tokens without a key database, such as the NSS
 * softoken opened with no directory, keep session objects only); production
 * keys are provisioned with sslp11-admin or the token's own tools. Session
 * objects (the default) disappear when the last provider handle on the token
 * is released.
 *
 * pszLabel: CKA_LABEL, UTF-8, or NULL for "sslp11 imported key".
 * NTE_BAD_DATA (not a PEM key or certificate, a key whose parts do not agree
 * such as an RSA modulus that is not p*q, a certificate for another key),
 * NTE_NOT_SUPPORTED (neither RSA nor EC), NTE_INVALID_HANDLE,
 * NTE_INVALID_PARAMETER (NULL or empty PEM), NTE_BAD_FLAGS, token failures.
 */
SSLP11_API SECURITY_STATUS WINAPI Sslp11ImportPemKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    const BYTE *pbKeyPem,
    DWORD cbKeyPem,
    const BYTE *pbCertificatePem,
    DWORD cbCertificatePem,
    const char *pszLabel,
    BYTE *pbKeyId,
    DWORD dwFlags);

/*
 * Destroys the private key, public key and certificate objects with CKA_ID
 * pbKeyId on the provider's token (what Sslp11ImportPemKey made).
 * NTE_NOT_FOUND (no such object), NTE_INVALID_HANDLE,
 * NTE_INVALID_PARAMETER (pbKeyId NULL or cbKeyId 0), NTE_BAD_FLAGS, token failures.
 */
SSLP11_API SECURITY_STATUS WINAPI Sslp11DeleteImportedKey(
    NCRYPT_PROV_HANDLE hSslProvider,
    const BYTE *pbKeyId,
    DWORD cbKeyId,
    DWORD dwFlags);

/*
 * The number of objects a session of the provider's token can see (token
 * objects and this process's session objects). NTE_INVALID_HANDLE,
 * NTE_INVALID_PARAMETER (pcObjects NULL), NTE_BAD_FLAGS, token failures.
 */
SSLP11_API SECURITY_STATUS WINAPI Sslp11CountTokenObjects(
    NCRYPT_PROV_HANDLE hSslProvider,
    DWORD *pcObjects,
    DWORD dwFlags);

/*
 * The number of live sslp11 handles (providers, keys, hashes) in this
 * process. NTE_INVALID_PARAMETER (pcHandles NULL), NTE_BAD_FLAGS.
 */
SSLP11_API SECURITY_STATUS WINAPI Sslp11CountLiveHandles(
    DWORD *pcHandles,
    DWORD dwFlags);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SSLP11_SSLP11_H */
