// One-time set-up for the fuzz targets that need a provider: a throwaway
// SoftHSMv2 token in a fresh temporary directory (SOFTHSM2_CONF points there,
// never at a system token), an sslp11 config naming it (SSLP11_CONF), and an
// open provider handle. No gtest: libFuzzer owns main().
#pragma once

#include <sslp11/sslprovider.h>

#include <cstdint>
#include <vector>

namespace sslp11::fuzz {

// Creates the token and opens the provider once per process; aborts with a
// message on stderr when the set-up itself fails (that is not a finding).
// The directory is removed at exit.
NCRYPT_PROV_HANDLE fuzz_provider();

// Aborts with `what` when `status` is not ERROR_SUCCESS (set-up steps only).
void require_ok(SECURITY_STATUS status, const char* what);

// A broken invariant: prints `what`, the status and sslp11's explanation of
// the last failing call, then aborts (libFuzzer saves the input).
[[noreturn]] void finding(const char* what, SECURITY_STATUS status);

// Reads fuzz input front to back; past the end every read yields zeros.
class InputReader {
 public:
  InputReader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
  std::uint16_t u16() { return static_cast<std::uint16_t>(byte() | byte() << 8); }
  std::uint32_t u32() { return u16() | static_cast<std::uint32_t>(u16()) << 16; }
  std::uint64_t u64() { return u32() | static_cast<std::uint64_t>(u32()) << 32; }
  // Up to `n` bytes (fewer at the end of the input).
  std::vector<std::uint8_t> bytes(std::size_t n) {
    const std::size_t k = n < size_ - at_ ? n : size_ - at_;
    std::vector<std::uint8_t> out(data_ + at_, data_ + at_ + k);
    at_ += k;
    return out;
  }
  std::vector<std::uint8_t> rest() { return bytes(size_ - at_); }
  std::size_t remaining() const { return size_ - at_; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

}  // namespace sslp11::fuzz
