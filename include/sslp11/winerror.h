/*
 * sslp11 — status codes returned by, or seen around, the Ssl* API.
 *
 * Every code is a 32-bit signed value. The hex spellings have the top bit
 * set, so each is written as an unsigned literal cast to the signed type:
 * that yields the same negative value Windows code sees, is an integer
 * constant expression (usable in `case` labels and static asserts), and
 * compiles warning-free in C and C++.
 */
#ifndef SSLP11_WINERROR_H
#define SSLP11_WINERROR_H

#include "wintypes.h"

#define ERROR_SUCCESS 0L

/* ---- NTE_*: CNG / NCrypt errors (facility 9). What Ssl* functions return. */
#define NTE_BAD_UID                        ((SECURITY_STATUS)0x80090001UL)
#define NTE_BAD_HASH                       ((SECURITY_STATUS)0x80090002UL)
#define NTE_BAD_KEY                        ((SECURITY_STATUS)0x80090003UL)
#define NTE_BAD_LEN                        ((SECURITY_STATUS)0x80090004UL)
#define NTE_BAD_DATA                       ((SECURITY_STATUS)0x80090005UL)
#define NTE_BAD_SIGNATURE                  ((SECURITY_STATUS)0x80090006UL)
#define NTE_BAD_VER                        ((SECURITY_STATUS)0x80090007UL)
#define NTE_BAD_ALGID                      ((SECURITY_STATUS)0x80090008UL)
#define NTE_BAD_FLAGS                      ((SECURITY_STATUS)0x80090009UL)
#define NTE_BAD_TYPE                       ((SECURITY_STATUS)0x8009000AUL)
#define NTE_BAD_KEY_STATE                  ((SECURITY_STATUS)0x8009000BUL)
#define NTE_BAD_HASH_STATE                 ((SECURITY_STATUS)0x8009000CUL)
#define NTE_NO_KEY                         ((SECURITY_STATUS)0x8009000DUL)
#define NTE_NO_MEMORY                      ((SECURITY_STATUS)0x8009000EUL)
#define NTE_EXISTS                         ((SECURITY_STATUS)0x8009000FUL)
#define NTE_PERM                           ((SECURITY_STATUS)0x80090010UL)
#define NTE_NOT_FOUND                      ((SECURITY_STATUS)0x80090011UL)
#define NTE_DOUBLE_ENCRYPT                 ((SECURITY_STATUS)0x80090012UL)
#define NTE_BAD_PROVIDER                   ((SECURITY_STATUS)0x80090013UL)
#define NTE_BAD_PROV_TYPE                  ((SECURITY_STATUS)0x80090014UL)
#define NTE_BAD_PUBLIC_KEY                 ((SECURITY_STATUS)0x80090015UL)
#define NTE_BAD_KEYSET                     ((SECURITY_STATUS)0x80090016UL)
#define NTE_PROV_TYPE_NOT_DEF              ((SECURITY_STATUS)0x80090017UL)
#define NTE_PROV_TYPE_ENTRY_BAD            ((SECURITY_STATUS)0x80090018UL)
#define NTE_KEYSET_NOT_DEF                 ((SECURITY_STATUS)0x80090019UL)
#define NTE_KEYSET_ENTRY_BAD               ((SECURITY_STATUS)0x8009001AUL)
#define NTE_PROV_TYPE_NO_MATCH             ((SECURITY_STATUS)0x8009001BUL)
#define NTE_SIGNATURE_FILE_BAD             ((SECURITY_STATUS)0x8009001CUL)
#define NTE_PROVIDER_DLL_FAIL              ((SECURITY_STATUS)0x8009001DUL)
#define NTE_PROV_DLL_NOT_FOUND             ((SECURITY_STATUS)0x8009001EUL)
#define NTE_BAD_KEYSET_PARAM               ((SECURITY_STATUS)0x8009001FUL)
#define NTE_FAIL                           ((SECURITY_STATUS)0x80090020UL)
#define NTE_SYS_ERR                        ((SECURITY_STATUS)0x80090021UL)
#define NTE_SILENT_CONTEXT                 ((SECURITY_STATUS)0x80090022UL)
#define NTE_TOKEN_KEYSET_STORAGE_FULL      ((SECURITY_STATUS)0x80090023UL)
#define NTE_TEMPORARY_PROFILE              ((SECURITY_STATUS)0x80090024UL)
#define NTE_FIXEDPARAMETER                 ((SECURITY_STATUS)0x80090025UL)
#define NTE_INVALID_HANDLE                 ((SECURITY_STATUS)0x80090026UL)
#define NTE_INVALID_PARAMETER              ((SECURITY_STATUS)0x80090027UL)
#define NTE_BUFFER_TOO_SMALL               ((SECURITY_STATUS)0x80090028UL)
#define NTE_NOT_SUPPORTED                  ((SECURITY_STATUS)0x80090029UL)
#define NTE_NO_MORE_ITEMS                  ((SECURITY_STATUS)0x8009002AUL)
#define NTE_BUFFERS_OVERLAP                ((SECURITY_STATUS)0x8009002BUL)
#define NTE_DECRYPTION_FAILURE             ((SECURITY_STATUS)0x8009002CUL)
#define NTE_INTERNAL_ERROR                 ((SECURITY_STATUS)0x8009002DUL)
#define NTE_UI_REQUIRED                    ((SECURITY_STATUS)0x8009002EUL)
#define NTE_HMAC_NOT_SUPPORTED             ((SECURITY_STATUS)0x8009002FUL)
#define NTE_DEVICE_NOT_READY               ((SECURITY_STATUS)0x80090030UL)
#define NTE_AUTHENTICATION_IGNORED         ((SECURITY_STATUS)0x80090031UL)
#define NTE_VALIDATION_FAILED              ((SECURITY_STATUS)0x80090032UL)
#define NTE_INCORRECT_PASSWORD             ((SECURITY_STATUS)0x80090033UL)
#define NTE_ENCRYPTION_FAILURE             ((SECURITY_STATUS)0x80090034UL)
#define NTE_DEVICE_NOT_FOUND               ((SECURITY_STATUS)0x80090035UL)
#define NTE_USER_CANCELLED                 ((SECURITY_STATUS)0x80090036UL)
#define NTE_PASSWORD_CHANGE_REQUIRED       ((SECURITY_STATUS)0x80090037UL)
#define NTE_NOT_ACTIVE_CONSOLE             ((SECURITY_STATUS)0x80090038UL)

