#include "pkcs11/api.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>

namespace sslp11::p11 {

namespace {

thread_local std::uint64_t t_calls = 0;
std::atomic<bool> g_block_sigpipe{false};

// SIGPIPE blocked in this thread for one call; a SIGPIPE the call raised is
// consumed before the old mask comes back, one that was pending already is left.
class SigpipeBlocked {
 public:
  SigpipeBlocked() noexcept {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeBlocked() {
    if (!was_pending_) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        const timespec now{0, 0};
        sigtimedwait(&pipe_, nullptr, &now);
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t pipe_;
  sigset_t old_;
  bool was_pending_ = false;
};

// Counts the call and throws on failure; `name` is a string literal.
inline void check(CK_RV rv, const char* name) {
  if (rv != CKR_OK) throw Error(rv, name);
}

template <class F, class... Args>
inline CK_RV invoke(F fn, Args... args) {
  ++t_calls;
  if (g_block_sigpipe.load(std::memory_order_relaxed)) {
    SigpipeBlocked blocked;
    return fn(args...);
  }
  return fn(args...);
}

// PKCS#11 takes non-const pointers for input buffers it never writes.
inline CK_BYTE_PTR in_ptr(std::span<const CK_BYTE> s) { return const_cast<CK_BYTE_PTR>(s.data()); }
inline CK_UTF8CHAR_PTR pin_ptr(std::span<const CK_UTF8CHAR> s) { return const_cast<CK_UTF8CHAR_PTR>(s.data()); }

}  // namespace

std::uint64_t calls_on_this_thread() noexcept { return t_calls; }

void block_sigpipe_during_calls() noexcept { g_block_sigpipe.store(true, std::memory_order_relaxed); }

void Api::C_Initialize(CK_C_INITIALIZE_ARGS* args) const {
  check(invoke(f_->C_Initialize, static_cast<void*>(args)), "C_Initialize");
}

void Api::C_Finalize() const { check(invoke(f_->C_Finalize, nullptr), "C_Finalize"); }

CK_INFO Api::C_GetInfo() const {
  CK_INFO info{};
  check(invoke(f_->C_GetInfo, &info), "C_GetInfo");
  return info;
}

std::vector<CK_SLOT_ID> Api::C_GetSlotList(bool token_present) const {
  const CK_BBOOL present = token_present ? CK_TRUE : CK_FALSE;
  // The list can grow between the two calls (hot-plug); loop until it fits.
  for (;;) {
    CK_ULONG count = 0;
    check(invoke(f_->C_GetSlotList, present, nullptr, &count), "C_GetSlotList");
    std::vector<CK_SLOT_ID> slots(count);
    const CK_RV rv = invoke(f_->C_GetSlotList, present, slots.data(), &count);
    if (rv == CKR_BUFFER_TOO_SMALL) continue;
    check(rv, "C_GetSlotList");
    slots.resize(count);
    return slots;
  }
}

CK_SLOT_INFO Api::C_GetSlotInfo(CK_SLOT_ID slot) const {
  CK_SLOT_INFO info{};
  check(invoke(f_->C_GetSlotInfo, slot, &info), "C_GetSlotInfo");
  return info;
}

CK_TOKEN_INFO Api::C_GetTokenInfo(CK_SLOT_ID slot) const {
  CK_TOKEN_INFO info{};
  check(invoke(f_->C_GetTokenInfo, slot, &info), "C_GetTokenInfo");
  return info;
}

std::vector<CK_MECHANISM_TYPE> Api::C_GetMechanismList(CK_SLOT_ID slot) const {
  CK_ULONG count = 0;
  check(invoke(f_->C_GetMechanismList, slot, nullptr, &count), "C_GetMechanismList");
  // One spare element: p11-kit-client 0.24, dropping the mechanisms its RPC
  // cannot carry, memmove()s one element past the end of the list (ASan:
  // heap-buffer-overflow read). The count passed stays the module's.
  std::vector<CK_MECHANISM_TYPE> mechs(count + 1);
  check(invoke(f_->C_GetMechanismList, slot, mechs.data(), &count), "C_GetMechanismList");
  mechs.resize(count);
  return mechs;
}

CK_MECHANISM_INFO Api::C_GetMechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE type) const {
  CK_MECHANISM_INFO info{};
  check(invoke(f_->C_GetMechanismInfo, slot, type, &info), "C_GetMechanismInfo");
  return info;
}

void Api::C_InitToken(CK_SLOT_ID slot, std::span<const CK_UTF8CHAR> so_pin, const CK_UTF8CHAR label[32]) const {
  check(invoke(f_->C_InitToken, slot, pin_ptr(so_pin), CK_ULONG(so_pin.size()), const_cast<CK_UTF8CHAR_PTR>(label)),
        "C_InitToken");
}

CK_SESSION_HANDLE Api::C_OpenSession(CK_SLOT_ID slot, CK_FLAGS flags) const {
  CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
  check(invoke(f_->C_OpenSession, slot, flags | CKF_SERIAL_SESSION, nullptr, CK_NOTIFY(nullptr), &s),
        "C_OpenSession");
  return s;
}

void Api::C_CloseSession(CK_SESSION_HANDLE s) const { check(invoke(f_->C_CloseSession, s), "C_CloseSession"); }

void Api::C_CloseAllSessions(CK_SLOT_ID slot) const {
  check(invoke(f_->C_CloseAllSessions, slot), "C_CloseAllSessions");
}

CK_SESSION_INFO Api::C_GetSessionInfo(CK_SESSION_HANDLE s) const {
  CK_SESSION_INFO info{};
  check(invoke(f_->C_GetSessionInfo, s, &info), "C_GetSessionInfo");
  return info;
}

void Api::C_Login(CK_SESSION_HANDLE s, CK_USER_TYPE user, std::span<const CK_UTF8CHAR> pin) const {
  check(invoke(f_->C_Login, s, user, pin_ptr(pin), CK_ULONG(pin.size())), "C_Login");
}

void Api::C_Logout(CK_SESSION_HANDLE s) const { check(invoke(f_->C_Logout, s), "C_Logout"); }

void Api::C_InitPIN(CK_SESSION_HANDLE s, std::span<const CK_UTF8CHAR> pin) const {
  check(invoke(f_->C_InitPIN, s, pin_ptr(pin), CK_ULONG(pin.size())), "C_InitPIN");
}

void Api::C_SetPIN(CK_SESSION_HANDLE s, std::span<const CK_UTF8CHAR> old_pin,
                   std::span<const CK_UTF8CHAR> new_pin) const {
  check(invoke(f_->C_SetPIN, s, pin_ptr(old_pin), CK_ULONG(old_pin.size()), pin_ptr(new_pin),
               CK_ULONG(new_pin.size())),
        "C_SetPIN");
}

CK_OBJECT_HANDLE Api::C_CreateObject(CK_SESSION_HANDLE s, std::span<CK_ATTRIBUTE> tmpl) const {
  CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
  check(invoke(f_->C_CreateObject, s, tmpl.data(), CK_ULONG(tmpl.size()), &o), "C_CreateObject");
  return o;
}

void Api::C_DestroyObject(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o) const {
  check(invoke(f_->C_DestroyObject, s, o), "C_DestroyObject");
}

CK_RV Api::C_GetAttributeValue(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, std::span<CK_ATTRIBUTE> tmpl) const {
  return invoke(f_->C_GetAttributeValue, s, o, tmpl.data(), CK_ULONG(tmpl.size()));
}

void Api::C_SetAttributeValue(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, std::span<CK_ATTRIBUTE> tmpl) const {
  check(invoke(f_->C_SetAttributeValue, s, o, tmpl.data(), CK_ULONG(tmpl.size())), "C_SetAttributeValue");
}

std::vector<CK_OBJECT_HANDLE> Api::find_objects(CK_SESSION_HANDLE s, std::span<CK_ATTRIBUTE> tmpl,
                                                std::size_t max) const {
  check(invoke(f_->C_FindObjectsInit, s, tmpl.data(), CK_ULONG(tmpl.size())), "C_FindObjectsInit");
  std::vector<CK_OBJECT_HANDLE> found;
  CK_RV rv = CKR_OK;
  for (;;) {
    CK_OBJECT_HANDLE batch[64];
    CK_ULONG n = 0;
    rv = invoke(f_->C_FindObjects, s, batch, CK_ULONG(64), &n);
    if (rv != CKR_OK || n == 0) break;
    found.insert(found.end(), batch, batch + n);
    if (max != 0 && found.size() >= max) break;
  }
  // Always end the search, even after a failure, so the session stays usable.
  const CK_RV final_rv = invoke(f_->C_FindObjectsFinal, s);
  check(rv, "C_FindObjects");
  check(final_rv, "C_FindObjectsFinal");
  if (max != 0 && found.size() > max) found.resize(max);
  return found;
}

CK_OBJECT_HANDLE Api::C_GenerateKey(CK_SESSION_HANDLE s, CK_MECHANISM& m, std::span<CK_ATTRIBUTE> tmpl) const {
  CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
  check(invoke(f_->C_GenerateKey, s, &m, tmpl.data(), CK_ULONG(tmpl.size()), &o), "C_GenerateKey");
  return o;
}

void Api::C_GenerateKeyPair(CK_SESSION_HANDLE s, CK_MECHANISM& m, std::span<CK_ATTRIBUTE> pub_tmpl,
                            std::span<CK_ATTRIBUTE> priv_tmpl, CK_OBJECT_HANDLE& pub,
                            CK_OBJECT_HANDLE& priv) const {
  check(invoke(f_->C_GenerateKeyPair, s, &m, pub_tmpl.data(), CK_ULONG(pub_tmpl.size()), priv_tmpl.data(),
               CK_ULONG(priv_tmpl.size()), &pub, &priv),
        "C_GenerateKeyPair");
}

void Api::C_DeriveKey(CK_SESSION_HANDLE s, CK_MECHANISM& m, CK_OBJECT_HANDLE base, std::span<CK_ATTRIBUTE> tmpl,
                      CK_OBJECT_HANDLE* out) const {
  check(invoke(f_->C_DeriveKey, s, &m, base, tmpl.data(), CK_ULONG(tmpl.size()), out), "C_DeriveKey");
}

CK_OBJECT_HANDLE Api::C_UnwrapKey(CK_SESSION_HANDLE s, CK_MECHANISM& m, CK_OBJECT_HANDLE unwrapping_key,
                                  std::span<const CK_BYTE> wrapped, std::span<CK_ATTRIBUTE> tmpl) const {
  CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
  check(invoke(f_->C_UnwrapKey, s, &m, unwrapping_key, in_ptr(wrapped), CK_ULONG(wrapped.size()), tmpl.data(),
               CK_ULONG(tmpl.size()), &o),
        "C_UnwrapKey");
  return o;
}

CK_RV Api::C_UnwrapKey_rv(CK_SESSION_HANDLE s, CK_MECHANISM& m, CK_OBJECT_HANDLE unwrapping_key,
                          std::span<const CK_BYTE> wrapped, std::span<CK_ATTRIBUTE> tmpl,
                          CK_OBJECT_HANDLE& out) const {
  out = CK_INVALID_HANDLE;
  const CK_RV rv = invoke(f_->C_UnwrapKey, s, &m, unwrapping_key, in_ptr(wrapped), CK_ULONG(wrapped.size()),
                          tmpl.data(), CK_ULONG(tmpl.size()), &out);
  if (rv != CKR_OK) out = CK_INVALID_HANDLE;
  return rv;
}

std::vector<CK_BYTE> Api::C_WrapKey(CK_SESSION_HANDLE s, CK_MECHANISM& m, CK_OBJECT_HANDLE wrapping_key,
                                    CK_OBJECT_HANDLE key) const {
  CK_ULONG len = 0;
  check(invoke(f_->C_WrapKey, s, &m, wrapping_key, key, nullptr, &len), "C_WrapKey");
  std::vector<CK_BYTE> out(len);
  check(invoke(f_->C_WrapKey, s, &m, wrapping_key, key, out.data(), &len), "C_WrapKey");
  out.resize(len);
  return out;
}

void Api::C_SignInit(CK_SESSION_HANDLE s, CK_MECHANISM& m, CK_OBJECT_HANDLE key) const {
  check(invoke(f_->C_SignInit, s, &m, key), "C_SignInit");
}

std::size_t Api::C_Sign(CK_SESSION_HANDLE s, std::span<const CK_BYTE> data, std::span<CK_BYTE> sig) const {
  CK_ULONG len = sig.size();
  check(invoke(f_->C_Sign, s, in_ptr(data), CK_ULONG(data.size()), sig.data(), &len), "C_Sign");
  return len;
}

void Api::C_SignUpdate(CK_SESSION_HANDLE s, std::span<const CK_BYTE> data) const {
  check(invoke(f_->C_SignUpdate, s, in_ptr(data), CK_ULONG(data.size())), "C_SignUpdate");
}

std::size_t Api::C_SignFinal(CK_SESSION_HANDLE s, std::span<CK_BYTE> sig) const {
  CK_ULONG len = sig.size();
  check(invoke(f_->C_SignFinal, s, sig.data(), &len), "C_SignFinal");
  return len;
}

void Api::C_VerifyInit(CK_SESSION_HANDLE s, CK_MECHANISM& m, CK_OBJECT_HANDLE key) const {
  check(invoke(f_->C_VerifyInit, s, &m, key), "C_VerifyInit");
}

void Api::C_Verify(CK_SESSION_HANDLE s, std::span<const CK_BYTE> data, std::span<const CK_BYTE> sig) const {
  check(invoke(f_->C_Verify, s, in_ptr(data), CK_ULONG(data.size()), in_ptr(sig), CK_ULONG(sig.size())),
        "C_Verify");
}

void Api::C_EncryptInit(CK_SESSION_HANDLE s, CK_MECHANISM& m, CK_OBJECT_HANDLE key) const {
  check(invoke(f_->C_EncryptInit, s, &m, key), "C_EncryptInit");
}

std::size_t Api::C_Encrypt(CK_SESSION_HANDLE s, std::span<const CK_BYTE> in, std::span<CK_BYTE> out) const {
  CK_ULONG len = out.size();
  check(invoke(f_->C_Encrypt, s, in_ptr(in), CK_ULONG(in.size()), out.data(), &len), "C_Encrypt");
  return len;
}

void Api::C_DecryptInit(CK_SESSION_HANDLE s, CK_MECHANISM& m, CK_OBJECT_HANDLE key) const {
  check(invoke(f_->C_DecryptInit, s, &m, key), "C_DecryptInit");
}

std::size_t Api::C_Decrypt(CK_SESSION_HANDLE s, std::span<const CK_BYTE> in, std::span<CK_BYTE> out) const {
  CK_ULONG len = out.size();
  check(invoke(f_->C_Decrypt, s, in_ptr(in), CK_ULONG(in.size()), out.data(), &len), "C_Decrypt");
  return len;
}

CK_RV Api::C_Decrypt_rv(CK_SESSION_HANDLE s, std::span<const CK_BYTE> in, std::span<CK_BYTE> out,
                        std::size_t& written) const {
  CK_ULONG len = out.size();
  const CK_RV rv = invoke(f_->C_Decrypt, s, in_ptr(in), CK_ULONG(in.size()), out.data(), &len);
  // Branch-free: the length is kept only when the call succeeded.
  written = static_cast<std::size_t>(len) & (std::size_t{0} - static_cast<std::size_t>(rv == CKR_OK));
  return rv;
}

void Api::C_DigestInit(CK_SESSION_HANDLE s, CK_MECHANISM& m) const {
  check(invoke(f_->C_DigestInit, s, &m), "C_DigestInit");
}

std::size_t Api::C_Digest(CK_SESSION_HANDLE s, std::span<const CK_BYTE> in, std::span<CK_BYTE> out) const {
  CK_ULONG len = out.size();
  check(invoke(f_->C_Digest, s, in_ptr(in), CK_ULONG(in.size()), out.data(), &len), "C_Digest");
  return len;
}

void Api::C_GenerateRandom(CK_SESSION_HANDLE s, std::span<CK_BYTE> out) const {
  check(invoke(f_->C_GenerateRandom, s, out.data(), CK_ULONG(out.size())), "C_GenerateRandom");
}

}  // namespace sslp11::p11
