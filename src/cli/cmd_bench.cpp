// sslp11-admin bench: how fast the configured token runs the per-connection
// work, measured through the provider API exactly as an application calls it.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <iostream>
#include <optional>

#include "cli/commands.h"
#include "cli/ctrl_c.h"
#include "cli/errors.h"
#include "cli/json.h"
#include "cli/progress_line.h"
#include "cli/provider_handle.h"
#include "config/pin_source.h"
#include "pkcs11/ec_curves.h"

namespace po = boost::program_options;

namespace sslp11::cli {

namespace {

constexpr CommandInfo kInfo{
    "bench", "[--seconds S] [--suite NAME] [--curve P-256|P-384|P-521] [options]",
    "Measure SslGenerateSessionKeys (+ SslFreeObject) and record protection on the configured token.",
    "Runs through the provider API (SslOpenProvider with the config), on an ECDHE master key made\n"
    "for the purpose, for a bounded time per measurement (--seconds, default 2, at most 30). Record\n"
    "protection (SslEncryptPacket/SslDecryptPacket of 1 KiB application-data records) is measured when\n"
    "the provider implements it, else reported as not available. The provider opens the config's\n"
    "default token, so bench takes no --module and no --token other than that section.\n"
    "When the default token is a [pool.NAME], bench runs over the pool (each master key placed by its\n"
    "policy); --member NAME runs on that member alone, opened as its [token.NAME] section says.\n"
    "On a terminal a progress line per measurement on stderr shows the time elapsed and left. Ctrl-C\n"
    "stops the run: what was measured so far is printed, marked interrupted, and bench exits 130.\n\n"
    "example: sslp11-admin bench --seconds 5 --suite TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 --curve P-384"};

constexpr DWORD kTls12 = TLS1_2_PROTOCOL_VERSION;
constexpr std::size_t kRecordBytes = 1024;

using Clock = std::chrono::steady_clock;

// The ECDHE curves bench can use: the names are pkcs11/ec_curves.h's, the
// key types sslprovider.h's.
struct BenchCurve {
  const p11::EcCurve& curve;
  DWORD key_type;
};

const BenchCurve& bench_curve(const std::string& name) {
  static const BenchCurve kCurves[] = {
      {p11::ec_curve_p256(), TLS_ECC_P256_CURVE_KEY_TYPE},
      {p11::ec_curve_p384(), TLS_ECC_P384_CURVE_KEY_TYPE},
      {p11::ec_curve_p521(), TLS_ECC_P521_CURVE_KEY_TYPE},
  };
  for (const BenchCurve& c : kCurves)
    if (c.curve.name == name) return c;
  throw UsageError("--curve must be P-256, P-384 or P-521, not '" + name + "'");
}

struct Measurement {
  bool ran = false;  // measure() was reached before Ctrl-C
  bool interrupted = false;
  std::uint64_t operations = 0;
  double seconds = 0;
  double per_second() const { return seconds > 0 ? static_cast<double>(operations) / seconds : 0; }
};

// What every measurement of one run shares: Ctrl-C and the progress line.
struct Run {
  const CtrlC& ctrl_c;
  ProgressLine& progress;
};

std::string progress_text(std::string_view what, double elapsed, double left, std::uint64_t operations) {
  char text[160];
  std::snprintf(text, sizeof text, "bench: %.*s %.1f s elapsed, %.1f s left, %llu operations",
                static_cast<int>(what.size()), what.data(), elapsed, left < 0 ? 0 : left,
                static_cast<unsigned long long>(operations));
  return text;
}

void check(SECURITY_STATUS status, const char* call) {
  if (status != ERROR_SUCCESS) throw OperationError(std::string(call) + " failed: " + status_text(status));
}

// Runs `op` (which returns false to stop early) until `seconds` have passed
// or Ctrl-C, showing `what` on the progress line.
template <class Op>
Measurement measure(Run& run, std::string_view what, double seconds, Op&& op) {
  Measurement m;
  m.ran = true;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (auto now = start; now < end; now = Clock::now()) {
    if (run.ctrl_c.pressed()) {
      m.interrupted = true;
      break;
    }
    if (run.progress.due()) {
      run.progress.update(progress_text(what, std::chrono::duration<double>(now - start).count(),
                                        std::chrono::duration<double>(end - now).count(), m.operations));
    }
    if (!op(m.operations)) break;
    ++m.operations;
  }
  m.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::string last = progress_text(what, m.seconds, seconds - m.seconds, m.operations);
  run.progress.finish(m.interrupted ? last + ", interrupted" : last);
  return m;
}

// A TLS 1.2 suite the provider offers, as SslEnumCipherSuites describes it.
struct OfferedSuite {
  DWORD id = 0;
  std::string name;
  bool ecdhe = false;
};

std::string ascii(const WCHAR* text, std::size_t size) {
  std::string out;
  for (std::size_t i = 0; i < size && text[i] != 0; ++i) out += text[i] < 0x80 ? static_cast<char>(text[i]) : '?';
  return out;
}

std::vector<OfferedSuite> offered_suites(NCRYPT_PROV_HANDLE p) {
  std::vector<OfferedSuite> out;
  PVOID state = nullptr;
  for (int guard = 0; guard < 4096; ++guard) {
    NCRYPT_SSL_CIPHER_SUITE* s = nullptr;
    if (SslEnumCipherSuites(p, 0, &s, &state, 0) != ERROR_SUCCESS || s == nullptr) break;
    if (s->dwProtocol == kTls12) {
      out.push_back({s->dwCipherSuite, ascii(s->szCipherSuite, NCRYPT_SSL_MAX_NAME_SIZE),
                     std::u16string_view(s->szExchange) == BCRYPT_ECDH_ALGORITHM});
    }
    SslFreeBuffer(s);
  }
  if (state != nullptr) SslFreeBuffer(state);
  return out;
}

const OfferedSuite& choose_suite(const std::vector<OfferedSuite>& offered, const std::string& name) {
  if (!name.empty()) {
    DWORD id = 0;
    if (Sslp11LookupCipherSuiteByName(name.c_str(), &id, 0) != ERROR_SUCCESS) {
      throw UsageError("--suite: sslp11 knows no cipher suite '" + name + "'");
    }
    // IANA names say the key exchange: "TLS_ECDHE_..." (RFC 8422).
    if (!name.starts_with("TLS_ECDHE_")) throw UsageError("--suite: bench measures ECDHE suites only");
    const auto it = std::find_if(offered.begin(), offered.end(), [id](const OfferedSuite& s) { return s.id == id; });
    if (it == offered.end()) {
      throw OperationError("--suite " + name + " is not offered on this token (sslp11-admin doctor says why)");
    }
    return *it;
  }
  for (const OfferedSuite& s : offered)
    if (s.ecdhe) return s;
  throw OperationError("the token offers no ECDHE cipher suite to measure");
}

// The PKCS#11 calls the provider made on this thread so far (0 if it cannot say).
std::uint64_t pkcs11_calls() {
  ULONGLONG calls = 0;
  return Sslp11CountPkcs11Calls(&calls, 0) == ERROR_SUCCESS ? calls : 0;
}

// Both ends of one ECDHE handshake on the same provider: client and server masters.
struct Masters {
  KeyHandle client_ephemeral, server_ephemeral, client_view_of_server, server_view_of_client;
  KeyHandle client, server;
};

void import_public(NCRYPT_PROV_HANDLE p, const KeyHandle& from, KeyHandle& to) {
  std::array<BYTE, 512> blob{};
  DWORD n = 0;
  check(SslExportKey(p, from.get(), BCRYPT_ECCPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), &n, 0),
        "SslExportKey");
  check(SslImportKey(p, to.out(), BCRYPT_ECCPUBLIC_BLOB, blob.data(), n, 0), "SslImportKey");
}

struct Randoms {
  std::array<BYTE, 32> client{}, server{};
  std::array<NCryptBuffer, 2> buffers{};
  NCryptBufferDesc desc{};
  Randoms() {
    for (std::size_t i = 0; i < 32; ++i) {
      client[i] = static_cast<BYTE>(i);
      server[i] = static_cast<BYTE>(0x80 + i);
    }
    buffers[0] = NCryptBuffer{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, client.data()};
    buffers[1] = NCryptBuffer{32, NCRYPTBUFFER_SSL_SERVER_RANDOM, server.data()};
    desc = NCryptBufferDesc{NCRYPTBUFFER_VERSION, 2, buffers.data()};
  }
  Randoms(const Randoms&) = delete;
  Randoms& operator=(const Randoms&) = delete;
};

void make_masters(NCRYPT_PROV_HANDLE p, DWORD suite, DWORD group, Randoms& r, Masters& m) {
  check(SslCreateEphemeralKey(p, m.client_ephemeral.out(), kTls12, suite, group, 0, nullptr, 0, 0),
        "SslCreateEphemeralKey");
  check(SslCreateEphemeralKey(p, m.server_ephemeral.out(), kTls12, suite, group, 0, nullptr, 0, 0),
        "SslCreateEphemeralKey");
  import_public(p, m.server_ephemeral, m.client_view_of_server);
  import_public(p, m.client_ephemeral, m.server_view_of_client);
  check(SslGenerateMasterKey(p, m.client_ephemeral.get(), m.client_view_of_server.get(), m.client.out(), kTls12, suite,
                             &r.desc, nullptr, 0, nullptr, NCRYPT_SSL_CLIENT_FLAG),
        "SslGenerateMasterKey");
  check(SslGenerateMasterKey(p, m.server_ephemeral.get(), m.server_view_of_client.get(), m.server.out(), kTls12, suite,
                             &r.desc, nullptr, 0, nullptr, NCRYPT_SSL_SERVER_FLAG),
        "SslGenerateMasterKey");
}

struct RecordResult {
  bool available = false;
  std::string why_not;
  Measurement encrypt, round_trip;
};

RecordResult bench_records(Run& run, NCRYPT_PROV_HANDLE p, const Masters& m, Randoms& r, double seconds) {
  RecordResult out;
  KeyHandle client_read, client_write, server_read, server_write;
  check(SslGenerateSessionKeys(p, m.client.get(), client_read.out(), client_write.out(), &r.desc, 0),
        "SslGenerateSessionKeys");
  check(SslGenerateSessionKeys(p, m.server.get(), server_read.out(), server_write.out(), &r.desc, 0),
        "SslGenerateSessionKeys");
  std::vector<BYTE> plain(kRecordBytes, 0x5a), record(kRecordBytes + 512), back(kRecordBytes + 512);
  DWORD n = 0;
  const SECURITY_STATUS first = SslEncryptPacket(p, client_write.get(), plain.data(), static_cast<DWORD>(plain.size()),
                                                 record.data(), static_cast<DWORD>(record.size()), &n, 0,
                                                 CT_APPLICATIONDATA, 0);
  if (first != ERROR_SUCCESS) {
    out.why_not = "SslEncryptPacket returned " + status_text(first);
    return out;
  }
  out.available = true;
  // Sequence numbers restart for the measurement on fresh keys.
  KeyHandle bench_read, bench_write;
  check(SslGenerateSessionKeys(p, m.client.get(), bench_read.out(), bench_write.out(), &r.desc, 0),
        "SslGenerateSessionKeys");
  out.encrypt = measure(run, "record encrypt", seconds, [&](std::uint64_t seq) {
    DWORD len = 0;
    return SslEncryptPacket(p, bench_write.get(), plain.data(), static_cast<DWORD>(plain.size()), record.data(),
                            static_cast<DWORD>(record.size()), &len, seq, CT_APPLICATIONDATA, 0) == ERROR_SUCCESS;
  });
  if (out.encrypt.interrupted) return out;
  // Client encrypts record i, server decrypts it: the keys of both ends must agree.
  out.round_trip = measure(run, "record round trip", seconds, [&](std::uint64_t seq) {
    DWORD len = 0, plain_len = 0;
    if (SslEncryptPacket(p, client_write.get(), plain.data(), static_cast<DWORD>(plain.size()), record.data(),
                         static_cast<DWORD>(record.size()), &len, seq + 1, CT_APPLICATIONDATA, 0) != ERROR_SUCCESS) {
      return false;
    }
    const SECURITY_STATUS s = SslDecryptPacket(p, server_read.get(), record.data(), len, back.data(),
                                               static_cast<DWORD>(back.size()), &plain_len, seq + 1, 0);
    if (s != ERROR_SUCCESS) throw OperationError("SslDecryptPacket failed: " + status_text(s));
    if (plain_len != plain.size() || std::memcmp(back.data(), plain.data(), plain.size()) != 0) {
      throw OperationError("SslDecryptPacket returned other bytes than SslEncryptPacket was given");
    }
    return true;
  });
  return out;
}

const char* interrupted_mark(const Measurement& m) { return m.interrupted ? ", interrupted" : ""; }

void print_text(const std::string& label, const std::string& derivation, const std::string& suite,
                std::string_view curve, const Measurement& keys, double calls_per_op,
                const std::optional<RecordResult>& records) {
  std::cout << "token '" << label << "', derivation " << derivation << ", suite " << suite << ", curve " << curve
            << "\n";
  char line[200];
  std::snprintf(line, sizeof line, "session keys: %.1f ops/s (%llu in %.2f s, %.1f PKCS#11 calls each%s)\n",
                keys.per_second(), static_cast<unsigned long long>(keys.operations), keys.seconds, calls_per_op,
                interrupted_mark(keys));
  std::cout << line;
  if (!records) {
    std::cout << "records: not measured (interrupted)\n";
  } else if (!records->available) {
    std::cout << "records: not available (" << records->why_not << ")\n";
  } else {
    std::snprintf(line, sizeof line, "records: encrypt %.1f records/s (%.2f MB/s, %zu-byte records%s)\n",
                  records->encrypt.per_second(), records->encrypt.per_second() * kRecordBytes / 1e6, kRecordBytes,
                  interrupted_mark(records->encrypt));
    std::cout << line;
    if (records->round_trip.ran && records->round_trip.operations != 0) {
      std::snprintf(line, sizeof line, "records: encrypt+decrypt %.1f round trips/s%s\n",
                    records->round_trip.per_second(), interrupted_mark(records->round_trip));
      std::cout << line;
    }
  }
  std::cout << std::flush;
}

// --member NAME: that member of the default pool alone, through
// Sslp11OpenProviderForToken with the PIN its section's source gives (never a
// prompt: the provider's own members never prompt either).
ProviderHandle member_provider(const GlobalOptions& global, const std::string& name) {
  const config::Config cfg = config::load_config(config::find_config_file(global.config));
  const config::PoolConfig* pool = cfg.default_pool();
  if (pool == nullptr || std::find(pool->members.begin(), pool->members.end(), name) == pool->members.end()) {
    throw UsageError("--member " + name + " is not a member of the config's default-token pool");
  }
  GlobalOptions g = global;
  g.token = name;
  const Target t = resolve_target(g);
  const SelectedToken selected = select_target_token(t);
  p11::Pin pin;
  if ((selected.slot.token_flags & CKF_LOGIN_REQUIRED) != 0) {
    pin = config::resolve_pin(t.section->pin, /*interactive=*/false);
  }
  return ProviderHandle(t, pin);
}

}  // namespace

