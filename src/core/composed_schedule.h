#pragma once

#include "core/key_schedule.h"

namespace sslp11::core {

class ComposedKeySchedule final : public KeySchedule {
 public:
  explicit ComposedKeySchedule(const p11::Capabilities& caps) : caps_(caps) {}
  p11::DerivationPath path() const noexcept override { return p11::DerivationPath::composed; }
  MasterResult derive_master(const std::shared_ptr<p11::SessionPool>& pool, const p11::Object& pms,
                             const CipherSuite& suite, const MasterInput& in) const override;
  KeyBlock derive_key_block(const std::shared_ptr<p11::SessionPool>& pool, const p11::Object& master,
                            const CipherSuite& suite, const Random& client_random,
                            const Random& server_random) const override;

 private:
  // Refuses, with the reason, a key the token's HMAC will not take.
  void check_hmac_key(HashAlg prf, std::size_t key_bytes) const;
  p11::Capabilities caps_;
};

}  // namespace sslp11::core
