/*
 * sslp11 — the subset of Windows ncrypt.h that the Ssl* API refers to:
 * object handles, parameter-list buffer types, interface ids and the
 * standard key property names SslGetKeyProperty can be asked for.
 */
#ifndef SSLP11_NCRYPT_H
#define SSLP11_NCRYPT_H

#include "bcrypt.h"
#include "wintypes.h"

/* ---- Handles: opaque, pointer-sized, 0 means "none" ---- */

typedef ULONG_PTR NCRYPT_HANDLE;
typedef ULONG_PTR NCRYPT_PROV_HANDLE;
typedef ULONG_PTR NCRYPT_KEY_HANDLE;
typedef ULONG_PTR NCRYPT_HASH_HANDLE;
typedef ULONG_PTR NCRYPT_SECRET_HANDLE;

/* ---- Parameter lists: NCrypt shares the BCrypt buffer layout ---- */

typedef BCryptBuffer NCryptBuffer;
typedef BCryptBuffer *PNCryptBuffer;
typedef BCryptBufferDesc NCryptBufferDesc;
typedef BCryptBufferDesc *PNCryptBufferDesc;

#define NCRYPTBUFFER_VERSION 0

#define NCRYPTBUFFER_EMPTY                        0
#define NCRYPTBUFFER_DATA                         1
#define NCRYPTBUFFER_PROTECTION_DESCRIPTOR_STRING 3
#define NCRYPTBUFFER_PROTECTION_FLAGS             4

/* The buffer types the Ssl* key-exchange functions look for. */
#define NCRYPTBUFFER_SSL_CLIENT_RANDOM   20 /* 32-byte ClientHello.random */
#define NCRYPTBUFFER_SSL_SERVER_RANDOM   21 /* 32-byte ServerHello.random */
#define NCRYPTBUFFER_SSL_HIGHEST_VERSION 22 /* DWORD: client's offered version */
#define NCRYPTBUFFER_SSL_CLEAR_KEY       23 /* SSL 2.0 only */
#define NCRYPTBUFFER_SSL_KEY_ARG_DATA    24 /* SSL 2.0 only */
#define NCRYPTBUFFER_SSL_SESSION_HASH    25 /* RFC 7627 extended master secret */

#define NCRYPTBUFFER_PKCS_OID       40
#define NCRYPTBUFFER_PKCS_ALG_OID   41
#define NCRYPTBUFFER_PKCS_ALG_PARAM 42
#define NCRYPTBUFFER_PKCS_ALG_ID    43
#define NCRYPTBUFFER_PKCS_ATTRS     44
#define NCRYPTBUFFER_PKCS_KEY_NAME  45
#define NCRYPTBUFFER_PKCS_SECRET    46
#define NCRYPTBUFFER_CERT_BLOB      47

#define NCRYPTBUFFER_ECC_CURVE_NAME 60
#define NCRYPTBUFFER_ECC_PARAMETERS 61

/* ---- Provider enumeration (SslEnumProtocolProviders) ---- */

typedef struct NCryptProviderName {
    LPWSTR pszName;
    LPWSTR pszComment;
} NCryptProviderName;

/* ---- CNG interface identifiers ---- */

#define NCRYPT_KEY_STORAGE_INTERFACE        0x00010001
#define NCRYPT_SCHANNEL_INTERFACE           0x00010002 /* SSL protocol providers */
#define NCRYPT_SCHANNEL_SIGNATURE_INTERFACE 0x00010003
#define NCRYPT_KEY_PROTECTION_INTERFACE     0x00010004

/* ---- Standard key property names ---- */

#define NCRYPT_NAME_PROPERTY            u"Name"
#define NCRYPT_ALGORITHM_PROPERTY       u"Algorithm Name"
#define NCRYPT_ALGORITHM_GROUP_PROPERTY u"Algorithm Group"
#define NCRYPT_LENGTH_PROPERTY          u"Length"
#define NCRYPT_BLOCK_LENGTH_PROPERTY    u"Block Length"
#define NCRYPT_CHAINING_MODE_PROPERTY   u"Chaining Mode"

/* ---- Flags ---- */

#define NCRYPT_SILENT_FLAG 0x00000040 /* never prompt (e.g. for a token PIN) */

#endif /* SSLP11_NCRYPT_H */
