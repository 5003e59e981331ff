// A small line-based INI reader, written here instead of using Boost's
// property_tree INI parser because that parser:
//   - reports a line number only for its own syntax errors, not per key, and
//     every sslp11 error must name the line of the key it is about;
//   - accepts keys before the first section (they land in the root), which the
//     sslp11 format refuses, and cannot tell us where they were;
//   - has no quoted values (NSS softoken's init string needs them);
//   - copies values through std::string freely, leaving copies of a PIN in
//     freed memory; here a value goes straight into a wiped buffer.
// Boost.Program_options' parse_config_file (already linked by sslp11-admin)
// has the same faults and no line numbers at all; Debian packages no other
// C++ INI library that reports the line of each key.
// The syntax is in ini_reader.h.
#include "config/ini_reader.h"

#include <algorithm>
#include <span>

#include "config/config_error.h"

namespace sslp11::config {

namespace {

constexpr std::string_view kBlanks = " \t";

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(kBlanks);
  return s.substr(first, last - first + 1);
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
         c == '_';
}

bool is_name(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_name_char); }

std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

class Reader {
 public:
  Reader(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  IniDocument read() {
    constexpr std::string_view kBom = "\xEF\xBB\xBF";
    if (text_.substr(0, kBom.size()) == kBom) text_.remove_prefix(kBom.size());
    while (!text_.empty()) {
      ++line_;
      const auto eol = text_.find('\n');
      std::string_view raw = text_.substr(0, eol);
      text_.remove_prefix(eol == std::string_view::npos ? text_.size() : eol + 1);
      if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
      read_line(trim(raw));
    }
    return std::move(doc_);
  }

 private:
  [[noreturn]] void fail(const std::string& message) const { throw ConfigError(file_, line_, "", message); }
  [[noreturn]] void fail_key(std::string_view key, std::string_view message) const {
    throw ConfigError::at_key(file_, line_, current_ ? current_->name : "", key, message);
  }

  void read_line(std::string_view line) {
    if (line.empty() || line.front() == '#' || line.front() == ';') return;
    if (line.front() == '[') {
      read_section_header(line);
    } else {
      read_entry(line);
    }
  }

  void read_section_header(std::string_view line) {
    if (line.back() != ']') {
      fail("a section header must be '[NAME]' alone on its line (comments go on their own line)");
    }
    const std::string_view name = trim(line.substr(1, line.size() - 2));
    if (name.empty()) fail("empty section name '[]'");
    if (!is_name(name)) {
      fail("invalid section header: a section name is letters, digits, '.', '-' and '_', e.g. [token.hsm]");
    }
    for (const auto& s : doc_.sections) {
      if (s.name == name) {
        fail("section [" + std::string(name) + "] appears twice (first at line " + std::to_string(s.line) +
             "); merge the two");
      }
    }
    doc_.sections.push_back(IniSection{std::string(name), line_, {}});
    current_ = &doc_.sections.back();
  }

  void read_entry(std::string_view line) {
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      fail("expected '[section]', 'key = value' or a comment starting with '#' or ';'");
    }
    const std::string_view key = trim(line.substr(0, eq));
    if (key.empty()) fail("missing key name before '='");
    if (!is_name(key)) fail("invalid key name before '=': a key is letters, digits, '.', '-' and '_'");
    if (current_ == nullptr) {
      fail_key(key, "appears before any section; put it under [provider] or a [token.NAME] section");
    }
    if (const IniEntry* first = current_->find(key)) {
      fail_key(key, "set twice (first at line " + std::to_string(first->line) + "); keep one");
    }
    IniEntry entry{std::string(key), line_, read_value(key, trim(line.substr(eq + 1)))};
    current_->entries.push_back(std::move(entry));
  }

  p11::SecureBytes read_value(std::string_view key, std::string_view raw) const {
    if (raw.empty() || raw.front() != '"') return p11::SecureBytes(as_bytes(raw));
    // Quoted: unescape into a wiped scratch buffer of the raw size (the result
    // is never longer), then copy out exactly the bytes used.
    p11::SecureBytes scratch(raw.size());
    std::size_t n = 0;
    std::size_t i = 1;
    for (; i < raw.size(); ++i) {
      char c = raw[i];
      if (c == '"') break;
      if (c == '\\' && i + 1 < raw.size() && (raw[i + 1] == '"' || raw[i + 1] == '\\')) c = raw[++i];
      scratch.data()[n++] = static_cast<std::uint8_t>(c);
    }
    if (i >= raw.size()) fail_key(key, "missing closing double quote");
    if (i + 1 != raw.size()) {
      fail_key(key, "unexpected text after the closing double quote (comments go on their own line)");
    }
    return p11::SecureBytes(std::span<const std::uint8_t>(scratch.data(), n));
  }

  std::string_view text_;
  const std::string& file_;
  int line_ = 0;
  IniDocument doc_;
  IniSection* current_ = nullptr;  // doc_.sections.back(); re-pointed after each push_back
};

}  // namespace

const IniEntry* IniSection::find(std::string_view key) const noexcept {
  for (const auto& e : entries) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

IniDocument read_ini(std::string_view text, const std::string& file) { return Reader(text, file).read(); }

}  // namespace sslp11::config
