// HKDF with the token's own PKCS#11 3.0 mechanisms (NSS softoken >= 3.52):
// nothing secret reaches host memory. Each Extract and each Expand is one
// C_DeriveKey(CKM_HKDF_DERIVE) whose output is a sensitive, non-extractable
// token object; a salt that is a secret is passed as a key handle
// (CKF_HKDF_SALT_KEY), the zero salt as CKF_HKDF_SALT_NULL (RFC 5869: Hash.length
// zeros), and the zero IKM as the token's shared zeros object (the base key of
// C_DeriveKey must be an object). Only expand_data's output leaves the token,
// through CKM_HKDF_DATA, as NSS's own TLS 1.3 does for IVs.
#include <algorithm>

#include "core/error.h"
#include "core/tls13_hkdf.h"
#include "pkcs11/secure_buffer.h"
#include "pkcs11/tls_params.h"

namespace sslp11::core {

namespace {

class NativeHkdf final : public Tls13Hkdf {
 public:
  explicit NativeHkdf(std::shared_ptr<p11::SessionPool> pool) : pool_(pool), zeros_(std::move(pool), p11::DerivationPath::native) {}
  p11::DerivationPath path() const noexcept override { return p11::DerivationPath::native; }

  p11::Object extract(const p11::Lease& lease, HashAlg hash, const p11::Object* salt, const p11::Object* ikm,
                      std::size_t /*ikm_bytes*/, const Tls13Output& out) const override {
    CK_HKDF_PARAMS params{CK_TRUE, CK_FALSE, hash_mechanism(hash), CKF_HKDF_SALT_NULL, nullptr, 0,
                          CK_INVALID_HANDLE, nullptr, 0};
    if (salt != nullptr) {
      params.ulSaltType = CKF_HKDF_SALT_KEY;
      params.hSaltKey = salt->handle();
    }
    const CK_OBJECT_HANDLE base = ikm != nullptr ? ikm->handle() : zeros_.get(lease, hash_bytes(hash));
    return derive(lease, params, base, out);
  }

  p11::Object expand(const p11::Lease& lease, HashAlg hash, const p11::Object& prk, std::span<const std::uint8_t> info,
                     const Tls13Output& out) const override {
    CK_HKDF_PARAMS params{CK_FALSE, CK_TRUE, hash_mechanism(hash), CKF_HKDF_SALT_NULL, nullptr, 0,
                          CK_INVALID_HANDLE, const_cast<std::uint8_t*>(info.data()), info.size()};
    return derive(lease, params, prk.handle(), out);
  }

  void expand_data(const p11::Lease& lease, HashAlg hash, const p11::Object& prk, std::span<const std::uint8_t> info,
                   std::span<std::uint8_t> out) const override {
    CK_HKDF_PARAMS params{CK_FALSE, CK_TRUE, hash_mechanism(hash), CKF_HKDF_SALT_NULL, nullptr, 0,
                          CK_INVALID_HANDLE, const_cast<std::uint8_t*>(info.data()), info.size()};
    CK_MECHANISM mech{CKM_HKDF_DATA, &params, sizeof params};
    auto t = tls13_templates::data(out.size());
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    lease.api().C_DeriveKey(lease.handle(), mech, prk.handle(), t.span(), &h);
    p11::Object data(pool_, lease, h);
    // One read straight into the caller's buffer: the length is known, and
    // this runs twice per write key (the floor reads once too).
    CK_ATTRIBUTE value{CKA_VALUE, out.data(), out.size()};
    const CK_RV rv = lease.api().C_GetAttributeValue(lease.handle(), h, {&value, 1});
    data.reset(lease);
    if (rv != CKR_OK || value.ulValueLen != out.size()) {
      p11::wipe(out.data(), out.size());
      throw Error(Fault::internal, "the token's CKM_HKDF_DATA output could not be read at the length asked for");
    }
  }

 private:
  p11::Object derive(const p11::Lease& lease, CK_HKDF_PARAMS& params, CK_OBJECT_HANDLE base,
                     const Tls13Output& out) const {
    CK_MECHANISM mech{CKM_HKDF_DERIVE, &params, sizeof params};
    auto t = tls13_templates::derived(p11::DerivationPath::native, out.use, out.type, out.bytes);
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    lease.api().C_DeriveKey(lease.handle(), mech, base, t.span(), &h);
    return p11::Object(pool_, lease, h);
  }

  std::shared_ptr<p11::SessionPool> pool_;
  mutable Tls13ZeroKeys zeros_;
};

}  // namespace

std::unique_ptr<Tls13Hkdf> make_native_hkdf(std::shared_ptr<p11::SessionPool> pool) {
  return std::make_unique<NativeHkdf>(std::move(pool));
}

}  // namespace sslp11::core
