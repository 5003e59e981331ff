#include "secrets/support/secret_patterns.h"

#include <cstring>

namespace sslp11::secretstest {

namespace {

std::uint64_t key_of(const char* p) {
  std::uint64_t k;
  std::memcpy(&k, p, sizeof k);
  return k;
}

std::string hex_with(ByteView b, const char* digits) {
  std::string s;
  s.reserve(b.size() * 2);
  for (std::uint8_t v : b) {
    s.push_back(digits[v >> 4]);
    s.push_back(digits[v & 15]);
  }
  return s;
}

}  // namespace

std::string hex_lower(ByteView b) { return hex_with(b, "0123456789abcdef"); }
std::string hex_upper(ByteView b) { return hex_with(b, "0123456789ABCDEF"); }

void SecretSet::add(const std::string& name, ByteView bytes) {
  if (bytes.empty()) return;
  secrets_.push_back({name, std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size())});
  index(secrets_.size() - 1);
}

void SecretSet::add_text(const std::string& name, std::string_view text) {
  add(name, ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

std::vector<std::string> SecretSet::names() const {
  std::vector<std::string> out;
  for (const auto& s : secrets_) out.push_back(s.name);
  return out;
}

void SecretSet::index(std::size_t i) {
  const std::string& raw = secrets_[i].bytes;
  const ByteView all(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size());
  if (raw.size() < 8) {
    short_needles_.push_back({raw, i, "raw"});
    short_needles_.push_back({hex_lower(all), i, "hex"});
    short_needles_.push_back({hex_upper(all), i, "HEX"});
    return;
  }
  for (std::size_t at = 0; at + 8 <= raw.size(); ++at) {
    const ByteView window = all.subspan(at, 8);
    for (Needle n : {Needle{raw.substr(at, 8), i, "raw"}, Needle{hex_lower(window), i, "hex"},
                     Needle{hex_upper(window), i, "HEX"}}) {
      needles_.emplace(key_of(n.bytes.data()), std::move(n));
    }
  }
}

std::vector<Finding> SecretSet::find_in(std::string_view haystack, std::size_t limit) const {
  std::vector<Finding> found;
  // A secret seen at one offset is usually seen at the next seven too: report
  // each (secret, form) once per run of overlapping hits.
  std::vector<std::size_t> last_hit(secrets_.size() * 3, static_cast<std::size_t>(-1));
  auto form_index = [](const char* form) { return form[0] == 'r' ? 0 : (form[0] == 'h' ? 1 : 2); };
  for (std::size_t at = 0; at + 8 <= haystack.size() && found.size() < limit; ++at) {
    const auto range = needles_.equal_range(key_of(haystack.data() + at));
    for (auto it = range.first; it != range.second; ++it) {
      const Needle& n = it->second;
      if (haystack.compare(at, n.bytes.size(), n.bytes) != 0) continue;
      std::size_t& last = last_hit[n.secret * 3 + form_index(n.form)];
      if (last == static_cast<std::size_t>(-1) || at > last + 2 * n.bytes.size()) {
        found.push_back({secrets_[n.secret].name, n.form, at});
      }
      last = at;
    }
  }
  for (const Needle& n : short_needles_) {
    for (auto at = haystack.find(n.bytes); at != std::string_view::npos && found.size() < limit;
         at = haystack.find(n.bytes, at + 1)) {
      found.push_back({secrets_[n.secret].name, n.form, at});
    }
  }
  return found;
}

std::vector<Finding> SecretSet::find_in(ByteView haystack, std::size_t limit) const {
  return find_in(std::string_view(reinterpret_cast<const char*>(haystack.data()), haystack.size()), limit);
}

std::string describe(const std::vector<Finding>& findings) {
  std::string s;
  for (const auto& f : findings) {
    if (!s.empty()) s += "; ";
    s += "'" + f.secret + "' as " + f.form + " at offset " + std::to_string(f.offset);
  }
  return s;
}

}  // namespace sslp11::secretstest
