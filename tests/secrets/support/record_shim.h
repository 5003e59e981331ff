// The C interface of record_shim.cpp, a PKCS#11 module that forwards every
// call to the real module named by $SSLP11_RECORD_MODULE and records the life
// of every object made through it: right after each successful
// C_CreateObject, C_CopyObject, C_GenerateKey, C_GenerateKeyPair (both
// halves), C_DeriveKey (and the handles CKM_TLS12_KEY_AND_MAC_DERIVE /
// CKM_TLS_KEY_AND_MAC_DERIVE / CKM_SSL3_KEY_AND_MAC_DERIVE return inside
// CK_SSL3_KEY_MAT_OUT) and C_UnwrapKey it reads CKA_CLASS, CKA_KEY_TYPE,
// CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_TOKEN and CKA_VALUE_LEN of the new
// object from the real module; it also notes C_DestroyObject,
// C_SetAttributeValue, C_WrapKey and the sessions whose closing destroys
// objects. On request it reads every live object again ("readback").
//
// It can also keep a copy of each 48-byte C_GenerateRandom output (a
// composed-path RSA pre-master before its version bytes are set) in static
// storage, so that a test can know the pre-master of a run that failed before
// any peer saw it. Nothing the shim keeps is on the heap except the event
// list, which holds no key bytes.
//
// Tests reach the controls with dlsym (support/object_records.h wraps them).
#pragma once

#include "pkcs11/cryptoki.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sslp11_record_kind {
  SSLP11_RECORD_CREATED = 0,    // made by `function` (with `mechanism`)
  SSLP11_RECORD_READBACK = 1,   // read again by sslp11_record_readback
  SSLP11_RECORD_DESTROYED = 2,  // C_DestroyObject succeeded
  SSLP11_RECORD_SET = 3,        // C_SetAttributeValue succeeded; t_* hold the values set
  SSLP11_RECORD_WRAPPED = 4,    // C_WrapKey (with an output buffer) succeeded for `handle`
  SSLP11_RECORD_GONE = 5        // its session was closed, or a readback found no such object
};

// Attribute values: for booleans 1 / 0, or -1 when the attribute is absent or
// unreadable; for the CK_ULONGs, has_* says whether the value was returned.
struct sslp11_record_attrs {
  CK_ULONG cls;
  CK_ULONG key_type;
  CK_ULONG value_len;
  int has_cls;
  int has_key_type;
  int has_value_len;
  int sensitive;
  int extractable;
  int token;
};

struct sslp11_record_event {
  unsigned long seq;   // order of events, from 0
  unsigned long step;  // the step number the test had set (sslp11_record_step)
  int kind;            // sslp11_record_kind
  char function[24];   // "C_DeriveKey", ...
  CK_MECHANISM_TYPE mechanism;
  int has_mechanism;
  char role[16];  // "", "public", "private", "client MAC", "server MAC", "client key", "server key"
  CK_SESSION_HANDLE session;
  CK_OBJECT_HANDLE handle;
  CK_RV read_rv;  // the worst CKR of the attribute reads (CKR_OK normally)
  struct sslp11_record_attrs attrs;
  // CREATED: what the template asked for (-1: not stated). SET: the values set.
  int t_sensitive;
  int t_extractable;
  int t_token;
  // CREATED by C_CreateObject: the template's CKA_VALUE is non-empty and all zero.
  int value_all_zero;
};

#ifdef __cplusplus
}
#endif
