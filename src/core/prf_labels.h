// The PRF labels of the TLS 1.2 key schedule (RFC 5246 §6.3, §7.4.9, §8.1;
// RFC 7627 §4): the one copy the schedule, Finished and the exporter's
// reserved-label check all use.
#pragma once

#include <array>
#include <string_view>

namespace sslp11::core::prf_labels {

inline constexpr std::string_view kMasterSecret = "master secret";
inline constexpr std::string_view kExtendedMasterSecret = "extended master secret";
inline constexpr std::string_view kKeyExpansion = "key expansion";
inline constexpr std::string_view kClientFinished = "client finished";
inline constexpr std::string_view kServerFinished = "server finished";

// Every label sslp11 feeds a PRF keyed by a secret it never hands out. An
// exporter whose PRF input (label || seed, as the PRF sees it) begins with
// one of them would compute that secret's output: refused.
inline constexpr std::array<std::string_view, 5> kReserved{kMasterSecret, kExtendedMasterSecret, kKeyExpansion,
                                                           kClientFinished, kServerFinished};

}  // namespace sslp11::core::prf_labels
