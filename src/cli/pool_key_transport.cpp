#include "cli/pool_key_transport.h"

#include <array>
#include <vector>

#include "cli/errors.h"
#include "cli/object_templates.h"
#include "pkcs11/attributes.h"
#include "pkcs11/error.h"
#include "pkcs11/pool_key.h"

namespace sslp11::cli {

namespace {

// A session object destroyed when this goes (errors included).
class SessionObject {
 public:
  SessionObject(const TokenSession& session, CK_OBJECT_HANDLE handle) noexcept
      : session_(session), handle_(handle) {}
  SessionObject(const SessionObject&) = delete;
  SessionObject& operator=(const SessionObject&) = delete;
  ~SessionObject() {
    try {
      session_.api().C_DestroyObject(session_.handle(), handle_);
    } catch (const p11::Error&) {  // the session, and the object with it, is gone
    }
  }
  CK_OBJECT_HANDLE handle() const noexcept { return handle_; }

 private:
  const TokenSession& session_;
  CK_OBJECT_HANDLE handle_;
};

void require_mechanism(const TokenSession& s, CK_MECHANISM_TYPE type, CK_FLAGS flag, const std::string& what) {
  bool ok = false;
  try {
    ok = (s.api().C_GetMechanismInfo(s.slot().id, type).flags & flag) != 0;
  } catch (const p11::Error&) {  // CKR_MECHANISM_INVALID: the token does not have it
  }
  if (!ok) {
    throw OperationError("token '" + s.label() + "' cannot " + what +
                         ", which the pool-key copy needs; use the fallback, sslp11-admin pool-key import");
  }
}

// The OAEP parameters to try, strongest first: SHA-256 where both tokens
// take it, else SHA-1 (SoftHSMv2 2.6 accepts only SHA-1 for OAEP; OAEP's
// security does not rest on SHA-1's collision resistance).
struct Oaep {
  const char* name;
  CK_RSA_PKCS_OAEP_PARAMS params;
};
constexpr std::array<Oaep, 2> kOaep{{
    {"SHA-256", {CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, nullptr, 0}},
    {"SHA-1", {CKM_SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, nullptr, 0}},
}};

bool params_refused(const p11::Error& e) {
  return e.rv() == CKR_MECHANISM_PARAM_INVALID || e.rv() == CKR_ARGUMENTS_BAD || e.rv() == CKR_MECHANISM_INVALID;
}

}  // namespace

Transport copy_pool_key(const TokenSession& from, CK_OBJECT_HANDLE pool_key, const TokenSession& to) {
  require_mechanism(to, CKM_RSA_PKCS_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR, "generate an RSA key pair");
  require_mechanism(to, CKM_RSA_PKCS_OAEP, CKF_UNWRAP, "unwrap with CKM_RSA_PKCS_OAEP");
  require_mechanism(from, CKM_RSA_PKCS_OAEP, CKF_WRAP, "wrap with CKM_RSA_PKCS_OAEP");

  CK_MECHANISM gen{CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
  auto pub_t = object_templates::kek_public_to_generate(kKekBits);
  auto priv_t = object_templates::kek_private_to_generate();
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
  to.api().C_GenerateKeyPair(to.handle(), gen, pub_t.span(), priv_t.span(), pub, priv);
  const SessionObject kek_public(to, pub), kek_private(to, priv);

  const auto modulus = p11::read_bytes(to.api(), to.handle(), pub, CKA_MODULUS);
  const auto exponent = p11::read_bytes(to.api(), to.handle(), pub, CKA_PUBLIC_EXPONENT);
  if (!modulus || !exponent) throw OperationError("token '" + to.label() + "' did not give its RSA public key");
  auto public_t = object_templates::kek_public_to_create(*modulus, *exponent);
  const SessionObject wrapping(from, from.api().C_CreateObject(from.handle(), public_t.span()));

  for (std::size_t i = 0; i < kOaep.size(); ++i) {
    const bool last = i + 1 == kOaep.size();
    CK_RSA_PKCS_OAEP_PARAMS params = kOaep[i].params;
    CK_MECHANISM oaep{CKM_RSA_PKCS_OAEP, &params, sizeof params};
    try {
      const auto wrapped = from.api().C_WrapKey(from.handle(), oaep, wrapping.handle(), pool_key);
      auto key_t = p11::pool_key::attributes(/*extractable=*/true);
      to.api().C_UnwrapKey(to.handle(), oaep, kek_private.handle(), wrapped, key_t.span());
      return Transport{kOaep[i].name};
    } catch (const p11::Error& e) {
      if (last || !params_refused(e)) throw;
    }
  }
  throw OperationError("no OAEP parameters left to try");  // not reached: the last attempt rethrows
}

}  // namespace sslp11::cli
