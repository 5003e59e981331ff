// Record framing and handshake reassembly (src/tls/record_io.cpp) and the
// byte reader/writer (src/tls/bytes.cpp) with crafted, truncated and
// oversized input. No token involved.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include "tls/alerts.h"
#include "tls/bytes.h"
#include "tls/record_io.h"

namespace sslp11::tls {
namespace {

// A Transport over a byte string: reads past the end are the peer closing.
class MemoryTransport : public Transport {
 public:
  explicit MemoryTransport(Bytes in) : in_(std::move(in)) {}
  void read_exact(std::uint8_t* out, std::size_t n) override {
    if (in_.size() - at_ < n) throw TransportError("the peer closed the connection in the middle of a record");
    std::copy(in_.begin() + static_cast<std::ptrdiff_t>(at_), in_.begin() + static_cast<std::ptrdiff_t>(at_ + n), out);
    at_ += n;
  }
  void write_all(ByteView data) override { out.insert(out.end(), data.begin(), data.end()); }
  bool wait_readable(std::chrono::milliseconds) override { return at_ < in_.size(); }
  Bytes out;

 private:
  Bytes in_;
  std::size_t at_ = 0;
};

AlertDescription alert_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const TlsFailure& e) {
    return e.alert();
  }
  ADD_FAILURE() << "no TlsFailure";
  return AlertDescription::close_notify;
}

TEST(ByteReaderTest, ReadsAndBounds) {
  const Bytes b{1, 2, 3, 4, 5, 6, 2, 7, 8};
  ByteReader r(b);
  EXPECT_EQ(r.u8(), 1);
  EXPECT_EQ(r.u16(), 0x0203);
  EXPECT_EQ(r.u24(), 0x040506u);
  ByteReader v = r.vec8("v");
  EXPECT_EQ(v.u16(), 0x0708);
  EXPECT_TRUE(r.empty());
  EXPECT_NO_THROW(r.expect_end());
  EXPECT_THROW(r.u8(), DecodeError);
  const Bytes short_bytes{3, 1, 2};  // a reader is a view: the bytes must outlive it
  ByteReader short_vec(short_bytes);
  EXPECT_THROW(short_vec.vec8("v"), DecodeError);
  const Bytes two{1, 2};
  ByteReader trailing(two);
  trailing.u8();
  EXPECT_THROW(trailing.expect_end(), DecodeError);
}

TEST(ByteWriterTest, VectorsAndOverflow) {
  ByteWriter w;
  w.u8(1).u16(0x0203).u24(0x040506).vec8(Bytes{7}).vec16(Bytes{8}).vec24(Bytes{9});
  EXPECT_EQ(w.data(), (Bytes{1, 2, 3, 4, 5, 6, 1, 7, 0, 1, 8, 0, 0, 1, 9}));
  EXPECT_THROW(ByteWriter().vec8(Bytes(256, 0)), std::length_error);
  EXPECT_THROW(ByteWriter().vec16(Bytes(65536, 0)), std::length_error);
  EXPECT_THROW(ByteWriter().u24(0x1000000), std::length_error);
}

TEST(PrintableTest, EscapesAndCuts) {
  EXPECT_EQ(printable(Bytes{'a', '\n', 0x01, '\\'}), "a\\n\\x01\\x5c");
  EXPECT_EQ(printable(Bytes(10, 'x'), 4), "xxxx...");
}

TEST(RecordHeaderTest, AcceptsTls) {
  const RecordHeader h = parse_record_header(Bytes{23, 3, 3, 0x48, 0x00});
  EXPECT_EQ(h.type, 23);
  EXPECT_EQ(h.version, 0x0303);
  EXPECT_EQ(h.length, kMaxCiphertext);
  EXPECT_NO_THROW(parse_record_header(Bytes{22, 3, 1, 0, 0}));
}

TEST(RecordHeaderTest, RejectsWithTheRightAlert) {
  EXPECT_EQ(alert_of([] { parse_record_header(Bytes{24, 3, 3, 0, 1}); }), AlertDescription::unexpected_message);
  EXPECT_EQ(alert_of([] { parse_record_header(Bytes{'G', 'E', 'T', ' ', '/'}); }), AlertDescription::unexpected_message);
  EXPECT_EQ(alert_of([] { parse_record_header(Bytes{22, 4, 0, 0, 1}); }), AlertDescription::protocol_version);
  EXPECT_EQ(alert_of([] { parse_record_header(Bytes{22, 3, 4, 0, 1}); }), AlertDescription::protocol_version);
  EXPECT_EQ(alert_of([] { parse_record_header(Bytes{23, 3, 3, 0x48, 0x01}); }), AlertDescription::record_overflow);
}

