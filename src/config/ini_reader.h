// Splits an INI text into sections and `key = value` entries, remembering the
// line of each, so that config.cpp can say "FILE:LINE: key 'K' in [S]: ..."
// for every problem it finds. Knows the syntax only, not which keys exist.
//
// Syntax:
//   - Lines end with LF or CRLF; a UTF-8 byte-order mark at the start is skipped.
//   - Blank lines, and lines whose first non-blank character is '#' or ';', are
//     ignored. Comments take whole lines only: `key = a # b` has the value
//     "a # b" (as in softhsm2.conf), so paths, init strings and PINs may hold
//     '#' and ';'.
//   - `[NAME]` opens a section; NAME is letters, digits, '.', '-' and '_'.
//     A section may appear only once.
//   - `key = value`: blanks around key and value are trimmed; the key is
//     letters, digits, '.', '-' and '_'. A key may appear once per section and
//     never before the first section.
//   - A value starting with '"' is quoted: it runs to the next unescaped '"',
//     keeps its inner blanks and single quotes, and inside it only `\"` and
//     `\\` are escapes (any other backslash is kept). Nothing may follow the
//     closing quote. Single quotes are ordinary characters.
//
// Errors are ConfigError naming the file and line. The reader never copies the
// text of a line into a message, since a malformed line may hold a PIN.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pkcs11/secure_buffer.h"

namespace sslp11::config {

struct IniEntry {
  std::string key;
  int line = 0;
  // Wiped when freed: the value may be a PIN (`pin = value:...`). Kept in a
  // heap buffer, as std::string's inline small-string storage would leave a
  // copy behind on every move.
  p11::SecureBytes value_bytes;

  std::string_view value() const noexcept {
    return {reinterpret_cast<const char*>(value_bytes.data()), value_bytes.size()};
  }
};

struct IniSection {
  std::string name;
  int line = 0;  // line of the [NAME] header
  std::vector<IniEntry> entries;

  const IniEntry* find(std::string_view key) const noexcept;
};

struct IniDocument {
  std::vector<IniSection> sections;  // in file order
};

// `file` is only used in error messages.
IniDocument read_ini(std::string_view text, const std::string& file);

}  // namespace sslp11::config
