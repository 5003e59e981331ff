// The handshake message parsers of sslp11-tls (src/tls/messages*.*: TLS 1.2
// and the TLS 1.3 hellos and messages),
// the record header check and the handshake reassembler (src/tls/record_io.*).
// The first byte picks the parser, the rest is the message body. A malformed
// body must end in DecodeError or TlsFailure, never a crash; what parses must
// parse again after a rebuild where a builder exists (else a finding).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "tls/alerts.h"
#include "tls/messages.h"
#include "tls/messages13.h"
#include "tls/record_io.h"

using namespace sslp11::tls;

namespace {

// A message sslp11-tls accepted must survive its own builder: what the
// builder writes from the parsed fields parses again.
template <class Parse>
void reparse(const Bytes& rebuilt, Parse parse_again) {
  try {
    parse_again(ByteView(rebuilt));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "FINDING: a rebuilt message does not parse: %s\n", e.what());
    std::abort();
  }
}

void parse(std::uint8_t selector, ByteView body) {
  switch (selector % 18) {
    case 0: {
      const ClientHello hello = parse_client_hello(body);
      reparse(build_client_hello(hello), [](ByteView b) { (void)parse_client_hello(b); });
      break;
    }
    case 1: {
      const ServerHello hello = parse_server_hello(body);
      reparse(build_server_hello(hello), [](ByteView b) { (void)parse_server_hello(b); });
      break;
    }
    case 2: {
      const auto chain = parse_certificate(body);
      reparse(build_certificate(chain), [](ByteView b) { (void)parse_certificate(b); });
      break;
    }
    case 3: {
      const ServerKeyExchange ske = parse_server_key_exchange(body, KeyExchangeKind::ecdhe);
      reparse(build_server_key_exchange(build_ecdhe_params(ske.ecdhe), ske.signature_scheme, ske.signature),
              [](ByteView b) { (void)parse_server_key_exchange(b, KeyExchangeKind::ecdhe); });
      break;
    }
    case 4: {
      const ServerKeyExchange ske = parse_server_key_exchange(body, KeyExchangeKind::dhe);
      reparse(build_server_key_exchange(build_dhe_params(ske.dhe), ske.signature_scheme, ske.signature),
              [](ByteView b) { (void)parse_server_key_exchange(b, KeyExchangeKind::dhe); });
      break;
    }
    case 5: (void)parse_server_key_exchange(body, KeyExchangeKind::rsa); break;
    case 6: (void)parse_certificate_request(body); break;
    case 7: parse_server_hello_done(body); break;
    case 8: {
      const KeyExchangeKind kind = body.empty() ? KeyExchangeKind::rsa : static_cast<KeyExchangeKind>(body[0] % 3);
      const Bytes value = parse_client_key_exchange(body.empty() ? body : body.subspan(1), kind);
      reparse(build_client_key_exchange(kind, value), [kind](ByteView b) { (void)parse_client_key_exchange(b, kind); });
      break;
    }
    case 9: (void)parse_finished(body); break;
    case 10:
      // Its callers always pass exactly 5 bytes (a shorter span is a
      // programming error, std::invalid_argument).
      if (body.size() >= kRecordHeaderBytes) (void)parse_record_header(body.first(kRecordHeaderBytes));
      break;
    case 12: {
      const EncryptedExtensions ee = parse_encrypted_extensions(body);
      reparse(build_encrypted_extensions(ee), [](ByteView b) { (void)parse_encrypted_extensions(b); });
      break;
    }
    case 13: {
      const Certificate13 c = parse_certificate13(body);
      reparse(build_certificate13(c), [](ByteView b) { (void)parse_certificate13(b); });
      break;
    }
    case 14: {
      const CertificateVerify cv = parse_certificate_verify(body);
      reparse(build_certificate_verify(cv), [](ByteView b) { (void)parse_certificate_verify(b); });
      break;
    }
    case 15: {
      const NewSessionTicket13 t = parse_new_session_ticket13(body);
      reparse(build_new_session_ticket13(t), [](ByteView b) { (void)parse_new_session_ticket13(b); });
      break;
    }
    case 16: {
      const CertificateRequest13 r = parse_certificate_request13(body);
      reparse(build_certificate_request13(r), [](ByteView b) { (void)parse_certificate_request13(b); });
      break;
    }
    case 17: (void)parse_key_update(body); break;
    case 11: {
      // Fragments: each a 1-byte length then that many bytes.
      HandshakeAssembler assembler(4096);
      std::size_t at = 0;
      while (at < body.size()) {
        const std::size_t n = body[at++];
        const ByteView fragment = body.subspan(at, n < body.size() - at ? n : body.size() - at);
        at += fragment.size();
        assembler.add(fragment);
        while (auto message = assembler.next()) {
          if (message->bytes.size() < 4) __builtin_trap();
        }
      }
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  try {
    parse(data[0], ByteView(data + 1, size - 1));
  } catch (const DecodeError&) {
  } catch (const TlsFailure&) {
  }
  return 0;
}
