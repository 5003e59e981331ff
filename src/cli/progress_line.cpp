#include "cli/progress_line.h"

#include <unistd.h>

#include <iostream>

namespace sslp11::cli {

ProgressLine::ProgressLine(bool enabled) : enabled_(enabled && ::isatty(STDERR_FILENO) == 1) {}

bool ProgressLine::due() const {
  return enabled_ && std::chrono::steady_clock::now() - last_ >= std::chrono::milliseconds(100);
}

void ProgressLine::update(std::string_view text) {
  if (!enabled_) return;
  last_ = std::chrono::steady_clock::now();
  draw(text);
}

void ProgressLine::finish(std::string_view text) {
  if (!enabled_) return;
  draw(text);
  std::cerr << "\n" << std::flush;
  width_ = 0;
  last_ = {};
}

void ProgressLine::draw(std::string_view text) {
  std::cerr << "\r" << text;
  if (text.size() < width_) std::cerr << std::string(width_ - text.size(), ' ');
  std::cerr << std::flush;
  width_ = text.size();
}

}  // namespace sslp11::cli
