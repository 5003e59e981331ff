// The record layer's TLS 1.3 mode (src/tls/connection.cpp, RFC 8446 §5):
// keys work from installation with sequence 0, records carry
// TLSInnerPlaintext under outer type application_data / 0x0303, zero padding
// is stripped and the type is the last non-zero byte, all-padding and
// oversized records are refused, and one unprotected ChangeCipherSpec is
// skipped during the handshake. Keys come from a schedule run through the
// Ssl* API on the SoftHSM test token; the bytes go through an in-memory pipe.
#include <gtest/gtest.h>

#include <cstring>
#include <sstream>
#include <string>

#include "support/provider_env.h"
#include "tls/alerts.h"
#include "tls/connection.h"
#include "tls/key_exchange.h"
#include "tls/messages.h"
#include "tls/record_io.h"
#include "tls/schedule13.h"
#include "tls/transcript13.h"

namespace sslp11::tls {
namespace {

constexpr std::uint32_t kSuite = 0x1301;  // TLS_AES_128_GCM_SHA256

// Bytes written are there to read; reading past them is the peer closing.
class Pipe : public Transport {
 public:
  void read_exact(std::uint8_t* out, std::size_t n) override {
    if (at_ + n > bytes_.size()) throw TransportError("the peer closed the connection");
    std::memcpy(out, bytes_.data() + at_, n);
    at_ += n;
  }
  void write_all(ByteView data) override { bytes_.insert(bytes_.end(), data.begin(), data.end()); }
  bool wait_readable(std::chrono::milliseconds) override { return at_ < bytes_.size(); }
  Bytes& bytes() { return bytes_; }

 private:
  Bytes bytes_;
  std::size_t at_ = 0;
};

class Record13 : public ::testing::Test {
 protected:
  Record13() {
    test::use_token(test::TestTokens::softhsm());
    provider_.emplace();
    // A client handshake traffic secret from two key shares on the token.
    const Ephemeral ours = create_ecdhe(p(), kSuite, named_group::secp256r1, TLS1_3_PROTOCOL_VERSION);
    const Ephemeral theirs = create_ecdhe(p(), kSuite, named_group::secp256r1, TLS1_3_PROTOCOL_VERSION);
    const SslObject peer = import_peer_key(p(), BCRYPT_ECCPUBLIC_BLOB,
                                           ecc_public_blob(named_group::secp256r1, theirs.public_value), "peer");
    const SslObject early = schedule13::early_secret(p(), 0, kSuite);
    const SslObject hs = schedule13::handshake_secret(p(), ours.key.get(), peer.get(), early.get());
    Transcript13 th(p());
    th.start(kSuite);
    th.add(make_handshake(handshake_type::client_hello, Bytes(40, 1)));
    secret_ = std::move(schedule13::traffic_secrets(p(), hs.get(), th.handle()).client);
  }
  const Provider& p() const { return *provider_; }
  // A fresh handle to the one write key (the writer's and the reader's copy).
  SslObject key() const { return schedule13::write_key(p(), secret_.get()); }

  // A record sealed as given: `inner` is the whole TLSInnerPlaintext.
  Bytes seal(ByteView inner, std::uint64_t seq) const {
    const SslObject k = key();
    Bytes in(inner.begin(), inner.end()), record(inner.size() + 64);
    DWORD n = 0;
    check(SslEncryptPacket(p().get(), k.get(), in.data(), static_cast<DWORD>(in.size()), record.data(),
                           static_cast<DWORD>(record.size()), &n, seq, 23, 0),
          "SslEncryptPacket");
    record.resize(n);
    return record;
  }

  RecordLayer reader(Pipe& pipe) const {
    RecordLayer r(pipe, p());
    r.use_tls13();
    r.install_read_key(key(), kSuite);
    return r;
  }

