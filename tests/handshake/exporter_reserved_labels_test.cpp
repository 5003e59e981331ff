// SslExportKeyingMaterial and the labels of the TLS key schedule (RFC 5705 §4).
//
// The exporter computes PRF(master, label, randoms [|| uint16 length ||
// context]) and the PRF sees ONE string, label || randoms || [length ||
// context], all three chosen by the caller. Refusing only a label EQUAL to a
// reserved one is not enough: label "" with randoms that begin "key expansion"
// followed by server_random || client_random (the tail of the client random
// carried by the length bytes and the context) gives PRF(master, "key
// expansion", server_random || client_random) -- the TLS key block, record
// keys in clear. The rule checked here: every call whose PRF input begins
// with "master secret", "extended master secret", "key expansion", "client
// finished" or "server finished" is NTE_INVALID_PARAMETER, as are an empty
// label and a label with a byte outside printable ASCII (0x20..0x7E); nothing
// an accepted call returns holds 8 bytes of the key block.
//
// The master secret is known from OpenSSL's side of an ECDHE exchange
// (handshake_kit's make_session) and the key block is computed by the OpenSSL
// TLS1-PRF oracle, never by sslp11.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "handshake/support/handshake_kit.h"

namespace sslp11::hstest {
namespace {

constexpr std::array<std::string_view, 5> kReserved{"master secret", "extended master secret", "key expansion",
                                                    "client finished", "server finished"};
constexpr std::size_t kOut = 64;  // bytes asked of every exporter call

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }
Bytes slice(ByteView b, std::size_t from, std::size_t to) { return Bytes(b.begin() + from, b.begin() + to); }

// One SslExportKeyingMaterial call as the caller spells it.
struct Call {
  std::string label;              // passed NUL-terminated
  Bytes randoms;                  // always 64 bytes
  std::optional<Bytes> context;   // nullopt: pbContextValue NULL
  std::string what;
};

// The PRF seed the call implies: randoms [|| uint16 length || context] (RFC 5705 §4).
Bytes seed_of(const Call& c) {
  Bytes seed = c.randoms;
  if (c.context) {
    seed.push_back(static_cast<std::uint8_t>(c.context->size() >> 8));
    seed.push_back(static_cast<std::uint8_t>(c.context->size()));
    seed.insert(seed.end(), c.context->begin(), c.context->end());
  }
  return seed;
}

// The PRF input label || seed, as the PRF sees it.
Bytes prf_input(const Call& c) { return concat(bytes_of(c.label), seed_of(c)); }

// What a call would return if sslp11 ran it: PRF(master, label, seed).
Bytes would_return(const Session& s, const Call& c) {
  return tls12_prf(s.suite->prf, s.master_secret, c.label, seed_of(c), kOut);
}

// The secret a reserved-prefixed call would hand out: PRF(master, R, rest)
// where the PRF input is R || rest. The same bytes as would_return (the PRF
// only sees the concatenation) -- computed the other way round as a check of
// the construction.
Bytes reserved_output(const Session& s, std::string_view reserved, const Call& c) {
  const Bytes input = prf_input(c);
  return tls12_prf(s.suite->prf, s.master_secret, reserved, slice(input, reserved.size(), input.size()), kOut);
}

// RFC 5246 §6.3: PRF(master, "key expansion", server_random || client_random).
Bytes key_block(const Session& s, std::size_t length) {
  return tls12_prf(s.suite->prf, s.master_secret, "key expansion", concat(s.server_random, s.client_random), length);
}

// Every 8-byte window of some secrets; answers whether a buffer holds one.
class Windows {
 public:
  void add(ByteView secret) {
    for (std::size_t i = 0; i + 8 <= secret.size(); ++i) windows_.insert(window_at(secret, i));
  }
  // The offset in `out` of the first window that is one of the secrets'.
  std::optional<std::size_t> find_in(ByteView out) const {
    for (std::size_t i = 0; i + 8 <= out.size(); ++i) {
      if (windows_.count(window_at(out, i)) != 0) return i;
    }
    return std::nullopt;
  }

