#include "support/provider_env.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <sslp11/sslprovider.hpp>

namespace sslp11::test {

std::string write_provider_config(const TokenSpec& spec, const std::string& extra, const std::string& variant) {
  const std::string path = TestTokens::temp_dir() + "/sslp11-" + spec.name + "-" + variant + ".conf";
  std::ofstream out(path, std::ios::trunc);
  out << "# written by the test fixture\n[token." << spec.name << "]\n"
      << "module = " << spec.module_path << "\n";
  if (!spec.init_args.empty()) out << "init-args = \"" << spec.init_args << "\"\n";
  out << "label = " << spec.label << "\n";
  if (spec.login_required) {
    const std::string var = "SSLP11_TEST_PIN_" + spec.name;
    setenv(var.c_str(), spec.user_pin.c_str(), 1);
    out << "pin = env:" << var << "\n";
  } else {
    out << "pin = none\n";
  }
  if (!extra.empty()) out << extra << "\n";
  return path;
}

void use_token(const TokenSpec& spec, const std::string& extra, const std::string& variant) {
  setenv("SSLP11_CONF", write_provider_config(spec, extra, variant).c_str(), 1);
}

ProviderHandle::ProviderHandle(const TokenSpec& spec, const std::string& extra, const std::string& variant) {
  use_token(spec, extra, variant);
  status_ = SslOpenProvider(&handle_, nullptr, 0);
  if (status_ != 0) {
    ADD_FAILURE() << "SslOpenProvider on " << spec.name << " failed: 0x" << std::hex << status_ << " "
                  << last_error();
  }
}

ProviderHandle::~ProviderHandle() {
  if (handle_ != 0) SslFreeObject(handle_, 0);
}

std::string last_error() { return last_error_text(); }

}  // namespace sslp11::test