int cmd_bench(const CommandArgs& args) {
  GlobalOptions global;
  double seconds = 2;
  std::string suite_name;
  std::string curve_name = "P-256";
  std::string member;
  po::options_description own("bench options");
  own.add_options()
      ("seconds", po::value(&seconds)->value_name("S"), "time per measurement (0.1 to 30, default 2)")
      ("suite", po::value(&suite_name)->value_name("NAME"), "ECDHE cipher suite (default: the first offered)")
      ("curve", po::value(&curve_name)->value_name("CURVE"), "ECDHE curve: P-256 (default), P-384 or P-521")
      ("member", po::value(&member)->value_name("NAME"), "one member of the default pool, not the whole pool");
  if (!parse_command_line(kInfo, args, own, global)) return kExitOk;
  if (!(seconds >= 0.1 && seconds <= 30)) throw UsageError("--seconds must be from 0.1 to 30");
  const BenchCurve& curve = bench_curve(curve_name);
  const Target target = resolve_target(global);
  if (const auto why = provider_mismatch(target)) throw UsageError("bench measures the provider, but " + *why);
  if (!global.pin_source.empty()) {
    throw UsageError(
        "bench measures the provider, which reads the PIN as its config says; --pin-source does not apply");
  }

  // Ctrl-C from here on ends the measurement under way and skips the rest; one
  // that comes during the setup ends the run before the first measurement.
  const CtrlC ctrl_c;
  const SelectedToken token = check_provider_config(target);
  const ProviderHandle provider = member.empty() ? ProviderHandle(target.config_path) : member_provider(global, member);
  const std::vector<OfferedSuite> offered = offered_suites(provider.get());
  const OfferedSuite& chosen = choose_suite(offered, suite_name);
  const DWORD suite = chosen.id;
  Randoms randoms;
  Masters masters;
  make_masters(provider.get(), suite, curve.key_type, randoms, masters);

  ProgressLine progress(!global.json);
  Run run{ctrl_c, progress};
  const std::uint64_t calls_before = pkcs11_calls();
  const Measurement keys = measure(run, "session keys", seconds, [&](std::uint64_t) {
    KeyHandle read, write;
    check(SslGenerateSessionKeys(provider.get(), masters.client.get(), read.out(), write.out(), &randoms.desc, 0),
          "SslGenerateSessionKeys");
    return true;
  });
  const double calls_per_op =
      keys.operations ? static_cast<double>(pkcs11_calls() - calls_before) / keys.operations : 0;
  std::optional<RecordResult> records;
  if (!keys.interrupted) records = bench_records(run, provider.get(), masters, randoms, seconds);
  const bool interrupted = ctrl_c.pressed();
  const std::string derivation = provider.string_property(SSLP11_DERIVATION_PATH_PROPERTY);

  if (global.json) {
    JsonWriter j(std::cout);
    j.begin_object()
        .field("token", provider.string_property(SSLP11_TOKEN_LABEL_PROPERTY))
        .field("derivation", derivation)
        .field("suite", chosen.name)
        .field("curve", curve.curve.name)
        .field("interrupted", interrupted)
        .key("session_keys")
        .begin_object()
        .field("operations", keys.operations)
        .field("seconds", keys.seconds)
        .field("per_second", keys.per_second())
        .field("pkcs11_calls_per_operation", calls_per_op)
        .field("interrupted", keys.interrupted)
        .end_object();
    // Left out when Ctrl-C came before the records were measured.
    if (records) {
      j.key("records").begin_object().field("available", records->available);
      if (records->available) {
        j.field("record_bytes", static_cast<std::uint64_t>(kRecordBytes))
            .field("encrypt_per_second", records->encrypt.per_second());
        if (records->round_trip.ran) j.field("round_trip_per_second", records->round_trip.per_second());
        j.field("interrupted", records->encrypt.interrupted || records->round_trip.interrupted);
      } else {
        j.field("reason", records->why_not);
      }
      j.end_object();
    }
    j.end_object();
  } else {
    print_text(provider.string_property(SSLP11_TOKEN_LABEL_PROPERTY), derivation, chosen.name, curve.curve.name, keys,
               calls_per_op, records);
  }
  if (interrupted) throw InterruptedError("interrupted by Ctrl-C; the figures printed are partial");
  return kExitOk;
}

}  // namespace sslp11::cli
