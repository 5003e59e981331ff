// Finding the configured token for SslOpenProvider: config file lookup, PIN
// source, and one shared TokenContext per (config file, token) so that
// repeated opens do not re-probe the token or open more sessions.
#pragma once

#include <memory>

#include "core/token_context.h"

namespace sslp11::abi {

std::shared_ptr<core::TokenContext> open_configured_token();

}  // namespace sslp11::abi
