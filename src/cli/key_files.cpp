#include "cli/key_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cli/errors.h"
#include "cli/openssl_checks.h"
#include "cli/pem.h"

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

bool is_private_key_label(const std::string& label) {
  return label == "PRIVATE KEY" || label == "RSA PRIVATE KEY" || label == "EC PRIVATE KEY";
}

std::vector<pem::Block> decode_pem(const p11::SecureBytes& text, const std::string& path) {
  try {
    return pem::decode_all(text.span());
  } catch (const pem::Error& e) {
    throw UsageError("'" + path + "': " + e.what());
  }
}

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
  p11::SecureBytes raw = read_file_wiped(path);
  if (pem::looks_like_pem(raw.span())) {
    auto blocks = decode_pem(raw, path);
    raw.clear();
    for (auto& block : blocks) {
      if (block.label == "ENCRYPTED PRIVATE KEY" || (is_private_key_label(block.label) && block.has_headers)) {
        throw UsageError("'" + path +
                         "' holds an encrypted private key; decrypt it first (openssl pkey -in KEY -out "
                         "PLAIN.pem) and wipe the plain copy after the import");
      }
      if (is_private_key_label(block.label)) {
        der_ = std::move(block.der);
        break;
      }
    }
    if (der_.empty()) throw UsageError("'" + path + "' has no PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block");
  } else {
    der_ = std::move(raw);
  }
  try {
    key_ = parse_private_key(der_.span());
  } catch (const der::Error& e) {
    throw UsageError("'" + path + "': " + e.what());
  }
  if (auto why = private_key_problem(der_.span())) throw UsageError("'" + path + "': " + *why + "; nothing imported");
}

CertificateFile::CertificateFile(const std::string& path) {
  p11::SecureBytes raw = read_file_wiped(path);
  if (pem::looks_like_pem(raw.span())) {
    const auto blocks = decode_pem(raw, path);
    for (const auto& block : blocks) {
      if (block.label != "CERTIFICATE") continue;
      if (der_.empty()) {
        der_.assign(block.der.data(), block.der.data() + block.der.size());
      } else {
        ++chain_rest_;
      }
    }
    if (der_.empty()) throw UsageError("'" + path + "' has no CERTIFICATE block");
  } else {
    der_.assign(raw.data(), raw.data() + raw.size());
  }
  try {
    cert_ = parse_certificate(der_);
  } catch (const der::Error& e) {
    throw UsageError("'" + path + "': " + e.what());
  }
  if (auto why = certificate_problem(der_)) throw UsageError("'" + path + "': " + *why + "; nothing imported");
}

}  // namespace sslp11::cli
