#include "tls/transcript13.h"

#include "tls/messages.h"
#include "tls/peer_verify.h"
#include "tls/record_io.h"

namespace sslp11::tls {

namespace {

void hash_message(NCRYPT_PROV_HANDLE p, NCRYPT_HASH_HANDLE h, ByteView message) {
  Bytes copy(message.begin(), message.end());  // pbInput is not const in the C API
  check(SslHashHandshake(p, h, copy.data(), static_cast<DWORD>(copy.size()), 0), "SslHashHandshake");
}

SslObject new_hash(const Provider& provider, std::uint32_t suite) {
  SslObject h;
  check(SslCreateHandshakeHash(provider.get(), h.out(), TLS1_3_PROTOCOL_VERSION, suite, 0), "SslCreateHandshakeHash");
  return h;
}

Bytes joined(const std::vector<Bytes>& messages) {
  Bytes all;
  for (const Bytes& m : messages) all.insert(all.end(), m.begin(), m.end());
  return all;
}

}  // namespace

std::size_t Transcript13::hash_bytes_of(const Provider& provider, std::uint32_t suite) {
  return digest(provider.hash13(suite).c_str(), {}).size();
}

void Transcript13::choose_hash(std::uint32_t suite) {
  suite_ = suite;
  hash_name_ = provider_.hash13(suite);
  hash_bytes_ = digest(hash_name_.c_str(), {}).size();
}

void Transcript13::start(std::uint32_t suite) {
  choose_hash(suite);
  hash_ = new_hash(provider_, suite);
  for (const Bytes& m : messages_) hash_message(provider_.get(), hash_.get(), m);
}

void Transcript13::add(ByteView handshake_message) {
  messages_.emplace_back(handshake_message.begin(), handshake_message.end());
  if (hash_) hash_message(provider_.get(), hash_.get(), handshake_message);
}

void Transcript13::collapse_to_message_hash(std::uint32_t suite) {
  choose_hash(suite);
  const Bytes first = digest(hash_name_.c_str(), joined(messages_));
  messages_.clear();
  hash_.reset();
  hash_ = new_hash(provider_, suite);
  add(make_handshake(handshake_type::message_hash, first));
}

Bytes Transcript13::host_hash() const { return digest(hash_name_.c_str(), joined(messages_)); }

SslObject Transcript13::fork_with(std::uint32_t suite, ByteView tail) const {
  SslObject h = new_hash(provider_, suite);
  for (const Bytes& m : messages_) hash_message(provider_.get(), h.get(), m);
  hash_message(provider_.get(), h.get(), tail);
  return h;
}

Transcript13 Transcript13::fork() const {
  Transcript13 copy(provider_);
  copy.messages_ = messages_;
  if (hash_) copy.start(suite_);
  return copy;
}

}  // namespace sslp11::tls
