// Finding the configured token or pool for SslOpenProvider: config file
// lookup, PIN source, and one shared TokenContext per (config file, token)
// and TokenPool per (config file, default-token) so that repeated opens do
// not re-probe the token or open more sessions.
#pragma once

#include <memory>

#include <sslp11/sslprovider.h>

#include "core/token_pool.h"

namespace sslp11::abi {

// The provider names sslp11 answers to (SslOpenProvider, GetSChannelInterface,
// SslInitializeInterface): NULL, MS_SCHANNEL_PROVIDER and SSLP11_PROVIDER_NAME.
bool names_this_provider(LPCWSTR name);

// The default-token of the configuration: a [pool.NAME], or a [token.NAME]
// as a pool of one.
std::shared_ptr<core::TokenPool> open_configured_pool();

}  // namespace sslp11::abi
