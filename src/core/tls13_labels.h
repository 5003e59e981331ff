// The labels of the TLS 1.3 key schedule (RFC 8446 §7.1, §7.3, §7.5, §4.6.1,
// §7.2): the one copy the schedule and its tests use. HkdfLabel adds the
// "tls13 " prefix.
#pragma once

#include <string_view>

namespace sslp11::core::tls13_labels {

inline constexpr std::string_view kDerived = "derived";
inline constexpr std::string_view kExternalBinder = "ext binder";
inline constexpr std::string_view kResumptionBinder = "res binder";
inline constexpr std::string_view kClientEarlyTraffic = "c e traffic";
inline constexpr std::string_view kEarlyExporter = "e exp master";
inline constexpr std::string_view kClientHandshakeTraffic = "c hs traffic";
inline constexpr std::string_view kServerHandshakeTraffic = "s hs traffic";
inline constexpr std::string_view kClientApplicationTraffic = "c ap traffic";
inline constexpr std::string_view kServerApplicationTraffic = "s ap traffic";
inline constexpr std::string_view kExporterMaster = "exp master";
inline constexpr std::string_view kResumptionMaster = "res master";
inline constexpr std::string_view kResumption = "resumption";
inline constexpr std::string_view kTrafficUpdate = "traffic upd";
inline constexpr std::string_view kKey = "key";
inline constexpr std::string_view kIv = "iv";
inline constexpr std::string_view kFinished = "finished";
inline constexpr std::string_view kExporter = "exporter";

}  // namespace sslp11::core::tls13_labels
