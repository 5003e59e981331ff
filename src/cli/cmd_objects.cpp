// sslp11-admin objects: what is on the token.
#include <algorithm>
#include <iostream>

#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/format.h"
#include "cli/json.h"
#include "cli/object_query.h"
#include "pkcs11/uri_attributes.h"

namespace po = boost::program_options;

namespace sslp11::cli {

namespace {

constexpr CommandInfo kInfo{
    "objects", "[--label L] [--id HEX] [--uri URI] [--type TYPE] [options]",
    "List the objects on the token: class, label, id, key type and size, the flags that matter, and a\n"
    "PKCS#11 URI for each.",
    "Logs in as the user when the token needs it (so private objects show); with --pin-source none\n"
    "only public objects are listed. Key flags: sensitive/extractable (can the value ever leave the\n"
    "token), local (generated on the token), always-sensitive/never-extractable; usage: what the key\n"
    "may do (encrypt, decrypt, sign, verify, wrap, unwrap, derive). Certificates show their subject and\n"
    "expiry, data objects their application. Each object's URI, pasted into --uri, selects it.\n\n"
    "example: sslp11-admin objects --token web-tls --json"};

std::string flag(const std::optional<bool>& v, std::string_view yes, std::string_view no) {
  if (!v) return {};
  return std::string(*v ? yes : no);
}

std::string flags_text(const ObjectInfo& o) {
  std::vector<std::string> parts;
  for (auto s : {flag(o.on_token, "token", "session"), flag(o.is_private, "private", "public"),
                 flag(o.sensitive, "sensitive", "not-sensitive"), flag(o.extractable, "extractable", "not-extractable"),
                 flag(o.local, "local", ""), flag(o.always_sensitive, "always-sensitive", ""),
                 flag(o.never_extractable, "never-extractable", "")}) {
    if (!s.empty()) parts.push_back(s);
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

void optional_bool(JsonWriter& j, std::string_view key, const std::optional<bool>& v) {
  j.key(key);
  if (v) {
    j.value(*v);
  } else {
    j.null();
  }
}

}  // namespace

int cmd_objects(const CommandArgs& args) {
  GlobalOptions global;
  ObjectSelection selection;
  po::options_description own("objects options (filters)");
  selection.add_to(own);
  if (!parse_command_line(kInfo, args, own, global)) return kExitOk;
  const Target target = resolve_target(global, selection.uri);
  if (global.verbose) std::cerr << "using " << target.describe() << "\n";
  const auto session = open_user_session(target, Login::if_possible);

  const CK_TOKEN_INFO token_info = session->api().C_GetTokenInfo(session->slot().id);
  auto uri_of = [&token_info](const ObjectInfo& o) { return p11::object_uri(token_info, o.object_class, o.label, o.id); };
  std::vector<ObjectInfo> objects;
  for (CK_OBJECT_HANDLE h : find_objects(*session, selection)) objects.push_back(describe_object(*session, h));
  // Stable, readable order: by id, then class.
  std::sort(objects.begin(), objects.end(), [](const ObjectInfo& a, const ObjectInfo& b) {
    return std::tie(a.id, a.object_class, a.label) < std::tie(b.id, b.object_class, b.label);
  });

  if (global.json) {
    JsonWriter j(std::cout);
    j.begin_object()
        .field("token", session->label())
        .field("token_uri", p11::token_uri(token_info))
        .field("logged_in", session->logged_in())
        .key("objects")
        .begin_array();
    for (const auto& o : objects) {
      j.begin_object()
          .field("class", class_name(o.object_class))
          .field("label", o.label)
          .field("id", hex(o.id))
          .field("uri", uri_of(o));
      if (o.key_type) {
        j.field("key_type", key_type_name(*o.key_type)).field("bits", static_cast<std::uint64_t>(o.bits));
        if (!o.curve.empty()) j.field("curve", o.curve);
      }
      optional_bool(j, "token", o.on_token);
      optional_bool(j, "private", o.is_private);
      if (o.object_class == CKO_PRIVATE_KEY || o.object_class == CKO_SECRET_KEY) {
        optional_bool(j, "sensitive", o.sensitive);
        optional_bool(j, "extractable", o.extractable);
        optional_bool(j, "always_sensitive", o.always_sensitive);
        optional_bool(j, "never_extractable", o.never_extractable);
      }
      if (o.is_key()) {
        optional_bool(j, "local", o.local);
        j.string_array("usage", o.usage);
      }
      if (!o.subject.empty()) j.field("subject", o.subject).field("not_after", o.not_after);
      if (o.object_class == CKO_DATA) j.field("application", o.application);
      j.end_object();
    }
    j.end_array().end_object();
    return kExitOk;
  }
  std::cout << objects.size() << " object(s) on token '" << session->label() << "'"
            << (session->logged_in() || (session->slot().token_flags & CKF_LOGIN_REQUIRED) == 0
                    ? ""
                    : " (public objects only: not logged in)")
            << "\n";
  for (const auto& o : objects) {
    std::string cls(class_name(o.object_class));
    cls.resize(12, ' ');
    std::cout << "  " << cls << " label '" << o.label << "'  id " << (o.id.empty() ? "-" : hex(o.id));
    if (o.key_type) {
      std::cout << "  " << key_type_name(*o.key_type);
      if (o.bits != 0) std::cout << " " << o.bits;
    }
    std::cout << "  " << flags_text(o);
    if (!o.usage.empty()) std::cout << "  usage " << joined(o.usage);
    if (!o.subject.empty()) std::cout << "  subject " << o.subject << "  expires " << o.not_after;
    if (o.object_class == CKO_DATA) std::cout << "  application '" << o.application << "'";
    std::cout << "\n";
    std::cout << "    " << uri_of(o) << "\n";
  }
  return kExitOk;
}

}  // namespace sslp11::cli
