#include "core/private_keys.h"

#include <algorithm>

#include "core/error.h"
#include "pkcs11/attributes.h"

namespace sslp11::core {

std::shared_ptr<PrivateKey> open_private_key_for_certificate(const Provider& provider,
                                                             std::span<const std::uint8_t> der) {
  const auto& token = provider.token();
  return token->pool()->run([&](p11::Lease& lease) {
    const p11::Api& api = lease.api();
    p11::AttributeTemplate cert_query;
    cert_query.add_ulong(CKA_CLASS, CKO_CERTIFICATE).add_bytes(CKA_VALUE, der);
    const auto certs = api.find_objects(lease.handle(), cert_query.span(), 1);
    if (certs.empty()) {
      throw Error(Fault::not_found, "the certificate is not on token '" + token->slot().label +
                                        "' (import it with its private key: sslp11-admin import)");
    }
    auto id = p11::read_bytes(api, lease.handle(), certs[0], CKA_ID);
    if (!id || id->empty()) throw Error(Fault::not_found, "the certificate on the token has no CKA_ID");
    p11::AttributeTemplate key_query;
    key_query.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY).add_bytes(CKA_ID, *id);
    const auto keys = api.find_objects(lease.handle(), key_query.span(), 1);
    if (keys.empty()) {
      throw Error(Fault::not_found, "no private key on the token has the certificate's CKA_ID");
    }
    const CK_KEY_TYPE type = p11::read_ulong(api, lease.handle(), keys[0], CKA_KEY_TYPE).value_or(CKK_RSA);
    std::uint32_t bits = 0;
    if (type == CKK_RSA) {
      if (auto n = p11::read_bytes(api, lease.handle(), keys[0], CKA_MODULUS)) bits = static_cast<std::uint32_t>(n->size() * 8);
    } else if (type == CKK_EC) {
      if (auto params = p11::read_bytes(api, lease.handle(), keys[0], CKA_EC_PARAMS)) {
        for (const auto& c : all_curves())
          if (params->size() == c.der_oid.size() && std::equal(params->begin(), params->end(), c.der_oid.begin())) bits = c.bits;
      }
    } else {
      throw Error(Fault::not_supported, "the certificate's private key is neither RSA nor EC");
    }
    return std::make_shared<PrivateKey>(token, keys[0], type, bits);
  });
}

}  // namespace sslp11::core
