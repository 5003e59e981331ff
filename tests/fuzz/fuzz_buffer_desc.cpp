// Every Ssl* function that takes an NCryptBufferDesc (SslGenerateMasterKey,
// SslGenerateSessionKeys, SslGeneratePreMasterKey, SslImportMasterKey; the
// TLS 1.3 ones in sslprovider.h are declared but not implemented), called
// with a descriptor decoded from the input and otherwise valid handles (made
// once: provider, ephemeral keys, imported peer keys, master keys). Input:
//   selector  function (low 4 bits, mod 5), suite GCM/CBC (bit 4), NULL
//             descriptor (bit 5), client/server role (bit 6)
//   version   0: NCRYPTBUFFER_VERSION, else a raw u32 follows
//   count     u8 % 9; a flags byte: NULL pBuffers (bit 0), cBuffers lies 0 (bit 1)
//   buffers   per buffer: type (u8: index into the known types, or a raw u32
//             when >= 0xF0), length (u8, or u16 when the flag bit says so),
//             NULL pvBuffer (flag), then the bytes.
// Every result must be a status; keys made on success are freed (LeakSanitizer
// would otherwise report the handle table growing).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "abi/handle_table.h"
#include "fuzz_session.h"
#include "fuzz_token.h"

using namespace sslp11::fuzz;

namespace {

constexpr ULONG kKnownTypes[] = {NCRYPTBUFFER_EMPTY,
                                 NCRYPTBUFFER_DATA,
                                 NCRYPTBUFFER_SSL_CLIENT_RANDOM,
                                 NCRYPTBUFFER_SSL_SERVER_RANDOM,
                                 NCRYPTBUFFER_SSL_HIGHEST_VERSION,
                                 NCRYPTBUFFER_SSL_CLEAR_KEY,
                                 NCRYPTBUFFER_SSL_KEY_ARG_DATA,
                                 NCRYPTBUFFER_SSL_SESSION_HASH,
                                 NCRYPTBUFFER_PKCS_OID,
                                 NCRYPTBUFFER_ECC_CURVE_NAME};
constexpr DWORD kSuites[] = {TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256};

struct Descriptor {
  NCryptBufferDesc desc{};
  std::vector<NCryptBuffer> buffers;
  std::vector<std::vector<std::uint8_t>> storage;
  bool null_desc = false;
  NCryptBufferDesc* get() { return null_desc ? nullptr : &desc; }
};

void decode(InputReader& in, Descriptor& d, bool null_desc) {
  d.null_desc = null_desc;
  const std::uint8_t version = in.byte();
  d.desc.ulVersion = version == 0 ? NCRYPTBUFFER_VERSION : in.u32();
  const std::size_t count = in.byte() % 9;
  const std::uint8_t flags = in.byte();
  d.buffers.resize(count);
  d.storage.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t t = in.byte();
    const ULONG type = t >= 0xF0 ? in.u32() : kKnownTypes[t % std::size(kKnownTypes)];
    const std::uint8_t buffer_flags = in.byte();
    const std::size_t length = (buffer_flags & 1) ? in.u16() : in.byte();
    d.storage[i] = in.bytes(length);
    d.storage[i].resize(length);  // zero-fill what the input did not supply
    const bool null_pointer = buffer_flags & 2;
    d.buffers[i] = {static_cast<ULONG>(length), type, null_pointer ? nullptr : d.storage[i].data()};
  }
  d.desc.cBuffers = (flags & 2) ? 0 : static_cast<ULONG>(count);
  d.desc.pBuffers = (flags & 1) ? nullptr : d.buffers.data();
  if ((flags & 4) && count == 0) d.desc.pBuffers = d.buffers.data();  // zero count with a (dangling-free) pointer
}

void free_key(NCRYPT_KEY_HANDLE& h) {
  if (h != 0) (void)SslFreeObject(h, 0);
  h = 0;
}

}  // namespace

// Live handles after set-up: every input must leave exactly these (a handle
// left in the table is reachable, so LeakSanitizer would not see it).
std::size_t handles_at_start = 0;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  for (DWORD s : kSuites) (void)fuzz_session(s);
  handles_at_start = sslp11::abi::HandleTable::instance().size();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  InputReader in(data, size);
  const std::uint8_t selector = in.byte();
  const DWORD suite = kSuites[(selector >> 4) & 1];
  const FuzzSession& s = fuzz_session(suite);
  const NCRYPT_PROV_HANDLE p = fuzz_provider();
  Descriptor d;
  decode(in, d, selector & 0x20);
  std::vector<std::uint8_t> out(1024);
  DWORD result = 0;
  NCRYPT_KEY_HANDLE k1 = 0, k2 = 0, k3 = 0;
  const bool client = selector & 0x40;
  switch ((selector & 0x0F) % 5) {
    case 0:
      (void)SslGenerateMasterKey(p, client ? s.client_ephemeral : s.server_ephemeral,
                                 client ? s.client_peer : s.server_peer, &k1, TLS1_2_PROTOCOL_VERSION, suite, d.get(),
                                 nullptr, 0, &result, client ? NCRYPT_SSL_CLIENT_FLAG : NCRYPT_SSL_SERVER_FLAG);
      break;
    case 1:
      (void)SslGenerateSessionKeys(p, client ? s.client_master : s.server_master, &k1, &k2, d.get(), 0);
      break;
    case 2:
      // No RSA suite key here: the descriptor is read before the key is refused.
      (void)SslGeneratePreMasterKey(p, s.client_peer, &k1, TLS1_2_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_GCM_SHA256,
                                    d.get(), out.data(), static_cast<DWORD>(out.size()), &result,
                                    NCRYPT_SSL_CLIENT_FLAG);
      break;
    case 3: {
      std::uint8_t encrypted[256] = {1};
      (void)SslImportMasterKey(p, s.server_ephemeral, &k1, TLS1_2_PROTOCOL_VERSION, TLS_RSA_WITH_AES_128_GCM_SHA256,
                               d.get(), encrypted, sizeof encrypted, NCRYPT_SSL_SERVER_FLAG);
      break;
    }
    default:
      // The same descriptor twice in a row on the master-key path: a second
      // master from one ephemeral key pair.
      (void)SslGenerateMasterKey(p, s.client_ephemeral, s.client_peer, &k1, TLS1_2_PROTOCOL_VERSION, suite, d.get(),
                                 nullptr, 0, &result, NCRYPT_SSL_CLIENT_FLAG);
      if (k1 != 0) (void)SslGenerateSessionKeys(p, k1, &k2, &k3, d.get(), 0);
      break;
  }
  free_key(k1);
  free_key(k2);
  free_key(k3);
  if (sslp11::abi::HandleTable::instance().size() != handles_at_start) finding("an input left a handle behind", 0);
  return 0;
}
