/*
 * sslp11 — Windows base types for non-Windows builds.
 *
 * Every type has the width it has on Windows (LLP64), not the width the same
 * C keyword has on Linux (LP64): LONG and ULONG are 32 bits here, as they are
 * on Windows, even though `long` is 64 bits on x86-64 Linux. Struct layouts in
 * the other sslp11 headers depend on this.
 */
#ifndef SSLP11_WINTYPES_H
#define SSLP11_WINTYPES_H

#ifdef _WIN32
#error "sslp11/wintypes.h is for non-Windows platforms; on Windows use the SDK headers."
#endif

#include <stdint.h>

#ifndef __cplusplus
#include <uchar.h> /* char16_t (C11); C++ has it built in */
#endif

/* Calling convention: __stdcall only matters on 32-bit Windows. */
#define WINAPI

typedef uint8_t BYTE;
typedef uint16_t WORD;
typedef uint32_t DWORD;
typedef uint32_t ULONG;
typedef uint32_t UINT;
typedef int32_t LONG;
typedef uint64_t ULONGLONG;
typedef uintptr_t ULONG_PTR;
typedef int32_t BOOL;

typedef unsigned char UCHAR;
typedef uint16_t USHORT;
typedef char CHAR;

typedef CHAR *PCHAR;
typedef BYTE *PBYTE;
typedef UCHAR *PUCHAR;
typedef void *PVOID;
typedef void *HANDLE;

/*
 * Windows strings are UTF-16 with a 2-byte wchar_t. Linux wchar_t is 4 bytes
 * (UTF-32), so WCHAR is char16_t and string constants in these headers are
 * u"..." literals rather than L"...".
 */
typedef char16_t WCHAR;
typedef WCHAR *LPWSTR;
typedef WCHAR *PWSTR;
typedef const WCHAR *LPCWSTR;
typedef const WCHAR *PCWSTR;

/* Status codes: all three are HRESULT-shaped 32-bit signed values. */
typedef LONG HRESULT;
typedef LONG NTSTATUS;
typedef LONG SECURITY_STATUS;

#endif /* SSLP11_WINTYPES_H */
