// The single-thread ratios, measured interleaved: one benchmark runs the
// provider's operation and its floor alternately, a block of each at a time,
// and times every block. Run one after the other, 0.2 s apart, the two sides
// of a pair saw different moments of a shared 2-core machine's load, and a
// ratio moved by ±15 % between runs; interleaved in blocks of a few
// microseconds to milliseconds both sides see the same load, and the ratio is
// what the table judges. (The separate runs stay for absolute figures, call
// counts and thread scaling.)
#pragma once

#include <string>

namespace sslp11::bench {

// Registers "<token>/<operation>/paired" for (1)-(4), the TLS 1.3 schedule
// (bench/tls13_operations.h) and TLS 1.3 records (bench/tls13_records.h); each reports counters
// provider_ns and floor_ns: the mean time per operation of each side.
void register_paired(const std::string& token);

}  // namespace sslp11::bench
