// The thin low-level wrapper: one method per C_* function sslp11 uses. Each
// counts the call (for the benchmarks' calls-per-operation figures) and turns
// a CKR_* other than CKR_OK into p11::Error. Nothing else lives here.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "pkcs11/cryptoki.h"
#include "pkcs11/error.h"

namespace sslp11::p11 {

// PKCS#11 calls made by the current thread since it started. Thread-local so
// counting costs nothing under contention.
std::uint64_t calls_on_this_thread() noexcept;

// From now on every call blocks SIGPIPE in the calling thread for its
// duration (and swallows one it raised): a module that talks over a socket
// (p11-kit-client) must not kill the process when its server goes away.
// Set by Module::load for such modules; one relaxed load per call otherwise.
void block_sigpipe_during_calls() noexcept;

class Api {
 public:
  explicit Api(CK_FUNCTION_LIST* functions) : f_(functions) {}
  CK_FUNCTION_LIST* functions() const noexcept { return f_; }

  // Library and slots
  void C_Initialize(CK_C_INITIALIZE_ARGS* args) const;
  void C_Finalize() const;
  CK_INFO C_GetInfo() const;
  std::vector<CK_SLOT_ID> C_GetSlotList(bool token_present) const;
  CK_SLOT_INFO C_GetSlotInfo(CK_SLOT_ID slot) const;
  CK_TOKEN_INFO C_GetTokenInfo(CK_SLOT_ID slot) const;
  std::vector<CK_MECHANISM_TYPE> C_GetMechanismList(CK_SLOT_ID slot) const;
  CK_MECHANISM_INFO C_GetMechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE type) const;
  void C_InitToken(CK_SLOT_ID slot, std::span<const CK_UTF8CHAR> so_pin, const CK_UTF8CHAR label[32]) const;

  // Sessions and login
  CK_SESSION_HANDLE C_OpenSession(CK_SLOT_ID slot, CK_FLAGS flags) const;
  void C_CloseSession(CK_SESSION_HANDLE s) const;
  void C_CloseAllSessions(CK_SLOT_ID slot) const;
  CK_SESSION_INFO C_GetSessionInfo(CK_SESSION_HANDLE s) const;
  void C_Login(CK_SESSION_HANDLE s, CK_USER_TYPE user, std::span<const CK_UTF8CHAR> pin) const;
  void C_Logout(CK_SESSION_HANDLE s) const;
  void C_InitPIN(CK_SESSION_HANDLE s, std::span<const CK_UTF8CHAR> pin) const;
  void C_SetPIN(CK_SESSION_HANDLE s, std::span<const CK_UTF8CHAR> old_pin, std::span<const CK_UTF8CHAR> new_pin) const;

  // Objects
  CK_OBJECT_HANDLE C_CreateObject(CK_SESSION_HANDLE s, std::span<CK_ATTRIBUTE> tmpl) const;
  void C_DestroyObject(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o) const;
  // Returns the raw CKR so callers can treat CKR_ATTRIBUTE_SENSITIVE etc. as data.
  CK_RV C_GetAttributeValue(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, std::span<CK_ATTRIBUTE> tmpl) const;
  void C_SetAttributeValue(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, std::span<CK_ATTRIBUTE> tmpl) const;
  std::vector<CK_OBJECT_HANDLE> find_objects(CK_SESSION_HANDLE s, std::span<CK_ATTRIBUTE> tmpl,
                                             std::size_t max = 0) const;  // Init+Find*+Final

