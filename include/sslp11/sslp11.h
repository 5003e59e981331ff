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
 *     run compares before and after to find leaks;
 *   - (version 2) operator calls, so that tools such as sslp11-admin check
 *     and measure the provider through this API only:
 *     Sslp11OpenProviderForToken (a token named by the caller, with a PIN
 *     the caller read), Sslp11GetTokenReport (why the token derives as it
 *     does, why each suite is or is not offered), Sslp11RunSelfTest (the TLS
 *     1.2 key schedule on the token against known answers),
 *     Sslp11LookupCipherSuiteByName, Sslp11GetCipherSuiteName and
 *     Sslp11CountPkcs11Calls;
 *   - (version 3) Sslp11GetPoolStatus: the health of each member of the
 *     token pool a provider handle works on (`sslp11-admin pool status`).
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
#define SSLP11_EXTENSION_VERSION 3

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

/* Sslp11OpenProviderForToken: the token and how to use it, as a [token.NAME]
   section of sslp11.conf says it. Strings are NUL-terminated. */
#define SSLP11_TOKEN_SPEC_VERSION 1
#define SSLP11_TOKEN_SPEC_SLOT        0x00000001 /* dwSlotId narrows the selection */
#define SSLP11_TOKEN_SPEC_NATIVE_ONLY 0x00000002 /* derivation = native-only: refuse a composed token */

typedef struct _SSLP11_TOKEN_SPEC {
    DWORD dwVersion;              /* SSLP11_TOKEN_SPEC_VERSION */
    const char *pszName;          /* for log lines and messages (a config section name), or NULL */
    const char *pszModule;        /* absolute path of the PKCS#11 module */
    const char *pszInitArgs;      /* C_Initialize pReserved string, or NULL */
    const char *pszTokenUri;      /* a pkcs11: URI naming the token, or NULL */
    const char *pszTokenLabel;    /* or NULL */
    const char *pszTokenSerial;   /* or NULL */
    DWORD dwSlotId;               /* with SSLP11_TOKEN_SPEC_SLOT */
    const BYTE *pbPin;            /* the user PIN, or NULL for a token that needs no login */
    DWORD cbPin;
    DWORD dwPoolSize;             /* most sessions at once; 0: the default (8) */
    const char *pszCipherSuites;  /* comma-separated suite names to offer at most, or NULL: all */
    DWORD dwSpecFlags;            /* SSLP11_TOKEN_SPEC_* */
} SSLP11_TOKEN_SPEC;

/* Sslp11GetTokenReport dwReport. */
#define SSLP11_REPORT_DERIVATION_EVIDENCE 1 /* one line per mechanism fact that decided native or composed */
#define SSLP11_REPORT_CIPHER_SUITES       2 /* one line per suite sslp11 knows: "NAME" TAB "" when offered,
                                               else "NAME" TAB why not */

/* Sslp11RunSelfTest. */
#define SSLP11_SELF_TEST_PASSED  0
#define SSLP11_SELF_TEST_FAILED  1 /* the token's result differs from the known answer (szFailure says which) */
#define SSLP11_SELF_TEST_SKIPPED 2 /* no offered suite uses the SHA-256 PRF, the one the vectors are for */

typedef struct _SSLP11_SELF_TEST_RESULT {
    DWORD dwOutcome;       /* SSLP11_SELF_TEST_* */
    DWORD dwCipherSuite;   /* the suite whose key block was derived; 0 when skipped */
    char szSteps[2048];    /* what was compared, one line each ("master secret: 48 bytes agree"); whole lines only */
    char szFailure[512];   /* one line when dwOutcome is SSLP11_SELF_TEST_FAILED, else "" */
} SSLP11_SELF_TEST_RESULT;

/* Sslp11GetPoolStatus: one member of the provider's pool (a lone token is a
   pool of one member) as this process sees it now. Strings are NUL-terminated
   and cut to fit. */
typedef struct _SSLP11_POOL_MEMBER_STATUS {
    char szName[64];              /* NAME of its [token.NAME] section */
    DWORD dwUp;                   /* 1: takes new work; 0: marked down, waiting for the probe */
    DWORD cSessionsInUse;         /* sessions lent to calls now */
    DWORD cSessionsOpen;          /* sessions open (in use and idle) */
    DWORD cPoolSize;              /* most sessions at once (its pool-size) */
    DWORD cOutstanding;           /* operations running on it now */
    ULONGLONG ullDownSinceUnixMs; /* when it was last marked down (ms since 1970); 0 if never */
    char szLastError[256];        /* why it was last marked down; "" if never */
} SSLP11_POOL_MEMBER_STATUS;

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

/*
 * Version 2. Opens a provider handle on the token *pToken describes, as
 * SslOpenProvider does on the configured default token, for a tool that
 * chose the token itself and read the PIN itself (an operator typing it at a
 * terminal, which SslOpenProvider never does). The handle works with every
 * Ssl* call; release it with SslFreeObject. The PIN is copied into memory
 * that is wiped when the handle goes. NTE_INVALID_PARAMETER (NULL
 * arguments, wrong dwVersion, no module, unknown spec flags),
 * NTE_NOT_SUPPORTED (a cipher-suite name sslp11 does not know, or a
 * native-only token that cannot derive natively), NTE_PROV_DLL_NOT_FOUND,
 * NTE_DEVICE_NOT_FOUND, NTE_INCORRECT_PASSWORD, NTE_BAD_FLAGS, token failures.
 */
