// The secrets a test knows (PINs, pre-master, master secret, key block,
// exporter output) and a search for them in any bytes: a log file, an error
// string, a freed heap block. A secret is found when any 8-byte window of it
// shows up raw, as lowercase hex or as uppercase hex (so a partial dump is
// caught); a secret shorter than 8 bytes must show up whole.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sslp11::secretstest {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

struct Finding {
  std::string secret;  // its name, e.g. "ecdhe-client master secret"
  std::string form;    // "raw", "hex", "HEX"
  std::size_t offset;  // where in the searched bytes
};

class SecretSet {
 public:
  // Empty secrets are ignored. The name must not itself be secret.
  void add(const std::string& name, ByteView bytes);
  void add_text(const std::string& name, std::string_view text);
  std::size_t size() const { return secrets_.size(); }
  std::vector<std::string> names() const;

  // Every occurrence in `haystack` (at most `limit`, to keep reports short).
  std::vector<Finding> find_in(std::string_view haystack, std::size_t limit = 20) const;
  std::vector<Finding> find_in(ByteView haystack, std::size_t limit = 20) const;

 private:
  struct Needle {
    std::string bytes;  // 8 raw bytes, or 16 hex digits
    std::size_t secret;
    const char* form;
  };
  struct Secret {
    std::string name;
    std::string bytes;
  };
  void index(std::size_t secret);

  std::vector<Secret> secrets_;
  // Keyed by the needle's first 8 bytes: one 8-byte read per haystack offset.
  std::unordered_multimap<std::uint64_t, Needle> needles_;
  std::vector<Needle> short_needles_;  // secrets under 8 bytes, searched whole
};

std::string hex_lower(ByteView b);
std::string hex_upper(ByteView b);
// "secret 'x' as hex at offset 12; ..." for an assertion message.
std::string describe(const std::vector<Finding>& findings);

}  // namespace sslp11::secretstest
