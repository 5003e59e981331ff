// sslp11-admin keygen: a key pair generated inside the token; the private
// half never exists anywhere else.
#include <iostream>

#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/format.h"
#include "cli/json.h"
#include "cli/key_ids.h"
#include "cli/object_templates.h"
#include "cli/token_session.h"

namespace po = boost::program_options;

namespace sslp11::cli {

namespace {

constexpr CommandInfo kInfo{
    "keygen", "KEYSPEC --label LABEL [--id HEX] [options]",
    "Generate a key pair on the token. KEYSPEC: rsa:2048, rsa:3072, rsa:4096, ec:p256, ec:p384, ec:p521.",
    "The private key is a token object with CKA_PRIVATE, CKA_SENSITIVE and not CKA_EXTRACTABLE; it may\n"
    "sign and, for RSA, decrypt and unwrap (the TLS RSA key exchange). The public key gets the same\n"
    "CKA_LABEL and CKA_ID (16 random bytes unless --id). Import the certificate for it later with\n"
    "sslp11-admin import --cert CERT --id ID.\n\n"
    "example: sslp11-admin keygen ec:p256 --label web --id 01"};

struct KeySpec {
  KeyAlgorithm algorithm;
  CK_ULONG rsa_bits = 0;
  const p11::EcCurve* curve = nullptr;
  std::string text;
};

KeySpec parse_key_spec(const std::string& text) {
  KeySpec spec{KeyAlgorithm::rsa, 0, nullptr, text};
  if (text == "rsa:2048" || text == "rsa:3072" || text == "rsa:4096") {
    spec.rsa_bits = std::stoul(text.substr(4));
    return spec;
  }
  static const std::pair<std::string_view, std::uint32_t> kCurves[] = {
      {"ec:p256", 256}, {"ec:p384", 384}, {"ec:p521", 521},
      {"ec:prime256v1", 256}, {"ec:secp384r1", 384}, {"ec:secp521r1", 521},
  };
  for (const auto& [name, bits] : kCurves) {
    if (text == name) {
      spec.algorithm = KeyAlgorithm::ec;
      spec.curve = p11::find_ec_curve_by_bits(bits);
      return spec;
    }
  }
  throw UsageError("KEYSPEC must be rsa:2048, rsa:3072, rsa:4096, ec:p256, ec:p384 or ec:p521, got '" + text + "'");
}

}  // namespace

int cmd_keygen(const CommandArgs& args) {
  GlobalOptions global;
  std::string spec_text, label, id_text;
  po::options_description own("keygen options");
  own.add_options()
      ("type", po::value(&spec_text)->value_name("KEYSPEC"), "the key (also the first positional argument)")
      ("label", po::value(&label)->required()->value_name("LABEL"), "CKA_LABEL of both halves")
      ("id", po::value(&id_text)->value_name("HEX"), "CKA_ID of both halves (default: 16 random bytes)");
  po::positional_options_description positional;
  positional.add("type", 1);
  if (!parse_command_line(kInfo, args, own, global, &positional)) return kExitOk;
  if (spec_text.empty()) throw UsageError("give the KEYSPEC, e.g. sslp11-admin keygen rsa:2048 --label web");
  if (label.empty()) throw UsageError("--label must not be empty");
  const KeySpec spec = parse_key_spec(spec_text);
  const Target target = resolve_target(global);
  if (global.verbose) std::cerr << "using " << target.describe() << "\n";

  const auto session = open_user_session(target);
  const auto id = key_id(*session, id_text);
  require_unused_id(*session, CKO_PRIVATE_KEY, id);
  const object_templates::Naming naming{label, id};
  auto pub = spec.algorithm == KeyAlgorithm::rsa ? object_templates::rsa_public_to_generate(naming, spec.rsa_bits)
                                                 : object_templates::ec_public_to_generate(naming, *spec.curve);
  auto priv = object_templates::private_to_generate(naming, spec.algorithm);
  CK_MECHANISM mechanism{spec.algorithm == KeyAlgorithm::rsa ? CKM_RSA_PKCS_KEY_PAIR_GEN : CKM_EC_KEY_PAIR_GEN,
                         nullptr, 0};
  CK_OBJECT_HANDLE pub_handle = CK_INVALID_HANDLE, priv_handle = CK_INVALID_HANDLE;
  session->api().C_GenerateKeyPair(session->handle(), mechanism, pub.span(), priv.span(), pub_handle, priv_handle);

  if (global.json) {
    JsonWriter j(std::cout);
    j.begin_object()
        .field("token", session->label())
        .field("type", spec.text)
        .field("label", label)
        .field("id", hex(id))
        .end_object();
  } else {
    std::cout << "generated " << spec.text << " key pair '" << label << "' with id " << hex(id) << " on token '"
              << session->label() << "'\n";
  }
  return kExitOk;
}

}  // namespace sslp11::cli