 private:
  static std::array<std::uint8_t, 8> window_at(ByteView b, std::size_t i) {
    std::array<std::uint8_t, 8> w{};
    std::memcpy(w.data(), b.data() + i, 8);
    return w;
  }
  std::set<std::array<std::uint8_t, 8>> windows_;
};

class ExporterReservedLabels : public ProviderTest {
 protected:
  // Runs `c` into `out` (kOut bytes, pre-filled with 0xA5).
  SECURITY_STATUS run(const Session& s, const Call& c, Bytes& out) {
    out.assign(kOut, 0xA5);
    Bytes randoms = c.randoms;
    Bytes context = c.context.value_or(Bytes{});
    static BYTE empty_context = 0;  // an empty context is not a NULL one
    PBYTE ctx = nullptr;
    if (c.context) ctx = context.empty() ? &empty_context : context.data();
    std::string label = c.label;
    return SslExportKeyingMaterial(p(), s.master.get(), label.data(), randoms.data(),
                                   static_cast<DWORD>(randoms.size()), ctx, static_cast<WORD>(context.size()),
                                   out.data(), static_cast<DWORD>(out.size()), 0);
  }

  // `c` must be refused, and its buffer must hold nothing of `secrets` nor
  // the output the PRF would have given.
  void expect_refused(const Session& s, const Call& c, const Windows& secrets) {
    SCOPED_TRACE(c.what);
    Bytes out;
    EXPECT_STATUS(NTE_INVALID_PARAMETER, run(s, c, out));
    EXPECT_NE(out, would_return(s, c)) << "the refused call's PRF output is in the buffer";
    const auto at = secrets.find_in(out);
    EXPECT_FALSE(at.has_value()) << "the buffer holds key-block bytes at offset " << at.value_or(0);
  }

