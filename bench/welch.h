// Welch's t-test as dudect uses it (Reparaz, Balasch, Verbauwhede, "Dude, is
// my code constant time?", DATE 2017): two classes of timings, the t
// statistic of their means, also after cropping both at percentiles of the
// pooled timings (a long tail from other jobs on the machine hides a shift of
// the bulk; cropping removes the tail), and the largest |t| over the crops.
// |t| above kLeakThreshold (4.5, dudect's) means the classes are told apart.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace sslp11::bench {

inline constexpr double kLeakThreshold = 4.5;

// Welch's t of a against b: (mean a - mean b) / sqrt(var a / n a + var b / n b),
// with the unbiased sample variances. 0 when either class has fewer than two
// samples or both have no variance at all.
double welch_t(std::span<const double> a, std::span<const double> b);

// Percentile p (0..100) of sorted samples, by linear interpolation.
double percentile_of_sorted(std::span<const double> sorted, double p);
double median(std::vector<double> samples);

struct CroppedT {
  double t = 0;             // signed t of the crop with the largest |t|
  double crop = 100;        // that crop's percentile (100: no crop)
  double uncropped_t = 0;   // t over every sample
  std::size_t n_a = 0, n_b = 0;  // samples in that crop
};

// dudect's "max t": welch_t without cropping and after dropping, from both
// classes, the samples above each of `crops` (percentiles of a and b pooled).
CroppedT max_t(std::span<const double> a, std::span<const double> b, std::span<const double> crops);

// sslp11's own share of a difference between two classes: the provider's
// difference of means minus the raw token sequence's, (pa - pb) - (ra - rb),
// in ns, with its t (the four sets are independent samples, so the standard
// errors add). A token that itself takes longer on one class shows on both
// sides and cancels here; what the provider adds does not. Each side is
// cropped at the same percentile of its own pooled pair; the largest |t| wins.
struct ExcessT {
  double t = 0;
  double ns = 0;
  double crop = 100;
};
ExcessT max_excess_t(std::span<const double> pa, std::span<const double> pb, std::span<const double> ra,
                     std::span<const double> rb, std::span<const double> crops);

// The crops the timing tool uses: none, then the 50th..99th percentile.
std::span<const double> default_crops();

}  // namespace sslp11::bench
