#include "pkcs11/uri_attributes.h"

#include <p11-kit/uri.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <array>
#include <string_view>
#include <tuple>
#include <vector>

namespace sslp11::p11 {

namespace {

// RFC 7512 section 2.3: path attributes, then query attributes.
constexpr std::array<std::string_view, 13> kPathAttributes{
    "token", "manufacturer", "serial", "model", "library-manufacturer", "library-description", "library-version",
    "slot-description", "slot-manufacturer", "slot-id", "object", "type", "id"};
constexpr std::array<std::string_view, 4> kQueryAttributes{"module-name", "module-path", "pin-source", "pin-value"};

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

template <std::size_t N>
bool listed(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string suggestion(std::string_view name) {
  std::string_view best;
  std::size_t best_distance = 3;  // a typo, not another word
  auto consider = [&](std::string_view candidate) {
    const std::size_t d = edit_distance(name, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  };
  std::for_each(kPathAttributes.begin(), kPathAttributes.end(), consider);
  std::for_each(kQueryAttributes.begin(), kQueryAttributes.end(), consider);
  return best.empty() ? std::string() : " (did you mean '" + std::string(best) + "'?)";
}

std::optional<std::string> check(std::string_view name, bool query) {
  if (name.empty()) return std::nullopt;  // "pkcs11:" or a stray ';': p11-kit's call
  const bool known = query ? listed(kQueryAttributes, name) : listed(kPathAttributes, name);
  if (known) return std::nullopt;
  std::string n(name);
  if (name.starts_with("x-")) return "vendor attribute '" + n + "', which sslp11 does not understand";
  const bool other_part = query ? listed(kPathAttributes, name) : listed(kQueryAttributes, name);
  if (other_part) {
    return "attribute '" + n + "' belongs in the URI's " + (query ? "path (before '?')" : "query (after '?')");
  }
  return "unknown PKCS#11 URI attribute '" + n + "'" + suggestion(name) +
         "; RFC 7512 defines token, manufacturer, serial, model, library-manufacturer, library-description, "
         "library-version, slot-description, slot-manufacturer, slot-id, object, type, id and, after '?', "
         "module-name, module-path, pin-source, pin-value";
}

struct UriDeleter {
  void operator()(P11KitUri* u) const noexcept { p11_kit_uri_free(u); }
};
struct CharDeleter {
  void operator()(char* s) const noexcept { std::free(s); }
};

}  // namespace

std::string token_part_of_uri(const std::string& uri) {
  std::unique_ptr<P11KitUri, UriDeleter> parsed(p11_kit_uri_new());
  if (!parsed || p11_kit_uri_parse(uri.c_str(), P11_KIT_URI_FOR_ANY, parsed.get()) != P11_KIT_URI_OK) return uri;
  char* text = nullptr;
  if (p11_kit_uri_format(parsed.get(), P11_KIT_URI_FOR_TOKEN, &text) != P11_KIT_URI_OK) return uri;
  const std::unique_ptr<char, CharDeleter> owned(text);
  return owned.get();
}

namespace {

std::string format(P11KitUri* uri, P11KitUriType type) {
  char* text = nullptr;
  if (p11_kit_uri_format(uri, type, &text) != P11_KIT_URI_OK) throw std::bad_alloc();
  const std::unique_ptr<char, CharDeleter> owned(text);
  return owned.get();
}

std::unique_ptr<P11KitUri, UriDeleter> uri_of_token(const CK_TOKEN_INFO& token) {
  std::unique_ptr<P11KitUri, UriDeleter> uri(p11_kit_uri_new());
  if (!uri) throw std::bad_alloc();
  *p11_kit_uri_get_token_info(uri.get()) = token;
  return uri;
}

}  // namespace

std::string token_uri(const CK_TOKEN_INFO& token) { return format(uri_of_token(token).get(), P11_KIT_URI_FOR_TOKEN); }

std::string object_uri(const CK_TOKEN_INFO& token, CK_OBJECT_CLASS object_class, const std::string& label,
                       std::span<const std::uint8_t> id) {
  auto uri = uri_of_token(token);
  CK_ATTRIBUTE cls{CKA_CLASS, &object_class, sizeof object_class};
  std::string label_copy = label;  // p11-kit copies; its API is not const-correct
  std::vector<std::uint8_t> id_copy(id.begin(), id.end());
  CK_ATTRIBUTE lbl{CKA_LABEL, label_copy.data(), label_copy.size()};
  CK_ATTRIBUTE ida{CKA_ID, id_copy.data(), id_copy.size()};
  p11_kit_uri_set_attribute(uri.get(), &cls);
  if (!label.empty()) p11_kit_uri_set_attribute(uri.get(), &lbl);
  if (!id.empty()) p11_kit_uri_set_attribute(uri.get(), &ida);
  return format(uri.get(), P11_KIT_URI_FOR_OBJECT_ON_TOKEN);
}

bool uri_attribute_value_is_public(std::string_view name) {
  if (name == "pin-value") return false;
  return listed(kPathAttributes, name) || listed(kQueryAttributes, name);
}

std::optional<std::string> unknown_uri_attribute(const std::string& uri) {
  constexpr std::string_view kScheme = "pkcs11:";
  std::string_view rest(uri);
  if (!rest.starts_with(kScheme)) return std::nullopt;  // not a URI: p11-kit says so
  rest.remove_prefix(kScheme.size());
  const std::size_t question = rest.find('?');
  const std::string_view path = rest.substr(0, question);
  const std::string_view query = question == std::string_view::npos ? std::string_view() : rest.substr(question + 1);
  for (const auto& [part, separator, is_query] :
       {std::tuple{path, ';', false}, std::tuple{query, '&', true}}) {
    std::size_t start = 0;
    while (start <= part.size()) {
      std::size_t end = part.find(separator, start);
      if (end == std::string_view::npos) end = part.size();
      const std::string_view attribute = part.substr(start, end - start);
      // Only the name, before '=', is ever shown: the value may be a PIN.
      if (auto why = check(attribute.substr(0, attribute.find('=')), is_query)) return why;
      start = end + 1;
    }
  }
  return std::nullopt;
}

}  // namespace sslp11::p11
