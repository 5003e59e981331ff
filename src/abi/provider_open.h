// Finding the configured token for SslOpenProvider: config file lookup, PIN
// source, and one shared TokenContext per (config file, token) so that
// repeated opens do not re-probe the token or open more sessions.
#pragma once

#include <memory>

#include <sslp11/sslprovider.h>

#include "core/token_context.h"

namespace sslp11::abi {

// The provider names sslp11 answers to (SslOpenProvider, GetSChannelInterface,
// SslInitializeInterface): NULL, MS_SCHANNEL_PROVIDER and SSLP11_PROVIDER_NAME.
bool names_this_provider(LPCWSTR name);

std::shared_ptr<core::TokenContext> open_configured_token();

}  // namespace sslp11::abi
