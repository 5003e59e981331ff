#include "cli/pool_key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "cli/errors.h"

namespace sslp11::cli {

namespace {

constexpr std::size_t kHexDigits = 2 * p11::pool_key::kKeyBytes;

class Fd {
 public:
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void read_pool_key_file(const std::string& path, PoolKeyValue& value) {
  const std::string what = "pool key file '" + path + "'";
  // O_NONBLOCK: opening a FIFO must not hang; fstat then refuses it.
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) throw UsageError("cannot open " + what + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw UsageError("cannot stat " + what + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw UsageError(what + " is not a regular file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw UsageError(what + " has mode " + mode + ", which gives group or others access to it; run: chmod 600 '" +
                     path + "'");
  }
  p11::SecretArray<kHexDigits + 3> text;  // the digits, "\r\n" and one byte to see a longer line
  std::size_t n = 0;
  while (n < text.size()) {
    const ssize_t r = ::read(fd.get(), text.data() + n, text.size() - n);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw UsageError("cannot read " + what + ": " + std::strerror(errno));
    }
    if (r == 0) break;
    n += static_cast<std::size_t>(r);
  }
  std::string_view line(reinterpret_cast<const char*>(text.data()), n);
  line = line.substr(0, line.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  bool hex = line.size() == kHexDigits;
  for (std::size_t i = 0; hex && i < value.size(); ++i) {
    const int hi = nibble(line[2 * i]), lo = nibble(line[2 * i + 1]);
    hex = hi >= 0 && lo >= 0;
    value.data()[i] = static_cast<std::uint8_t>(hex ? (hi << 4) | lo : 0);
  }
  if (!hex) {
    throw UsageError(what + " does not hold a pool key: its first line must be 64 hex digits (openssl rand -hex 32)");
  }
}

}  // namespace sslp11::cli
