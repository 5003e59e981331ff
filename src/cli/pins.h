// Fetching PINs for sslp11-admin: from the environment, a 0600 file, or the
// terminal (never echoed). A PIN lives in a wiped p11::Pin only while it is
// used and is never printed or put into a message.
#pragma once

#include <string_view>

#include "cli/target.h"
#include "pkcs11/secure_buffer.h"

namespace sslp11::cli {

// The PIN from `spec`; `who` is "user PIN" or "SO PIN" and `token` the token
// label, both for the prompt. Problems with the source (unset variable,
// unreadable file, no terminal) are UsageError / ConfigError: exit 2.
p11::Pin read_pin(const PinSpec& spec, std::string_view who, std::string_view token);

// A PIN about to be set: prompted twice (they must agree), or read once from
// env:/file:. Refuses an empty PIN.
p11::Pin read_new_pin(const PinSpec& spec, std::string_view who, std::string_view token);

}  // namespace sslp11::cli