TEST(ReadRecordTest, WholeAndTruncated) {
  MemoryTransport ok(Bytes{22, 3, 3, 0, 2, 0xAA, 0xBB, 21});
  const Record r = read_record(ok);
  EXPECT_EQ(r.type, 22);
  EXPECT_EQ(r.bytes, (Bytes{22, 3, 3, 0, 2, 0xAA, 0xBB}));
  EXPECT_EQ(Bytes(r.body().begin(), r.body().end()), (Bytes{0xAA, 0xBB}));
  EXPECT_THROW(read_record(ok), TransportError) << "a header cut after one byte";

  MemoryTransport short_body(Bytes{23, 3, 3, 0, 10, 1, 2, 3});
  EXPECT_THROW(read_record(short_body), TransportError);

  // An oversized record is refused from its header, before any body is read.
  MemoryTransport huge(Bytes{23, 3, 3, 0xFF, 0xFF});
  EXPECT_EQ(alert_of([&] { read_record(huge); }), AlertDescription::record_overflow);
}

TEST(MakeRecordTest, Layout) {
  EXPECT_EQ(make_record(ContentType::alert, 0x0303, Bytes{1, 0}), (Bytes{21, 3, 3, 0, 2, 1, 0}));
  EXPECT_EQ(make_handshake(20, Bytes(12, 0)).size(), 16u);
  EXPECT_EQ(make_handshake(14, {}), (Bytes{14, 0, 0, 0}));
}

TEST(HandshakeAssemblerTest, MessageSplitAcrossRecords) {
  const Bytes m = make_handshake(11, Bytes(1000, 7));
  HandshakeAssembler a;
  a.add(ByteView(m).first(2));
  EXPECT_FALSE(a.next());
  a.add(ByteView(m).subspan(2, 500));
  EXPECT_FALSE(a.next());
  a.add(ByteView(m).subspan(502));
  const auto got = a.next();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->type, 11);
  EXPECT_EQ(got->bytes, m);
  EXPECT_EQ(got->body().size(), 1000u);
  EXPECT_TRUE(a.empty());
}

TEST(HandshakeAssemblerTest, SeveralMessagesInOneRecord) {
  Bytes both = make_handshake(2, Bytes{1, 2});
  const Bytes done = make_handshake(14, {});
  both.insert(both.end(), done.begin(), done.end());
  HandshakeAssembler a;
  a.add(both);
  EXPECT_EQ(a.next()->type, 2);
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a.next()->bytes, done);
  EXPECT_FALSE(a.next());
  EXPECT_TRUE(a.empty());
}

TEST(HandshakeAssemblerTest, RefusesEmptyAndOversized) {
  HandshakeAssembler a(1024);
  EXPECT_EQ(alert_of([&] { a.add({}); }), AlertDescription::unexpected_message);
  // The declared length is checked as soon as the 4-byte header is in.
  HandshakeAssembler b(1024);
  EXPECT_EQ(alert_of([&] { b.add(Bytes{11, 0, 4, 1}); }), AlertDescription::illegal_parameter);
  HandshakeAssembler c(1024);
  c.add(Bytes{11, 0});
  EXPECT_EQ(alert_of([&] { c.add(Bytes{0xFF, 0xFF}); }), AlertDescription::illegal_parameter);
}

TEST(SplitHostPortTest, Forms) {
  EXPECT_EQ(split_host_port("127.0.0.1:443"), (std::pair<std::string, std::string>{"127.0.0.1", "443"}));
  EXPECT_EQ(split_host_port("[::1]:8443"), (std::pair<std::string, std::string>{"::1", "8443"}));
  EXPECT_EQ(split_host_port("localhost:0").second, "0");
  EXPECT_THROW(split_host_port("localhost"), std::invalid_argument);
  EXPECT_THROW(split_host_port("localhost:"), std::invalid_argument);
  EXPECT_THROW(split_host_port("localhost:70000"), std::invalid_argument);
  EXPECT_THROW(split_host_port("localhost:http"), std::invalid_argument);
}

TEST(SocketTest, ReadTimesOutInsteadOfHanging) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
  Socket a(fds[0], std::chrono::milliseconds(100));
  Socket b(fds[1], std::chrono::milliseconds(100));
  std::uint8_t buf[4];
  EXPECT_THROW(a.read_exact(buf, 4), TransportError);
  b.write_all(Bytes{1, 2, 3, 4});
  EXPECT_NO_THROW(a.read_exact(buf, 4));
  EXPECT_EQ(buf[3], 4);
  b.shutdown_write();
  EXPECT_THROW(a.read_exact(buf, 1), TransportError) << "EOF";
}

}  // namespace
}  // namespace sslp11::tls
