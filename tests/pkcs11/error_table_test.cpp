// Tests of pkcs11/error_table.cpp and pkcs11/error.cpp: the one table of
// CKR_* names and meanings, its lookups, and the messages of p11::Error. What
// the API returns for each code is tested with its translation, in
// tests/abi/status_translation_test.cpp.
//
// The oracle for names and values is p11-kit's pkcs11.h, read through the
// preprocessor (#CKR_X next to CKR_X), never the table under test.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <string_view>

#include "pkcs11/error.h"

namespace sslp11::p11 {
namespace {

struct HeaderCode {
  CK_RV rv;
  std::string_view name;
};

#define SSLP11_CODE(x) HeaderCode{x, #x}

// Every code the table is expected to name, with its value from the header.
// (CKR_AEAD_DECRYPT_FAILED is left out: p11-kit 0.24 does not define it.)
constexpr HeaderCode kHeaderCodes[] = {
    SSLP11_CODE(CKR_OK), SSLP11_CODE(CKR_CANCEL), SSLP11_CODE(CKR_HOST_MEMORY), SSLP11_CODE(CKR_SLOT_ID_INVALID),
    SSLP11_CODE(CKR_GENERAL_ERROR), SSLP11_CODE(CKR_FUNCTION_FAILED), SSLP11_CODE(CKR_ARGUMENTS_BAD),
    SSLP11_CODE(CKR_NO_EVENT), SSLP11_CODE(CKR_NEED_TO_CREATE_THREADS), SSLP11_CODE(CKR_CANT_LOCK),
    SSLP11_CODE(CKR_ATTRIBUTE_READ_ONLY), SSLP11_CODE(CKR_ATTRIBUTE_SENSITIVE),
    SSLP11_CODE(CKR_ATTRIBUTE_TYPE_INVALID), SSLP11_CODE(CKR_ATTRIBUTE_VALUE_INVALID),
    SSLP11_CODE(CKR_ACTION_PROHIBITED), SSLP11_CODE(CKR_DATA_INVALID), SSLP11_CODE(CKR_DATA_LEN_RANGE),
    SSLP11_CODE(CKR_DEVICE_ERROR), SSLP11_CODE(CKR_DEVICE_MEMORY), SSLP11_CODE(CKR_DEVICE_REMOVED),
    SSLP11_CODE(CKR_ENCRYPTED_DATA_INVALID), SSLP11_CODE(CKR_ENCRYPTED_DATA_LEN_RANGE),
    SSLP11_CODE(CKR_FUNCTION_CANCELED), SSLP11_CODE(CKR_FUNCTION_NOT_PARALLEL),
    SSLP11_CODE(CKR_FUNCTION_NOT_SUPPORTED), SSLP11_CODE(CKR_KEY_HANDLE_INVALID), SSLP11_CODE(CKR_KEY_SIZE_RANGE),
    SSLP11_CODE(CKR_KEY_TYPE_INCONSISTENT), SSLP11_CODE(CKR_KEY_NOT_NEEDED), SSLP11_CODE(CKR_KEY_CHANGED),
    SSLP11_CODE(CKR_KEY_NEEDED), SSLP11_CODE(CKR_KEY_INDIGESTIBLE), SSLP11_CODE(CKR_KEY_FUNCTION_NOT_PERMITTED),
    SSLP11_CODE(CKR_KEY_NOT_WRAPPABLE), SSLP11_CODE(CKR_KEY_UNEXTRACTABLE), SSLP11_CODE(CKR_MECHANISM_INVALID),
    SSLP11_CODE(CKR_MECHANISM_PARAM_INVALID), SSLP11_CODE(CKR_OBJECT_HANDLE_INVALID),
    SSLP11_CODE(CKR_OPERATION_ACTIVE), SSLP11_CODE(CKR_OPERATION_NOT_INITIALIZED), SSLP11_CODE(CKR_PIN_INCORRECT),
    SSLP11_CODE(CKR_PIN_INVALID), SSLP11_CODE(CKR_PIN_LEN_RANGE), SSLP11_CODE(CKR_PIN_EXPIRED),
    SSLP11_CODE(CKR_PIN_LOCKED), SSLP11_CODE(CKR_SESSION_CLOSED), SSLP11_CODE(CKR_SESSION_COUNT),
    SSLP11_CODE(CKR_SESSION_HANDLE_INVALID), SSLP11_CODE(CKR_SESSION_PARALLEL_NOT_SUPPORTED),
    SSLP11_CODE(CKR_SESSION_READ_ONLY), SSLP11_CODE(CKR_SESSION_EXISTS), SSLP11_CODE(CKR_SESSION_READ_ONLY_EXISTS),
    SSLP11_CODE(CKR_SESSION_READ_WRITE_SO_EXISTS), SSLP11_CODE(CKR_SIGNATURE_INVALID),
    SSLP11_CODE(CKR_SIGNATURE_LEN_RANGE), SSLP11_CODE(CKR_TEMPLATE_INCOMPLETE),
    SSLP11_CODE(CKR_TEMPLATE_INCONSISTENT), SSLP11_CODE(CKR_TOKEN_NOT_PRESENT),
    SSLP11_CODE(CKR_TOKEN_NOT_RECOGNIZED), SSLP11_CODE(CKR_TOKEN_WRITE_PROTECTED),
    SSLP11_CODE(CKR_UNWRAPPING_KEY_HANDLE_INVALID), SSLP11_CODE(CKR_UNWRAPPING_KEY_SIZE_RANGE),
    SSLP11_CODE(CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT), SSLP11_CODE(CKR_USER_ALREADY_LOGGED_IN),
    SSLP11_CODE(CKR_USER_NOT_LOGGED_IN), SSLP11_CODE(CKR_USER_PIN_NOT_INITIALIZED),
    SSLP11_CODE(CKR_USER_TYPE_INVALID), SSLP11_CODE(CKR_USER_ANOTHER_ALREADY_LOGGED_IN),
    SSLP11_CODE(CKR_USER_TOO_MANY_TYPES), SSLP11_CODE(CKR_WRAPPED_KEY_INVALID),
    SSLP11_CODE(CKR_WRAPPED_KEY_LEN_RANGE), SSLP11_CODE(CKR_WRAPPING_KEY_HANDLE_INVALID),
    SSLP11_CODE(CKR_WRAPPING_KEY_SIZE_RANGE), SSLP11_CODE(CKR_WRAPPING_KEY_TYPE_INCONSISTENT),
    SSLP11_CODE(CKR_RANDOM_SEED_NOT_SUPPORTED), SSLP11_CODE(CKR_RANDOM_NO_RNG),
    SSLP11_CODE(CKR_DOMAIN_PARAMS_INVALID), SSLP11_CODE(CKR_CURVE_NOT_SUPPORTED), SSLP11_CODE(CKR_BUFFER_TOO_SMALL),
    SSLP11_CODE(CKR_SAVED_STATE_INVALID), SSLP11_CODE(CKR_INFORMATION_SENSITIVE), SSLP11_CODE(CKR_STATE_UNSAVEABLE),
    SSLP11_CODE(CKR_CRYPTOKI_NOT_INITIALIZED), SSLP11_CODE(CKR_CRYPTOKI_ALREADY_INITIALIZED),
    SSLP11_CODE(CKR_MUTEX_BAD), SSLP11_CODE(CKR_MUTEX_NOT_LOCKED), SSLP11_CODE(CKR_NEW_PIN_MODE),
    SSLP11_CODE(CKR_NEXT_OTP), SSLP11_CODE(CKR_EXCEEDED_MAX_ITERATIONS), SSLP11_CODE(CKR_FIPS_SELF_TEST_FAILED),
    SSLP11_CODE(CKR_LIBRARY_LOAD_FAILED), SSLP11_CODE(CKR_PIN_TOO_WEAK), SSLP11_CODE(CKR_PUBLIC_KEY_INVALID),
    SSLP11_CODE(CKR_FUNCTION_REJECTED),
};

#undef SSLP11_CODE

TEST(ErrorTable, EveryRowHasADistinctCodeAPrefixedNameAndAMeaning) {
  const auto table = rv_table();
  ASSERT_FALSE(table.empty());
  std::set<CK_RV> codes;
  std::set<std::string_view> names;
  for (const RvInfo& row : table) {
    SCOPED_TRACE(std::string(row.name));
    EXPECT_TRUE(codes.insert(row.rv).second) << "code 0x" << std::hex << row.rv << " appears twice";
    EXPECT_TRUE(names.insert(row.name).second) << "name appears twice";
    EXPECT_FALSE(row.name.empty());
    EXPECT_EQ(row.name.substr(0, 4), "CKR_") << "name '" << row.name << "' of 0x" << std::hex << row.rv;
    EXPECT_FALSE(row.meaning.empty());
  }
}

TEST(ErrorTable, IsSortedByCodeSoLookupsCanBinarySearch) {
  const auto table = rv_table();
  const auto out_of_order = std::adjacent_find(table.begin(), table.end(),
                                               [](const RvInfo& a, const RvInfo& b) { return a.rv >= b.rv; });
  EXPECT_EQ(out_of_order, table.end()) << "row " << out_of_order->name << " is not below its successor";
}

TEST(ErrorTable, NamesAgreeWithThePkcs11Header) {
  for (const HeaderCode& code : kHeaderCodes) {
    SCOPED_TRACE(std::string(code.name));
    const RvInfo& info = rv_info(code.rv);
    EXPECT_EQ(info.rv, code.rv) << "the table has no row for this code";
    EXPECT_EQ(info.name, code.name);
    EXPECT_EQ(rv_name(code.rv), code.name);
  }
  // And no row claims a header name with another value.
  for (const RvInfo& row : rv_table()) {
    for (const HeaderCode& code : kHeaderCodes) {
      if (code.name == row.name) {
        EXPECT_EQ(row.rv, code.rv) << row.name;
      }
    }
  }
}

TEST(ErrorTable, LookupFindsEveryRow) {
  for (const RvInfo& row : rv_table()) {
    EXPECT_EQ(&rv_info(row.rv), &row) << row.name;
  }
}

TEST(ErrorTable, UnknownCodeHasTheUnknownRow) {
  constexpr CK_RV kUnknown = 0x12345;
  EXPECT_EQ(rv_name(kUnknown), "CKR_(unknown)");
  EXPECT_FALSE(rv_info(kUnknown).meaning.empty());
  EXPECT_EQ(rv_name(CKR_VENDOR_DEFINED | 1), "CKR_(unknown)");
}

TEST(Error, MessageNamesTheFunctionAndTheCode) {
  const Error e(CKR_PIN_INCORRECT, "C_Login");
  const std::string what = e.what();
  EXPECT_NE(what.find("C_Login"), std::string::npos) << what;
  EXPECT_NE(what.find("CKR_PIN_INCORRECT"), std::string::npos) << what;
  EXPECT_NE(what.find(std::string(rv_info(CKR_PIN_INCORRECT).meaning)), std::string::npos) << what;
  EXPECT_EQ(e.rv(), CKR_PIN_INCORRECT);
  EXPECT_EQ(e.function(), "C_Login");
}

TEST(Error, ContextIsAppended) {
  const Error e(CKR_KEY_HANDLE_INVALID, "C_SignInit", "signing the Finished message");
  const std::string what = e.what();
  EXPECT_NE(what.find("C_SignInit"), std::string::npos) << what;
  EXPECT_NE(what.find("CKR_KEY_HANDLE_INVALID"), std::string::npos) << what;
  EXPECT_NE(what.find("signing the Finished message"), std::string::npos) << what;
  EXPECT_EQ(e.rv(), CKR_KEY_HANDLE_INVALID);
}

TEST(Error, UnknownCodeMessageStillNamesTheFunction) {
  const Error e(0x12345, "C_Frobnicate");
  const std::string what = e.what();
  EXPECT_NE(what.find("C_Frobnicate"), std::string::npos) << what;
  EXPECT_NE(what.find("CKR_(unknown)"), std::string::npos) << what;
  EXPECT_EQ(e.rv(), 0x12345u);
}

TEST(Error, LayerErrorCarriesItsFault) {
  const LayerError e(Fault::token_not_found, "no token matches label 'x'");
  EXPECT_EQ(e.fault(), Fault::token_not_found);
  EXPECT_STREQ(e.what(), "no token matches label 'x'");
}

TEST(Error, SessionLostCodes) {
  for (CK_RV rv : {CKR_SESSION_HANDLE_INVALID, CKR_SESSION_CLOSED, CKR_DEVICE_REMOVED, CKR_TOKEN_NOT_PRESENT,
                   CKR_CRYPTOKI_NOT_INITIALIZED}) {
    EXPECT_TRUE(is_session_lost(rv)) << rv_name(rv);
    EXPECT_FALSE(is_login_lost(rv)) << rv_name(rv);
  }
  for (CK_RV rv : {CKR_OK, CKR_PIN_INCORRECT, CKR_USER_NOT_LOGGED_IN, CKR_OBJECT_HANDLE_INVALID, CKR_GENERAL_ERROR}) {
    EXPECT_FALSE(is_session_lost(rv)) << rv_name(rv);
  }
  EXPECT_TRUE(is_login_lost(CKR_USER_NOT_LOGGED_IN));
  EXPECT_FALSE(is_login_lost(CKR_PIN_INCORRECT));
}

}  // namespace
}  // namespace sslp11::p11
