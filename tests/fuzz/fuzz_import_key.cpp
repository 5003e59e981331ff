// SslImportKey with every blob type it takes. Input: selector byte, then the
// blob. Selector (low 3 bits):
//   0 BCRYPT_ECCPUBLIC_BLOB as given        1 ECC with the magic forced to
//   2 BCRYPT_DH_PUBLIC_BLOB                   P-256/384/521 (bits 3-4)
//   3 BCRYPT_RSAPUBLIC_BLOB                 4 BCRYPT_OPAQUE_KEY_BLOB as given
//   5 an opaque blob exported now from a live master or session key (bit 3),
//     one byte XORed (u16 position, u8 mask; mask 0 = unaltered), or cut to
//     or extended by (u8) bytes (bit 4)
//   6 an unknown blob type string           7 NULL blob / zero length
// Checked: never a crash; an altered opaque blob is refused with NTE_BAD_DATA
// and an unaltered one imported; every handle made is freed.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "abi/handle_table.h"
#include "fuzz_session.h"
#include "fuzz_token.h"

using namespace sslp11::fuzz;

namespace {

constexpr DWORD kSuite = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
constexpr std::uint32_t kCurveMagics[] = {BCRYPT_ECDH_PUBLIC_P256_MAGIC, BCRYPT_ECDH_PUBLIC_P384_MAGIC,
                                          BCRYPT_ECDH_PUBLIC_P521_MAGIC, BCRYPT_ECDH_PUBLIC_GENERIC_MAGIC};

std::vector<std::uint8_t> export_opaque(NCRYPT_KEY_HANDLE key) {
  const NCRYPT_PROV_HANDLE p = fuzz_provider();
  DWORD n = 0;
  require_ok(SslExportKey(p, key, BCRYPT_OPAQUE_KEY_BLOB, nullptr, 0, &n, 0), "SslExportKey (opaque size)");
  std::vector<std::uint8_t> blob(n);
  require_ok(SslExportKey(p, key, BCRYPT_OPAQUE_KEY_BLOB, blob.data(), n, &n, 0), "SslExportKey (opaque)");
  return blob;
}

SECURITY_STATUS import(LPCWSTR type, std::vector<std::uint8_t>& blob) {
  NCRYPT_KEY_HANDLE key = 0;
  const SECURITY_STATUS status =
      SslImportKey(fuzz_provider(), &key, type, blob.empty() ? nullptr : blob.data(), static_cast<DWORD>(blob.size()), 0);
  if ((status == 0) != (key != 0)) finding("a handle without success, or success without a handle", status);
  if (key != 0 && SslFreeObject(key, 0) != 0) finding("the imported handle does not free", status);
  return status;
}

}  // namespace

// Live handles after set-up: every input must leave exactly these (a handle
// left in the table is reachable, so LeakSanitizer would not see it).
std::size_t handles_at_start = 0;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)fuzz_session(kSuite);
  handles_at_start = sslp11::abi::HandleTable::instance().size();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  InputReader in(data, size);
  const std::uint8_t selector = in.byte();
  switch (selector & 7) {
    case 0: {
      auto blob = in.rest();
      (void)import(BCRYPT_ECCPUBLIC_BLOB, blob);
      break;
    }
    case 1: {
      auto blob = in.rest();
      if (blob.size() >= 4) {
        const std::uint32_t magic = kCurveMagics[(selector >> 3) & 3];
        std::memcpy(blob.data(), &magic, 4);
      }
      (void)import(BCRYPT_ECCPUBLIC_BLOB, blob);
      break;
    }
    case 2: {
      auto blob = in.rest();
      (void)import(BCRYPT_DH_PUBLIC_BLOB, blob);
      break;
    }
    case 3: {
      auto blob = in.rest();
      (void)import(BCRYPT_RSAPUBLIC_BLOB, blob);
      break;
    }
    case 4: {
      auto blob = in.rest();
      (void)import(BCRYPT_OPAQUE_KEY_BLOB, blob);
      break;
    }
    case 5: {
      const FuzzSession& s = fuzz_session(kSuite);
      auto blob = export_opaque((selector & 8) ? s.client_write : s.client_master);
      bool altered = false;
      if (selector & 16) {
        const std::size_t n = in.byte();
        if (selector & 32) {
          const std::size_t cut = n % blob.size();
          blob.resize(blob.size() - cut);
          altered = cut != 0;
        } else {
          const auto tail = in.bytes(n);
          blob.insert(blob.end(), tail.begin(), tail.end());
          altered = !tail.empty();
        }
      } else {
        const std::uint16_t position = in.u16();
        const std::uint8_t mask = in.byte();
        blob[position % blob.size()] ^= mask;
        altered = mask != 0;
      }
      const SECURITY_STATUS status = import(BCRYPT_OPAQUE_KEY_BLOB, blob);
      if (altered ? status != NTE_BAD_DATA : status != 0) {
        finding(altered ? "an altered opaque blob was not refused with NTE_BAD_DATA" : "a genuine opaque blob was refused", status);
      }
      break;
    }
    case 6: {
      auto blob = in.rest();
      (void)import(u"OpaqueKeyBlobX", blob);
      break;
    }
    default: {
      std::vector<std::uint8_t> empty;
      (void)import(BCRYPT_ECCPUBLIC_BLOB, empty);
      (void)import(BCRYPT_OPAQUE_KEY_BLOB, empty);
      break;
    }
  }
  if (sslp11::abi::HandleTable::instance().size() != handles_at_start) finding("an input left a handle behind", 0);
  return 0;
}
