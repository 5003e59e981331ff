#pragma once

#include "core/key_schedule.h"

namespace sslp11::core {

class NativeKeySchedule final : public KeySchedule {
 public:
  explicit NativeKeySchedule(const p11::Capabilities& caps);
  p11::DerivationPath path() const noexcept override { return p11::DerivationPath::native; }
  MasterResult derive_master(const std::shared_ptr<p11::SessionPool>& pool, const p11::Object& pms,
                             const CipherSuite& suite, const MasterInput& in) const override;
  KeyBlock derive_key_block(const std::shared_ptr<p11::SessionPool>& pool, const p11::Object& master,
                            const CipherSuite& suite, const Random& client_random,
                            const Random& server_random) const override;

 private:
  std::optional<CK_MECHANISM_TYPE> ems_dh_;
  std::optional<CK_MECHANISM_TYPE> ems_rsa_;
};

}  // namespace sslp11::core