SSLP11_API SECURITY_STATUS WINAPI Sslp11OpenProviderForToken(
    NCRYPT_PROV_HANDLE *phSslProvider,
    const SSLP11_TOKEN_SPEC *pToken,
    DWORD dwFlags);

/*
 * Version 2. A report on the provider's token, as NUL-terminated UTF-8 text
 * of lines ending in newlines (SSLP11_REPORT_*). Two calls, as
 * Sslp11GetLastErrorText: *pcbResult always receives the size including the
 * NUL; a NULL pszText is a size query; a smaller cbText gives
 * NTE_BUFFER_TOO_SMALL. NTE_INVALID_HANDLE, NTE_INVALID_PARAMETER
 * (pcbResult NULL, unknown dwReport), NTE_BAD_FLAGS.
 */
SSLP11_API SECURITY_STATUS WINAPI Sslp11GetTokenReport(
    NCRYPT_PROV_HANDLE hSslProvider,
    DWORD dwReport,
    char *pszText,
    DWORD cbText,
    DWORD *pcbResult,
    DWORD dwFlags);

/*
 * Version 2. Runs a full TLS 1.2 key schedule on the provider's token, on
 * the derivation path it uses (native or composed), over fixed inputs, and
 * compares what the token derives with known answers: master secret,
 * extended master secret, and the key block of an offered SHA-256-PRF suite
 * through the same code as SslGenerateSessionKeys. The test's own secrets
 * are readable session objects holding only the public test vectors,
 * destroyed before the call returns. ERROR_SUCCESS with the outcome in
 * *pResult (a mismatch is SSLP11_SELF_TEST_FAILED, not an error status);
 * NTE_INVALID_HANDLE, NTE_INVALID_PARAMETER (pResult NULL), NTE_BAD_FLAGS,
 * and token failures when a step cannot run at all.
 */
SSLP11_API SECURITY_STATUS WINAPI Sslp11RunSelfTest(
    NCRYPT_PROV_HANDLE hSslProvider,
    SSLP11_SELF_TEST_RESULT *pResult,
    DWORD dwFlags);

/*
 * Version 2. The IANA id of the cipher suite sslp11 knows by the name
 * pszName (TLS 1.2's "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" or TLS 1.3's
 * "TLS_AES_128_GCM_SHA256"), whether or not a token
 * offers it (SslEnumCipherSuites tells what one offers). NTE_NOT_FOUND (a name
 * sslp11 does not know), NTE_INVALID_PARAMETER (pszName or pdwCipherSuite
 * NULL), NTE_BAD_FLAGS.
 */
SSLP11_API SECURITY_STATUS WINAPI Sslp11LookupCipherSuiteByName(
    const char *pszName,
    DWORD *pdwCipherSuite,
    DWORD dwFlags);

/*
 * Version 2. The IANA name of the cipher suite dwCipherSuite, the reverse of
 * Sslp11LookupCipherSuiteByName, NUL-terminated: *pcbResult gets the size
 * with the NUL; pszName NULL asks only for the size. NTE_NOT_FOUND (an id
 * sslp11 does not know), NTE_BUFFER_TOO_SMALL, NTE_INVALID_PARAMETER
 * (pcbResult NULL), NTE_BAD_FLAGS.
 */
SSLP11_API SECURITY_STATUS WINAPI Sslp11GetCipherSuiteName(
    DWORD dwCipherSuite,
    char *pszName,
    DWORD cbName,
    DWORD *pcbResult,
    DWORD dwFlags);

/*
 * Version 2. The number of PKCS#11 calls sslp11 made on this thread so far;
 * the difference around a call is the token work that call cost.
 * NTE_INVALID_PARAMETER (pcCalls NULL), NTE_BAD_FLAGS.
 */
SSLP11_API SECURITY_STATUS WINAPI Sslp11CountPkcs11Calls(
    ULONGLONG *pcCalls,
    DWORD dwFlags);

/*
 * Version 3. The members of the pool the provider handle works on, in the
 * order of its [pool.NAME] members line (one member for a single token).
 * Reads the state this process keeps (no token call): a member is marked
 * down by a failing call or the pool's probe, and up again by the probe.
 * Two calls: *pcMembers always receives the number of members; a NULL
 * pMembers is a count query; a cMembers below it gives NTE_BUFFER_TOO_SMALL.
 * NTE_INVALID_HANDLE, NTE_INVALID_PARAMETER (pcMembers NULL), NTE_BAD_FLAGS.
 */
SSLP11_API SECURITY_STATUS WINAPI Sslp11GetPoolStatus(
    NCRYPT_PROV_HANDLE hSslProvider,
    SSLP11_POOL_MEMBER_STATUS *pMembers,
    DWORD cMembers,
    DWORD *pcMembers,
    DWORD dwFlags);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SSLP11_SSLP11_H */
