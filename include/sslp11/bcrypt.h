/*
 * sslp11 — the subset of Windows bcrypt.h that the Ssl* API refers to:
 * parameter buffers, interface versions, key blob layouts and the CNG
 * identifier strings that appear in cipher-suite descriptions.
 *
 * Struct tags keep their Windows spelling (_BCryptBuffer, ...) so that code
 * naming them with `struct` still compiles.
 */
#ifndef SSLP11_BCRYPT_H
#define SSLP11_BCRYPT_H

#include "wintypes.h"

/* ---- Parameter buffers (NCryptBuffer / NCryptBufferDesc alias these) ---- */

#define BCRYPTBUFFER_VERSION 0

typedef struct _BCryptBuffer {
    ULONG cbBuffer;   /* length of pvBuffer in bytes */
    ULONG BufferType; /* an NCRYPTBUFFER_* or KDF_* value */
    PVOID pvBuffer;
} BCryptBuffer, *PBCryptBuffer;

typedef struct _BCryptBufferDesc {
    ULONG ulVersion; /* BCRYPTBUFFER_VERSION */
    ULONG cBuffers;
    PBCryptBuffer pBuffers;
} BCryptBufferDesc, *PBCryptBufferDesc;

/* ---- Provider interface versions ---- */

typedef struct _BCRYPT_INTERFACE_VERSION {
    USHORT MajorVersion;
    USHORT MinorVersion;
} BCRYPT_INTERFACE_VERSION, *PBCRYPT_INTERFACE_VERSION;

/* Expands to a brace initializer, as on Windows: usable only to initialize. */
#define BCRYPT_MAKE_INTERFACE_VERSION(major, minor) {(USHORT)(major), (USHORT)(minor)}

/* A loader accepts a provider whose major version is at least its own. */
#define BCRYPT_IS_INTERFACE_VERSION_COMPATIBLE(loader, provider) \
    ((loader).MajorVersion <= (provider).MajorVersion)

/* ---- Key blob headers (each is followed by big-endian key material) ---- */

/* BCRYPT_ECCPUBLIC_BLOB: header, then X, then Y (cbKey bytes each). */
typedef struct _BCRYPT_ECCKEY_BLOB {
    ULONG dwMagic;
    ULONG cbKey;
} BCRYPT_ECCKEY_BLOB, *PBCRYPT_ECCKEY_BLOB;

/* SSL_ECCPUBLIC_BLOB: header, then cbKey bytes of public value. */
typedef struct _SSL_ECCKEY_BLOB {
    ULONG dwCurveType; /* IANA named group */
    ULONG cbKey;
} SSL_ECCKEY_BLOB, *PSSL_ECCKEY_BLOB;

/* BCRYPT_DH_PUBLIC_BLOB: header, then p, g and Y (cbKey bytes each). */
typedef struct _BCRYPT_DH_KEY_BLOB {
    ULONG dwMagic;
    ULONG cbKey;
} BCRYPT_DH_KEY_BLOB, *PBCRYPT_DH_KEY_BLOB;

/* DH group parameters (SslCreateEphemeralKey pbParams): header, p, g. */
typedef struct _BCRYPT_DH_PARAMETER_HEADER {
    ULONG cbLength; /* header plus both values */
    ULONG dwMagic;
    ULONG cbKeyLength; /* length of p and of g */
} BCRYPT_DH_PARAMETER_HEADER;

/* BCRYPT_RSAPUBLIC_BLOB: header, public exponent, modulus. */
typedef struct _BCRYPT_RSAKEY_BLOB {
    ULONG Magic;
    ULONG BitLength;
    ULONG cbPublicExp;
    ULONG cbModulus;
    ULONG cbPrime1; /* 0 in a public blob */
    ULONG cbPrime2; /* 0 in a public blob */
} BCRYPT_RSAKEY_BLOB;

/* BCRYPT_KEY_DATA_BLOB: header, then cbKeyData bytes of symmetric key. */
typedef struct _BCRYPT_KEY_DATA_BLOB_HEADER {
    ULONG dwMagic;
    ULONG dwVersion;
    ULONG cbKeyData;
} BCRYPT_KEY_DATA_BLOB_HEADER, *PBCRYPT_KEY_DATA_BLOB_HEADER;

/* ---- Blob magics (the comment is the value read as little-endian ASCII) ---- */

