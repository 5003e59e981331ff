// sslp11-admin import: a private key and/or its certificate onto the token,
// linked by CKA_ID. The key ends up sensitive and not extractable; every host
// buffer that held it is wiped (KeyFile, AttributeTemplate).
#include <iostream>
#include <optional>

#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/format.h"
#include "cli/json.h"
#include "cli/key_files.h"
#include "cli/key_ids.h"
#include "cli/object_templates.h"
#include "cli/token_session.h"
#include "pkcs11/error.h"

namespace po = boost::program_options;

namespace sslp11::cli {

namespace {

constexpr CommandInfo kInfo{
    "import", "(--key FILE | --cert FILE | both) --label LABEL [--id HEX] [options]",
    "Import a private key and/or a certificate (PEM or DER) onto the token, linked by CKA_ID.",
    "Keys: PKCS#8 (BEGIN PRIVATE KEY), PKCS#1 (BEGIN RSA PRIVATE KEY) or SEC1 (BEGIN EC PRIVATE KEY),\n"
    "unencrypted; RSA or EC on P-256/P-384/P-521. The private key becomes a token object that is\n"
    "CKA_PRIVATE, CKA_SENSITIVE and not CKA_EXTRACTABLE, with a public key object beside it. The\n"
    "certificate (the first of a PEM chain) is stored with its subject, issuer and serial number.\n"
    "Both get --label and the same CKA_ID: --id, else (certificate alone) the id of the key on the\n"
    "token whose public key matches, else 16 random bytes. A certificate whose public key differs\n"
    "from the imported key is refused, and so are a key OpenSSL's key check rejects, a certificate\n"
    "OpenSSL cannot parse, and a key or certificate the token already holds (unless --force).\n"
    "Remove the key file once imported.\n\n"
    "example: sslp11-admin import --key server.key --cert server.pem --label web"};

std::optional<std::vector<std::uint8_t>> read_id(const TokenSession& session, CK_OBJECT_HANDLE o) {
  auto id = p11::read_bytes(session.api(), session.handle(), o, CKA_ID);
  if (!id || id->empty()) return std::nullopt;
  return id;
}

// The key objects already on the token whose public half is `pub`: private
// keys (RSA, by modulus) and public keys (RSA, and EC by point, as an EC
// private key carries no point).
std::vector<CK_OBJECT_HANDLE> matching_key_objects(const TokenSession& session, const PublicKey& pub) {
  std::vector<p11::AttributeTemplate> queries;
  if (pub.algorithm == KeyAlgorithm::rsa) {
    for (CK_OBJECT_CLASS cls : {CKO_PRIVATE_KEY, CKO_PUBLIC_KEY}) {
      p11::AttributeTemplate q;
      q.add_ulong(CKA_CLASS, cls).add_ulong(CKA_KEY_TYPE, CKK_RSA).add_bytes(CKA_MODULUS, pub.modulus);
      queries.push_back(std::move(q));
    }
  } else {
    // CKA_EC_POINT is a DER OCTET STRING on most tokens, the raw point on some.
    for (const auto& point : {keyfile::ec_point_attribute(pub.point),
                              std::vector<std::uint8_t>(pub.point.begin(), pub.point.end())}) {
      p11::AttributeTemplate q;
      q.add_ulong(CKA_CLASS, CKO_PUBLIC_KEY).add_ulong(CKA_KEY_TYPE, CKK_EC).add_bytes(CKA_EC_POINT, point);
      queries.push_back(std::move(q));
    }
  }
  std::vector<CK_OBJECT_HANDLE> found;
  for (auto& q : queries) {
    for (CK_OBJECT_HANDLE o : session.api().find_objects(session.handle(), q.span())) found.push_back(o);
  }
  return found;
}

// The CKA_ID of a key already on the token whose public half is `pub`.
std::optional<std::vector<std::uint8_t>> id_of_matching_key(const TokenSession& session, const PublicKey& pub) {
  for (CK_OBJECT_HANDLE o : matching_key_objects(session, pub)) {
    if (auto id = read_id(session, o)) return id;
  }
  return std::nullopt;
}

// "private-key 'web' id 01ab": how the operator finds an object with `objects`.
std::string object_name(const TokenSession& session, CK_OBJECT_HANDLE o) {
  const auto cls = p11::read_ulong(session.api(), session.handle(), o, CKA_CLASS).value_or(CKO_DATA);
  const auto label = p11::read_bytes(session.api(), session.handle(), o, CKA_LABEL).value_or(std::vector<std::uint8_t>{});
  return std::string(class_name(cls)) + " '" + std::string(label.begin(), label.end()) + "' id " +
         hex(read_id(session, o).value_or(std::vector<std::uint8_t>{}));
}

// A second copy of a key (or certificate) is refused: SslOpenPrivateKey
// would find either, and deleting "the" key would leave the other behind.
void refuse_copies(const TokenSession& session, const PrivateKey* key, const std::optional<PublicKey>& public_key,
                   const Certificate* cert) {
  std::vector<CK_OBJECT_HANDLE> existing;
  if (key != nullptr && public_key) existing = matching_key_objects(session, *public_key);
  if (cert != nullptr) {
    p11::AttributeTemplate q;
    q.add_ulong(CKA_CLASS, CKO_CERTIFICATE).add_bytes(CKA_VALUE, cert->der);
    for (CK_OBJECT_HANDLE o : session.api().find_objects(session.handle(), q.span())) existing.push_back(o);
  }
  if (existing.empty()) return;
  std::string names;
  for (CK_OBJECT_HANDLE o : existing) names += (names.empty() ? "" : ", ") + object_name(session, o);
  throw OperationError("token '" + session.label() + "' already holds what this import adds: " + names +
                       "; nothing imported (--force stores a second copy)");
}

// Objects created so far, destroyed again if a later step fails.
class Created {
 public:
  explicit Created(const TokenSession& session) : session_(session) {}
  ~Created() {
    if (committed_) return;
    for (CK_OBJECT_HANDLE o : objects_) {
      try {
        session_.api().C_DestroyObject(session_.handle(), o);
      } catch (const p11::Error&) {
      }
    }
  }
  Created(const Created&) = delete;
  Created& operator=(const Created&) = delete;
  CK_OBJECT_HANDLE add(p11::AttributeTemplate tmpl) {
    const CK_OBJECT_HANDLE o = session_.api().C_CreateObject(session_.handle(), tmpl.span());
    objects_.push_back(o);
    return o;
  }
  void commit() noexcept { committed_ = true; }

