// sslp11_rsa_timing: does a bad RSA ClientKeyExchange take a different time
// than a good one? A dudect-style test (Reparaz et al., DATE 2017) of the
// server's SslImportMasterKey for TLS 1.2 RSA key exchange, on each throwaway
// test token, next to the raw PKCS#11 sequence the provider makes for it.
//
//   sslp11_rsa_timing [--samples=N] [--tokens=softhsm,nss] [--warmup=N] [--seed=S] [--fail-on-leak]
//
// Four ciphertext classes (valid, bad padding, wrong length, wrong version;
// see rsa_timing.h), N each, made in advance by OpenSSL. Every sample is one
// (class, side) pair drawn in random order from the whole schedule, so that
// every class and both sides see the same moments of a shared machine's load.
// Per pair of classes: Welch's t of the timings, uncropped and cropped at the
// 50th..99th percentile of the pair's pooled timings, and the largest |t|;
// |t| < 4.5 is dudect's "no detectable difference" (PASS), else LEAK. One
// RSA_TIMING_JSON line per token carries the same numbers for the docs.
// Exit status: 0 when every token was measured (also with LEAKs unless
// --fail-on-leak), 1 on an error. scripts/rsa-timing.sh builds and runs this.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench/rsa_timing.h"
#include "bench/welch.h"

using namespace sslp11::bench;

