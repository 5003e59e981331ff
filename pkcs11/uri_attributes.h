// The attribute names of a PKCS#11 URI, checked against RFC 7512 before
// p11-kit parses it: p11-kit only says "something was not recognised", and
// a URI it does not recognise matches no token, so a typo ("objekt=web")
// would otherwise read as "names another token".
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "pkcs11/cryptoki.h"

namespace sslp11::p11 {

// nullopt when every attribute of `uri` (path and query) is one RFC 7512
// defines; else one line naming the first that is not: "unknown PKCS#11 URI
// attribute 'objekt' (did you mean 'object'?)", or "vendor attribute 'x-foo',
// which sslp11 does not understand". Never echoes a pin-value.
std::optional<std::string> unknown_uri_attribute(const std::string& uri);

// True when the value of the attribute `name` may be shown in a message: an
// RFC 7512 attribute other than pin-value. An unknown name may be a
// misspelled pin-value ("pin-valeu=1234"), so its value is never shown.
bool uri_attribute_value_is_public(std::string_view name);

// The token part of an object's URI ("pkcs11:token=t;object=k?module-name=m"
// -> "pkcs11:token=t"), formatted by p11-kit, for choosing the token an
// object URI names. `uri` unchanged when p11-kit cannot parse it (its error
// is reported where the URI is parsed for selection).
std::string token_part_of_uri(const std::string& uri);

// RFC 7512 URIs, formatted by p11-kit, naming a token ("pkcs11:model=...;
// manufacturer=...;serial=...;token=...") and one object on it (the token's
// attributes plus object, type and id): pasted into --token / --uri they
// select exactly that token or object.
std::string token_uri(const CK_TOKEN_INFO& token);
std::string object_uri(const CK_TOKEN_INFO& token, CK_OBJECT_CLASS object_class, const std::string& label,
                       std::span<const std::uint8_t> id);

}  // namespace sslp11::p11
