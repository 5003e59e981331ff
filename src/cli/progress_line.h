// One status line on stderr that rewrites itself ("\r") while a long
// operation runs, shown only when stderr is a terminal: pipes, files and
// --json runs never see it.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace sslp11::cli {

class ProgressLine {
 public:
  // Shown only when `enabled` and stderr is a terminal.
  explicit ProgressLine(bool enabled);

  bool shown() const noexcept { return enabled_; }
  // True when the line is shown and was last drawn 100 ms ago or more: a
  // tight loop asks this on every turn and builds its text only then.
  bool due() const;
  // Replaces the line with `text`.
  void update(std::string_view text);
  // Replaces the line with `text` one last time and ends it with a newline.
  void finish(std::string_view text);

 private:
  void draw(std::string_view text);

  bool enabled_;
  std::size_t width_ = 0;  // of the text on screen, to blank what a shorter text leaves
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace sslp11::cli
