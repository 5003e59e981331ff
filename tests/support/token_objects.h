// Counting the objects on a test token through its module, beside the
// provider (tests that link the static provider build only: the module is
// the one the provider loaded, shared by p11::Module::load).
#pragma once

#include <cstddef>

#include "support/test_tokens.h"

namespace sslp11::test {

// The objects a fresh session of this process sees on `spec`'s token (its
// token objects and every session object this process made there). It
// answers after the last provider on the token is closed, which
// Sslp11CountTokenObjects cannot.
std::size_t objects_visible_on(const TokenSpec& spec);

}  // namespace sslp11::test
