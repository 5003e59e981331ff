#include "core/key_schedule.h"

#include "core/composed_schedule.h"
#include "core/native_schedule.h"

namespace sslp11::core {

std::unique_ptr<KeySchedule> make_key_schedule(p11::DerivationPath path, const p11::Capabilities& caps) {
  if (path == p11::DerivationPath::native) return std::make_unique<NativeKeySchedule>(caps);
  return std::make_unique<ComposedKeySchedule>(caps);
}

}  // namespace sslp11::core
