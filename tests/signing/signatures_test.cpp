// core/signatures without a token: the ECDSA DER conversions and the
// DigestInfo prefixes, each against OpenSSL (ECDSA_SIG, X509_SIG).
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "core/signatures.h"
#include "support/oracle/bytes.h"
#include "support/oracle/signatures.h"

namespace sslp11::signingtest {
namespace {

using namespace ::sslp11::oracle;

// r or s as PKCS#11 gives it: `size` bytes, with the shape asked for.
Bytes half(std::size_t size, int shape) {
  Bytes b = random_bytes(size);
  switch (shape) {
    case 0: b[0] |= 0x80; break;                   // high bit: DER needs a 0x00 in front
    case 1: b[0] &= 0x7f; b[0] |= 0x01; break;     // full length, no pad
    case 2: b[0] = 0; b[1] = 0; b[2] |= 0x80; break;  // leading zeros, then a high bit
    case 3: std::fill(b.begin(), b.end() - 1, 0); b.back() = 0x7f; break;  // tiny
    default: break;
  }
  return b;
}

TEST(Signatures, EcdsaDerFromRawIsOpenSslsEncoding) {
  for (std::size_t n : {32u, 48u, 66u}) {
    for (int rs = 0; rs < 4; ++rs) {
      for (int ss = 0; ss < 4; ++ss) {
        SCOPED_TRACE("n=" + std::to_string(n) + " shapes " + std::to_string(rs) + "/" + std::to_string(ss));
        const Bytes r = half(n, rs), s = half(n, ss);
        Bytes raw = r;
        raw.insert(raw.end(), s.begin(), s.end());
        const Bytes der = core::ecdsa_der_from_raw(raw);
        EXPECT_EQ(hex(der), hex(ecdsa_der(r, s)));
        EXPECT_LE(der.size(), core::ecdsa_der_max_bytes(n));
        const auto back = core::ecdsa_raw_from_der(der, n);
        ASSERT_TRUE(back.has_value());
        EXPECT_EQ(hex(*back), hex(raw));
      }
    }
  }
}

TEST(Signatures, EcdsaDerMaximumIsTheLongestEncoding) {
  for (std::size_t n : {32u, 48u, 66u}) {
    Bytes raw(2 * n, 0xFF);
    EXPECT_EQ(core::ecdsa_der_max_bytes(n), ecdsa_der(ByteView(raw).first(n), ByteView(raw).subspan(n)).size()) << n;
  }
  EXPECT_EQ(core::ecdsa_der_max_bytes(32), 72u);
  EXPECT_EQ(core::ecdsa_der_max_bytes(48), 104u);
  EXPECT_EQ(core::ecdsa_der_max_bytes(66), 141u);  // 30 81 8a (02 43 00 r) (02 43 00 s)
}

// Whatever OpenSSL's strict DER check (decode + identical re-encode) refuses,
// sslp11 refuses too; what it accepts, sslp11 reads to the same r||s.
TEST(Signatures, EcdsaRawFromDerAgreesWithOpenSsl) {
  const Bytes r = half(32, 0), s = half(32, 1);
  const Bytes good = ecdsa_der(r, s);
  std::vector<std::pair<std::string, Bytes>> cases{{"good", good}};
  auto variant = [&](const std::string& what, auto change) {
    Bytes b = good;
    change(b);
    cases.emplace_back(what, b);
  };
  variant("trailing byte", [](Bytes& b) { b.push_back(0); });
  variant("truncated", [](Bytes& b) { b.pop_back(); });
  variant("long-form sequence length", [](Bytes& b) { b.insert(b.begin() + 1, 0x81); });
  variant("wrong outer tag", [](Bytes& b) { b[0] = 0x31; });
  variant("wrong integer tag", [](Bytes& b) { b[2] = 0x03; });
  variant("negative r (pad removed)", [](Bytes& b) {
    b.erase(b.begin() + 4);  // the 0x00 before r's high bit
    b[1] -= 1;
    b[3] -= 1;
  });
  variant("non-minimal s (extra zero)", [](Bytes& b) {
    const std::size_t s_at = 2 + 2 + b[3];
    b.insert(b.begin() + static_cast<std::ptrdiff_t>(s_at) + 2, 0x00);
    b[s_at + 1] += 1;
    b[1] += 1;
  });
  cases.emplace_back("third integer", [&] {
    Bytes b = good;
    b.insert(b.end(), {0x02, 0x01, 0x01});
    b[1] += 3;
    return b;
  }());
  cases.emplace_back("empty", Bytes{});
  cases.emplace_back("r wider than the curve", ecdsa_der(half(33, 1), s));
  cases.emplace_back("zero-length r", Bytes{0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x01});
  for (const auto& [what, der] : cases) {
    SCOPED_TRACE(what);
    const auto ours = core::ecdsa_raw_from_der(der, 32);
    const auto theirs = ecdsa_raw(der, 32);
    ASSERT_EQ(ours.has_value(), theirs.has_value()) << hex(der);
    if (ours) {
      EXPECT_EQ(hex(*ours), hex(*theirs));
    }
  }
}

// prefix || digest must be the DigestInfo OpenSSL encodes for that hash.
TEST(Signatures, DigestInfoPrefixesAreOpenSsls) {
  const std::pair<std::u16string_view, int> hashes[] = {
      {u"SHA1", NID_sha1}, {u"SHA256", NID_sha256}, {u"SHA384", NID_sha384}, {u"SHA512", NID_sha512}};
  ASSERT_EQ(core::all_signature_hashes().size(), std::size(hashes));
  for (const auto& [name, nid] : hashes) {
    const core::SignatureHash* h = core::find_signature_hash(name);
    ASSERT_NE(h, nullptr);
    const EVP_MD* md = EVP_get_digestbynid(nid);
    ASSERT_EQ(h->bytes, static_cast<std::size_t>(EVP_MD_get_size(md)));
    const Bytes digest = random_bytes(h->bytes);

    X509_SIG* sig = X509_SIG_new();
    X509_ALGOR* alg = nullptr;
    ASN1_OCTET_STRING* value = nullptr;
    X509_SIG_getm(sig, &alg, &value);
    ASSERT_EQ(X509_ALGOR_set0(alg, OBJ_nid2obj(nid), V_ASN1_NULL, nullptr), 1);
    ASSERT_EQ(ASN1_OCTET_STRING_set(value, digest.data(), static_cast<int>(digest.size())), 1);
    unsigned char* der = nullptr;
    const int len = i2d_X509_SIG(sig, &der);
    ASSERT_GT(len, 0);
    const Bytes expected(der, der + len);
    OPENSSL_free(der);
    X509_SIG_free(sig);

    Bytes ours(h->digest_info.begin(), h->digest_info.end());
    ours.insert(ours.end(), digest.begin(), digest.end());
    EXPECT_EQ(hex(ours), hex(expected)) << EVP_MD_get0_name(md);
  }
}

TEST(Signatures, HashOidInputReadsNameAndDigest) {
  const Bytes digest = random_bytes(48);
  Bytes value(14, 0);  // u"SHA384\0"
  const char16_t name[] = u"SHA384";
  std::memcpy(value.data(), name, sizeof name);
  value.insert(value.end(), digest.begin(), digest.end());
  // Unaligned on purpose: the caller's buffer need not be char16_t-aligned.
  Bytes shifted(1, 0);
  shifted.insert(shifted.end(), value.begin(), value.end());
  const auto in = core::read_signature_input(core::SignatureScheme::rsa_pkcs1, std::span(shifted).subspan(1));
  ASSERT_NE(in.hash, nullptr);
  EXPECT_EQ(in.hash->bytes, 48u);
  EXPECT_EQ(hex(Bytes(in.digest.begin(), in.digest.end())), hex(digest));
}

}  // namespace
}  // namespace sslp11::signingtest