#define BCRYPT_ECDH_PUBLIC_P256_MAGIC     0x314B4345 /* "ECK1" */
#define BCRYPT_ECDH_PUBLIC_P384_MAGIC     0x334B4345 /* "ECK3" */
#define BCRYPT_ECDH_PUBLIC_P521_MAGIC     0x354B4345 /* "ECK5" */
#define BCRYPT_ECDH_PUBLIC_GENERIC_MAGIC  0x504B4345 /* "ECKP" */
#define BCRYPT_ECDSA_PUBLIC_P256_MAGIC    0x31534345 /* "ECS1" */
#define BCRYPT_ECDSA_PUBLIC_P384_MAGIC    0x33534345 /* "ECS3" */
#define BCRYPT_ECDSA_PUBLIC_P521_MAGIC    0x35534345 /* "ECS5" */
#define BCRYPT_ECDSA_PUBLIC_GENERIC_MAGIC 0x50444345 /* "ECDP" */
#define BCRYPT_RSAPUBLIC_MAGIC            0x31415352 /* "RSA1" */
#define BCRYPT_DH_PUBLIC_MAGIC            0x42504844 /* "DHPB" */
#define BCRYPT_DH_PARAMETERS_MAGIC        0x4D504844 /* "DHPM" */
#define BCRYPT_KEY_DATA_BLOB_MAGIC        0x4D42444B /* "KDBM" */
#define BCRYPT_KEY_DATA_BLOB_VERSION1     0x1

/* ---- Blob type names (pszBlobType of SslImportKey / SslExportKey) ---- */

#define BCRYPT_OPAQUE_KEY_BLOB u"OpaqueKeyBlob"
#define BCRYPT_KEY_DATA_BLOB   u"KeyDataBlob"
#define BCRYPT_RSAPUBLIC_BLOB  u"RSAPUBLICBLOB"
#define BCRYPT_DH_PUBLIC_BLOB  u"DHPUBLICBLOB"
#define BCRYPT_ECCPUBLIC_BLOB  u"ECCPUBLICBLOB"
#define SSL_ECCPUBLIC_BLOB     u"SSLECCPUBLICBLOB"
#define TLS_13_PRE_SHARED_KEY  u"TLS13PRESHAREDKEY"

/* ---- CNG algorithm identifiers (NCRYPT_SSL_CIPHER_SUITE name fields) ---- */

#define BCRYPT_AES_ALGORITHM    u"AES"
#define BCRYPT_DES_ALGORITHM    u"DES"
#define BCRYPT_3DES_ALGORITHM   u"3DES"
#define BCRYPT_RC2_ALGORITHM    u"RC2"
#define BCRYPT_RC4_ALGORITHM    u"RC4"
#define BCRYPT_MD5_ALGORITHM    u"MD5"
#define BCRYPT_SHA1_ALGORITHM   u"SHA1"
#define BCRYPT_SHA256_ALGORITHM u"SHA256"
#define BCRYPT_SHA384_ALGORITHM u"SHA384"
#define BCRYPT_SHA512_ALGORITHM u"SHA512"
#define BCRYPT_RSA_ALGORITHM    u"RSA"
#define BCRYPT_DH_ALGORITHM     u"DH"
#define BCRYPT_DSA_ALGORITHM    u"DSA"
#define BCRYPT_ECDH_ALGORITHM   u"ECDH"
#define BCRYPT_ECDSA_ALGORITHM  u"ECDSA"

#define BCRYPT_CHAIN_MODE_CBC u"ChainingModeCBC"
#define BCRYPT_CHAIN_MODE_GCM u"ChainingModeGCM"
#define BCRYPT_CHAIN_MODE_CCM u"ChainingModeCCM"

/* ---- Key derivation functions and their BCryptBuffer types ---- */

#define BCRYPT_KDF_TLS_PRF u"TLS_PRF"
#define BCRYPT_KDF_HKDF    u"HKDF"

#define KDF_HASH_ALGORITHM    0x0
#define KDF_SECRET_PREPEND    0x1
#define KDF_SECRET_APPEND     0x2
#define KDF_HMAC_KEY          0x3
#define KDF_TLS_PRF_LABEL     0x4
#define KDF_TLS_PRF_SEED      0x5 /* must be 64 bytes */
#define KDF_SECRET_HANDLE     0x6
#define KDF_TLS_PRF_PROTOCOL  0x7
#define KDF_ALGORITHMID       0x8
#define KDF_PARTYUINFO        0x9
#define KDF_PARTYVINFO        0xA
#define KDF_SUPPPUBINFO       0xB
#define KDF_SUPPPRIVINFO      0xC
#define KDF_LABEL             0xD
#define KDF_CONTEXT           0xE
#define KDF_SALT              0xF
#define KDF_ITERATION_COUNT   0x10
#define KDF_GENERIC_PARAMETER 0x11
#define KDF_KEYBITLENGTH      0x12
#define KDF_HKDF_SALT         0x13
#define KDF_HKDF_INFO         0x14

#endif /* SSLP11_BCRYPT_H */
