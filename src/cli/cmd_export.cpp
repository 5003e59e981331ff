// sslp11-admin export: a certificate or public key as PEM. Private and
// secret keys never leave the token, and this command says so.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/format.h"
#include "cli/json.h"
#include "cli/key_formats.h"
#include "cli/object_query.h"
#include "pkcs11/ec_curves.h"
#include "pkcs11/error.h"

namespace po = boost::program_options;

namespace sslp11::cli {

namespace {

constexpr CommandInfo kInfo{
    "export", "(--label L | --id HEX | --uri URI) [--type cert|pubkey] [--output FILE] [options]",
    "Write a certificate (BEGIN CERTIFICATE) or public key (BEGIN PUBLIC KEY) from the token as PEM.",
    "Without --type the certificate is preferred, then the public key. Private keys are refused\n"
    "(exit 1): they are non-extractable and stay on the token. Writes to stdout unless --output.\n\n"
    "example: sslp11-admin export --label web --type cert --output web.pem"};

std::vector<std::uint8_t> required_bytes(const TokenSession& s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t,
                                         std::string_view what) {
  auto v = p11::read_bytes(s.api(), s.handle(), o, t);
  if (!v || v->empty()) throw OperationError("the object has no readable " + std::string(what));
  return *v;
}

std::string token_public_key_pem(const TokenSession& s, const ObjectInfo& o) {
  PublicKey key;
  if (o.key_type == CKK_RSA) {
    key.algorithm = KeyAlgorithm::rsa;
    key.modulus = required_bytes(s, o.handle, CKA_MODULUS, "CKA_MODULUS");
    key.public_exponent = required_bytes(s, o.handle, CKA_PUBLIC_EXPONENT, "CKA_PUBLIC_EXPONENT");
  } else if (o.key_type == CKK_EC) {
    key.algorithm = KeyAlgorithm::ec;
    key.ec_params = required_bytes(s, o.handle, CKA_EC_PARAMS, "CKA_EC_PARAMS");
    key.curve = p11::find_ec_curve_by_params(key.ec_params);
    if (key.curve == nullptr || key.curve->form != p11::EcForm::weierstrass) {
      throw OperationError("the public key's curve is not P-256, P-384 or P-521");
    }
    try {
      key.point = p11::decode_ec_point(required_bytes(s, o.handle, CKA_EC_POINT, "CKA_EC_POINT"),
                                       key.curve->coordinate_bytes);
    } catch (const p11::LayerError& e) {
      // The token's answer, not the operator's input: the operation failed.
      throw OperationError(e.what());
    }
  } else {
    throw OperationError("only RSA and EC public keys can be exported");
  }
  try {
    return public_key_pem(key);
  } catch (const FormatError& e) {
    // The token's values, not the operator's input: the operation failed.
    throw OperationError(e.what());
  }
}

void write_output(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::cout << text;
    return;
  }
  // O_EXCL: never overwrite a file by accident.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw UsageError("cannot create '" + path + "': " + std::string(std::strerror(errno)));
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      throw OperationError("cannot write '" + path + "': " + std::strerror(err));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) throw OperationError("cannot write '" + path + "': " + std::strerror(errno));
}

}  // namespace

int cmd_export(const CommandArgs& args) {
  GlobalOptions global;
  ObjectSelection selection;
  std::string output;
  po::options_description own("export options");
  selection.add_to(own);
  own.add_options()("output,o", po::value(&output)->value_name("FILE"),
                    "write here instead of stdout (an existing file is not overwritten)");
  if (!parse_command_line(kInfo, args, own, global)) return kExitOk;
  if (selection.label.empty() && selection.id.empty() && selection.uri.empty()) {
    throw UsageError("say what to export with --label, --id or --uri");
  }
  // A --uri that names its module and token is a whole target, as for `objects`.
  const Target target = resolve_target(global, selection.uri);
  if (global.verbose) std::cerr << "using " << target.describe() << "\n";
  const auto session = open_user_session(target, Login::if_possible);

  std::vector<ObjectInfo> certs, publics, secrets;
  for (CK_OBJECT_HANDLE h : find_objects(*session, selection)) {
    ObjectInfo o = describe_object(*session, h);
    if (o.object_class == CKO_CERTIFICATE) {
      certs.push_back(std::move(o));
    } else if (o.object_class == CKO_PUBLIC_KEY) {
      publics.push_back(std::move(o));
    } else if (o.object_class == CKO_PRIVATE_KEY || o.object_class == CKO_SECRET_KEY) {
      secrets.push_back(std::move(o));
    }
  }
  const std::vector<ObjectInfo>& chosen = !certs.empty() ? certs : publics;
  if (chosen.empty()) {
    if (!secrets.empty()) {
      throw OperationError("refusing to export the " + std::string(class_name(secrets.front().object_class)) + " '" +
                           secrets.front().label +
                           "': private keys never leave the token; export its certificate (--type cert) or "
                           "public key (--type pubkey) instead");
    }
    throw OperationError("no certificate or public key on token '" + session->label() + "' matches " +
                         selection.describe());
  }
  if (chosen.size() > 1) {
    throw OperationError(std::to_string(chosen.size()) + " " + std::string(class_name(chosen.front().object_class)) +
                         " objects match " + selection.describe() + "; narrow it with --id or --uri");
  }
  const ObjectInfo& o = chosen.front();
  const std::string pem = o.object_class == CKO_CERTIFICATE
                              ? pem_block("CERTIFICATE", required_bytes(*session, o.handle, CKA_VALUE, "CKA_VALUE"))
                              : token_public_key_pem(*session, o);
  if (global.json && (output.empty() || output == "-")) {
    JsonWriter j(std::cout);
    j.begin_object()
        .field("class", class_name(o.object_class))
        .field("label", o.label)
        .field("id", hex(o.id))
        .field("pem", pem)
        .end_object();
    return kExitOk;
  }
  write_output(output, pem);
  if (global.verbose || (!output.empty() && output != "-")) {
    std::cerr << "exported " << class_name(o.object_class) << " '" << o.label << "' id " << hex(o.id)
              << (output.empty() || output == "-" ? "" : " to " + output) << "\n";
  }
  return kExitOk;
}

}  // namespace sslp11::cli