  // `c` must be computed, exactly as the oracle's PRF, and hold nothing of `secrets`.
  void expect_allowed(const Session& s, const Call& c, const Windows& secrets) {
    SCOPED_TRACE(c.what);
    Bytes out;
    ASSERT_OK(run(s, c, out));
    EXPECT_EQ(out, would_return(s, c));
    const auto at = secrets.find_in(out);
    EXPECT_FALSE(at.has_value()) << "an accepted exporter call returned key-block bytes at offset " << at.value_or(0);
  }
};

// The secrets of a session that no exporter call may return: a long stretch
// of the key block (record keys and beyond), and the same with the randoms in
// exporter order.
Windows session_secrets(const Session& s) {
  Windows w;
  w.add(key_block(s, 256));
  w.add(tls12_prf(s.suite->prf, s.master_secret, "key expansion", s.randoms(), 256));
  return w;
}

// Label = reserved[0..k), randoms = reserved[k..] || server_random ||
// client_random (cut to 64 bytes): for every reserved label and every split
// point, k = 0 (empty label, the whole reserved label in the randoms) to k =
// length (the whole reserved label as sLabel, refused before the fix too),
// with a NULL, an empty and a non-empty context.
TEST_P(ExporterReservedLabels, EveryReservedLabelSplitIntoTheRandomsIsRefused) {
  for (const SuiteCase* suite : {&sha256_case(), &sha384_case()}) {
    SCOPED_TRACE(suite->name);
    const Session s = make_session(p(), *suite);
    const Windows secrets = session_secrets(s);
    const Bytes swapped = concat(s.server_random, s.client_random);
    for (std::string_view reserved : kReserved) {
      for (std::size_t k = 0; k <= reserved.size(); ++k) {
        Call c;
        c.label = std::string(reserved.substr(0, k));
        c.randoms = bytes_of(reserved.substr(k));
        c.randoms.insert(c.randoms.end(), swapped.begin(), swapped.begin() + (64 - c.randoms.size()));
        for (int ctx = 0; ctx < 3; ++ctx) {
          if (ctx == 0) c.context.reset();
          if (ctx == 1) c.context = Bytes{};
          if (ctx == 2) c.context = random_bytes(7);
          c.what = "label \"" + c.label + "\" + randoms \"" + std::string(reserved.substr(k)) + "\"... context " +
                   std::to_string(ctx);
          ASSERT_EQ(reserved_output(s, reserved, c), would_return(s, c)) << "test construction";
          expect_refused(s, c, secrets);
        }
      }
      // A label that begins with the reserved one and goes on.
      for (std::string_view tail : {"x", " ", "s", "\x7e"}) {
        Call c{std::string(reserved) + std::string(tail), swapped, std::nullopt,
               "label \"" + std::string(reserved) + std::string(tail) + "\""};
        expect_refused(s, c, secrets);
      }
    }
  }
}

// The reported example: label "", randoms = "key expansion" ||
// server_random || client_random[0..19), context = client_random[21..32) with
// client_random[19..21) = 00 0B, the context's length field. The PRF input is
// then exactly "key expansion" || server_random || client_random: the output
// would be the key block itself.
TEST_P(ExporterReservedLabels, TheKeyBlockThroughTheContextLengthIsRefused) {
  for (const SuiteCase* suite : {&sha256_case(), &sha384_case()}) {
    SCOPED_TRACE(suite->name);
    Bytes client_random = random_bytes(32);
    client_random[19] = 0x00;
    client_random[20] = 0x0B;
    const Session s = make_session(p(), *suite, client_random, random_bytes(32));
    const Windows secrets = session_secrets(s);

    Call c;
    c.label = "";
    c.randoms = concat(bytes_of("key expansion"), concat(s.server_random, slice(s.client_random, 0, 19)));
    ASSERT_EQ(c.randoms.size(), 64u);
    c.context = slice(s.client_random, 21, 32);
    c.what = "the issue's example";
    ASSERT_EQ(prf_input(c), concat(bytes_of("key expansion"), concat(s.server_random, s.client_random)))
        << "test construction";
    ASSERT_EQ(would_return(s, c), key_block(s, kOut)) << "test construction: the call would return the key block";
    expect_refused(s, c, secrets);

    // The same with one letter of the label in sLabel (so not refused for
    // being empty): the length field is now client_random[20..22) = 00 0A.
    Bytes client2 = random_bytes(32);
    client2[20] = 0x00;
    client2[21] = 10;
    const Session s2 = make_session(p(), *suite, client2, random_bytes(32));
    const Windows secrets2 = session_secrets(s2);
    c.label = "k";
    c.randoms = concat(bytes_of("ey expansion"), concat(s2.server_random, slice(s2.client_random, 0, 20)));
    c.context = slice(s2.client_random, 22, 32);
    c.what = "label \"k\", context carrying client_random[22..32)";
    ASSERT_EQ(would_return(s2, c), key_block(s2, kOut)) << "test construction";
    expect_refused(s2, c, secrets2);
  }
}

// The general form: for every reserved label R and every split k with at
// least two bytes of the server||client randoms left over (m = |R| - k >= 2),
// label = R[0..k), randoms = R[k..] || (server||client)[0..64-m), the length
// field = the next two bytes of the client random and the context = the rest.
// The PRF input is R || server_random || client_random; for "key expansion"
// that is the key block.
TEST_P(ExporterReservedLabels, EveryReservedLabelSplitThroughTheContextIsRefused) {
  const SuiteCase& suite = sha256_case();
  std::map<std::size_t, Session> by_overflow;  // one session per m: the length bytes sit at client[32-m..)
  for (std::string_view reserved : kReserved) {
    for (std::size_t k = 0; k + 2 <= reserved.size(); ++k) {
      const std::size_t m = reserved.size() - k;
      auto it = by_overflow.find(m);
      if (it == by_overflow.end()) {
        Bytes client_random = random_bytes(32);
        client_random[32 - m] = 0x00;
        client_random[33 - m] = static_cast<std::uint8_t>(m - 2);
        it = by_overflow.emplace(m, make_session(p(), suite, client_random, random_bytes(32))).first;
      }
      const Session& s = it->second;
      const Bytes swapped = concat(s.server_random, s.client_random);
      Call c;
      c.label = std::string(reserved.substr(0, k));
      c.randoms = concat(bytes_of(reserved.substr(k)), slice(swapped, 0, 64 - m));
      c.context = slice(swapped, 64 - m + 2, 64);
      c.what = "label \"" + c.label + "\", randoms \"" + std::string(reserved.substr(k)) + "\"..., context of " +
               std::to_string(m - 2) + " bytes";
      ASSERT_EQ(prf_input(c), concat(bytes_of(reserved), swapped)) << c.what << ": test construction";
      if (reserved == "key expansion") {
        ASSERT_EQ(would_return(s, c), key_block(s, kOut)) << c.what << ": test construction";
      }
      expect_refused(s, c, session_secrets(s));
    }
  }
}

// Inputs that come close to a reserved label but do not begin with one are
// ordinary exporters: computed as RFC 5705 says, and (their PRF input being
// different) never the key block.
TEST_P(ExporterReservedLabels, NearMissesAreComputedAndNeverTheKeyBlock) {
  for (const SuiteCase* suite : {&sha256_case(), &sha384_case()}) {
    SCOPED_TRACE(suite->name);
    const Session s = make_session(p(), *suite);
    const Windows secrets = session_secrets(s);
    const Bytes swapped = concat(s.server_random, s.client_random);
    // (label, what the randoms begin with); the randoms continue with
    // server_random || client_random, cut to 64 bytes.
    const std::vector<std::pair<std::string, std::string>> near_misses = {
        {"key expansiom", ""},
        {" key expansion", ""},
        {"Key expansion", ""},
        {"key  expansion", ""},
        {"key_expansion", ""},
        {"key expansio", "N"},
        {"key expansio", "m"},
        {"k", "ey expansiom"},
        {"key", "-expansion"},
        {"EXPORTER-x", "key expansion"},
        {"EXPORTER-my-proto", "key expansion"},
        {"x", "key expansion"},
        {"master secre", "T"},
        {"master", "secret"},
        {"extended", "master secret"},
        {"extended master secre", "T"},
        {"client finishe", "D"},
        {"client", "_finished"},
        {"server finishe", "s"},
        {"xserver finished", ""},
        {"EXPERIMENTAL master secret", ""},
        {"EXPORTER key expansion", ""},
    };
    for (const auto& [label, prefix] : near_misses) {
      for (int ctx = 0; ctx < 3; ++ctx) {
        Call c;
        c.label = label;
        c.randoms = bytes_of(prefix);
        c.randoms.insert(c.randoms.end(), swapped.begin(), swapped.begin() + (64 - c.randoms.size()));
        if (ctx == 1) c.context = Bytes{};
        if (ctx == 2) c.context = slice(s.client_random, 20, 32);
        c.what = "label \"" + label + "\" + randoms \"" + prefix + "\"... context " + std::to_string(ctx);
        expect_allowed(s, c, secrets);
      }
    }
  }
}

TEST_P(ExporterReservedLabels, EmptyAndNonPrintableLabelsAreRefused) {
  const Session s = make_session(p(), sha256_case());
  const Windows secrets = session_secrets(s);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "empty"},
      {std::string("\x01"), "0x01"},
      {std::string("EXPORTER\x01x"), "0x01 inside"},
      {std::string("EXPORTER-x\x01"), "0x01 at the end"},
      {std::string("EXPORTER-\x80"), "0x80"},
      {std::string("\x80"), "0x80 alone"},
      {std::string("EXPORTER-\xff"), "0xFF"},
      {std::string("EXPORTER-\x7f"), "0x7F (DEL)"},
      {std::string("EXPORTER-\x1f"), "0x1F"},
      {std::string("EXPORTER\tx"), "a tab"},
      {std::string("EXPORTER\nx"), "a newline"},
      {std::string("EXPORTER-\xc3\xa9"), "UTF-8 e-acute"},
  };
  for (const auto& [label, what] : bad) {
    for (int ctx = 0; ctx < 2; ++ctx) {
      Call c{label, s.randoms(), std::nullopt, what + (ctx ? " with a context" : "")};
      if (ctx == 1) c.context = random_bytes(5);
      expect_refused(s, c, secrets);
    }
  }
  // The edges of printable ASCII are fine.
  const std::vector<std::string> edges = {" ", "~", "EXPORTER ~!\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}"};
  for (const std::string& label : edges) {
    expect_allowed(s, Call{label, s.randoms(), std::nullopt, "label \"" + label + "\""}, secrets);
  }
}