 private:
  const TokenSession& session_;
  std::vector<CK_OBJECT_HANDLE> objects_;
  bool committed_ = false;
};

}  // namespace

int cmd_import(const CommandArgs& args) {
  GlobalOptions global;
  std::string key_path, cert_path, label, id_text;
  bool force = false;
  po::options_description own("import options");
  own.add_options()
      ("key", po::value(&key_path)->value_name("FILE"), "private key file (PEM or DER, unencrypted)")
      ("cert", po::value(&cert_path)->value_name("FILE"), "certificate file (PEM or DER)")
      ("label", po::value(&label)->required()->value_name("LABEL"), "CKA_LABEL of the imported objects")
      ("id", po::value(&id_text)->value_name("HEX"), "CKA_ID linking key and certificate")
      ("force", po::bool_switch(&force), "import even if the token already holds this key or certificate");
  if (!parse_command_line(kInfo, args, own, global)) return kExitOk;
  if (key_path.empty() && cert_path.empty()) throw UsageError("give --key FILE, --cert FILE or both");
  if (label.empty()) throw UsageError("--label must not be empty");
  const Target target = resolve_target(global);
  if (global.verbose) std::cerr << "using " << target.describe() << "\n";

  std::optional<KeyFile> key_file;
  std::optional<CertificateFile> cert_file;
  if (!key_path.empty()) key_file.emplace(key_path);
  if (!cert_path.empty()) cert_file.emplace(cert_path);
  const PrivateKey* key = key_file ? &key_file->key() : nullptr;
  const Certificate* cert = cert_file ? &cert_file->certificate() : nullptr;

  // The public key object beside an imported private key.
  std::optional<PublicKey> public_key;
  if (key != nullptr) {
    if (cert != nullptr && !same_key(*key, cert->public_key)) {
      throw OperationError("the certificate's public key does not belong to the private key; nothing imported");
    }
    public_key = key->public_key();
  }
  if (cert_file && cert_file->chain_rest() != 0) {
    std::cerr << "note: " << cert_path << " holds " << cert_file->chain_rest()
              << " more certificate(s) after the first; only the first is imported\n";
  }

  const auto session = open_user_session(target);
  if (!force) refuse_copies(*session, key, public_key, cert);
  std::vector<std::uint8_t> id;
  std::string id_origin = "given";
  if (!id_text.empty()) {
    id = key_id(*session, id_text);
  } else if (key == nullptr) {
    if (auto found = id_of_matching_key(*session, cert->public_key)) {
      id = *found;
      id_origin = "of the matching key on the token";
    }
  }
  if (id.empty()) {
    id = key_id(*session, "");
    id_origin = "random";
    if (key == nullptr) {
      std::cerr << "note: no key on token '" << session->label()
                << "' matches the certificate's public key; it gets a random id (give --id to link it)\n";
    }
  }
  if (key != nullptr) require_unused_id(*session, CKO_PRIVATE_KEY, id);
  if (public_key) require_unused_id(*session, CKO_PUBLIC_KEY, id);
  if (cert != nullptr) require_unused_id(*session, CKO_CERTIFICATE, id);

  const object_templates::Naming naming{label, id};
  Created created(*session);
  if (key != nullptr) {
    const CK_OBJECT_HANDLE priv = created.add(object_templates::private_to_import(naming, *key));
    // Trust but verify: a token that silently ignored the template must not keep a readable key.
    const auto sensitive = p11::read_bool(session->api(), session->handle(), priv, CKA_SENSITIVE);
    const auto extractable = p11::read_bool(session->api(), session->handle(), priv, CKA_EXTRACTABLE);
    if (sensitive != true || extractable != false) {
      throw OperationError("token '" + session->label() +
                           "' did not make the imported key sensitive and non-extractable; it was removed again");
    }
  }
  if (public_key) created.add(object_templates::public_to_import(naming, *public_key));
  if (cert != nullptr) created.add(object_templates::certificate_to_import(naming, *cert));
  created.commit();

  if (global.json) {
    JsonWriter j(std::cout);
    j.begin_object().field("token", session->label()).field("label", label).field("id", hex(id));
    j.key("private_key");
    if (key != nullptr) {
      j.begin_object()
          .field("type", key->algorithm() == KeyAlgorithm::rsa ? "rsa" : "ec")
          .field("bits", static_cast<std::uint64_t>(key->bits()))
          .field("format", key->format)
          .end_object();
    } else {
      j.null();
    }
    j.field("public_key", public_key.has_value()).field("certificate", cert != nullptr).end_object();
    return kExitOk;
  }
  std::cout << "imported to token '" << session->label() << "' with label '" << label << "', id " << hex(id) << " ("
            << id_origin << "):\n";
  if (key != nullptr) {
    std::cout << "  private key  " << (key->algorithm() == KeyAlgorithm::rsa ? "rsa" : "ec") << " " << key->bits()
              << " bits (" << key->format << "), sensitive, not extractable\n";
  }
  if (public_key) std::cout << "  public key\n";
  if (cert != nullptr) std::cout << "  certificate\n";
  if (key != nullptr) std::cout << "remove the key file now that the token holds the key: " << key_path << "\n";
  return kExitOk;
}

}  // namespace sslp11::cli
