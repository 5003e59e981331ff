#include "core/token_context.h"

#include <algorithm>
#include <cstdio>

#include "core/error.h"
#include "core/key_schedule.h"
#include "core/opaque_blobs.h"

namespace sslp11::core {

std::shared_ptr<TokenContext> TokenContext::open(TokenSettings settings) {
  return std::make_shared<TokenContext>(Private{}, std::move(settings));
}

TokenContext::TokenContext(Private, TokenSettings settings)
    : name_(settings.name),
      policy_(settings.policy),
      offer_tls12_(settings.offer_tls12),
      offer_tls13_(settings.offer_tls13) {
  module_ = p11::Module::load(settings.module, settings.init_args);
  slot_ = p11::select_token(*module_, settings.selector);
  caps_ = p11::Capabilities::probe(module_->api(), slot_.id);
  const p11::DerivationPath path = caps_.derivation_path();
  if (path == p11::DerivationPath::unusable) {
    throw Error(Fault::not_supported, "token '" + slot_.label +
                                          "' can run neither the native (CKM_TLS12_*) nor the composed "
                                          "(HMAC-SHA256) TLS key schedule");
  }
  if (path == p11::DerivationPath::composed && policy_ == DerivationPolicy::native_only) {
    throw Error(Fault::not_supported, "token '" + slot_.label +
                                          "' lacks CKM_TLS12_MASTER_KEY_DERIVE_DH/CKM_TLS12_KEY_AND_MAC_DERIVE "
                                          "and the configuration says derivation = native-only");
  }
  path_ = path;
  schedule_ = make_key_schedule(path_, caps_);
  p11::PoolOptions options;
  options.max_sessions = settings.pool_size;
  pool_ = p11::SessionPool::create(module_, slot_.id, std::move(settings.pin), options);
  // Log in now, so a wrong PIN is reported by the open, not by the first handshake.
  { auto warm = pool_->acquire(); }

  const auto configured = [&](std::string_view name) {
    return settings.cipher_suites.empty() ||
           std::find(settings.cipher_suites.begin(), settings.cipher_suites.end(), name) !=
               settings.cipher_suites.end();
  };
  if (offer_tls12_) {
    for (const CipherSuite& s : all_cipher_suites())
      if (!suite_unavailable_reason(s, caps_, policy_) && configured(s.name)) suites_.push_back(&s);
  }
  if (offer_tls13_) {
    for (const Tls13Suite& s : all_tls13_suites())
      if (!tls13_suite_unavailable_reason(s, caps_, policy_) && configured(s.name)) tls13_suites_.push_back(&s);
  }
}

TokenContext::~TokenContext() = default;

const CipherSuite* TokenContext::offered_suite(std::uint32_t id) const {
  for (const CipherSuite* s : suites_)
    if (s->id == id) return s;
  return nullptr;
}

const Tls13Suite* TokenContext::offered_tls13_suite(std::uint32_t id) const {
  for (const Tls13Suite* s : tls13_suites_)
    if (s->id == id) return s;
  return nullptr;
}

std::string TokenContext::why_not_offered(std::uint32_t id) const {
  if (const Tls13Suite* t = find_tls13_suite(id)) {
    if (auto why = tls13_suite_unavailable_reason(*t, caps_, policy_)) return std::string(t->name) + ": " + *why;
    if (!offer_tls13_) return std::string(t->name) + ": TLS 1.3 is not among the configuration's protocols";
    if (offered_tls13_suite(id) == nullptr) return std::string(t->name) + " is not enabled in the configuration";
    return {};
  }
  const CipherSuite* s = find_cipher_suite(id);
  if (s == nullptr) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%04X", static_cast<unsigned>(id));
    return std::string("cipher suite ") + hex + " is not known to sslp11";
  }
  if (auto why = suite_unavailable_reason(*s, caps_, policy_)) return std::string(s->name) + ": " + *why;
  if (!offer_tls12_) return std::string(s->name) + ": TLS 1.2 is not among the configuration's protocols";
  if (offered_suite(id) == nullptr) return std::string(s->name) + " is not enabled in the configuration";
  return {};
}

std::shared_ptr<OpaqueBlobRegistry> TokenContext::opaque_blobs() {
  std::lock_guard lock(blobs_mutex_);
  auto registry = blobs_.lock();
  if (!registry) {
    registry = std::make_shared<OpaqueBlobRegistry>(pool_);
    blobs_ = registry;
  }
  return registry;
}

}  // namespace sslp11::core
