#include "bench/welch.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace sslp11::bench {

namespace {

struct MeanVar {
  double mean = 0, var = 0;
  std::size_t n = 0;
};

// Two passes (mean, then squared deviations): timings are ~1e6 ns with
// spreads of ~1e3 ns, where the one-pass sum-of-squares formula loses digits.
MeanVar mean_var(std::span<const double> x) {
  MeanVar m;
  m.n = x.size();
  if (m.n == 0) return m;
  double sum = 0;
  for (double v : x) sum += v;
  m.mean = sum / static_cast<double>(m.n);
  double sq = 0;
  for (double v : x) sq += (v - m.mean) * (v - m.mean);
  m.var = m.n > 1 ? sq / static_cast<double>(m.n - 1) : 0;
  return m;
}

std::vector<double> below(std::span<const double> x, double threshold) {
  std::vector<double> out;
  out.reserve(x.size());
  for (double v : x) {
    if (v <= threshold) out.push_back(v);
  }
  return out;
}

double threshold_of(std::span<const double> a, std::span<const double> b, double crop) {
  std::vector<double> pooled(a.begin(), a.end());
  pooled.insert(pooled.end(), b.begin(), b.end());
  std::sort(pooled.begin(), pooled.end());
  return percentile_of_sorted(pooled, crop);
}

ExcessT excess_t(std::span<const double> pa, std::span<const double> pb, std::span<const double> ra,
                 std::span<const double> rb) {
  const MeanVar a = mean_var(pa), b = mean_var(pb), c = mean_var(ra), d = mean_var(rb);
  ExcessT out;
  if (a.n < 2 || b.n < 2 || c.n < 2 || d.n < 2) return out;
  const auto n = [](const MeanVar& m) { return static_cast<double>(m.n); };
  out.ns = (a.mean - b.mean) - (c.mean - d.mean);
  const double se = std::sqrt(a.var / n(a) + b.var / n(b) + c.var / n(c) + d.var / n(d));
  out.t = se > 0 ? out.ns / se : 0;
  return out;
}

}  // namespace

double welch_t(std::span<const double> a, std::span<const double> b) {
  const MeanVar ma = mean_var(a), mb = mean_var(b);
  if (ma.n < 2 || mb.n < 2) return 0;
  const double se = std::sqrt(ma.var / static_cast<double>(ma.n) + mb.var / static_cast<double>(mb.n));
  return se > 0 ? (ma.mean - mb.mean) / se : 0;
}

double percentile_of_sorted(std::span<const double> sorted, double p) {
  if (sorted.empty()) return 0;
  const double pos = std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

double median(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  return percentile_of_sorted(samples, 50);
}

CroppedT max_t(std::span<const double> a, std::span<const double> b, std::span<const double> crops) {
  CroppedT out;
  out.uncropped_t = out.t = welch_t(a, b);
  out.n_a = a.size();
  out.n_b = b.size();
  for (double crop : crops) {
    if (crop >= 100) continue;
    const double threshold = threshold_of(a, b, crop);
    const std::vector<double> ca = below(a, threshold), cb = below(b, threshold);
    const double t = welch_t(ca, cb);
    if (std::fabs(t) > std::fabs(out.t)) {
      out.t = t;
      out.crop = crop;
      out.n_a = ca.size();
      out.n_b = cb.size();
    }
  }
  return out;
}

ExcessT max_excess_t(std::span<const double> pa, std::span<const double> pb, std::span<const double> ra,
                     std::span<const double> rb, std::span<const double> crops) {
  ExcessT out = excess_t(pa, pb, ra, rb);
  for (double crop : crops) {
    if (crop >= 100) continue;
    const double tp = threshold_of(pa, pb, crop), tr = threshold_of(ra, rb, crop);
    ExcessT e = excess_t(below(pa, tp), below(pb, tp), below(ra, tr), below(rb, tr));
    if (std::fabs(e.t) > std::fabs(out.t)) {
      e.crop = crop;
      out = e;
    }
  }
  return out;
}

std::span<const double> default_crops() {
  static constexpr std::array<double, 6> kCrops{100, 50, 75, 90, 95, 99};
  return kCrops;
}

}  // namespace sslp11::bench
