#include "cli/key_ids.h"

#include "cli/errors.h"
#include "cli/format.h"
#include "pkcs11/attributes.h"

namespace sslp11::cli {

std::vector<std::uint8_t> key_id(const TokenSession& session, const std::string& hex_id) {
  if (!hex_id.empty()) {
    auto id = parse_hex(hex_id);
    if (!id) throw UsageError("--id must be hex digits (e.g. 01ab or 01:ab), got '" + hex_id + "'");
    return *id;
  }
  std::vector<std::uint8_t> id(16);
  session.api().C_GenerateRandom(session.handle(), id);
  return id;
}

void require_unused_id(const TokenSession& session, CK_OBJECT_CLASS object_class,
                       const std::vector<std::uint8_t>& id) {
  p11::AttributeTemplate query;
  query.add_ulong(CKA_CLASS, object_class).add_bytes(CKA_ID, id);
  if (!session.api().find_objects(session.handle(), query.span(), 1).empty()) {
    throw OperationError("token '" + session.label() + "' already has a " + std::string(class_name(object_class)) +
                         " with id " + hex(id) + "; choose another --id or delete it first");
  }
}

}  // namespace sslp11::cli
