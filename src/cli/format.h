// Turning token data into operator text: hex, flag lists, class and key-type
// names. Shared by every subcommand's plain and --json output.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pkcs11/cryptoki.h"

namespace sslp11::cli {

std::string hex(std::span<const std::uint8_t> bytes);
// `text` as one POSIX shell word: as is when it holds only safe characters,
// else in single quotes ('it'\''s'), for command lines the operator pastes.
std::string shell_quoted(std::string_view text);
// "01ab..." or "01:AB:..." -> bytes; nullopt when not an even number of hex digits.
std::optional<std::vector<std::uint8_t>> parse_hex(std::string_view text);

// Token flags as a comma list ("initialized,login-required,user-pin-set").
std::string token_flags_text(CK_FLAGS flags);
std::vector<std::string> token_flag_names(CK_FLAGS flags);
// The retry-counter flags of one user type: "user-pin-count-low", ... or "none".
std::string pin_counter_flags_text(CK_FLAGS flags, CK_USER_TYPE user);
std::string slot_flags_text(CK_FLAGS flags);
std::vector<std::string> slot_flag_names(CK_FLAGS flags);
// Mechanism flags: p11::mechanism_flag_names() (pkcs11/mechanism_names.h).

std::string_view class_name(CK_OBJECT_CLASS c);  // "private-key", "certificate", ...
std::optional<CK_OBJECT_CLASS> class_from_name(std::string_view name);  // also accepts cert, privkey, pubkey, secret
std::string_view key_type_name(CK_KEY_TYPE t);   // "rsa", "ec", "aes", ...

}  // namespace sslp11::cli
