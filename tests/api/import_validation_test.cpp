// SslImportKey(BCRYPT_ECCPUBLIC_BLOB) validates the peer's point when it
// arrives (SEC 1 §3.2.2.1 partial validation): a point off the curve, the
// point at infinity (encoded X = Y = 0) and a coordinate not below the field
// prime are NTE_BAD_DATA at import -- not an error later from the token's
// ECDH derive in SslGenerateMasterKey. Points of OpenSSL's EC keys still
// import and complete a master key. P-256, P-384 and P-521, on every test token.
//
// Test points come from OpenSSL (libcrypto EC keys; EC_POINT for a point with
// a small x), blobs from tests/core's independent blob builder.
#include <gtest/gtest.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "api/api_support.h"
#include "core/support/ssl_calls.h"
#include "support/oracle/keys.h"

namespace sslp11::test {
namespace {

using coretest::Bytes;
using coretest::ByteView;
using coretest::CurveFacts;

struct Curve {
  const CurveFacts& facts;
  int nid;
};

const std::vector<Curve>& curves() {
  static const std::vector<Curve> all{{coretest::p256(), NID_X9_62_prime256v1},
                                      {coretest::p384(), NID_secp384r1},
                                      {coretest::p521(), NID_secp521r1}};
  return all;
}

// ---- Big-endian coordinates ----

struct BnFree {
  void operator()(BIGNUM* b) const noexcept { BN_free(b); }
};
struct GroupFree {
  void operator()(EC_GROUP* g) const noexcept { EC_GROUP_free(g); }
};
struct PointFree {
  void operator()(EC_POINT* p) const noexcept { EC_POINT_free(p); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;
using Group = std::unique_ptr<EC_GROUP, GroupFree>;
using Point = std::unique_ptr<EC_POINT, PointFree>;

void check(int ok, const char* what) {
  if (ok <= 0) throw std::runtime_error(std::string("OpenSSL: ") + what + " failed");
}

Bytes to_bytes(const BIGNUM* b, std::size_t n) {
  Bytes out(n);
  check(BN_bn2binpad(b, out.data(), static_cast<int>(n)), "BN_bn2binpad");
  return out;
}

// a + b, both `n` bytes big-endian; throws if the sum does not fit in n bytes.
Bytes add(ByteView a, ByteView b) {
  Bytes out(a.size());
  unsigned carry = 0;
  for (std::size_t i = a.size(); i-- > 0;) {
    const unsigned s = a[i] + b[i] + carry;
    out[i] = static_cast<std::uint8_t>(s);
    carry = s >> 8;
  }
  if (carry != 0) throw std::runtime_error("coordinate overflow");
  return out;
}

Bytes plus_one(ByteView a) {
  Bytes one(a.size(), 0);
  one.back() = 1;
  return add(a, one);
}

Bytes field_prime(const Curve& c) {
  Group g(EC_GROUP_new_by_curve_name(c.nid));
  if (!g) throw std::runtime_error("EC_GROUP_new_by_curve_name");
  Bn p(BN_new());
  check(EC_GROUP_get_curve(g.get(), p.get(), nullptr, nullptr, nullptr), "EC_GROUP_get_curve");
  return to_bytes(p.get(), c.facts.coordinate_bytes);
}

// The point of the curve with the smallest x >= 1 (and the even y).
std::pair<Bytes, Bytes> small_x_point(const Curve& c) {
  Group g(EC_GROUP_new_by_curve_name(c.nid));
  if (!g) throw std::runtime_error("EC_GROUP_new_by_curve_name");
  Point pt(EC_POINT_new(g.get()));
  Bn x(BN_new()), y(BN_new());
  for (unsigned long candidate = 1; candidate < 1000; ++candidate) {
    check(BN_set_word(x.get(), candidate), "BN_set_word");
    if (EC_POINT_set_compressed_coordinates(g.get(), pt.get(), x.get(), 0, nullptr) == 1) {
      check(EC_POINT_get_affine_coordinates(g.get(), pt.get(), x.get(), y.get(), nullptr),
            "EC_POINT_get_affine_coordinates");
      return {to_bytes(x.get(), c.facts.coordinate_bytes), to_bytes(y.get(), c.facts.coordinate_bytes)};
    }
    ERR_clear_error();
  }
  throw std::runtime_error("no point with a small x");
}

// ---- Blobs ----

// A BCRYPT_ECCPUBLIC_BLOB (ECDH magic of the curve) holding X || Y as given.
std::vector<BYTE> blob_of(const Curve& c, ByteView x, ByteView y) {
  Bytes point{0x04};
  point.insert(point.end(), x.begin(), x.end());
  point.insert(point.end(), y.begin(), y.end());
  return coretest::ecc_public_blob(c.facts, point);
}

struct Coordinates {
  Bytes x, y;
};

// The coordinates of a fresh OpenSSL key pair's public point.
Coordinates openssl_point(const Curve& c) {
  const coretest::Pkey key = coretest::ec_generate(c.facts);
  const Bytes point = coretest::ec_public_point(key.get());
  const std::size_t n = c.facts.coordinate_bytes;
  if (point.size() != 1 + 2 * n) throw std::runtime_error("unexpected point encoding");
  return {Bytes(point.begin() + 1, point.begin() + 1 + static_cast<std::ptrdiff_t>(n)),
          Bytes(point.begin() + 1 + static_cast<std::ptrdiff_t>(n), point.end())};
}

class EccImportValidation : public ::testing::TestWithParam<TokenSpec> {
 protected:
  NCRYPT_PROV_HANDLE p() const { return provider_.get(); }

  SECURITY_STATUS import(const Curve& c, ByteView x, ByteView y, Handle& key) {
    std::vector<BYTE> blob = blob_of(c, x, y);
    return SslImportKey(p(), key.out(), BCRYPT_ECCPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0);
  }

  void expect_bad_data(const Curve& c, ByteView x, ByteView y, const std::string& what) {
    SCOPED_TRACE(std::string(c.facts.openssl_name) + ": " + what);
    Handle key;
    EXPECT_STATUS(NTE_BAD_DATA, import(c, x, y, key));
    EXPECT_EQ(key.get(), 0u) << "a refused import returned a key handle";
  }

  ProviderHandle provider_{GetParam()};
};

TEST_P(EccImportValidation, PointsOfOpenSslKeysImportAndMakeAMasterKey) {
  for (const Curve& c : curves()) {
    SCOPED_TRACE(c.facts.openssl_name);
    for (int i = 0; i < 4; ++i) {
      const Coordinates pt = openssl_point(c);
      Handle key;
      ASSERT_OK(import(c, pt.x, pt.y, key));
      EXPECT_NE(key.get(), 0u);
    }
    // -P = (x, p - y) is on the curve too.
    const Coordinates pt = openssl_point(c);
    const Bytes prime = field_prime(c);
    Bytes minus_y(prime.size());
    {
      Bn p_bn(BN_bin2bn(prime.data(), static_cast<int>(prime.size()), nullptr));
      Bn y_bn(BN_bin2bn(pt.y.data(), static_cast<int>(pt.y.size()), nullptr));
      Bn r(BN_new());
      check(BN_sub(r.get(), p_bn.get(), y_bn.get()), "BN_sub");
      minus_y = to_bytes(r.get(), prime.size());
    }
    Handle negated;
    EXPECT_OK(import(c, pt.x, minus_y, negated));
    // A point with a tiny x (leading zero bytes) is as good as any.
    const auto [sx, sy] = small_x_point(c);
    Handle small;
    EXPECT_OK(import(c, sx, sy, small));

    // The imported point completes a master key (SHA-384 suite on the larger
    // curves, which every token can run there).
    const DWORD suite = c.facts.group == TLS_ECC_P256_CURVE_KEY_TYPE ? DWORD{TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}
                                                                      : DWORD{TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384};
    Handle own;
    ASSERT_OK(SslCreateEphemeralKey(p(), own.out(), kTls12, suite, c.facts.group, c.facts.bits, nullptr, 0, 0));
    Handle peer;
    ASSERT_OK(import(c, pt.x, pt.y, peer));
    Randoms r;
    ParamList params = r.list();
    Handle master;
    EXPECT_OK(SslGenerateMasterKey(p(), own.get(), peer.get(), master.out(), kTls12, suite, params.desc(), nullptr, 0,
                                   nullptr, NCRYPT_SSL_CLIENT_FLAG));
  }
}

TEST_P(EccImportValidation, PointsOffTheCurveAreBadData) {
  for (const Curve& c : curves()) {
    const Coordinates pt = openssl_point(c);
    expect_bad_data(c, pt.x, plus_one(pt.y), "a valid point with Y + 1");
    expect_bad_data(c, plus_one(pt.x), pt.y, "a valid point with X + 1");
    Bytes flipped = pt.y;
    flipped[flipped.size() / 2] ^= 0x10;
    expect_bad_data(c, pt.x, flipped, "a valid point with one bit of Y flipped");
    expect_bad_data(c, pt.y, pt.x, "X and Y swapped");
    const Bytes zero(c.facts.coordinate_bytes, 0);
    expect_bad_data(c, pt.x, zero, "Y = 0 (no point of order 2 on a prime-order curve)");
    // The same point must still import after the refusals.
    Handle key;
    EXPECT_OK(import(c, pt.x, pt.y, key)) << c.facts.openssl_name;
  }
}

TEST_P(EccImportValidation, ThePointAtInfinityIsBadData) {
  for (const Curve& c : curves()) {
    const Bytes zero(c.facts.coordinate_bytes, 0);
    expect_bad_data(c, zero, zero, "X = Y = 0");
  }
}

TEST_P(EccImportValidation, CoordinatesNotBelowTheFieldPrimeAreBadData) {
  for (const Curve& c : curves()) {
    const Bytes prime = field_prime(c);
    const auto [x, y] = small_x_point(c);
    // (x + p, y) is (x, y) modulo p: an import that reduced the coordinates
    // would accept it.
    expect_bad_data(c, add(x, prime), y, "X + p of a valid point");
    expect_bad_data(c, prime, y, "X = p");
    expect_bad_data(c, x, prime, "Y = p");
    expect_bad_data(c, prime, prime, "X = Y = p");
    const Bytes ones(c.facts.coordinate_bytes, 0xFF);
    expect_bad_data(c, ones, y, "X all ones");
    expect_bad_data(c, x, ones, "Y all ones");
    // The larger coordinate field of P-521 (66 bytes for 521 bits) also fits y + p.
    if (c.facts.group == TLS_ECC_P521_CURVE_KEY_TYPE) {
      expect_bad_data(c, x, add(y, prime), "Y + p of a valid point");
    }
    Handle key;
    EXPECT_OK(import(c, x, y, key)) << c.facts.openssl_name << ": the reduced point itself imports";
  }
}

INSTANTIATE_TEST_SUITE_P(Tokens, EccImportValidation, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::test
