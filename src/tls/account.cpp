#include "tls/account.h"

#include <ostream>

#include "tls/suites.h"

namespace sslp11::tls {

namespace {

std::string key_type_name(DWORD type) {
  switch (type) {
    case 0x00000000: return "CKK_RSA";
    case 0x00000002: return "CKK_DH";
    case 0x00000003: return "CKK_EC";
    case 0x00000010: return "CKK_GENERIC_SECRET";
    case 0x0000001F: return "CKK_AES";
    case 0x00000033: return "CKK_CHACHA20";
    case SSLP11_UNKNOWN_VALUE: return "unknown type";
    default: return "key type " + std::to_string(type);
  }
}

std::string role_name(DWORD role) {
  switch (role) {
    case SSLP11_OBJECT_ROLE_PRIVATE_KEY: return "private key";
    case SSLP11_OBJECT_ROLE_PUBLIC_KEY: return "public key";
    case SSLP11_OBJECT_ROLE_SECRET: return "secret";
    case SSLP11_OBJECT_ROLE_CIPHER_KEY: return "cipher key";
    case SSLP11_OBJECT_ROLE_MAC_KEY: return "MAC key";
    default: return "object";
  }
}

constexpr DWORD kSecretKeyClass = 0x00000004;   // CKO_SECRET_KEY
constexpr DWORD kPrivateKeyClass = 0x00000003;  // CKO_PRIVATE_KEY

TokenObjectFacts facts_from(const SSLP11_KEY_OBJECT_INFO& o) {
  TokenObjectFacts f;
  f.role = role_name(o.dwRole);
  f.kind = key_type_name(o.dwKeyType);
  if (o.dwClass == kSecretKeyClass && o.cbValue != 0) f.kind += " (" + std::to_string(o.cbValue) + " bytes)";
  if (o.dwClass == kPrivateKeyClass) f.kind += " private key";
  f.token_object = o.lToken == 1;
  f.sensitive = o.lSensitive;
  f.extractable = o.lExtractable;
  return f;
}

std::string describe(const TokenObjectFacts& f) {
  std::string s = f.kind + ", " + (f.token_object ? "token object (persistent)" : "token object (session object)");
  s += f.sensitive == 1 ? ", sensitive" : f.sensitive == 0 ? ", NOT sensitive" : ", sensitivity unknown";
  s += f.extractable == 0 ? ", not extractable" : f.extractable == 1 ? ", EXTRACTABLE" : ", extractability unknown";
  return s;
}

// What crossed host memory on each path (docs/security.md, per path and protocol).
std::string path_account(const std::string& path, bool tls13) {
  if (path == "native") {
    return tls13 ? "HKDF by the token's CKM_HKDF_DERIVE; no secret was in host memory (only the write IVs and the "
                   "exporter output, which are not secrets of the schedule, left the token)"
                 : "the token's CKM_TLS12_* mechanisms; no secret was in host memory";
  }
  return tls13 ? "HKDF composed from the token's HMAC (C_Sign); each secret passed through a wiped host buffer on its "
                 "way into the token, and the ECDHE shared secret (and a ticket's PSK) was read into one, as HMAC's message"
               : "the TLS PRF composed from the token's HMAC (C_Sign); the master secret and key block (and, after DHE or RSA "
                 "key exchange, the pre-master) passed through wiped host buffers on their way into the token";
}

}  // namespace

std::vector<TokenObjectFacts> describe_key_objects(NCRYPT_KEY_HANDLE key) {
  DWORD count = 0;
  check(Sslp11DescribeKey(key, nullptr, 0, &count, 0), "Sslp11DescribeKey");
  std::vector<SSLP11_KEY_OBJECT_INFO> objects(count);
  check(Sslp11DescribeKey(key, objects.data(), count, &count, 0), "Sslp11DescribeKey");
  std::vector<TokenObjectFacts> out;
  for (DWORD i = 0; i < count; ++i) out.push_back(facts_from(objects[i]));
  return out;
}

void note_key_objects(ConnectionReport& report, const std::string& what, NCRYPT_KEY_HANDLE key) {
  if (!report.account) return;
  // One entry per name: a long connection's KeyUpdates do not grow the report.
  for (const KeyObjects& k : report.keys)
    if (k.what == what) return;
  if (report.derivation_path.empty()) {
    // Keys that no derivation made (ephemeral, peer, private) have no such
    // property: the first secret or record key noted answers.
    PBYTE out = nullptr;
    DWORD size = 0;
    if (SslGetKeyProperty(key, SSLP11_DERIVATION_PATH_PROPERTY, &out, &size, 0) == ERROR_SUCCESS) {
      const SslBuffer<BYTE> owned(out);
      report.derivation_path = narrow(reinterpret_cast<const WCHAR*>(out), size / sizeof(WCHAR));
    }
  }
  try {
    report.keys.push_back({what, describe_key_objects(key)});
  } catch (const std::exception& e) {
    report.keys.push_back({what, {{"?", std::string("could not read the token objects: ") + e.what(), false, -1, -1}}});
  }
}

void print_account(std::ostream& out, const Provider& provider, const std::vector<ConnectionReport>& connections) {
  std::string label = "?";
  try {
    label = provider.token_label();
  } catch (const std::exception&) {
  }
  out << "== account\n";
  out << "   token            '" << label << "'\n";
  for (std::size_t i = 0; i < connections.size(); ++i) {
    const ConnectionReport& c = connections[i];
    if (connections.size() > 1) out << "   -- connection " << (i + 1) << (c.resumed ? " (resumed session)" : "") << "\n";
    if (!c.ok) {
      out << "   result           FAILED: " << c.failure << "\n";
      if (c.suite == 0) continue;
    }
    const bool tls13 = c.protocol == 0x0304;
    out << "   protocol " << (tls13 ? "TLS 1.3" : "TLS 1.2") << "\n";
    out << "   cipher suite     " << suite_display_name(c.suite) << "\n";
    if (tls13) {
      out << "   handshake        "
          << (c.resumed ? "resumed with a ticket's PSK (psk_dhe_ke)" : "full") << (c.hello_retry ? ", after a HelloRetryRequest" : "")
          << "\n";
      out << "   hello retry      " << (c.hello_retry ? "yes" : "no") << "\n";
    } else {
      out << "   handshake        " << (c.resumed ? "abbreviated (session resumed by id, master key reused)" : "full") << "\n";
    }
    if (!c.key_exchange.empty()) out << "   key exchange     " << c.key_exchange << "\n";
    if (!c.authentication.empty()) out << "   authentication   " << c.authentication << "\n";
    if (!c.client_authentication.empty()) out << "   client auth      " << c.client_authentication << "\n";
    if (tls13) {
      out << "   key updates      sent " << c.key_updates_sent << ", received " << c.key_updates_received << "\n";
      if (!c.exporter.empty()) out << "   exporter         EXPERIMENTAL sslp11 (32 bytes): " << c.exporter << "\n";
    } else {
      out << "   extended master secret  " << (c.ems ? "on (RFC 7627 session hash)" : "off") << "\n";
    }
    if (!c.derivation_path.empty()) {
      out << "   derivation path  " << c.derivation_path << ": " << path_account(c.derivation_path, tls13) << "\n";
    }
    out << "   keys on the token (attributes as the token reports them):\n";
    for (const KeyObjects& k : c.keys) {
      for (const TokenObjectFacts& f : k.objects) {
        out << "     " << k.what << (f.role.empty() ? "" : " (" + f.role + ")") << ": " << describe(f) << "\n";
        if (k.what.rfind("ticket PSK", 0) == 0 && f.extractable == 1) {
          out << "       (the composed path's HKDF-Extract feeds a PSK to HMAC as its message, which the token reads\n"
                 "        from the host: the provider makes resumption PSKs readable there, see docs/security.md)\n";
        }
        if (k.what == "pre-master key" && f.extractable == 1) {
          out << "       (the token generated it and wrapped it to the server's RSA key itself: C_WrapKey needs\n"
                 "        CKA_EXTRACTABLE; CKA_SENSITIVE still keeps its value from being read)\n";
        }
      }
      if (k.objects.empty()) out << "     " << k.what << ": no token object found\n";
    }
    bool all_held = !c.keys.empty();
    for (const KeyObjects& k : c.keys)
      for (const TokenObjectFacts& f : k.objects)
        if (f.sensitive != 1 || (f.extractable != 0 && k.what != "pre-master key")) all_held = false;
    out << "   => "
        << (!all_held ? "NOT every secret of this connection was a sensitive, non-extractable token object (see above)"
            : c.derivation_path == "native"
                ? "every secret of this connection lived on the token: token objects, sensitive, not extractable; none was "
                  "ever in host memory"
                : "every secret of this connection lived on the token: token objects, sensitive, not extractable; on the "
                  "composed path each passed through host memory on its way there (derivation path, above)")
        << "\n";
    out << "   data             sent " << c.traffic.app_bytes_sent << " bytes, received " << c.traffic.app_bytes_received
        << " bytes of application data (" << c.traffic.records_sent << " records out, " << c.traffic.records_received
        << " in; " << c.traffic.protected_records_sent << " and " << c.traffic.protected_records_received
        << " of them protected by SslEncryptPacket / SslDecryptPacket)\n";
  }
}

}  // namespace sslp11::tls
