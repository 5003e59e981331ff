#include "pkcs11/uri_attributes.h"

#include <algorithm>
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

}  // namespace

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
