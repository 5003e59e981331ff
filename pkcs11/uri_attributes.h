// The attribute names of a PKCS#11 URI, checked against RFC 7512 before
// p11-kit parses it: p11-kit only says "something was not recognised", and
// a URI it does not recognise matches no token, so a typo ("objekt=web")
// would otherwise read as "names another token".
#pragma once

#include <optional>
#include <string>
#include <string_view>

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

}  // namespace sslp11::p11