  std::optional<Provider> provider_;
  SslObject secret_;
  std::ostringstream log_;
};

AlertDescription failure_of(RecordLayer& r) {
  try {
    r.receive();
  } catch (const TlsFailure& e) {
    return e.alert();
  }
  ADD_FAILURE() << "the record was accepted";
  return AlertDescription::close_notify;
}

TEST_F(Record13, SealedRecordsGoThroughWithTheirType) {
  Pipe pipe;
  RecordLayer writer(pipe, p());
  writer.use_tls13();
  writer.install_write_key(key(), kSuite);
  const Bytes hello{'h', 'i'};
  writer.send(ContentType::handshake, hello);
  writer.send(ContentType::application_data, hello);
  // Outer type 23, version 0x0303, content + type byte + 16-byte tag.
  ASSERT_GE(pipe.bytes().size(), 5u);
  EXPECT_EQ(pipe.bytes()[0], 23);
  EXPECT_EQ(pipe.bytes()[1], 3);
  EXPECT_EQ(pipe.bytes()[2], 3);
  EXPECT_EQ(be16(&pipe.bytes()[3]), 2 + 1 + 16);
  RecordLayer r = reader(pipe);
  const Plaintext first = r.receive();
  EXPECT_EQ(first.type, static_cast<std::uint8_t>(ContentType::handshake));
  EXPECT_EQ(first.data, hello);
  const Plaintext second = r.receive();  // sequence 1 on both sides
  EXPECT_EQ(second.type, static_cast<std::uint8_t>(ContentType::application_data));
  EXPECT_EQ(second.data, hello);
}

TEST_F(Record13, ZeroPaddingIsStripped) {
  Pipe pipe;
  pipe.write_all(seal(Bytes{'a', 'b', 'c', 23, 0, 0, 0, 0, 0}, 0));
  RecordLayer r = reader(pipe);
  const Plaintext p = r.receive();
  EXPECT_EQ(p.type, 23);
  EXPECT_EQ(p.data, (Bytes{'a', 'b', 'c'}));
}

TEST_F(Record13, AllPaddingIsUnexpectedMessage) {
  Pipe pipe;
  pipe.write_all(seal(Bytes(20, 0), 0));
  RecordLayer r = reader(pipe);
  EXPECT_EQ(failure_of(r), AlertDescription::unexpected_message);
}

// SslEncryptPacket seals at most 2^14 bytes of TLSInnerPlaintext: content is
// cut at 2^14 - 1 bytes so the type byte fits.
TEST_F(Record13, LongDataIsCutSoTheTypeByteFits) {
  Pipe pipe;
  RecordLayer writer(pipe, p());
  writer.use_tls13();
  writer.install_write_key(key(), kSuite);
  Bytes data(40000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7);
  writer.send(ContentType::application_data, data);
  EXPECT_EQ(writer.stats().protected_records_sent, 3u);
  EXPECT_EQ(be16(&pipe.bytes()[3]), kMaxPlaintext + 16);  // 16383 + type byte + tag
  RecordLayer r = reader(pipe);
  Bytes got;
  while (got.size() < data.size()) {
    const Plaintext p = r.receive();
    EXPECT_EQ(p.type, 23);
    got.insert(got.end(), p.data.begin(), p.data.end());
  }
  EXPECT_EQ(got, data);
}

TEST_F(Record13, CiphertextOver16KiBPlus256IsRecordOverflow) {
  Pipe pipe;
  const std::size_t length = kMaxPlaintext + 257;
  pipe.write_all(Bytes{23, 3, 3, static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)});
  pipe.write_all(Bytes(length, 0));
  RecordLayer r = reader(pipe);
  EXPECT_EQ(failure_of(r), AlertDescription::record_overflow);
}

TEST_F(Record13, WrongSequenceNumberIsBadRecordMac) {
  Pipe pipe;
  pipe.write_all(seal(Bytes{'a', 23}, 1));  // the reader expects sequence 0
  RecordLayer r = reader(pipe);
  EXPECT_EQ(failure_of(r), AlertDescription::bad_record_mac);
}

TEST_F(Record13, UnprotectedHandshakeAfterKeysIsUnexpectedMessage) {
  Pipe pipe;
  pipe.write_all(make_record(ContentType::handshake, kTls12, make_handshake(handshake_type::finished, Bytes(32, 0))));
  RecordLayer r = reader(pipe);
  EXPECT_EQ(failure_of(r), AlertDescription::unexpected_message);
}

// RFC 8446 D.4: one unprotected ChangeCipherSpec during the handshake is skipped; a second is not.
TEST_F(Record13, OneCompatibilityChangeCipherSpecIsSkipped) {
  Pipe pipe;
  const Bytes ccs = make_record(ContentType::change_cipher_spec, kTls12, Bytes{1});
  const Bytes finished = make_handshake(handshake_type::finished, Bytes(32, 7));
  Bytes inner = finished;
  inner.push_back(22);
  pipe.write_all(ccs);
  pipe.write_all(seal(inner, 0));
  pipe.write_all(ccs);
  Connection conn(pipe, p(), Connection::Role::client, log_);
  conn.records().use_tls13();
  conn.records().install_read_key(key(), kSuite);
  const HandshakeMessage m = conn.receive_handshake();
  EXPECT_EQ(m.bytes, finished);
  try {
    conn.receive_handshake();
    ADD_FAILURE() << "a second ChangeCipherSpec was accepted";
  } catch (const TlsFailure& e) {
    EXPECT_EQ(e.alert(), AlertDescription::unexpected_message);
  }
}

TEST_F(Record13, CompatibilityChangeCipherSpecIsSentInTheClear) {
  Pipe pipe;
  Connection conn(pipe, p(), Connection::Role::server, log_);
  conn.records().use_tls13();
  conn.records().install_write_key(key(), kSuite);
  conn.send_compat_change_cipher_spec();
  EXPECT_EQ(pipe.bytes(), (Bytes{20, 3, 3, 0, 1, 1}));
}

}  // namespace
}  // namespace sslp11::tls
