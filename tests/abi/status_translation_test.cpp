// Tests of src/abi/status_translation.cpp, the one translation of the layers'
// own errors into the SECURITY_STATUS the Ssl* API returns, and of guarded()
// applying it: CKR_* codes (one status row for each row of the PKCS#11
// layer's CKR table), p11::Fault and core::Fault.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <new>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include <sslp11/winerror.h>

#include "abi/guard.h"
#include "abi/status_translation.h"
#include "core/error.h"
#include "pkcs11/error.h"

namespace sslp11::abi {
namespace {

std::string hex(SECURITY_STATUS s) {
  std::ostringstream text;
  text << "0x" << std::hex << static_cast<std::uint32_t>(s);
  return text.str();
}

TEST(StatusTranslation, EveryCkrRowHasAStatusRowAndViceVersa) {
  const auto names = p11::rv_table();
  const auto statuses = ckr_status_table();
  EXPECT_EQ(names.size(), statuses.size());
  std::set<CK_RV> status_codes;
  for (const CkrStatus& row : statuses) {
    EXPECT_TRUE(status_codes.insert(row.rv).second) << "code 0x" << std::hex << row.rv << " has two status rows";
    EXPECT_NE(p11::rv_info(row.rv).rv, ~0UL) << "status row 0x" << std::hex << row.rv << " names no CKR row";
  }
  for (const p11::RvInfo& row : names) {
    EXPECT_EQ(status_codes.count(row.rv), 1u) << row.name << " has no status row";
  }
}

TEST(StatusTranslation, IsSortedByCodeSoLookupsCanBinarySearch) {
  const auto table = ckr_status_table();
  const auto out_of_order = std::adjacent_find(table.begin(), table.end(),
                                               [](const CkrStatus& a, const CkrStatus& b) { return a.rv >= b.rv; });
  EXPECT_EQ(out_of_order, table.end()) << "row 0x" << std::hex << out_of_order->rv << " is not below its successor";
}

TEST(StatusTranslation, OnlySuccessMapsToSuccess) {
  for (const CkrStatus& row : ckr_status_table()) {
    SCOPED_TRACE(std::string(p11::rv_name(row.rv)));
    if (row.rv == CKR_OK) {
      EXPECT_EQ(row.status, ERROR_SUCCESS);
    } else {
      // A failure must be a failure SECURITY_STATUS (severity bit set).
      EXPECT_LT(row.status, 0) << "status " << hex(row.status);
    }
  }
}

TEST(StatusTranslation, LookupFindsEveryRow) {
  for (const CkrStatus& row : ckr_status_table()) {
    EXPECT_EQ(status_for(row.rv), row.status) << p11::rv_name(row.rv);
    EXPECT_EQ(status_for(p11::Error(row.rv, "C_Test")), row.status) << p11::rv_name(row.rv);
  }
}

struct Mapping {
  CK_RV rv;
  const char* name;
  SECURITY_STATUS status;
};

TEST(StatusTranslation, SpecificMappings) {
  const Mapping expected[] = {
      {CKR_OK, "CKR_OK", 0},
      {CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT", NTE_INCORRECT_PASSWORD},
      // The token lost an object sslp11 made: the key's state, not the caller's handle.
      {CKR_KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID", NTE_BAD_KEY_STATE},
      {CKR_OBJECT_HANDLE_INVALID, "CKR_OBJECT_HANDLE_INVALID", NTE_BAD_KEY_STATE},
      {CKR_WRAPPING_KEY_HANDLE_INVALID, "CKR_WRAPPING_KEY_HANDLE_INVALID", NTE_BAD_KEY_STATE},
      {CKR_UNWRAPPING_KEY_HANDLE_INVALID, "CKR_UNWRAPPING_KEY_HANDLE_INVALID", NTE_BAD_KEY_STATE},
      {CKR_BUFFER_TOO_SMALL, "CKR_BUFFER_TOO_SMALL", NTE_BUFFER_TOO_SMALL},
      {CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID", NTE_NOT_SUPPORTED},
      {CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED", NTE_DEVICE_NOT_READY},
      {CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT", NTE_DEVICE_NOT_READY},
      {CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID", NTE_DEVICE_NOT_READY},
      {CKR_HOST_MEMORY, "CKR_HOST_MEMORY", NTE_NO_MEMORY},
      {CKR_ENCRYPTED_DATA_INVALID, "CKR_ENCRYPTED_DATA_INVALID", NTE_DECRYPTION_FAILURE},
      {CKR_SIGNATURE_INVALID, "CKR_SIGNATURE_INVALID", NTE_BAD_SIGNATURE},
  };
  for (const Mapping& m : expected) {
    SCOPED_TRACE(m.name);
    EXPECT_EQ(status_for(m.rv), m.status) << "got " << hex(status_for(m.rv));
    EXPECT_EQ(p11::rv_name(m.rv), m.name);
    EXPECT_EQ(status_for(p11::Error(m.rv, "C_Test")), m.status);
  }
}

TEST(StatusTranslation, UnknownCodeIsAnInternalError) {
  constexpr CK_RV kUnknown = 0x12345;
  EXPECT_EQ(status_for(kUnknown), NTE_INTERNAL_ERROR);
  EXPECT_EQ(status_for(CKR_VENDOR_DEFINED | 1), NTE_INTERNAL_ERROR);
  EXPECT_EQ(status_for(p11::Error(kUnknown, "C_Frobnicate")), NTE_INTERNAL_ERROR);
}

// The statuses the PKCS#11 layer's own failures had before they were named
// (the API's answers must not change).
TEST(StatusTranslation, EveryPkcs11FaultHasItsStatus) {
  const std::pair<p11::Fault, SECURITY_STATUS> expected[] = {
      {p11::Fault::out_of_memory, NTE_NO_MEMORY},
      {p11::Fault::bad_argument, NTE_INVALID_PARAMETER},
      {p11::Fault::token_not_found, NTE_DEVICE_NOT_FOUND},
      {p11::Fault::token_unreachable, NTE_DEVICE_NOT_READY},
      {p11::Fault::module_not_found, NTE_PROV_DLL_NOT_FOUND},
      {p11::Fault::not_a_module, NTE_PROVIDER_DLL_FAIL},
      {p11::Fault::pin_rejected, NTE_INCORRECT_PASSWORD},
      {p11::Fault::login_required, NTE_PERM},
      {p11::Fault::forked, NTE_INVALID_HANDLE},
      {p11::Fault::object_lost, NTE_BAD_KEY_STATE},
  };
  for (const auto& [fault, status] : expected) {
    SCOPED_TRACE(static_cast<int>(fault));
    EXPECT_EQ(status_for(fault), status) << "got " << hex(status_for(fault));
    EXPECT_EQ(status_for(p11::LayerError(fault, "why")), status);
  }
}

// The statuses the core's throws carried before the core named its faults.
TEST(StatusTranslation, EveryCoreFaultHasItsStatus) {
  const std::pair<core::Fault, SECURITY_STATUS> expected[] = {
      {core::Fault::bad_data, NTE_BAD_DATA},
      {core::Fault::bad_key_state, NTE_BAD_KEY_STATE},
      {core::Fault::bad_signature, NTE_BAD_SIGNATURE},
      {core::Fault::buffer_too_small, NTE_BUFFER_TOO_SMALL},
      {core::Fault::decryption_failed, NTE_DECRYPTION_FAILURE},
      {core::Fault::invalid_parameter, NTE_INVALID_PARAMETER},
      {core::Fault::wrong_key, NTE_INVALID_HANDLE},
      {core::Fault::not_found, NTE_NOT_FOUND},
      {core::Fault::not_supported, NTE_NOT_SUPPORTED},
      {core::Fault::operation_failed, NTE_FAIL},
      {core::Fault::internal, NTE_INTERNAL_ERROR},
  };
  for (const auto& [fault, status] : expected) {
    SCOPED_TRACE(static_cast<int>(fault));
    EXPECT_EQ(status_for(fault), status) << "got " << hex(status_for(fault));
    EXPECT_EQ(status_for(core::Error(fault, "why")), status);
  }
}

// guarded() returns the translated status and keeps the exception's text as
// the last error, whichever layer threw.
TEST(StatusTranslation, GuardedTranslatesEachLayersErrorAndKeepsItsText) {
  EXPECT_EQ(guarded([] { throw core::Error(core::Fault::decryption_failed, "the record did not authenticate"); }),
            NTE_DECRYPTION_FAILURE);
  EXPECT_EQ(last_error_message(), "the record did not authenticate");

  const p11::Error pin(CKR_PIN_INCORRECT, "C_Login");
  EXPECT_EQ(guarded([&] { throw pin; }), NTE_INCORRECT_PASSWORD);
  EXPECT_EQ(last_error_message(), pin.what());

  EXPECT_EQ(guarded([] { throw p11::LayerError(p11::Fault::token_not_found, "no token matches label 'x'"); }),
            NTE_DEVICE_NOT_FOUND);
  EXPECT_EQ(last_error_message(), "no token matches label 'x'");

  EXPECT_EQ(guarded([] { throw ApiError(NTE_BAD_FLAGS, "dwFlags must be 0"); }), NTE_BAD_FLAGS);
  EXPECT_EQ(last_error_message(), "dwFlags must be 0");

  EXPECT_EQ(guarded([] { throw std::bad_alloc(); }), NTE_NO_MEMORY);
  EXPECT_EQ(guarded([] { throw std::logic_error("a bug"); }), NTE_INTERNAL_ERROR);
  EXPECT_EQ(last_error_message(), "a bug");
  EXPECT_EQ(guarded([] {}), ERROR_SUCCESS);
}

}  // namespace
}  // namespace sslp11::abi
