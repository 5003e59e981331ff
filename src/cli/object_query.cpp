#include "cli/object_query.h"

#include <p11-kit/uri.h>

#include <memory>

#include "cli/certificate_summary.h"
#include "cli/errors.h"
#include "cli/format.h"
#include "pkcs11/ec_curves.h"
#include "pkcs11/token.h"
#include "pkcs11/uri_attributes.h"

namespace po = boost::program_options;

namespace sslp11::cli {

namespace {

struct UriDeleter {
  void operator()(P11KitUri* u) const noexcept { p11_kit_uri_free(u); }
};

std::string text_of(const std::vector<std::uint8_t>& bytes) { return {bytes.begin(), bytes.end()}; }

// The usage flags `objects` shows, in the order PKCS#11 lists them.
constexpr std::pair<CK_ATTRIBUTE_TYPE, const char*> kUsageFlags[] = {
    {CKA_ENCRYPT, "encrypt"}, {CKA_DECRYPT, "decrypt"}, {CKA_SIGN, "sign"},     {CKA_VERIFY, "verify"},
    {CKA_WRAP, "wrap"},       {CKA_UNWRAP, "unwrap"},   {CKA_DERIVE, "derive"},
};

std::uint32_t bit_length(const std::vector<std::uint8_t>& magnitude) {
  std::size_t i = 0;
  while (i < magnitude.size() && magnitude[i] == 0) ++i;
  if (i == magnitude.size()) return 0;
  std::uint32_t bits = static_cast<std::uint32_t>(magnitude.size() - i - 1) * 8;
  for (std::uint8_t top = magnitude[i]; top != 0; top >>= 1) ++bits;
  return bits;
}

// The object attributes of an RFC 7512 URI, added to `tmpl`; checks that its
// token attributes (if any) describe the session's token.
void add_uri(p11::AttributeTemplate& tmpl, const std::string& text, const TokenSession& session) {
  std::unique_ptr<P11KitUri, UriDeleter> uri(p11_kit_uri_new());
  if (!uri) throw std::bad_alloc();
  const int rc = p11_kit_uri_parse(text.c_str(), P11_KIT_URI_FOR_OBJECT_ON_TOKEN, uri.get());
  if (rc != P11_KIT_URI_OK) {
    throw UsageError("--uri '" + p11::redact_uri(text) + "': " + p11_kit_uri_message(rc));
  }
  // p11-kit matches no token with an attribute it does not know: name the
  // attribute rather than call it another token.
  if (auto why = p11::unknown_uri_attribute(text)) {
    throw UsageError("--uri '" + p11::redact_uri(text) + "': " + *why);
  }
  CK_TOKEN_INFO info = session.api().C_GetTokenInfo(session.slot().id);
  if (!p11_kit_uri_match_token_info(uri.get(), &info)) {
    throw UsageError("--uri '" + p11::redact_uri(text) + "' names a token other than '" + session.label() +
                     "' (choose the token with --token)");
  }
  CK_ULONG count = 0;
  CK_ATTRIBUTE_PTR attrs = p11_kit_uri_get_attributes(uri.get(), &count);
  for (CK_ULONG i = 0; i < count; ++i) {
    const auto* v = static_cast<const std::uint8_t*>(attrs[i].pValue);
    tmpl.add_bytes(attrs[i].type, {v, attrs[i].ulValueLen});
  }
}

}  // namespace

ObjectInfo describe_object(const TokenSession& session, CK_OBJECT_HANDLE object) {
  const p11::Api& api = session.api();
  const CK_SESSION_HANDLE s = session.handle();
  ObjectInfo o;
  o.handle = object;
  o.object_class = p11::read_ulong(api, s, object, CKA_CLASS).value_or(CKO_DATA);
  o.label = text_of(p11::read_bytes(api, s, object, CKA_LABEL).value_or(std::vector<std::uint8_t>{}));
  o.id = p11::read_bytes(api, s, object, CKA_ID).value_or(std::vector<std::uint8_t>{});
  o.on_token = p11::read_bool(api, s, object, CKA_TOKEN);
  o.is_private = p11::read_bool(api, s, object, CKA_PRIVATE);
  if (o.object_class == CKO_CERTIFICATE) {
    if (auto der = p11::read_bytes(api, s, object, CKA_VALUE)) {
      if (auto summary = summarize_certificate(*der)) {
        o.subject = summary->subject;
        o.not_after = summary->not_after;
      }
    }
  }
  if (o.object_class == CKO_DATA) {
    o.application = text_of(p11::read_bytes(api, s, object, CKA_APPLICATION).value_or(std::vector<std::uint8_t>{}));
  }
  if (!o.is_key()) return o;

  for (const auto& [attribute, name] : kUsageFlags) {
    if (p11::read_bool(api, s, object, attribute).value_or(false)) o.usage.emplace_back(name);
  }

  o.key_type = p11::read_ulong(api, s, object, CKA_KEY_TYPE);
  o.local = p11::read_bool(api, s, object, CKA_LOCAL);
  if (o.object_class != CKO_PUBLIC_KEY) {
    o.sensitive = p11::read_bool(api, s, object, CKA_SENSITIVE);
    o.extractable = p11::read_bool(api, s, object, CKA_EXTRACTABLE);
    o.always_sensitive = p11::read_bool(api, s, object, CKA_ALWAYS_SENSITIVE);
    o.never_extractable = p11::read_bool(api, s, object, CKA_NEVER_EXTRACTABLE);
  }
  if (o.key_type == CKK_RSA) {
    if (auto bits = p11::read_ulong(api, s, object, CKA_MODULUS_BITS)) {
      o.bits = static_cast<std::uint32_t>(*bits);
    } else if (auto n = p11::read_bytes(api, s, object, CKA_MODULUS)) {
      o.bits = bit_length(*n);
    }
  } else if (o.key_type == CKK_EC) {
    if (auto params = p11::read_bytes(api, s, object, CKA_EC_PARAMS)) {
      if (const auto* curve = p11::find_ec_curve_by_params(*params)) {
        o.bits = curve->bits;
        o.curve = std::string(curve->oid);
      } else {
        o.curve = "unknown";
      }
    }
  } else if (o.object_class == CKO_SECRET_KEY) {
    if (auto len = p11::read_ulong(api, s, object, CKA_VALUE_LEN)) o.bits = static_cast<std::uint32_t>(*len * 8);
  }
  return o;
}

void ObjectSelection::add_to(po::options_description& desc) {
  desc.add_options()
      ("label", po::value(&label)->value_name("LABEL"), "objects with this CKA_LABEL")
      ("id", po::value(&id)->value_name("HEX"), "objects with this CKA_ID (hex)")
      ("uri", po::value(&uri)->value_name("URI"), "objects matching a PKCS#11 URI (pkcs11:object=...;type=...)")
      ("type", po::value(&type)->value_name("TYPE"), "only this class: cert, pubkey, privkey, secret or data");
}

std::string ObjectSelection::describe() const {
  std::string d;
  auto add = [&d](const std::string& part) { d += (d.empty() ? "" : ", ") + part; };
  if (!label.empty()) add("label '" + label + "'");
  if (!id.empty()) add("id " + id);
  if (!uri.empty()) add("URI '" + p11::redact_uri(uri) + "'");
  if (!type.empty()) add("type " + type);
  return d.empty() ? "any object" : d;
}

std::vector<CK_OBJECT_HANDLE> find_objects(const TokenSession& session, const ObjectSelection& selection) {
  p11::AttributeTemplate tmpl;
  if (!selection.label.empty()) tmpl.add_string(CKA_LABEL, selection.label);
  if (!selection.id.empty()) {
    const auto id = parse_hex(selection.id);
    if (!id) throw UsageError("--id must be hex digits (e.g. 01ab or 01:ab), got '" + selection.id + "'");
    tmpl.add_bytes(CKA_ID, *id);
  }
  if (!selection.type.empty()) {
    const auto cls = class_from_name(selection.type);
    if (!cls) throw UsageError("--type must be cert, pubkey, privkey, secret or data, got '" + selection.type + "'");
    tmpl.add_ulong(CKA_CLASS, *cls);
  }
  if (!selection.uri.empty()) add_uri(tmpl, selection.uri, session);
  return session.api().find_objects(session.handle(), tmpl.span());
}

}  // namespace sslp11::cli
