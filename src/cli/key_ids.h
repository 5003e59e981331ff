// CKA_ID handling shared by keygen and import: the id the operator gave, or
// a fresh random one, and the check that no key already uses it (the
// certificate -> key link of SslOpenPrivateKey must stay unambiguous).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/token_session.h"

namespace sslp11::cli {

// --id as bytes, or 16 random bytes from the token's generator when empty.
std::vector<std::uint8_t> key_id(const TokenSession& session, const std::string& hex_id);

// Throws OperationError when an object of `object_class` with this CKA_ID exists.
void require_unused_id(const TokenSession& session, CK_OBJECT_CLASS object_class, const std::vector<std::uint8_t>& id);

}  // namespace sslp11::cli
