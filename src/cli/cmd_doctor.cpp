// sslp11-admin doctor: is this token ready for the provider? Loads the
// config, opens the token the way the provider does (core::TokenContext),
// logs in, shows the derivation tier with its evidence and the suites that
// will really be offered (and why the others are not), checks that each
// certificate finds its private key, self-tests the key schedule against a
// software PRF, and finally opens the provider itself (SslOpenProvider).
#include <iostream>

#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/format.h"
#include "cli/json.h"
#include "cli/pins.h"
#include "cli/provider_handle.h"
#include "cli/self_test.h"
#include "cli/token_session.h"
#include "core/error.h"
#include "core/keys.h"
#include "core/private_keys.h"
#include "pkcs11/attributes.h"
#include "pkcs11/error.h"

namespace po = boost::program_options;

namespace sslp11::cli {

namespace {

constexpr CommandInfo kInfo{
    "doctor", "[options]",
    "Check the configured token end to end and self-test its TLS key schedule.",
    "Steps: read the config; open the token as the provider does and log in; report the derivation\n"
    "tier (native or composed) with the mechanisms that decided it; list the cipher suites that will\n"
    "be offered and why each other one is not; check that every certificate on the token finds its\n"
    "private key (what SslOpenPrivateKey does); run a full TLS 1.2 key schedule on throwaway data\n"
    "and compare it with a software PRF; open the provider through SslOpenProvider with the same\n"
    "config. --verbose shows what the self-test compared and which path it exercised.\n"
    "Exit 0 when every check passes, 1 otherwise.\n\n"
    "example: sslp11-admin doctor --config /etc/sslp11/sslp11.conf --verbose"};

struct KeyCheck {
  std::string label, id;
  bool found = false;
  std::string detail;  // key type and flags, or why it was not found
  bool warning = false;  // found, but extractable or not sensitive
};

struct ProviderCheck {
  std::string status = "skipped";  // ok | failed | skipped
  std::string detail;
  std::string derivation, label;
  std::size_t keys_found = 0;
};

core::TokenSettings settings_for(const Target& target, p11::Pin pin) {
  core::TokenSettings s;
  s.name = target.section ? target.section->name : "command-line";
  s.module = target.module;
  s.init_args = target.init_args;
  s.selector = target.selector;
  s.pin = std::move(pin);
  if (target.section) {
    const config::TokenConfig& t = *target.section;
    s.pool_size = t.pool_size;
    s.policy = t.derivation == config::Derivation::native_only ? core::DerivationPolicy::native_only
                                                                : core::DerivationPolicy::allow_composed;
    for (const auto& name : t.cipher_suites) {
      if (core::find_cipher_suite(name) == nullptr) {
        throw UsageError(target.config_path + ": [token." + t.name + "] names cipher suite '" + name +
                         "', which sslp11 does not know");
      }
    }
    s.cipher_suites = t.cipher_suites;
  }
  return s;
}

struct CertificateOnToken {
  std::string label;
  std::vector<std::uint8_t> id, der;
};

std::vector<CertificateOnToken> certificates(const core::TokenContext& token) {
  return token.pool()->run([&](p11::Lease& lease) {
    std::vector<CertificateOnToken> out;
    p11::AttributeTemplate query;
    query.add_ulong(CKA_CLASS, CKO_CERTIFICATE);
    for (CK_OBJECT_HANDLE h : lease.api().find_objects(lease.handle(), query.span())) {
      CertificateOnToken c;
      const auto label = p11::read_bytes(lease.api(), lease.handle(), h, CKA_LABEL);
      if (label) c.label.assign(label->begin(), label->end());
      c.id = p11::read_bytes(lease.api(), lease.handle(), h, CKA_ID).value_or(std::vector<std::uint8_t>{});
      c.der = p11::read_bytes(lease.api(), lease.handle(), h, CKA_VALUE).value_or(std::vector<std::uint8_t>{});
      out.push_back(std::move(c));
    }
    return out;
  });
}

KeyCheck check_key(const std::shared_ptr<core::TokenContext>& token, const CertificateOnToken& cert) {
  KeyCheck k;
  k.label = cert.label;
  k.id = hex(cert.id);
  const core::Provider provider(token);
  try {
    const auto key = core::open_private_key_for_certificate(provider, cert.der);
    k.found = true;
    k.detail = std::string(key_type_name(key->key_type)) + " " + std::to_string(key->bits);
    const auto [sensitive, extractable] = token->pool()->run([&](p11::Lease& lease) {
      return std::pair{p11::read_bool(lease.api(), lease.handle(), key->handle, CKA_SENSITIVE),
                       p11::read_bool(lease.api(), lease.handle(), key->handle, CKA_EXTRACTABLE)};
    });
    k.detail += sensitive == true ? ", sensitive" : ", NOT sensitive";
    k.detail += extractable == false ? ", not extractable" : ", EXTRACTABLE";
    k.warning = sensitive != true || extractable != false;
  } catch (const core::Error& e) {
    k.detail = e.what();
  } catch (const p11::LayerError& e) {
    k.detail = e.what();
  } catch (const p11::Error& e) {
    k.detail = e.what();
  }
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

}  // namespace

int cmd_doctor(const CommandArgs& args) {
  GlobalOptions global;
  po::options_description own;
  if (!parse_command_line(kInfo, args, own, global)) return kExitOk;
  const Target target = resolve_target(global);

  // Open the token the way the provider does, with the PIN read here (a
  // prompt is fine for an operator at a terminal).
  const SelectedToken selected = select_target_token(target);
  const bool login = (selected.slot.token_flags & CKF_LOGIN_REQUIRED) != 0;
  p11::Pin pin;
  if (login && target.user_pin.source.kind != config::PinSource::Kind::none) {
    pin = read_pin(target.user_pin, "user PIN", selected.slot.label);
  }
  std::shared_ptr<core::TokenContext> token;
  try {
    token = core::TokenContext::open(settings_for(target, std::move(pin)));
  } catch (const p11::Error& e) {
    if (is_pin_failure(e.rv())) {
      throw OperationError(pin_rejected_message(selected.module->api(), selected.slot.id, selected.slot.label, e.rv(),
                                                CKU_USER));
    }
    throw;
  }
  const p11::Capabilities& caps = token->capabilities();
  const CK_INFO module_info = selected.module->info();
  const std::string library = p11::trim_padded(module_info.libraryDescription, sizeof module_info.libraryDescription);

  std::vector<std::string> offered;
  std::vector<std::pair<std::string, std::string>> not_offered;
  for (const core::CipherSuite& s : core::all_cipher_suites()) {
    if (token->offered_suite(s.id) != nullptr) {
      offered.emplace_back(s.name);
    } else {
      not_offered.emplace_back(std::string(s.name), token->why_not_offered(s.id));
    }
  }
  const auto certs = certificates(*token);
  std::vector<KeyCheck> keys;
  for (const auto& c : certs) keys.push_back(check_key(token, c));
  SelfTestReport self_test;
  try {
    self_test = run_self_test(*token);
  } catch (const std::exception& e) {
    // A token that refuses a step fails the self-test; the other findings still get reported.
    self_test.path = token->path();
    self_test.failure = std::string("the key schedule failed on the token: ") + e.what();
  }
  const ProviderCheck provider = check_provider(target, certs);

  std::size_t problems = 0;
  if (!self_test.passed) ++problems;
  if (provider.status == "failed") ++problems;
  if (offered.empty()) ++problems;
  std::size_t warnings = 0;
  for (const auto& k : keys) warnings += (!k.found || k.warning) ? 1 : 0;
  const bool ok = problems == 0;
  const std::string derivation(p11::tier_name(token->path()));
  const std::string policy = token->policy() == core::DerivationPolicy::native_only ? "native-only" : "allow-composed";

  if (global.json) {
    JsonWriter j(std::cout);
    j.begin_object().field("ok", ok).field("problems", static_cast<std::uint64_t>(problems))
        .field("warnings", static_cast<std::uint64_t>(warnings));
    j.field("config", target.config_path).field("section", target.section ? target.section->name : "");
    j.field("module", target.module).field("library", library);
    j.key("token")
        .begin_object()
        .field("label", token->slot().label)
        .field("serial", token->slot().serial)
        .field("slot", static_cast<std::uint64_t>(token->slot().id))
        .string_array("flags", token_flag_names(token->slot().token_flags))
        .end_object();
    j.field("login", login ? "user" : "not required");
    j.field("derivation", derivation).field("policy", policy).string_array("evidence", caps.evidence());
    j.string_array("offered", offered).key("not_offered").begin_array();
    for (const auto& [name, why] : not_offered) j.begin_object().field("suite", name).field("reason", why).end_object();
    j.end_array().key("keys").begin_array();
    for (const auto& k : keys) {
      j.begin_object().field("label", k.label).field("id", k.id).field("found", k.found).field("detail", k.detail)
          .field("warning", k.warning).end_object();
    }
    j.end_array();
    j.key("self_test")
        .begin_object()
        .field("passed", self_test.passed)
        .field("skipped", self_test.skipped)
        .field("path", p11::tier_name(self_test.path))
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
    j.end_object();
    return ok ? kExitOk : kExitFailed;
  }

  std::cout << "config      " << (target.section ? target.config_path + " [token." + target.section->name + "]" +
                                                         (target.default_section ? " (default token)" : "")
                                                   : std::string("none (--module)"))
            << "\n"
            << "module      " << target.module << " (" << library << ")\n"
            << "token       '" << token->slot().label << "' serial " << token->slot().serial << ", slot "
            << token->slot().id << " [" << token_flags_text(token->slot().token_flags) << "]\n"
            << "login       " << (login ? "ok, user PIN from " + target.user_pin.source.describe() : "not required")
            << "\n"
            << "derivation  " << derivation << " (policy " << policy << ")\n";
  for (const auto& line : caps.evidence()) std::cout << "    " << line << "\n";
  std::cout << "suites      " << offered.size() << " offered\n";
  for (const auto& s : offered) std::cout << "    " << s << "\n";
  std::cout << "            " << not_offered.size() << " not offered\n";
  for (const auto& [name, why] : not_offered) std::cout << "    " << why << "\n";
  std::cout << "keys        " << certs.size() << " certificate(s) on the token\n";
  for (const auto& k : keys) {
    std::cout << "    certificate '" << k.label << "' id " << k.id << ": "
              << (k.found ? "private key found, " + k.detail : "WARNING: " + k.detail)
              << (k.warning ? " (WARNING)" : "")
              << "\n";
  }
  std::cout << "self-test   ";
  if (self_test.skipped) {
    std::cout << "skipped\n";
  } else if (self_test.passed) {
    std::cout << "passed: the " << derivation << " key schedule of " << self_test.suite
              << " agrees with the software TLS 1.2 PRF\n";
  } else {
    std::cout << "FAILED: " << self_test.failure << "\n";
  }
  if (global.verbose || !self_test.passed) {
    for (const auto& step : self_test.steps) std::cout << "    " << step << "\n";
  }
  const std::string provider_prefix =
      provider.status == "failed" ? "FAILED: " : provider.status == "skipped" ? "skipped: " : "";
  std::cout << "provider    " << provider_prefix << provider.detail << "\n";
  std::cout << (ok ? "result      OK" : "result      " + std::to_string(problems) + " problem(s)")
            << (warnings ? ", " + std::to_string(warnings) + " warning(s)" : "") << "\n";
  return ok ? kExitOk : kExitFailed;
}

}  // namespace sslp11::cli
