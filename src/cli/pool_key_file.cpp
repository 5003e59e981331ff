#include "cli/pool_key_file.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>

#include "cli/errors.h"

namespace sslp11::cli {

namespace {

constexpr std::size_t kHexDigits = 2 * p11::pool_key::kKeyBytes;

// Closes the file on every exit.
using File = std::unique_ptr<FILE, decltype(&std::fclose)>;

}  // namespace

void read_pool_key_file(const std::string& path, PoolKeyValue& value) {
  const std::string what = "pool key file '" + path + "'";
  // O_NONBLOCK: opening a FIFO must not hang; fstat then refuses it.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) throw UsageError("cannot open " + what + ": " + std::strerror(errno));
  const File file(::fdopen(fd, "r"), &std::fclose);
  if (!file) {
    ::close(fd);
    throw UsageError("cannot open " + what + ": " + std::strerror(errno));
  }
  ::setvbuf(file.get(), nullptr, _IONBF, 0);  // no stdio buffer holding the key's digits
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw UsageError("cannot stat " + what + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw UsageError(what + " is not a regular file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw UsageError(what + " has mode " + mode + ", which gives group or others access to it; run: chmod 600 '" +
                     path + "'");
  }
  p11::SecretArray<kHexDigits + 3> text;  // the digits, "\r\n" and one byte to see a longer line
  const std::size_t n = std::fread(text.data(), 1, text.size(), file.get());
  if (std::ferror(file.get())) throw UsageError("cannot read " + what);
  std::string_view line(reinterpret_cast<const char*>(text.data()), n);
  line = line.substr(0, line.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  bool hex = line.size() == kHexDigits;
  if (hex) {
    // OpenSSL's hex decoder, into the caller's wiped buffer (no copy of its own).
    text.data()[kHexDigits] = 0;
    std::size_t decoded = 0;
    hex = OPENSSL_hexstr2buf_ex(value.data(), value.size(), &decoded, reinterpret_cast<const char*>(text.data()),
                                '\0') == 1 &&
          decoded == value.size();
  }
  if (!hex) {
    throw UsageError(what + " does not hold a pool key: its first line must be 64 hex digits (openssl rand -hex 32)");
  }
}

}  // namespace sslp11::cli