/*
 * ---- SEC_E_*: SSPI-level errors. The Ssl* functions do not return these;
 * they are here for callers that translate provider errors into SSPI terms.
 */
#define SEC_E_OK                           ((SECURITY_STATUS)0x00000000L)
#define SEC_E_INSUFFICIENT_MEMORY          ((SECURITY_STATUS)0x80090300UL)
#define SEC_E_INVALID_HANDLE               ((SECURITY_STATUS)0x80090301UL)
#define SEC_E_UNSUPPORTED_FUNCTION         ((SECURITY_STATUS)0x80090302UL)
#define SEC_E_INTERNAL_ERROR               ((SECURITY_STATUS)0x80090304UL)
#define SEC_E_INVALID_TOKEN                ((SECURITY_STATUS)0x80090308UL)
#define SEC_E_MESSAGE_ALTERED              ((SECURITY_STATUS)0x8009030FUL)
#define SEC_E_OUT_OF_SEQUENCE              ((SECURITY_STATUS)0x80090310UL)
#define SEC_E_INCOMPLETE_MESSAGE           ((SECURITY_STATUS)0x80090318UL)
#define SEC_E_BUFFER_TOO_SMALL             ((SECURITY_STATUS)0x80090321UL)
#define SEC_E_ILLEGAL_MESSAGE              ((SECURITY_STATUS)0x80090326UL)
#define SEC_E_ENCRYPT_FAILURE              ((SECURITY_STATUS)0x80090329UL)
#define SEC_E_DECRYPT_FAILURE              ((SECURITY_STATUS)0x80090330UL)
#define SEC_E_ALGORITHM_MISMATCH           ((SECURITY_STATUS)0x80090331UL)
#define SEC_E_INVALID_PARAMETER            ((SECURITY_STATUS)0x8009035DUL)

/*
 * ---- STATUS_*: NTSTATUS values. Microsoft's router maps most of these to an
 * NTE_* code before returning; GetSChannelInterface returns NTSTATUS.
 */
#define STATUS_INVALID_HANDLE              ((NTSTATUS)0xC0000008UL)
#define STATUS_INVALID_PARAMETER           ((NTSTATUS)0xC000000DUL)
#define STATUS_NO_MEMORY                   ((NTSTATUS)0xC0000017UL)
#define STATUS_BUFFER_TOO_SMALL            ((NTSTATUS)0xC0000023UL)
#define STATUS_INSUFFICIENT_RESOURCES      ((NTSTATUS)0xC000009AUL)
#define STATUS_NOT_SUPPORTED               ((NTSTATUS)0xC00000BBUL)
#define STATUS_INTERNAL_ERROR              ((NTSTATUS)0xC00000E5UL)
#define STATUS_NOT_FOUND                   ((NTSTATUS)0xC0000225UL)
#define STATUS_INVALID_SIGNATURE           ((NTSTATUS)0xC000A000UL)
#define STATUS_AUTH_TAG_MISMATCH           ((NTSTATUS)0xC000A002UL)

#endif /* SSLP11_WINERROR_H */