  // Keys
  CK_OBJECT_HANDLE C_GenerateKey(CK_SESSION_HANDLE s, CK_MECHANISM& m, std::span<CK_ATTRIBUTE> tmpl) const;
  void C_GenerateKeyPair(CK_SESSION_HANDLE s, CK_MECHANISM& m, std::span<CK_ATTRIBUTE> pub_tmpl,
                         std::span<CK_ATTRIBUTE> priv_tmpl, CK_OBJECT_HANDLE& pub, CK_OBJECT_HANDLE& priv) const;
  // phKey may be null (CKM_TLS12_KEY_AND_MAC_DERIVE returns handles in its parameter).
  void C_DeriveKey(CK_SESSION_HANDLE s, CK_MECHANISM& m, CK_OBJECT_HANDLE base, std::span<CK_ATTRIBUTE> tmpl,
                   CK_OBJECT_HANDLE* out) const;
  CK_OBJECT_HANDLE C_UnwrapKey(CK_SESSION_HANDLE s, CK_MECHANISM& m, CK_OBJECT_HANDLE unwrapping_key,
                               std::span<const CK_BYTE> wrapped, std::span<CK_ATTRIBUTE> tmpl) const;
  // C_UnwrapKey with the CKR returned as data, not thrown: an RSA key exchange
  // must take the same code path whether the client's ciphertext was
  // well-formed or not (Bleichenbacher; an exception's unwinding is measurable).
  // `out` is CK_INVALID_HANDLE unless CKR_OK.
  CK_RV C_UnwrapKey_rv(CK_SESSION_HANDLE s, CK_MECHANISM& m, CK_OBJECT_HANDLE unwrapping_key,
                       std::span<const CK_BYTE> wrapped, std::span<CK_ATTRIBUTE> tmpl, CK_OBJECT_HANDLE& out) const;
  // Two-call size query folded in: returns the wrapped bytes.
  std::vector<CK_BYTE> C_WrapKey(CK_SESSION_HANDLE s, CK_MECHANISM& m, CK_OBJECT_HANDLE wrapping_key,
                                 CK_OBJECT_HANDLE key) const;

  // Single-part crypto. Output spans must be large enough; the returned value
  // is the number of bytes written.
  void C_SignInit(CK_SESSION_HANDLE s, CK_MECHANISM& m, CK_OBJECT_HANDLE key) const;
  std::size_t C_Sign(CK_SESSION_HANDLE s, std::span<const CK_BYTE> data, std::span<CK_BYTE> sig) const;
  void C_SignUpdate(CK_SESSION_HANDLE s, std::span<const CK_BYTE> data) const;
  std::size_t C_SignFinal(CK_SESSION_HANDLE s, std::span<CK_BYTE> sig) const;
  void C_VerifyInit(CK_SESSION_HANDLE s, CK_MECHANISM& m, CK_OBJECT_HANDLE key) const;
  void C_Verify(CK_SESSION_HANDLE s, std::span<const CK_BYTE> data, std::span<const CK_BYTE> sig) const;
  void C_EncryptInit(CK_SESSION_HANDLE s, CK_MECHANISM& m, CK_OBJECT_HANDLE key) const;
  std::size_t C_Encrypt(CK_SESSION_HANDLE s, std::span<const CK_BYTE> in, std::span<CK_BYTE> out) const;
  void C_DecryptInit(CK_SESSION_HANDLE s, CK_MECHANISM& m, CK_OBJECT_HANDLE key) const;
  std::size_t C_Decrypt(CK_SESSION_HANDLE s, std::span<const CK_BYTE> in, std::span<CK_BYTE> out) const;
  // C_Decrypt with the CKR returned as data (see C_UnwrapKey_rv); `written`
  // is the plaintext length, 0 unless CKR_OK.
  CK_RV C_Decrypt_rv(CK_SESSION_HANDLE s, std::span<const CK_BYTE> in, std::span<CK_BYTE> out,
                     std::size_t& written) const;
  void C_DigestInit(CK_SESSION_HANDLE s, CK_MECHANISM& m) const;
  std::size_t C_Digest(CK_SESSION_HANDLE s, std::span<const CK_BYTE> in, std::span<CK_BYTE> out) const;
  void C_GenerateRandom(CK_SESSION_HANDLE s, std::span<CK_BYTE> out) const;

 private:
  CK_FUNCTION_LIST* f_;
};

}  // namespace sslp11::p11
