// Options every sslp11-admin subcommand shares to reach a module and a token.
#pragma once

#include <boost/program_options.hpp>

#include <memory>
#include <string>

#include "pkcs11/module.h"
#include "pkcs11/token.h"

namespace sslp11::cli {

struct TokenOptions {
  std::string module;
  std::string init_args;
  std::string token;  // PKCS#11 URI (starts with "pkcs11:") or label
  std::string serial;
  long slot = -1;
  bool json = false;

  void add_to(boost::program_options::options_description& desc);
  std::shared_ptr<p11::Module> load_module() const;
  p11::TokenSelector selector() const;
};

// Exit codes shared by all subcommands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

std::string json_escape(const std::string& s);

}  // namespace sslp11::cli
