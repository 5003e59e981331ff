#include "cli/selftest_prf.h"

#include <algorithm>
#include <vector>

#include "pkcs11/secure_buffer.h"

namespace sslp11::cli::selftest {

namespace {

constexpr std::array<std::uint32_t, 64> kRoundConstants{
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

constexpr std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

}  // namespace

Sha256::~Sha256() {
  p11::wipe(h_.data(), sizeof h_);
  p11::wipe(buffer_.data(), buffer_.size());
}

void Sha256::reset() noexcept {
  h_ = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  buffered_ = 0;
  total_ = 0;
}

void Sha256::block(const std::uint8_t* p) noexcept {
  std::array<std::uint32_t, 64> w{};
  for (int i = 0; i < 16; ++i) {
    w[i] = (std::uint32_t{p[4 * i]} << 24) | (std::uint32_t{p[4 * i + 1]} << 16) | (std::uint32_t{p[4 * i + 2]} << 8) |
           std::uint32_t{p[4 * i + 3]};
  }
  for (int i = 16; i < 64; ++i) {
    const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4], f = h_[5], g = h_[6], h = h_[7];
  for (int i = 0; i < 64; ++i) {
    const std::uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    const std::uint32_t ch = (e & f) ^ (~e & g);
    const std::uint32_t t1 = h + s1 + ch + kRoundConstants[i] + w[i];
    const std::uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    const std::uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
    const std::uint32_t t2 = s0 + maj;
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h_[0] += a;
  h_[1] += b;
  h_[2] += c;
  h_[3] += d;
  h_[4] += e;
  h_[5] += f;
  h_[6] += g;
  h_[7] += h;
  p11::wipe(w.data(), sizeof w);
}

void Sha256::update(std::span<const std::uint8_t> data) noexcept {
  total_ += data.size();
  std::size_t i = 0;
  if (buffered_ != 0) {
    const std::size_t take = std::min(data.size(), buffer_.size() - buffered_);
    std::copy_n(data.begin(), take, buffer_.begin() + static_cast<std::ptrdiff_t>(buffered_));
    buffered_ += take;
    i = take;
    if (buffered_ < buffer_.size()) return;
    block(buffer_.data());
    buffered_ = 0;
  }
  for (; i + 64 <= data.size(); i += 64) block(data.data() + i);
  std::copy(data.begin() + static_cast<std::ptrdiff_t>(i), data.end(), buffer_.begin());
  buffered_ = data.size() - i;
}

Sha256Digest Sha256::finish() noexcept {
  const std::uint64_t bits = total_ * 8;
  static constexpr std::uint8_t kPad[64] = {0x80};
  const std::size_t pad = buffered_ < 56 ? 56 - buffered_ : 120 - buffered_;
  update({kPad, pad});
  std::uint8_t length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<std::uint8_t>(bits >> (56 - 8 * i));
  update({length, 8});
  Sha256Digest out;
  for (int i = 0; i < 8; ++i) {
    out[4 * i] = static_cast<std::uint8_t>(h_[i] >> 24);
    out[4 * i + 1] = static_cast<std::uint8_t>(h_[i] >> 16);
    out[4 * i + 2] = static_cast<std::uint8_t>(h_[i] >> 8);
    out[4 * i + 3] = static_cast<std::uint8_t>(h_[i]);
  }
  reset();
  return out;
}

Sha256Digest sha256(std::span<const std::uint8_t> data) noexcept {
  Sha256 h;
  h.update(data);
  return h.finish();
}

Sha256Digest hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data) noexcept {
  std::array<std::uint8_t, 64> block{};
  if (key.size() > block.size()) {
    const Sha256Digest k = sha256(key);
    std::copy(k.begin(), k.end(), block.begin());
  } else {
    std::copy(key.begin(), key.end(), block.begin());
  }
  std::array<std::uint8_t, 64> pad{};
  Sha256 inner;
  for (std::size_t i = 0; i < pad.size(); ++i) pad[i] = block[i] ^ 0x36;
  inner.update(pad);
  inner.update(data);
  Sha256Digest inner_digest = inner.finish();
  Sha256 outer;
  for (std::size_t i = 0; i < pad.size(); ++i) pad[i] = block[i] ^ 0x5c;
  outer.update(pad);
  outer.update(inner_digest);
  const Sha256Digest out = outer.finish();
  p11::wipe(block.data(), block.size());
  p11::wipe(pad.data(), pad.size());
  p11::wipe(inner_digest.data(), inner_digest.size());
  return out;
}

void tls12_prf_sha256(std::span<const std::uint8_t> secret, std::string_view label,
                      std::span<const std::uint8_t> seed, std::span<std::uint8_t> out) {
  // A(0) = label || seed; A(i) = HMAC(secret, A(i-1)); out = HMAC(secret, A(i) || label || seed) ...
  std::vector<std::uint8_t> label_seed(label.begin(), label.end());
  label_seed.insert(label_seed.end(), seed.begin(), seed.end());
  Sha256Digest a = hmac_sha256(secret, label_seed);
  std::vector<std::uint8_t> input(a.size() + label_seed.size());
  std::size_t done = 0;
  while (done < out.size()) {
    std::copy(a.begin(), a.end(), input.begin());
    std::copy(label_seed.begin(), label_seed.end(), input.begin() + static_cast<std::ptrdiff_t>(a.size()));
    Sha256Digest chunk = hmac_sha256(secret, input);
    const std::size_t take = std::min(chunk.size(), out.size() - done);
    std::copy_n(chunk.begin(), take, out.begin() + static_cast<std::ptrdiff_t>(done));
    done += take;
    p11::wipe(chunk.data(), chunk.size());
    a = hmac_sha256(secret, a);
  }
  p11::wipe(a.data(), a.size());
  p11::wipe(input.data(), input.size());
}

}  // namespace sslp11::cli::selftest
