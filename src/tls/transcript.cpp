#include "tls/transcript.h"

#include "tls/messages.h"

#include <string>

namespace sslp11::tls {

namespace {

void hash_message(NCRYPT_PROV_HANDLE p, NCRYPT_HASH_HANDLE h, ByteView message) {
  Bytes copy(message.begin(), message.end());  // pbInput is not const in the C API
  check(SslHashHandshake(p, h, copy.data(), static_cast<DWORD>(copy.size()), 0), "SslHashHandshake");
}

}  // namespace

void Transcript::start(std::uint32_t suite) {
  check(SslCreateHandshakeHash(provider_.get(), hash_.out(), TLS1_2_PROTOCOL_VERSION, suite, 0),
        "SslCreateHandshakeHash");
  suite_ = suite;
  for (const Bytes& m : messages_) hash_message(provider_.get(), hash_.get(), m);
}

void Transcript::add(ByteView handshake_message) {
  messages_.emplace_back(handshake_message.begin(), handshake_message.end());
  if (hash_) hash_message(provider_.get(), hash_.get(), handshake_message);
}

Bytes Transcript::messages() const {
  Bytes out;
  for (const Bytes& m : messages_) out.insert(out.end(), m.begin(), m.end());
  return out;
}

Bytes Transcript::client_auth_digest(NCRYPT_KEY_HANDLE master, const char* hash) const {
  const std::u16string name(hash, hash + std::char_traits<char>::length(hash));
  const auto* wide = reinterpret_cast<LPCWSTR>(name.c_str());
  SslObject auth;
  check(SslCreateClientAuthHash(provider_.get(), auth.out(), TLS1_2_PROTOCOL_VERSION, suite_, wide, 0),
        "SslCreateClientAuthHash");
  for (const Bytes& m : messages_) hash_message(provider_.get(), auth.get(), m);
  DWORD size = 0;
  check(SslComputeClientAuthHash(provider_.get(), master, auth.get(), wide, nullptr, 0, &size, 0),
        "SslComputeClientAuthHash (size)");
  Bytes out(size);
  check(SslComputeClientAuthHash(provider_.get(), master, auth.get(), wide, out.data(), size, &size, 0),
        "SslComputeClientAuthHash");
  out.resize(size);
  return out;
}

Bytes Transcript::session_hash() {
  DWORD size = 0;
  check(SslComputeSessionHash(provider_.get(), hash_.get(), TLS1_2_PROTOCOL_VERSION, nullptr, 0, &size, 0),
        "SslComputeSessionHash (size)");
  Bytes out(size);
  check(SslComputeSessionHash(provider_.get(), hash_.get(), TLS1_2_PROTOCOL_VERSION, out.data(), size, &size, 0),
        "SslComputeSessionHash");
  out.resize(size);
  return out;
}

Bytes Transcript::finished(NCRYPT_KEY_HANDLE master, DWORD side_flag) {
  Bytes out(kVerifyDataBytes);
  check(SslComputeFinishedHash(provider_.get(), master, hash_.get(), out.data(), static_cast<DWORD>(out.size()),
                               side_flag),
        "SslComputeFinishedHash");
  return out;
}

}  // namespace sslp11::tls
