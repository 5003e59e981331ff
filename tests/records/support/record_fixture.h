// The fixture of the token x suite record tests: a provider on the test
// token and a connection's record keys for the suite. Parameters are only
// generated for suites the token has the cipher for (record_session.cpp), so
// a suite the provider then does not offer is a failure, not a skip.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "records/support/record_session.h"

namespace sslp11::recordtest {

class RecordTest : public ::testing::TestWithParam<TokenSuite> {
 protected:
  void SetUp() override {
    provider_ = std::make_unique<test::ProviderHandle>(token());
    ASSERT_EQ(provider_->open_status(), ERROR_SUCCESS) << test::last_error();
    const auto offered = offered_suites(p());
    ASSERT_NE(std::find(offered.begin(), offered.end(), suite().id), offered.end())
        << token().name << " has the cipher but the provider does not offer " << suite().name;
    try {
      connection_.emplace(connect(p(), suite()));
    } catch (const std::exception& e) {
      FAIL() << "no record keys for " << suite().name << " on " << token().name << ": " << e.what();
    }
  }
  void TearDown() override {
    connection_.reset();
    provider_.reset();
  }

  const test::TokenSpec& token() const { return std::get<0>(GetParam()); }
  const SuiteFacts& suite() const { return *std::get<1>(GetParam()); }
  NCRYPT_PROV_HANDLE p() const { return provider_->get(); }
  Connection& conn() { return *connection_; }
  NCRYPT_KEY_HANDLE read_key() { return conn().read.get(); }
  NCRYPT_KEY_HANDLE write_key() { return conn().write.get(); }

 private:
  std::unique_ptr<test::ProviderHandle> provider_;
  std::optional<Connection> connection_;
};

}  // namespace sslp11::recordtest
