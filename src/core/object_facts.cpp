#include "core/object_facts.h"

#include "pkcs11/attributes.h"

namespace sslp11::core {

TokenObjectFacts read_object_facts(p11::SessionPool& pool, CK_OBJECT_HANDLE object) {
  return pool.run([&](p11::Lease& lease) {
    const p11::Api& api = lease.api();
    const CK_SESSION_HANDLE s = lease.handle();
    TokenObjectFacts f;
    f.object_class = p11::read_ulong(api, s, object, CKA_CLASS);
    f.key_type = p11::read_ulong(api, s, object, CKA_KEY_TYPE);
    if (f.object_class == CKO_SECRET_KEY) f.value_length = p11::read_ulong(api, s, object, CKA_VALUE_LEN);
    f.token_object = p11::read_bool(api, s, object, CKA_TOKEN);
    f.sensitive = p11::read_bool(api, s, object, CKA_SENSITIVE);
    f.extractable = p11::read_bool(api, s, object, CKA_EXTRACTABLE);
    return f;
  });
}

}  // namespace sslp11::core
