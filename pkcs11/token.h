// Choosing the token to use: by PKCS#11 URI (RFC 7512), label, serial or slot
// id. All given criteria must match.
#pragma once

#include <optional>
#include <string>

#include "pkcs11/module.h"

namespace sslp11::p11 {

struct TokenSelector {
  std::string uri;     // "pkcs11:token=...;serial=..." (parsed by p11-kit)
  std::string label;
  std::string serial;
  std::optional<CK_SLOT_ID> slot;

  bool empty() const noexcept { return uri.empty() && label.empty() && serial.empty() && !slot; }
  std::string describe() const;  // "label 'x', serial 'y'" for error messages
};

// The URI with any pin-value replaced, for messages.
std::string redact_uri(const std::string& uri);

// The slot whose token matches. An empty selector picks the first slot with a
// token. Throws LayerError(Fault::token_not_found) naming what was looked for
// and every token the module has when nothing matches, Fault::bad_argument for
// a malformed URI and for a selector several tokens match (two tokens with one
// label): the message lists each match's slot, serial and manufacturer, and
// says to add the serial.
SlotDescription select_token(const Module& module, const TokenSelector& selector);

}  // namespace sslp11::p11
