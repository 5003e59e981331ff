#include "pkcs11/token.h"

#include "pkcs11/uri_attributes.h"

#include <p11-kit/uri.h>

#include <memory>
#include <vector>

namespace sslp11::p11 {

namespace {

struct UriDeleter {
  void operator()(P11KitUri* u) const noexcept { p11_kit_uri_free(u); }
};
using UriPtr = std::unique_ptr<P11KitUri, UriDeleter>;

UriPtr parse_uri(const std::string& text) {
  UriPtr uri(p11_kit_uri_new());
  if (!uri) throw LayerError(Fault::out_of_memory, "out of memory parsing a PKCS#11 URI");
  const int rc = p11_kit_uri_parse(text.c_str(), P11KitUriType(P11_KIT_URI_FOR_TOKEN | P11_KIT_URI_FOR_SLOT |
                                                                  P11_KIT_URI_FOR_MODULE),
                                   uri.get());
  if (rc != P11_KIT_URI_OK) {
    throw LayerError(Fault::bad_argument,
                     "invalid PKCS#11 URI '" + redact_uri(text) + "': " + p11_kit_uri_message(rc));
  }
  if (auto why = unknown_uri_attribute(text)) {
    throw LayerError(Fault::bad_argument, "PKCS#11 URI '" + redact_uri(text) + "': " + *why);
  }
  if (p11_kit_uri_any_unrecognized(uri.get())) {
    throw LayerError(Fault::bad_argument,
                     "PKCS#11 URI '" + redact_uri(text) + "' has attributes sslp11 does not understand for token selection");
  }
  return uri;
}

bool uri_matches(P11KitUri* uri, const Api& api, const SlotDescription& slot) {
  const CK_SLOT_ID wanted_id = p11_kit_uri_get_slot_id(uri);
  if (wanted_id != CK_SLOT_ID(-1) && wanted_id != slot.id) return false;
  CK_SLOT_INFO si = api.C_GetSlotInfo(slot.id);
  if (!p11_kit_uri_match_slot_info(uri, &si)) return false;
  CK_INFO mi = api.C_GetInfo();
  if (!p11_kit_uri_match_module_info(uri, &mi)) return false;
  CK_TOKEN_INFO ti = api.C_GetTokenInfo(slot.id);
  return p11_kit_uri_match_token_info(uri, &ti) != 0;
}

}  // namespace

std::string redact_uri(const std::string& uri) {
  // RFC 7512 allows the PIN in the URI query (pin-value=...): never echo it.
  const bool is_uri = uri.rfind("pkcs11:", 0) == 0;
  std::string out;
  std::size_t start = 0;
  while (start <= uri.size()) {
    std::size_t end = uri.find_first_of(";?&", start);
    if (end == std::string::npos) end = uri.size();
    std::string part = uri.substr(start, end - start);
    // And, in a URI, no value of an attribute that may be a misspelled
    // pin-value (text that is no URI at all is shown as is, for the error).
    const std::size_t name_at = part.rfind("pkcs11:", 0) == 0 ? 7 : 0;
    const std::size_t equals = part.find('=');
    if (equals != std::string::npos) {
      const std::string_view name = std::string_view(part).substr(name_at, equals - name_at);
      if (name == "pin-value" || (is_uri && !uri_attribute_value_is_public(name))) {
        part = part.substr(0, equals) + "=<redacted>";
      }
    }
    out += part;
    if (end < uri.size()) out += uri[end];
    start = end + 1;
  }
  return out;
}

std::string TokenSelector::describe() const {
  std::string d;
  auto add = [&d](const std::string& part) { d += (d.empty() ? "" : ", ") + part; };
  if (!uri.empty()) add("URI '" + redact_uri(uri) + "'");
  if (!label.empty()) add("label '" + label + "'");
  if (!serial.empty()) add("serial '" + serial + "'");
  if (slot) add("slot " + std::to_string(*slot));
  return d.empty() ? "any token" : d;
}

SlotDescription select_token(const Module& module, const TokenSelector& selector) {
  UriPtr uri = selector.uri.empty() ? nullptr : parse_uri(selector.uri);
  const auto slots = module.slots();
  std::vector<const SlotDescription*> matches;
  for (const SlotDescription& s : slots) {
    if (!s.token_present) continue;
    if (selector.slot && *selector.slot != s.id) continue;
    if (!selector.label.empty() && selector.label != s.label) continue;
    if (!selector.serial.empty() && selector.serial != s.serial) continue;
    if (uri && !uri_matches(uri.get(), module.api(), s)) continue;
    // "Any token" is documented as the first one; a selector that names a
    // token must name one, or a second token with the same label would
    // silently get the first one's keys and PIN.
    if (selector.empty()) return s;
    matches.push_back(&s);
  }
  if (matches.size() == 1) return *matches.front();
  if (matches.size() > 1) {
    std::string msg = std::to_string(matches.size()) + " tokens match " + selector.describe() + " in " +
                      module.path() + ": ";
    for (std::size_t i = 0; i < matches.size(); ++i) {
      const SlotDescription& s = *matches[i];
      msg += (i == 0 ? "" : "; ") + std::string("slot ") + std::to_string(s.id) + " serial '" + s.serial +
             "' manufacturer '" + s.manufacturer + "'";
    }
    msg += "; choose one by its serial as well (serial = in the config, --serial, or a URI such as "
           "'pkcs11:token=LABEL;serial=SERIAL')";
    throw LayerError(Fault::bad_argument, msg);
  }
  std::string msg = "no token matches " + selector.describe() + " in " + module.path() + "; available: ";
  bool any = false;
  for (const SlotDescription& s : slots) {
    if (any) msg += "; ";
    any = true;
    msg += "slot " + std::to_string(s.id);
    if (s.token_present) {
      msg += " label '" + s.label + "' serial '" + s.serial + "'";
    } else {
      msg += " (no token)";
    }
  }
  if (!any) msg += "no slots";
  throw LayerError(Fault::token_not_found, msg);
}

}  // namespace sslp11::p11
