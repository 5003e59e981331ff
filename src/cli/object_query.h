// Finding and describing objects on a token: the selection options of
// `delete` and `export` (--label, --id, --uri, --type) and the attributes
// `objects` lists.
#pragma once

#include <boost/program_options.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/token_session.h"
#include "pkcs11/attributes.h"

namespace sslp11::cli {

struct ObjectInfo {
  CK_OBJECT_HANDLE handle = CK_INVALID_HANDLE;
  CK_OBJECT_CLASS object_class = CKO_DATA;
  std::string label;
  std::vector<std::uint8_t> id;
  std::optional<CK_KEY_TYPE> key_type;
  std::uint32_t bits = 0;  // RSA modulus, EC field, secret key length; 0 when unknown
  std::string curve;       // EC: "1.2.840.10045.3.1.7"
  std::optional<bool> on_token, is_private, sensitive, extractable, local, always_sensitive, never_extractable;
  std::vector<std::string> usage;  // keys: the CKA_SIGN... flags set, "sign", "decrypt", "derive", "wrap"...
  std::string subject, not_after;  // certificates OpenSSL parses (certificate_summary.h)
  std::string application;         // data objects: CKA_APPLICATION

  bool is_key() const noexcept {
    return object_class == CKO_PRIVATE_KEY || object_class == CKO_PUBLIC_KEY || object_class == CKO_SECRET_KEY;
  }
};

ObjectInfo describe_object(const TokenSession& session, CK_OBJECT_HANDLE object);

// --label, --id, --uri, --type as given.
struct ObjectSelection {
  std::string label;
  std::string id;    // hex
  std::string uri;   // pkcs11:object=...;id=...;type=...
  std::string type;  // cert | pubkey | privkey | secret | data (or the long names)

  void add_to(boost::program_options::options_description& desc);
  bool empty() const noexcept { return label.empty() && id.empty() && uri.empty() && type.empty(); }
  // "label 'web', id 01ab"
  std::string describe() const;
};

// Every object the session can see matching `selection` (all objects when it
// is empty). Throws UsageError for a malformed --id/--uri/--type, or a --uri
// naming a token other than the session's.
std::vector<CK_OBJECT_HANDLE> find_objects(const TokenSession& session, const ObjectSelection& selection);

}  // namespace sslp11::cli
