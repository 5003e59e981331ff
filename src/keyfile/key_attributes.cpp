#include "keyfile/key_attributes.h"

namespace sslp11::keyfile {

void add_public_values(p11::AttributeTemplate& t, const PublicParts& k) {
  if (k.algorithm == KeyAlgorithm::rsa) {
    t.add_bytes(CKA_MODULUS, k.modulus).add_bytes(CKA_PUBLIC_EXPONENT, k.public_exponent);
  } else {
    t.add_bytes(CKA_EC_PARAMS, k.ec_params).add_bytes(CKA_EC_POINT, ec_point_attribute(k.point));
  }
}

void add_private_values(p11::AttributeTemplate& t, const PrivateParts& k) {
  if (k.pub.algorithm == KeyAlgorithm::rsa) {
    t.add_bytes(CKA_MODULUS, k.pub.modulus)
        .add_bytes(CKA_PUBLIC_EXPONENT, k.pub.public_exponent)
        .add_bytes(CKA_PRIVATE_EXPONENT, k.private_exponent.span())
        .add_bytes(CKA_PRIME_1, k.prime1.span())
        .add_bytes(CKA_PRIME_2, k.prime2.span())
        .add_bytes(CKA_EXPONENT_1, k.exponent1.span())
        .add_bytes(CKA_EXPONENT_2, k.exponent2.span())
        .add_bytes(CKA_COEFFICIENT, k.coefficient.span());
  } else {
    t.add_bytes(CKA_EC_PARAMS, k.pub.ec_params).add_bytes(CKA_VALUE, k.ec_value.span());
  }
}

}  // namespace sslp11::keyfile
