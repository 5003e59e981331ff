// Scratch directories and environment variables for the configuration tests:
// both put back as they were when the test ends.
#pragma once

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "pkcs11/secure_buffer.h"

namespace sslp11::config::test {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sslp11-config-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  const std::filesystem::path& path() const { return path_; }

  // Writes `content` to path()/relative (creating directories) with `mode`.
  std::filesystem::path write(const std::string& relative, std::string_view content, mode_t mode = 0600) const {
    const auto file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    {
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      out << content;
    }
    if (::chmod(file.c_str(), mode) != 0) throw std::runtime_error("chmod failed");
    return file;
  }

 private:
  std::filesystem::path path_;
};

// Saves the variables it touches; restores (or unsets) them on destruction.
class EnvGuard {
 public:
  EnvGuard() = default;
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;
  ~EnvGuard() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }

  void set(const std::string& name, const std::string& value) {
    save(name);
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  void unset(const std::string& name) {
    save(name);
    ::unsetenv(name.c_str());
  }

 private:
  void save(const std::string& name) {
    if (saved_.count(name) != 0) return;
    const char* v = std::getenv(name.c_str());
    saved_[name] = v ? std::optional<std::string>(v) : std::nullopt;
  }

  std::map<std::string, std::optional<std::string>> saved_;
};

inline std::string pin_text(const p11::Pin& pin) {
  return std::string(reinterpret_cast<const char*>(pin.bytes().data()), pin.bytes().size());
}

}  // namespace sslp11::config::test