namespace {

struct Options {
  std::size_t samples = 4000;  // per class and side
  std::size_t warmup = 50;     // per class and side, not recorded
  std::vector<std::string> tokens{"softhsm", "nss"};
  std::uint64_t seed = std::random_device{}();
  bool fail_on_leak = false;
};

// What is timed: the import alone, and the import with the master's free
// (the native path's free destroys a different number of objects when the
// unwrap failed, so it is tested as well); on the raw side the same split.
enum Measure : std::size_t { kProviderImport, kProviderImportFree, kRawOp, kRawOpCleanup, kMeasures };
constexpr const char* kMeasureNames[kMeasures] = {"provider import", "provider import+free", "raw op",
                                                  "raw op+cleanup"};
constexpr const char* kMeasureKeys[kMeasures] = {"provider_import", "provider_import_free", "raw", "raw_cleanup"};

struct ClassSamples {
  std::array<std::vector<double>, kMeasures> ns;
  std::size_t provider_refused = 0, raw_refused = 0, raw_derive_refused = 0;
  std::uint64_t calls_min = UINT64_MAX, calls_max = 0;
};
using Samples = std::array<ClassSamples, kCtClasses>;

void record_provider(ClassSamples& c, const Timing& t) {
  c.ns[kProviderImport].push_back(static_cast<double>(t.op_ns));
  c.ns[kProviderImportFree].push_back(static_cast<double>(t.op_ns + t.cleanup_ns));
  c.provider_refused += t.rejected ? 1 : 0;
  c.calls_min = std::min(c.calls_min, t.calls);
  c.calls_max = std::max(c.calls_max, t.calls);
}

void record_raw(ClassSamples& c, const Timing& t) {
  c.ns[kRawOp].push_back(static_cast<double>(t.op_ns));
  c.ns[kRawOpCleanup].push_back(static_cast<double>(t.op_ns + t.cleanup_ns));
  c.raw_refused += t.rejected ? 1 : 0;
  c.raw_derive_refused += t.derive_refused ? 1 : 0;
}

// Sessions, caches and the pool warmed by every class on both sides first.
void warm_up(RsaTimingTarget& target, const CiphertextSets& sets, std::size_t rounds) {
  for (std::size_t i = 0; i < rounds; ++i) {
    for (const auto& set : sets) {
      target.provider_import(set[i % set.size()]);
      target.raw_import(set[i % set.size()]);
    }
  }
}

// The whole schedule, (class, side) `samples` times each, shuffled: dudect's
// random interleaving of the classes, and the provider next to its raw floor.
Samples measure(RsaTimingTarget& target, const CiphertextSets& sets, std::size_t samples, std::mt19937_64& rng) {
  std::vector<std::uint8_t> schedule;
  schedule.reserve(2 * kCtClasses * samples);
  for (std::uint8_t entry = 0; entry < 2 * kCtClasses; ++entry) schedule.insert(schedule.end(), samples, entry);
  std::shuffle(schedule.begin(), schedule.end(), rng);
  Samples out;
  std::array<std::size_t, 2 * kCtClasses> next{};
  const std::size_t tenth = std::max<std::size_t>(schedule.size() / 10, 1);
  for (std::size_t i = 0; i < schedule.size(); ++i) {
    const std::uint8_t entry = schedule[i];
    const std::size_t cls = entry % kCtClasses;
    const bool provider = entry < kCtClasses;
    const CtBytes& ciphertext = sets[cls][next[entry]++];
    if (provider) {
      record_provider(out[cls], target.provider_import(ciphertext));
    } else {
      record_raw(out[cls], target.raw_import(ciphertext));
    }
    if ((i + 1) % tenth == 0) std::fprintf(stderr, "  %s: %zu%%\r", target.name().c_str(), (i + 1) * 100 / schedule.size());
  }
  std::fprintf(stderr, "\n");
  return out;
}

struct PairResult {
  std::size_t a, b;
  std::array<CroppedT, kMeasures> t;
  ExcessT excess;  // provider import against raw op: what sslp11 adds to the token's own difference
};

std::vector<PairResult> analyse(const Samples& s) {
  std::vector<PairResult> pairs;
  for (std::size_t a = 0; a < kCtClasses; ++a) {
    for (std::size_t b = a + 1; b < kCtClasses; ++b) {
      PairResult p{a, b, {}, {}};
      for (std::size_t m = 0; m < kMeasures; ++m) p.t[m] = max_t(s[a].ns[m], s[b].ns[m], default_crops());
      p.excess = max_excess_t(s[a].ns[kProviderImport], s[b].ns[kProviderImport], s[a].ns[kRawOp], s[b].ns[kRawOp],
                              default_crops());
      pairs.push_back(p);
    }
  }
  return pairs;
}

const char* verdict(double t) { return std::fabs(t) < kLeakThreshold ? "PASS" : "LEAK"; }

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

struct Run {
  std::string token, path, suite, load_before, load_after;
  std::size_t samples = 0;
  std::uint64_t seed = 0;
  Samples samples_by_class;
  std::vector<PairResult> pairs;
};

void print_table(const Run& r) {
  std::printf("\n== %s (%s path), %s, RSA-2048 server key: %zu samples per class and side, interleaved; seed %llu\n",
              r.token.c_str(), r.path.c_str(), r.suite.c_str(), r.samples, static_cast<unsigned long long>(r.seed));
  std::printf("   load average before %s, after %s\n", r.load_before.c_str(), r.load_after.c_str());
  std::printf("%-26s", "");
  for (std::size_t c = 0; c < kCtClasses; ++c) std::printf(" %14s", ct_class_name(c));
  std::printf("\n%-26s", "samples");
  for (const auto& c : r.samples_by_class) std::printf(" %14zu", c.ns[kProviderImport].size());
  for (std::size_t m = 0; m < kMeasures; ++m) {
    std::printf("\n%-26s", (std::string("median ns ") + kMeasureNames[m]).c_str());
    for (const auto& c : r.samples_by_class) std::printf(" %14.0f", median(c.ns[m]));
  }
  std::printf("\n%-26s", "provider refused");
  for (const auto& c : r.samples_by_class) std::printf(" %14zu", c.provider_refused);
  std::printf("\n%-26s", r.path == "native" ? "raw: C_UnwrapKey refused" : "raw: C_Decrypt refused");
  for (const auto& c : r.samples_by_class) std::printf(" %14zu", c.raw_refused);
  if (r.path == "native") {
    std::printf("\n%-26s", "raw: derive refused");
    for (const auto& c : r.samples_by_class) std::printf(" %14zu", c.raw_derive_refused);
  }
  std::printf("\n%-26s", "provider calls (imp+free)");
  for (const auto& c : r.samples_by_class) {
    char calls[32];
    if (c.calls_min == c.calls_max) {
      std::snprintf(calls, sizeof calls, "%llu", static_cast<unsigned long long>(c.calls_min));
    } else {
      std::snprintf(calls, sizeof calls, "%llu-%llu", static_cast<unsigned long long>(c.calls_min),
                    static_cast<unsigned long long>(c.calls_max));
    }
    std::printf(" %14s", calls);
  }
  std::printf("\n\nWelch's t, the largest |t| over crops at none/p50/p75/p90/p95/p99 (crop shown; t > 0: first class "
              "slower).\n|t| < %.1f: no detectable difference (PASS), else LEAK.\n",
              kLeakThreshold);
  std::printf("Last column: sslp11's excess, the provider's difference minus the raw sequence's (ns, mean), and its t.\n");
  std::printf("%-28s", "pair");
  for (const char* name : kMeasureNames) std::printf(" %24s", name);
  std::printf(" %32s\n", "sslp11 excess (import - raw)");
  for (const PairResult& p : r.pairs) {
    std::printf("%-28s", (std::string(ct_class_name(p.a)) + " vs " + ct_class_name(p.b)).c_str());
    for (const CroppedT& t : p.t) {
      char cell[48];
      std::snprintf(cell, sizeof cell, "%+9.2f p%-3.0f %s", t.t, t.crop, verdict(t.t));
      std::printf(" %24s", cell);
    }
    char cell[64];
    std::snprintf(cell, sizeof cell, "%+8.0f ns %+7.2f p%-3.0f %s", p.excess.ns, p.excess.t, p.excess.crop,
                  verdict(p.excess.t));
    std::printf(" %32s\n", cell);
  }
  std::fflush(stdout);
}

void print_json(const Run& r) {
  std::ostringstream j;
  j.setf(std::ios::fixed);
  j.precision(2);
  j << "RSA_TIMING_JSON {\"token\":\"" << r.token << "\",\"path\":\"" << r.path << "\",\"suite\":\"" << r.suite
    << "\",\"samples_per_class\":" << r.samples << ",\"seed\":" << r.seed << ",\"load_before\":\"" << r.load_before
    << "\",\"load_after\":\"" << r.load_after << "\",\"threshold\":" << kLeakThreshold << ",\"classes\":{";
  for (std::size_t c = 0; c < kCtClasses; ++c) {
    const ClassSamples& s = r.samples_by_class[c];
    j << (c ? "," : "") << "\"" << ct_class_name(c) << "\":{\"n\":" << s.ns[kProviderImport].size();
    for (std::size_t m = 0; m < kMeasures; ++m) j << ",\"" << kMeasureKeys[m] << "_median_ns\":" << median(s.ns[m]);
    j << ",\"provider_refused\":" << s.provider_refused << ",\"raw_refused\":" << s.raw_refused
      << ",\"raw_derive_refused\":" << s.raw_derive_refused
      << ",\"provider_calls_min\":" << s.calls_min << ",\"provider_calls_max\":" << s.calls_max << "}";
  }
  j << "},\"pairs\":[";
  for (std::size_t i = 0; i < r.pairs.size(); ++i) {
    const PairResult& p = r.pairs[i];
    j << (i ? "," : "") << "{\"a\":\"" << ct_class_name(p.a) << "\",\"b\":\"" << ct_class_name(p.b) << "\"";
    for (std::size_t m = 0; m < kMeasures; ++m) {
      const CroppedT& t = p.t[m];
      j << ",\"" << kMeasureKeys[m] << "\":{\"t\":" << t.t << ",\"crop\":" << t.crop << ",\"uncropped_t\":"
        << t.uncropped_t << ",\"verdict\":\"" << verdict(t.t) << "\"}";
    }
    j << ",\"excess\":{\"ns\":" << p.excess.ns << ",\"t\":" << p.excess.t << ",\"crop\":" << p.excess.crop
      << ",\"verdict\":\"" << verdict(p.excess.t) << "\"}}";
  }
  j << "]}";
  std::printf("%s\n", j.str().c_str());
  std::fflush(stdout);
}

Run run_token(const std::string& token, const Options& o) {
  Run r;
  r.token = token;
  r.samples = o.samples;
  r.seed = o.seed;
  RsaTimingTarget target(token);
  r.path = target.native() ? "native" : "composed";
  r.suite = target.suite_name();
  const CiphertextSets sets = make_ciphertexts(target.server_public(), o.samples, target.client_version());
  warm_up(target, sets, std::min(o.warmup, o.samples));
  std::mt19937_64 rng(o.seed);
  r.load_before = load_average();
  r.samples_by_class = measure(target, sets, o.samples, rng);
  r.load_after = load_average();
  r.pairs = analyse(r.samples_by_class);
  return r;
}

bool any_leak(const Run& r) {
  for (const PairResult& p : r.pairs) {
    if (std::fabs(p.t[kProviderImport].t) >= kLeakThreshold || std::fabs(p.t[kProviderImportFree].t) >= kLeakThreshold)
      return true;
  }
  return false;
}

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&a] { return a.substr(a.find('=') + 1); };
    try {
      if (a.rfind("--samples=", 0) == 0) {
        o.samples = std::stoul(value());
      } else if (a.rfind("--warmup=", 0) == 0) {
        o.warmup = std::stoul(value());
      } else if (a.rfind("--seed=", 0) == 0) {
        o.seed = std::stoull(value());
      } else if (a.rfind("--tokens=", 0) == 0) {
        o.tokens = split(value());
      } else if (a == "--fail-on-leak") {
        o.fail_on_leak = true;
      } else {
        std::fprintf(stderr, "unknown argument %s\n", a.c_str());
        return false;
      }
    } catch (const std::exception&) {
      std::fprintf(stderr, "bad value in %s\n", a.c_str());
      return false;
    }
  }
  if (o.samples < 2) {
    std::fprintf(stderr, "--samples must be at least 2\n");
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: %s [--samples=N] [--tokens=softhsm,nss] [--warmup=N] [--seed=S] [--fail-on-leak]\n", argv[0]);
    return 2;
  }
  int status = 0;
  for (const std::string& token : o.tokens) {
    try {
      const Run r = run_token(token, o);
      print_table(r);
      print_json(r);
      if (o.fail_on_leak && any_leak(r)) status = std::max(status, 3);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: %s\n", token.c_str(), e.what());
      status = 1;
    }
  }
  return status;
}
