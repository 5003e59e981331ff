#include "cli/key_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cli/errors.h"

namespace sslp11::cli {

namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace

p11::SecureBytes read_file_wiped(const std::string& path, std::size_t max_bytes) {
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) throw UsageError("cannot open '" + path + "': " + errno_text(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw UsageError("cannot stat '" + path + "': " + errno_text(errno));
  if (!S_ISREG(st.st_mode)) throw UsageError("'" + path + "' is not a regular file");
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    throw UsageError("'" + path + "' is larger than " + std::to_string(max_bytes) + " bytes");
  }
  // Read into a buffer of the final size so it never reallocates (and leaves no unwiped copy).
  p11::SecureBytes buffer(static_cast<std::size_t>(st.st_size));
  std::size_t n = 0;
  while (n < buffer.size()) {
    const ssize_t r = ::read(fd.get(), buffer.data() + n, buffer.size() - n);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw UsageError("cannot read '" + path + "': " + errno_text(errno));
    }
    if (r == 0) break;
    n += static_cast<std::size_t>(r);
  }
  if (n != buffer.size()) throw UsageError("'" + path + "' changed while it was read");
  if (n == 0) throw UsageError("'" + path + "' is empty");
  return buffer;
}

KeyFile::KeyFile(const std::string& path) {
  const p11::SecureBytes contents = read_file_wiped(path);
  try {
    key_ = parse_private_key(contents.span());
  } catch (const FormatError& e) {
    throw UsageError("'" + path + "': " + e.what() + "; nothing imported");
  }
}

CertificateFile::CertificateFile(const std::string& path) {
  const p11::SecureBytes contents = read_file_wiped(path);
  try {
    cert_ = parse_certificate(contents.span());
  } catch (const FormatError& e) {
    throw UsageError("'" + path + "': " + e.what() + "; nothing imported");
  }
}

}  // namespace sslp11::cli
