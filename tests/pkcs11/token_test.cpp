// Tests of pkcs11/token.cpp: choosing a token by PKCS#11 URI, label, serial or
// slot id, and the errors when nothing (or nonsense) is asked for.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "pkcs11/token.h"
#include "support/test_tokens.h"

namespace sslp11::p11 {
namespace {

using test::TestTokens;
using test::TokenName;
using test::TokenSpec;

// RFC 3986 percent-encoding of everything but unreserved characters (the
// NSS label has blanks).
std::string pct(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                            c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// Selectors with only some criteria (helpers instead of designated
// initializers, which trip -Wmissing-field-initializers).
TokenSelector by_uri(const std::string& uri) {
  TokenSelector s;
  s.uri = uri;
  return s;
}
TokenSelector by_label(const std::string& label, const std::string& serial = {}) {
  TokenSelector s;
  s.label = label;
  s.serial = serial;
  return s;
}
TokenSelector by_serial(const std::string& serial) {
  TokenSelector s;
  s.serial = serial;
  return s;
}
TokenSelector by_slot(CK_SLOT_ID slot, const std::string& label = {}) {
  TokenSelector s;
  s.slot = slot;
  s.label = label;
  return s;
}

class TokenTest : public ::testing::TestWithParam<TokenSpec> {
 protected:
  void SetUp() override { module_ = Module::load(spec().module_path, spec().init_args); }
  const TokenSpec& spec() const { return GetParam(); }
  const Module& module() const { return *module_; }

  void expect_is_test_token(const SlotDescription& s) const {
    EXPECT_TRUE(s.token_present);
    EXPECT_EQ(s.label, spec().label);
    EXPECT_EQ(s.serial, spec().serial);
  }

  // select_token must fail with Fault::token_not_found; returns the message.
  std::string expect_not_found(const TokenSelector& selector) const {
    try {
      const SlotDescription s = select_token(module(), selector);
      ADD_FAILURE() << "selector " << selector.describe() << " matched slot " << s.id << " label '" << s.label << "'";
    } catch (const LayerError& e) {
      EXPECT_EQ(e.fault(), Fault::token_not_found) << e.what();
      return e.what();
    }
    return {};
  }

 private:
  std::shared_ptr<Module> module_;
};

TEST_P(TokenTest, ByUriWithTokenLabel) {
  expect_is_test_token(select_token(module(), by_uri("pkcs11:token=" + pct(spec().label))));
}

TEST_P(TokenTest, ByUriWithTokenLabelAndSerial) {
  expect_is_test_token(
      select_token(module(), by_uri("pkcs11:token=" + pct(spec().label) + ";serial=" + pct(spec().serial))));
}

TEST_P(TokenTest, ByUriAllAttributesMustMatch) {
  const std::string uri = "pkcs11:token=" + pct(spec().label) + ";serial=ffffffff00000000";
  const std::string msg = expect_not_found(by_uri(uri));
  EXPECT_NE(msg.find(uri), std::string::npos) << msg;
}

TEST_P(TokenTest, ByLabel) { expect_is_test_token(select_token(module(), by_label(spec().label))); }

TEST_P(TokenTest, BySerial) {
  std::size_t sharing = 0;
  for (const SlotDescription& s : module().slots()) sharing += s.token_present && s.serial == spec().serial;
  if (sharing == 1) {
    expect_is_test_token(select_token(module(), by_serial(spec().serial)));
    return;
  }
  // NSS's two tokens share the serial "0000000000000000": the serial alone
  // names no one token, and the first match is not taken silently.
  try {
    const SlotDescription s = select_token(module(), by_serial(spec().serial));
    ADD_FAILURE() << "serial " << spec().serial << " shared by " << sharing << " tokens picked slot " << s.id;
  } catch (const LayerError& e) {
    EXPECT_EQ(e.fault(), Fault::bad_argument) << e.what();
  }
}

TEST_P(TokenTest, ByLabelAndSerial) {
  expect_is_test_token(select_token(module(), by_label(spec().label, spec().serial)));
}

TEST_P(TokenTest, BySlotId) {
  const SlotDescription found = select_token(module(), by_label(spec().label));
  const SlotDescription again = select_token(module(), by_slot(found.id));
  EXPECT_EQ(again.id, found.id);
  expect_is_test_token(again);
}

TEST_P(TokenTest, CriteriaAreCombinedWithAnd) {
  const SlotDescription s = select_token(module(), by_label(spec().label));
  const std::string msg = expect_not_found(by_label(spec().label, "not-" + spec().serial));
  EXPECT_NE(msg.find("not-" + spec().serial), std::string::npos) << msg;
  expect_not_found(by_slot(s.id + 1000, spec().label));
}

TEST_P(TokenTest, NoMatchNamesWhatWasWantedAndWhatExists) {
  const std::string wanted = "sslp11-no-such-token";
  const std::string msg = expect_not_found(by_label(wanted));
  std::cout << "[" << spec().name << "] " << msg << "\n";
  EXPECT_NE(msg.find(wanted), std::string::npos) << msg;
  EXPECT_NE(msg.find(spec().label), std::string::npos) << msg;
  for (const SlotDescription& s : module().slots()) {
    if (s.token_present) {
      EXPECT_NE(msg.find("'" + s.label + "'"), std::string::npos) << s.label << " in " << msg;
    }
  }
}

TEST_P(TokenTest, NoMatchByUriNamesTheUri) {
  const std::string uri = "pkcs11:token=sslp11-no-such-token";
  const std::string msg = expect_not_found(by_uri(uri));
  EXPECT_NE(msg.find(uri), std::string::npos) << msg;
  EXPECT_NE(msg.find(spec().label), std::string::npos) << msg;
}

TEST_P(TokenTest, MalformedUriIsInvalidParameter) {
  for (const std::string uri : {"token=x", "pkcs11token=x", "http://example.org/", "pkcs11:token=%zz"}) {
    try {
      select_token(module(), by_uri(uri));
      ADD_FAILURE() << "URI '" << uri << "' was accepted";
    } catch (const LayerError& e) {
      EXPECT_EQ(e.fault(), Fault::bad_argument) << uri << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find(uri), std::string::npos) << e.what();
    }
  }
}

// RFC 7512 lets a URI carry the PIN (pin-value). Messages echo the URI, but
// must never echo the PIN.
TEST_P(TokenTest, PinValueInAUriNeverAppearsInMessages) {
  const std::string pin = "S3cret-" + std::to_string(getpid());
  for (const std::string& uri : {"pkcs11:token=sslp11-no-such-token?pin-value=" + pin,
                                "pkcs11:token=sslp11-no-such-token;serial=%zz?pin-value=" + pin}) {
    try {
      select_token(module(), by_uri(uri));
      ADD_FAILURE() << "URI matched a token";
    } catch (const LayerError& e) {
      const std::string what = e.what();
      EXPECT_TRUE(e.fault() == Fault::token_not_found || e.fault() == Fault::bad_argument) << what;
      EXPECT_EQ(what.find(pin), std::string::npos) << "the PIN leaks in: " << what;
      EXPECT_NE(what.find("sslp11-no-such-token"), std::string::npos) << "the rest of the URI is still shown: "
                                                                       << what;
    }
  }
  EXPECT_EQ(by_uri("pkcs11:token=x?pin-value=" + pin).describe().find(pin), std::string::npos);
}

// A misspelled pin-value is still a PIN: unknown attributes lose their values
// in messages; known ones keep them.
TEST(RedactUri, UnknownAttributeValuesAreNotShown) {
  EXPECT_EQ(redact_uri("pkcs11:token=web;serial=01?pin-valeu=1234&module-name=softhsm2"),
            "pkcs11:token=web;serial=01?pin-valeu=<redacted>&module-name=softhsm2");
  EXPECT_EQ(redact_uri("pkcs11:pinvalue=1234;object=k"), "pkcs11:pinvalue=<redacted>;object=k");
  EXPECT_EQ(redact_uri("pkcs11:token=a?pin-value=1234"), "pkcs11:token=a?pin-value=<redacted>");
}

INSTANTIATE_TEST_SUITE_P(Tokens, TokenTest, ::testing::ValuesIn(TestTokens::all()), TokenName());

// Two tokens with one label: a selector that both match is refused with the
// list of matches (slot, serial, manufacturer), and the serial, given alone,
// with the label or in a URI, chooses.
TEST(SameLabel, AmbiguousSelectorIsRefusedAndTheSerialChooses) {
  const TokenSpec a = TestTokens::create_softhsm_token("sslp11-twin");
  const TokenSpec b = TestTokens::create_softhsm_token("sslp11-twin");
  ASSERT_NE(a.serial, b.serial);
  const auto module = Module::load(a.module_path, a.init_args);
  for (const TokenSelector& ambiguous : {by_label("sslp11-twin"), by_uri("pkcs11:token=sslp11-twin")}) {
    try {
      const SlotDescription s = select_token(*module, ambiguous);
      ADD_FAILURE() << ambiguous.describe() << " picked slot " << s.id << " serial " << s.serial;
    } catch (const LayerError& e) {
      const std::string what = e.what();
      std::cout << what << "\n";
      EXPECT_EQ(e.fault(), Fault::bad_argument) << what;
      EXPECT_NE(what.find("2 tokens match"), std::string::npos) << what;
      for (const TokenSpec* t : {&a, &b}) EXPECT_NE(what.find("serial '" + t->serial + "'"), std::string::npos) << what;
      EXPECT_NE(what.find("manufacturer 'SoftHSM project'"), std::string::npos) << what;
      EXPECT_NE(what.find("serial"), std::string::npos) << what;
    }
  }
  for (const TokenSpec* t : {&a, &b}) {
    EXPECT_EQ(select_token(*module, by_label("sslp11-twin", t->serial)).serial, t->serial);
    EXPECT_EQ(select_token(*module, by_serial(t->serial)).serial, t->serial);
    EXPECT_EQ(select_token(*module, by_uri("pkcs11:token=sslp11-twin;serial=" + t->serial)).serial, t->serial);
  }
}

TEST(TokenSelector, DescribeNamesEveryCriterion) {
  EXPECT_EQ(TokenSelector{}.describe(), "any token");
  EXPECT_TRUE(TokenSelector{}.empty());
  const TokenSelector s{"pkcs11:token=a", "b", "c", 7};
  EXPECT_FALSE(s.empty());
  const std::string d = s.describe();
  for (const char* part : {"pkcs11:token=a", "'b'", "'c'", "7"}) EXPECT_NE(d.find(part), std::string::npos) << d;
}

}  // namespace
}  // namespace sslp11::p11
