// The --json output of every subcommand, built with nlohmann::ordered_json
// (keys keep the order they are written in) so that escaping and commas are
// the library's, not ours. The streaming-style interface stays because every
// subcommand writes its document top-down:
//
//   JsonWriter j(std::cout);
//   j.begin_object().field("label", "web").key("slots").begin_array() ... ;
//
// The document is written when its outermost value is closed.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace sslp11::cli {

// `s` as the inside of a JSON string (no quotes); invalid UTF-8 becomes U+FFFD.
std::string json_escape(std::string_view s);

class JsonWriter {
 public:
  explicit JsonWriter(std::ostream& out);
  // Ends the document with a newline once the outermost value is closed.
  ~JsonWriter();
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);

  JsonWriter& value(std::string_view v);
  JsonWriter& value(const char* v) { return value(std::string_view(v)); }
  JsonWriter& value(const std::string& v) { return value(std::string_view(v)); }
  JsonWriter& value(bool v);
  JsonWriter& value(std::int64_t v);
  JsonWriter& value(std::uint64_t v);
  JsonWriter& value(int v) { return value(static_cast<std::int64_t>(v)); }
  JsonWriter& value(unsigned v) { return value(static_cast<std::uint64_t>(v)); }
  // Rounded to 3 decimals (rates and times); NaN and infinities are null.
  JsonWriter& value(double v);
  JsonWriter& null();

  template <class T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }
  JsonWriter& string_array(std::string_view k, const std::vector<std::string>& items);

 private:
  // Places `v` where the writer stands (after a key, in an array, or as the
  // document) and returns it there.
  nlohmann::ordered_json& put(nlohmann::ordered_json v);
  JsonWriter& scalar(nlohmann::ordered_json v);
  JsonWriter& close();
  void write();

  std::ostream& out_;
  std::unique_ptr<nlohmann::ordered_json> document_;  // json_fwd.h only here: callers compile fast
  // The open containers, outermost first. Only the innermost one grows, so
  // the addresses of the others stay valid.
  std::vector<nlohmann::ordered_json*> open_;
  std::string key_;
  bool after_key_ = false;
  bool done_ = false;
};

}  // namespace sslp11::cli