// A normal RFC 5705 label still works and matches the OpenSSL oracle, with a
// NULL, an empty and a non-empty context.
TEST_P(ExporterReservedLabels, Rfc5705LabelMatchesTheOracle) {
  for (const SuiteCase* suite : {&sha256_case(), &sha384_case()}) {
    SCOPED_TRACE(suite->name);
    const Session s = make_session(p(), *suite);
    const Windows secrets = session_secrets(s);
    const Bytes context = random_bytes(32);
    Bytes no_ctx, empty_ctx, with_ctx;
    ASSERT_OK(run(s, Call{"EXPORTER-my-proto", s.randoms(), std::nullopt, ""}, no_ctx));
    ASSERT_OK(run(s, Call{"EXPORTER-my-proto", s.randoms(), Bytes{}, ""}, empty_ctx));
    ASSERT_OK(run(s, Call{"EXPORTER-my-proto", s.randoms(), context, ""}, with_ctx));
    Bytes length_and_context{0x00, 0x20};
    length_and_context.insert(length_and_context.end(), context.begin(), context.end());
    EXPECT_EQ(no_ctx, tls12_prf(suite->prf, s.master_secret, "EXPORTER-my-proto", s.randoms(), kOut));
    EXPECT_EQ(empty_ctx,
              tls12_prf(suite->prf, s.master_secret, "EXPORTER-my-proto", concat(s.randoms(), Bytes{0, 0}), kOut));
    EXPECT_EQ(with_ctx,
              tls12_prf(suite->prf, s.master_secret, "EXPORTER-my-proto", concat(s.randoms(), length_and_context), kOut));
    for (const Bytes* out : {&no_ctx, &empty_ctx, &with_ctx}) EXPECT_FALSE(secrets.find_in(*out).has_value());
  }
}

INSTANTIATE_TEST_SUITE_P(Tokens, ExporterReservedLabels, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::hstest
