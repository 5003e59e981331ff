// sslp11-admin doctor: is this token ready for the provider? Loads the
// config, opens the token through the provider's own API
// (Sslp11OpenProviderForToken, with the PIN read here), logs in, shows the
// derivation path with its evidence and the suites that will really be
// offered (and why the others are not), checks that each certificate finds
// its private key (SslOpenPrivateKey), self-tests the key schedule against
// known answers (Sslp11RunSelfTest), and finally opens the provider itself
// (SslOpenProvider). The token's objects it lists itself, with pkcs11/. On a
// pool default-token it also opens every other member alone and checks its
// keys, suites and self-test.
#include <algorithm>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/doctor_suites.h"
#include "cli/format.h"
#include "cli/json.h"
#include "cli/openssl_checks.h"
#include "cli/pins.h"
#include "cli/provider_handle.h"
#include "cli/remote_module.h"
#include "cli/token_session.h"
#include "pkcs11/attributes.h"
#include "pkcs11/error.h"

namespace po = boost::program_options;

namespace sslp11::cli {

namespace {

constexpr CommandInfo kInfo{
    "doctor", "[options]",
    "Check the configured token end to end and self-test its TLS key schedule.",
    "Steps: read the config; open the token as the provider does and log in; report the derivation\n"
    "path (native or composed) with the mechanisms that decided it; list the cipher suites that will\n"
    "be offered and why each other one is not; check that every certificate on the token finds its\n"
    "private key (what SslOpenPrivateKey does); run a full TLS 1.2 key schedule on fixed test data\n"
    "and compare it with known answers; open the provider through SslOpenProvider with the same\n"
    "config. --verbose shows what the self-test compared and which path it exercised.\n"
    "Each offered ECDHE suite is also asked about on every curve the token offers. The summary\n"
    "names every problem and warning. Problems: no suite offered, a suite that runs on no curve,\n"
    "no suite that runs on every curve, a certificate without its private key or that OpenSSL\n"
    "cannot parse, a failed self-test, SslOpenProvider failing. Warnings: a suite not on some\n"
    "curve, an extractable or non-sensitive key, a skipped self-test or provider check, the\n"
    "p11-kit client module.\n"
    "When the default-token is a [pool.NAME], the checks run on its first member that opens, and\n"
    "every other member is opened too and self-tested: a certificate whose private key some member\n"
    "lacks is a problem (that member cannot share its signatures), a suite only some members offer\n"
    "a warning (the pool offers only what all offer), a member that cannot be opened or whose\n"
    "self-test fails a problem, one whose self-test is skipped a warning, each naming the member.\n"
    "Exit 0 when no check finds a problem, 1 when one does, 2 for a usage or configuration error\n"
    "(the exit-code table of sslp11-admin --help).\n\n"
    "example: sslp11-admin doctor --config /etc/sslp11/sslp11.conf --verbose"};

struct KeyCheck {
  std::string label, id;
  bool found = false;
  bool parsed = true;  // OpenSSL parses the certificate
  std::string detail;  // key type and flags, or why it was not found
  bool warning = false;  // found, but extractable or not sensitive
};

struct ProviderCheck {
  std::string status = "skipped";  // ok | failed | skipped
  std::string detail;
  std::string derivation, label;
  std::size_t keys_found = 0;
};

struct SelfTest {
  bool passed = false;   // ran and agreed: never true when skipped
  bool skipped = false;
  std::string path;                // the derivation path it exercised (native or composed)
  std::string suite;               // the suite whose key block was derived
  std::vector<std::string> steps;  // what was compared, for --verbose
  std::string failure;             // one line when !passed
};

// "passed", "failed" or "skipped": a skipped self-test is never called passed.
std::string self_test_status(const SelfTest& t) { return t.skipped ? "skipped" : t.passed ? "passed" : "failed"; }

// One line of doctor's summary: a problem fails doctor (exit 1), a warning
// does not; each names what it is about.
struct Finding {
  bool problem = false;
  std::string check;  // suites | keys | self_test | provider | module
  std::string text;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

std::string suite_name(NCRYPT_PROV_HANDLE provider, DWORD id) {
  NCRYPT_SSL_CIPHER_SUITE info{};
  if (SslLookupCipherSuiteInfo(provider, TLS1_2_PROTOCOL_VERSION, id, 0, &info, 0) != ERROR_SUCCESS) return {};
  std::string name;
  for (std::size_t i = 0; i < NCRYPT_SSL_MAX_NAME_SIZE && info.szCipherSuite[i] != 0; ++i) {
    name += info.szCipherSuite[i] < 0x80 ? static_cast<char>(info.szCipherSuite[i]) : '?';
  }
  return name;
}

SelfTest run_self_test(const ProviderHandle& provider) {
  SelfTest t;
  t.path = provider.string_property(SSLP11_DERIVATION_PATH_PROPERTY);
  SSLP11_SELF_TEST_RESULT result{};
  const SECURITY_STATUS status = Sslp11RunSelfTest(provider.get(), &result, 0);
  if (status != ERROR_SUCCESS) {
    // A token that refuses a step fails the self-test; the other findings still get reported.
    t.failure = "the key schedule failed on the token: " + status_text(status);
    return t;
  }
  t.skipped = result.dwOutcome == SSLP11_SELF_TEST_SKIPPED;
  t.passed = result.dwOutcome == SSLP11_SELF_TEST_PASSED;
  if (result.dwCipherSuite != 0) t.suite = suite_name(provider.get(), result.dwCipherSuite);
  t.steps = lines_of(result.szSteps);
  t.failure = result.szFailure;
  return t;
}

struct CertificateOnToken {
  std::string label;
  std::vector<std::uint8_t> id, der;
};

std::vector<CertificateOnToken> certificates(const TokenSession& session) {
  std::vector<CertificateOnToken> out;
  p11::AttributeTemplate query;
  query.add_ulong(CKA_CLASS, CKO_CERTIFICATE);
  const p11::Api& api = session.api();
  for (CK_OBJECT_HANDLE h : api.find_objects(session.handle(), query.span())) {
    CertificateOnToken c;
    const auto label = p11::read_bytes(api, session.handle(), h, CKA_LABEL);
    if (label) c.label.assign(label->begin(), label->end());
    c.id = p11::read_bytes(api, session.handle(), h, CKA_ID).value_or(std::vector<std::uint8_t>{});
    c.der = p11::read_bytes(api, session.handle(), h, CKA_VALUE).value_or(std::vector<std::uint8_t>{});
    out.push_back(std::move(c));
  }
  return out;
}

// What SslOpenPrivateKey finds for the certificate, and how the token keeps it (Sslp11DescribeKey).
KeyCheck check_key(const ProviderHandle& provider, const CertificateOnToken& cert) {
  KeyCheck k;
  k.label = cert.label;
  k.id = hex(cert.id);
  if (auto why = certificate_problem(cert.der)) {
    k.parsed = false;
    k.detail = *why;
    return k;
  }
  std::vector<std::uint8_t> der = cert.der;
  CERT_CONTEXT context{X509_ASN_ENCODING, der.data(), static_cast<DWORD>(der.size()), nullptr, nullptr};
  KeyHandle key;
  if (SslOpenPrivateKey(provider.get(), key.out(), &context, 0) != ERROR_SUCCESS) {
    k.detail = last_error_text();
    return k;
  }
  k.found = true;
  DWORD bits = 0;
  {
    PBYTE out = nullptr;
    DWORD size = 0;
    if (SslGetKeyProperty(key.get(), NCRYPT_LENGTH_PROPERTY, &out, &size, 0) == ERROR_SUCCESS && out != nullptr) {
      if (size == sizeof bits) std::memcpy(&bits, out, sizeof bits);
      SslFreeBuffer(out);
    }
  }
  SSLP11_KEY_OBJECT_INFO objects[4]{};
  DWORD count = 0;
  const SSLP11_KEY_OBJECT_INFO* private_key = nullptr;
  if (Sslp11DescribeKey(key.get(), objects, 4, &count, 0) == ERROR_SUCCESS) {
    for (DWORD i = 0; i < count && i < 4; ++i)
      if (objects[i].dwRole == SSLP11_OBJECT_ROLE_PRIVATE_KEY) private_key = &objects[i];
  }
  const CK_KEY_TYPE type = private_key != nullptr && private_key->dwKeyType != SSLP11_UNKNOWN_VALUE
                               ? private_key->dwKeyType
                               : CK_UNAVAILABLE_INFORMATION;
  const bool sensitive = private_key != nullptr && private_key->lSensitive == 1;
  const bool extractable = private_key == nullptr || private_key->lExtractable != 0;
  k.detail = std::string(key_type_name(type)) + " " + std::to_string(bits);
  k.detail += sensitive ? ", sensitive" : ", NOT sensitive";
  k.detail += extractable ? ", EXTRACTABLE" : ", not extractable";
  k.warning = !sensitive || extractable;
  return k;
}

ProviderCheck check_provider(const Target& target, const std::vector<CertificateOnToken>& certs) {
  ProviderCheck p;
  if (const auto why = provider_mismatch(target)) {
    p.detail = *why;
    return p;
  }
  try {
    const ProviderHandle provider(target.config_path);
    p.derivation = provider.string_property(SSLP11_DERIVATION_PATH_PROPERTY);
    p.label = provider.string_property(SSLP11_TOKEN_LABEL_PROPERTY);
    for (const auto& c : certs) {
      std::vector<std::uint8_t> der = c.der;
      CERT_CONTEXT context{X509_ASN_ENCODING, der.data(), static_cast<DWORD>(der.size()), nullptr, nullptr};
      KeyHandle key;
      if (SslOpenPrivateKey(provider.get(), key.out(), &context, 0) == ERROR_SUCCESS) ++p.keys_found;
    }
    p.status = "ok";
    p.detail = "SslOpenProvider opened token '" + p.label + "' (derivation " + p.derivation + "); SslOpenPrivateKey " +
               "found " + std::to_string(p.keys_found) + " of " + std::to_string(certs.size()) + " certificate keys";
  } catch (const OperationError& e) {
    p.status = "failed";
    p.detail = e.what();
  }
  return p;
}

// The user PIN for `selected`, read as `target` says (empty: no login).
p11::Pin read_user_pin(const Target& target, const SelectedToken& selected) {
  const bool login = (selected.slot.token_flags & CKF_LOGIN_REQUIRED) != 0;
  if (!login || target.user_pin.source.kind == config::PinSource::Kind::none) return {};
  return read_pin(target.user_pin, "user PIN", selected.slot.label);  // a prompt is fine for an operator at a terminal
}

// The token doctor checks in full, opened: its slot and module, its
// certificates (read with pkcs11/, in a session closed and logged out before
// the provider logs in with its own) and the provider handle on it (which
// keeps its own copy of the PIN).
struct OpenedToken {
  Target target;
  SelectedToken selected;
  std::vector<CertificateOnToken> certs;
  std::unique_ptr<ProviderHandle> provider;
};

OpenedToken open_token(const Target& target) {
  OpenedToken o{target, select_target_token(target), {}, nullptr};
  const p11::Pin pin = read_user_pin(target, o.selected);
  {
    TokenSession session(o.selected.module, o.selected.slot);
    if (!pin.empty()) session.login(CKU_USER, pin);
    o.certs = certificates(session);
  }
  o.provider = std::make_unique<ProviderHandle>(o.target, pin);
  return o;
}

// The pool doctor checks when the target is a pool default-token's first
// member (no token chosen on the command line); nullopt otherwise.
std::optional<config::PoolConfig> default_pool(const GlobalOptions& global, const Target& target) {
  if (!target.section || !global.token.empty() || target.selector_from_command_line) return std::nullopt;
  const config::Config cfg = config::load_config(target.config_path);
  const config::PoolConfig* p = cfg.default_pool();
  if (p == nullptr || p->members.front() != target.section->name) return std::nullopt;
  return *p;
}

// The target of pool member `name` ([token.NAME] of the same config).
Target member_target(const GlobalOptions& global, const std::string& name) {
  GlobalOptions g = global;
  g.token = name;
  return resolve_target(g);
}

// A pool default-token: what each member other than the one checked in full
// (its first that opens) lacks of it, and its own self-test. A member without
// a server's key cannot take its share of the signatures, the pool offers
// only the suites every member offers, and any member may be given a key
// schedule, so a difference between members shows up in service. Each member
// is opened alone (Sslp11OpenProviderForToken with its own section), so the
// public Sslp11RunSelfTest on that handle runs on that member only.
struct MemberCheck {
  std::string name;                       // [token.NAME]
  std::string error;                      // why it could not be checked; "" when it was
  std::vector<std::string> lacking_keys;  // "certificate 'web' id 01" whose private key it lacks
  std::vector<std::string> offered;       // the suites its token offers
  SelfTest self_test;                     // not run (neither passed nor skipped) when error is set
};

struct PoolCheck {
  std::string name;  // [pool.NAME]; "" when the target is not a pool's first member
  std::vector<MemberCheck> members;  // the first member too (its keys and suites checked above)
  std::vector<std::pair<std::string, std::vector<std::string>>> partial_suites;  // suite, members lacking it
};

// `unopened`: the members before the checked one, which could not be opened.
PoolCheck check_pool(const GlobalOptions& global, const std::optional<config::PoolConfig>& p,
                     std::vector<MemberCheck> unopened, const std::string& checked,
                     const std::vector<CertificateOnToken>& certs, const std::vector<KeyCheck>& keys,
                     const std::vector<std::string>& offered, const SelfTest& checked_self_test) {
  PoolCheck pool;
  if (!p) return pool;
  pool.name = p->name;
  pool.members = std::move(unopened);
  pool.members.push_back(MemberCheck{checked, {}, {}, offered, checked_self_test});
  for (const KeyCheck& k : keys)
    if (k.parsed && !k.found) pool.members.back().lacking_keys.push_back("certificate '" + k.label + "' id " + k.id);
  for (std::size_t m = pool.members.size(); m < p->members.size(); ++m) {
    MemberCheck check{p->members[m], {}, {}, {}, {}};
    try {
      const Target t = member_target(global, p->members[m]);
      const SelectedToken selected = select_target_token(t);
      const ProviderHandle member(t, read_user_pin(t, selected));
      for (const auto& c : certs) {
        const KeyCheck k = check_key(member, c);
        if (k.parsed && !k.found) check.lacking_keys.push_back("certificate '" + k.label + "' id " + k.id);
      }
      // "NAME" TAB "" when offered, else "NAME" TAB why not.
      for (const auto& line : lines_of(member.token_report(SSLP11_REPORT_CIPHER_SUITES))) {
        const auto tab = line.find('\t');
        if (tab == std::string::npos || tab + 1 == line.size()) check.offered.push_back(line.substr(0, tab));
      }
      check.self_test = run_self_test(member);
    } catch (const std::exception& e) {
      check.error = one_line(e.what());
    }
    pool.members.push_back(std::move(check));
  }
  // Suites some checked members offer and others do not.
  std::vector<std::string> seen;
  for (const auto& m : pool.members) {
    if (!m.error.empty()) continue;
    for (const auto& suite : m.offered) {
      if (std::find(seen.begin(), seen.end(), suite) != seen.end()) continue;
      seen.push_back(suite);
      std::vector<std::string> lacking;
      for (const auto& other : pool.members)
        if (other.error.empty() && std::find(other.offered.begin(), other.offered.end(), suite) == other.offered.end())
          lacking.push_back(other.name);
      if (!lacking.empty()) pool.partial_suites.emplace_back(suite, lacking);
    }
  }
  return pool;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

int cmd_doctor(const CommandArgs& args) {
  GlobalOptions global;
  po::options_description own;
  if (!parse_command_line(kInfo, args, own, global)) return kExitOk;
  Target first = resolve_target(global);
  const std::optional<config::PoolConfig> pool_config = default_pool(global, first);

  // The token's own view first, with pkcs11/: its flags, its certificates,
  // and whether it takes the PIN (one line naming its PIN flags if not); then
  // the provider's view of the same token, through its API. On a pool, the
  // first member that opens is checked in full (and stands for the pool's
  // default section); the members before it are problems of their own. A
  // lone token that cannot be opened is doctor's one-line error.
  std::vector<MemberCheck> unopened;
  std::optional<OpenedToken> opened;
  for (std::size_t m = 0; !opened; ++m) {
    try {
      opened.emplace(open_token(first));
    } catch (const std::exception& e) {
      if (!pool_config || m + 1 == pool_config->members.size()) throw;
      unopened.push_back(MemberCheck{first.section->name, one_line(e.what()), {}, {}, {}});
      first = member_target(global, pool_config->members[m + 1]);
      first.default_section = true;  // what SslOpenProvider opens is still the pool
    }
  }
  const Target& target = opened->target;
  const SelectedToken& selected = opened->selected;
  const p11::SlotDescription& slot = selected.slot;
  const bool login = (slot.token_flags & CKF_LOGIN_REQUIRED) != 0;
  const std::vector<CertificateOnToken>& certs = opened->certs;
  const ProviderHandle& token = *opened->provider;
  const CK_INFO module_info = selected.module->info();
  const std::string library = p11::trim_padded(module_info.libraryDescription, sizeof module_info.libraryDescription);
  const std::string derivation = token.string_property(SSLP11_DERIVATION_PATH_PROPERTY);
  const std::vector<std::string> evidence = lines_of(token.token_report(SSLP11_REPORT_DERIVATION_EVIDENCE));
  std::vector<std::string> offered;
  std::vector<std::pair<std::string, std::string>> not_offered;
  for (const auto& line : lines_of(token.token_report(SSLP11_REPORT_CIPHER_SUITES))) {
    const auto tab = line.find('\t');
    const std::string name = line.substr(0, tab);
    const std::string why = tab == std::string::npos ? std::string() : line.substr(tab + 1);
    if (why.empty()) {
      offered.push_back(name);
    } else {
      not_offered.emplace_back(name, why);
    }
  }
  std::vector<KeyCheck> keys;
  for (const auto& c : certs) keys.push_back(check_key(token, c));
  const std::vector<SuiteOnCurves> suite_curves = check_suites_on_curves(token, offered);
  const SelfTest self_test = run_self_test(token);
  const ProviderCheck provider = check_provider(target, certs);
  const PoolCheck pool =
      check_pool(global, pool_config, std::move(unopened), target.section ? target.section->name : "", certs, keys,
                 offered, self_test);
  const std::optional<std::string> remote_note = p11_kit_client_note(*selected.module);

  std::vector<Finding> findings;
  auto problem = [&findings](std::string check, std::string text) {
    findings.push_back({true, std::move(check), std::move(text)});
  };
  auto warning = [&findings](std::string check, std::string text) {
    findings.push_back({false, std::move(check), std::move(text)});
  };
  if (remote_note) warning("module", *remote_note);
  if (offered.empty()) problem("suites", "the token offers no cipher suite of the configured ones");
  bool any_runs_everywhere = false;
  for (const auto& s : suite_curves) {
    any_runs_everywhere = any_runs_everywhere || s.runs_everywhere();
    if (s.runs_nowhere()) {
      problem("suites", s.suite + " cannot run on any curve the token offers" +
                            (s.fails_on.empty() ? std::string(" (it offers none)") : ": " + s.fails_on.front().second));
    } else if (!s.runs_everywhere()) {
      std::string curves;
      for (const auto& [curve, why] : s.fails_on) curves += (curves.empty() ? "" : ", ") + curve;
      warning("suites", s.suite + " cannot run on " + curves + ": " + s.fails_on.front().second);
    }
  }
  // A TLS stack pairs any offered suite with any offered curve; when every
  // suite fails on some curve, a handshake on that curve (P-256, the one
  // every client offers) fails whatever the suite.
  if (!offered.empty() && !any_runs_everywhere) {
    problem("suites", "no offered cipher suite runs on every curve the token offers, so a handshake on such a "
                      "curve fails (enable a suite that does, e.g. a SHA-256 one)");
  }
  for (const auto& k : keys) {
    const std::string which = "certificate '" + k.label + "' id " + k.id;
    if (!k.parsed) {
      problem("keys", which + " cannot be parsed: " + k.detail);
    } else if (!k.found) {
      problem("keys", which + " has no private key SslOpenPrivateKey finds: " + k.detail);
    } else if (k.warning) {
      warning("keys", which + ": the private key is " + k.detail);
    }
  }
  // On a pool, each member's self-test (the checked member's is the one above), naming the member.
  auto self_test_finding = [&](const std::string& who, const SelfTest& t) {
    if (t.skipped) {
      warning("self_test", who + "the key schedule self-test was skipped: no offered suite uses the SHA-256 PRF, "
                                 "the one its known answers are for");
    } else if (!t.passed) {
      problem("self_test", who + "the key schedule self-test failed: " + t.failure);
    }
  };
  if (pool.members.empty()) self_test_finding("", self_test);
  for (const MemberCheck& m : pool.members) {
    const std::string member = "pool member [token." + m.name + "]";
    if (!m.error.empty()) {
      problem("pool", member + " cannot be checked (its keys, suites and self-test): " + m.error);
    } else {
      self_test_finding(member + ": ", m.self_test);
    }
  }
  for (std::size_t i = 0; i < certs.size(); ++i) {
    std::vector<std::string> lacking;
    const std::string which = "certificate '" + keys[i].label + "' id " + keys[i].id;
    for (const auto& m : pool.members) {
      if (std::find(m.lacking_keys.begin(), m.lacking_keys.end(), which) != m.lacking_keys.end()) {
        lacking.push_back(m.name);
      }
    }
    if (!lacking.empty() && lacking.size() < pool.members.size()) {
      problem("pool", which + ": its private key is not on pool member(s) " + joined(lacking) +
                          " (its signatures go to the others only)");
    }
  }
  for (const auto& [suite, lacking] : pool.partial_suites) {
    warning("pool",
            suite + " is not offered by pool member(s) " + joined(lacking) + ", so the pool does not offer it");
  }
  if (provider.status == "failed") problem("provider", "SslOpenProvider failed: " + provider.detail);
  if (provider.status == "skipped") warning("provider", "SslOpenProvider was not tried: " + provider.detail);

  std::size_t problems = 0, warnings = 0;
  for (const auto& f : findings) (f.problem ? problems : warnings) += 1;
  const bool ok = problems == 0;
  const std::string policy(config::derivation_name(target.section ? target.section->derivation
                                                                  : config::DerivationPolicy::allow_composed));

  if (global.json) {
    JsonWriter j(std::cout);
    j.begin_object().field("ok", ok).field("problems", static_cast<std::uint64_t>(problems))
        .field("warnings", static_cast<std::uint64_t>(warnings));
    j.field("config", target.config_path).field("section", target.section ? target.section->name : "");
    j.field("module", target.module).field("library", library);
    if (remote_note) j.field("module_note", *remote_note);
    j.key("token")
        .begin_object()
        .field("label", slot.label)
        .field("serial", slot.serial)
        .field("slot", static_cast<std::uint64_t>(slot.id))
        .string_array("flags", token_flag_names(slot.token_flags))
        .end_object();
    j.field("login", login ? "user" : "not required");
    j.field("derivation", derivation).field("policy", policy).string_array("evidence", evidence);
    j.string_array("offered", offered).key("not_offered").begin_array();
    for (const auto& [name, why] : not_offered) j.begin_object().field("suite", name).field("reason", why).end_object();
    j.end_array().key("suite_curves").begin_array();
    for (const auto& sc : suite_curves) {
      j.begin_object().field("suite", sc.suite).string_array("runs_on", sc.runs_on).key("fails_on").begin_array();
      for (const auto& [curve, why] : sc.fails_on) j.begin_object().field("curve", curve).field("reason", why).end_object();
      j.end_array().end_object();
    }
    j.end_array().key("keys").begin_array();
    for (const auto& k : keys) {
      j.begin_object().field("label", k.label).field("id", k.id).field("parsed", k.parsed).field("found", k.found)
          .field("detail", k.detail).field("warning", k.warning).end_object();
    }
    j.end_array();
    j.key("self_test")
        .begin_object()
        .field("status", self_test_status(self_test))
        .field("passed", self_test.passed)
        .field("skipped", self_test.skipped)
        .field("path", derivation)
        .field("suite", self_test.suite)
        .string_array("steps", self_test.steps)
        .field("failure", self_test.failure)
        .end_object();
    j.key("provider")
        .begin_object()
        .field("status", provider.status)
        .field("detail", provider.detail)
        .field("derivation", provider.derivation)
        .field("keys_found", static_cast<std::uint64_t>(provider.keys_found))
        .end_object();
    if (!pool.name.empty()) {
      j.key("pool").begin_object().field("name", pool.name).key("members").begin_array();
      for (const auto& m : pool.members) {
        j.begin_object().field("name", m.name).field("error", m.error).string_array("lacking_keys", m.lacking_keys)
            .field("offered", static_cast<std::uint64_t>(m.offered.size()));
        j.key("self_test")
            .begin_object()
            .field("status", m.error.empty() ? self_test_status(m.self_test) : "not run")
            .field("passed", m.self_test.passed)
            .field("skipped", m.self_test.skipped)
            .field("path", m.self_test.path)
            .field("suite", m.self_test.suite)
            .field("failure", m.self_test.failure)
            .end_object()
            .end_object();
      }
      j.end_array().end_object();
    }
    j.key("findings").begin_array();
    for (const auto& f : findings) {
      j.begin_object().field("severity", f.problem ? "problem" : "warning").field("check", f.check)
          .field("text", f.text).end_object();
    }
    j.end_array();
    j.end_object();
    return ok ? kExitOk : kExitFailed;
  }

  const std::string default_note =
      pool_config ? " (default token [pool." + pool_config->name + "]: its first member that opens)" : " (default token)";
  std::cout << "config      " << (target.section ? target.config_path + " [token." + target.section->name + "]" +
                                                         (target.default_section ? default_note : "")
                                                   : std::string("none (--module)"))
            << "\n"
            << "module      " << target.module << " (" << library << ")\n"
            << (remote_note ? "    WARNING: " + *remote_note + "\n" : std::string())
            << "token       '" << slot.label << "' serial " << slot.serial << ", slot " << slot.id << " ["
            << token_flags_text(slot.token_flags) << "]\n"
            << "login       " << (login ? "ok, user PIN from " + target.user_pin.source.describe() : "not required")
            << "\n"
            << "derivation  " << derivation << " (policy " << policy << ")\n";
  for (const auto& line : evidence) std::cout << "    " << line << "\n";
  std::cout << "suites      " << offered.size() << " offered\n";
  for (const auto& sc : suite_curves) {
    std::cout << "    " << sc.suite;
    std::string curves;
    for (const auto& [curve, why] : sc.fails_on) curves += (curves.empty() ? "" : ", ") + curve;
    if (sc.runs_nowhere()) {
      std::cout << " (PROBLEM: runs on no curve" << (curves.empty() ? "" : "; not on " + curves) << ")";
    } else if (!curves.empty()) {
      std::cout << " (WARNING: not on " << curves << ")";
    }
    std::cout << "\n";
  }
  std::cout << "            " << not_offered.size() << " not offered\n";
  for (const auto& [name, why] : not_offered) std::cout << "    " << why << "\n";
  std::cout << "keys        " << certs.size() << " certificate(s) on the token\n";
  for (const auto& k : keys) {
    std::cout << "    certificate '" << k.label << "' id " << k.id << ": "
              << (!k.parsed ? "PROBLEM: " + k.detail
                  : k.found ? "private key found, " + k.detail
                            : "PROBLEM: no private key: " + k.detail)
              << (k.warning ? " (WARNING)" : "")
              << "\n";
  }
  std::cout << "self-test   ";
  if (self_test.skipped) {
    std::cout << "skipped (not passed): no offered suite uses the SHA-256 PRF its known answers are for\n";
  } else if (self_test.passed) {
    std::cout << "passed: the " << derivation << " key schedule of " << self_test.suite
              << " agrees with the TLS 1.2 PRF's known answers\n";
  } else {
    std::cout << "FAILED: " << self_test.failure << "\n";
  }
  if (global.verbose || (!self_test.passed && !self_test.skipped)) {
    for (const auto& step : self_test.steps) std::cout << "    " << step << "\n";
  }
  const std::string provider_prefix =
      provider.status == "failed" ? "FAILED: " : provider.status == "skipped" ? "skipped: " : "";
  std::cout << "provider    " << provider_prefix << provider.detail << "\n";
  if (!pool.name.empty()) {
    std::cout << "pool        [pool." << pool.name << "]: " << pool.members.size() << " members\n";
    for (const auto& m : pool.members) {
      std::cout << "    [token." << m.name << "] ";
      if (!m.error.empty()) {
        std::cout << "PROBLEM: " << m.error << " (self-test not run)\n";
        continue;
      }
      std::cout << (m.lacking_keys.empty()
                        ? "every certificate's private key, " + std::to_string(m.offered.size()) + " suites offered"
                        : "PROBLEM: lacks the private key of " + joined(m.lacking_keys))
                << "; self-test "
                << (m.self_test.skipped  ? "skipped (WARNING: not passed)"
                    : m.self_test.passed ? "passed (" + m.self_test.suite + ")"
                                         : "FAILED (PROBLEM): " + m.self_test.failure)
                << "\n";
    }
  }
  // The summary names every problem and warning, so the last lines say why
  // the exit status is what it is.
  std::cout << (ok ? "result      OK" : "result      " + std::to_string(problems) + " problem(s)")
            << (warnings ? ", " + std::to_string(warnings) + " warning(s)" : "") << "\n";
  for (const auto& f : findings) std::cout << "    " << (f.problem ? "problem: " : "warning: ") << f.text << "\n";
  return ok ? kExitOk : kExitFailed;
}

}  // namespace sslp11::cli
