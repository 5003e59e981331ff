// SslDecryptPacket on a GCM and a CBC session key made once on a throwaway
// SoftHSM token. Input: selector byte, 64-bit sequence number, then either
//   * a raw record (selector bit 1 clear), or
//   * a flip position (u16), a flip mask (u8), a content type (u8) and a
//     plaintext: the plaintext is sealed with the peer's write key, one byte
//     is XORed with the mask, and the result is opened.
// Checked: never a crash; success only for an unaltered record, and then the
// plaintext comes back; a failure leaves a separate output buffer untouched
// (no plaintext escapes on failure). Selector bit 2 opens in place
// (pbOutput = pbInput + 5, or + 5 + explicit IV with bit 3), bits 4-5 make
// the output buffer NULL or short.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "abi/handle_table.h"
#include "fuzz_session.h"
#include "fuzz_token.h"

using namespace sslp11::fuzz;

namespace {

constexpr std::size_t kHeader = 5;
constexpr std::uint8_t kUntouched = 0xA5;

struct Suite {
  DWORD id;
  std::size_t explicit_iv;
};
constexpr Suite kSuites[] = {{TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 8}, {TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, 16}};

}  // namespace

// Live handles after set-up: every input must leave exactly these (a handle
// left in the table is reachable, so LeakSanitizer would not see it).
std::size_t handles_at_start = 0;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  for (const Suite& s : kSuites) (void)fuzz_session(s.id);
  handles_at_start = sslp11::abi::HandleTable::instance().size();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  InputReader in(data, size);
  const std::uint8_t selector = in.byte();
  const Suite& suite = kSuites[selector & 1];
  const FuzzSession& session = fuzz_session(suite.id);
  const NCRYPT_PROV_HANDLE p = fuzz_provider();
  const std::uint64_t sequence = in.u64();
  const bool sealed = selector & 2;

  std::vector<std::uint8_t> record, plaintext;
  std::uint8_t mask = 0;
  if (sealed) {
    const std::uint16_t position = in.u16();
    mask = in.byte();
    const DWORD type = 20 + in.byte() % 4;
    plaintext = in.bytes(16384);
    DWORD n = 0;
    (void)SslEncryptPacket(p, session.client_write, plaintext.data(), static_cast<DWORD>(plaintext.size()), nullptr, 0,
                           &n, sequence, type, 0);
    record.resize(n);
    require_ok(SslEncryptPacket(p, session.client_write, plaintext.data(), static_cast<DWORD>(plaintext.size()),
                                record.data(), n, &n, sequence, type, 0),
               "SslEncryptPacket");
    record[position % record.size()] ^= mask;
  } else {
    record = in.rest();
  }

  const bool in_place = selector & 4;
  const std::size_t offset = kHeader + ((selector & 8) ? suite.explicit_iv : 0);
  const int output_kind = (selector >> 4) & 3;  // 0, 3: enough room; 1: NULL; 2: short
  std::vector<std::uint8_t> separate(record.size() + 64, kUntouched);
  PBYTE out = separate.data();
  DWORD cb_out = static_cast<DWORD>(separate.size());
  if (in_place) {
    if (record.size() < offset) return 0;
    out = record.data() + offset;
    cb_out = static_cast<DWORD>(record.size() - offset);
  }
  if (output_kind == 1) {
    out = nullptr;
  } else if (output_kind == 2) {
    cb_out = cb_out / 2;
  }
  const std::vector<std::uint8_t> record_before = record;
  DWORD result = 0;
  const SECURITY_STATUS status = SslDecryptPacket(p, session.server_read, record.empty() ? nullptr : record.data(),
                                                  static_cast<DWORD>(record.size()), out, cb_out, &result, sequence, 0);
  if (status == 0) {
    if (out == nullptr || result > cb_out) finding("success with no output buffer, or more than it holds", status);
    if (!sealed && !in_place && result > record.size()) finding("more plaintext than record", status);
    // Only an unaltered record opens, and it opens to what was sealed.
    if (sealed && (mask != 0 || result != plaintext.size() || !std::equal(plaintext.begin(), plaintext.end(), out))) {
      finding("an altered record opened, or an unaltered one opened to something else", status);
    }
  } else {
    if (sealed && mask == 0 && (output_kind == 0 || output_kind == 3)) finding("an unaltered record was refused", status);
    if (!in_place && !std::all_of(separate.begin(), separate.end(), [](std::uint8_t b) { return b == kUntouched; })) {
      finding("a refused record wrote to the output buffer", status);
    }
    if (in_place && record != record_before) finding("a refused in-place record changed the buffer", status);
  }
  if (sslp11::abi::HandleTable::instance().size() != handles_at_start) finding("an input left a handle behind", 0);
  return 0;
}
