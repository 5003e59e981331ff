#include "cli/json.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <ostream>
#include <stdexcept>

namespace sslp11::cli {

namespace {

using Json = nlohmann::ordered_json;

// Compact output; token labels and file names are not always UTF-8.
std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace

std::string json_escape(std::string_view s) {
  const std::string quoted = dump(Json(std::string(s)));
  return quoted.substr(1, quoted.size() - 2);
}

JsonWriter::JsonWriter(std::ostream& out) : out_(out), document_(std::make_unique<Json>()) {}

JsonWriter::~JsonWriter() {
  if (done_) out_ << "\n";
}

Json& JsonWriter::put(Json v) {
  if (open_.empty()) {
    if (done_) throw std::logic_error("JsonWriter: a second document");
    *document_ = std::move(v);
    return *document_;
  }
  Json& container = *open_.back();
  if (container.is_object()) {
    if (!after_key_) throw std::logic_error("JsonWriter: an object member without a key");
    after_key_ = false;
    Json& slot = container[key_];
    slot = std::move(v);
    return slot;
  }
  container.push_back(std::move(v));
  return container.back();
}

void JsonWriter::write() {
  out_ << dump(*document_);
  done_ = true;
}

JsonWriter& JsonWriter::scalar(Json v) {
  put(std::move(v));
  if (open_.empty()) write();
  return *this;
}

JsonWriter& JsonWriter::close() {
  open_.pop_back();
  if (open_.empty()) write();
  return *this;
}

JsonWriter& JsonWriter::begin_object() {
  open_.push_back(&put(Json::object()));
  return *this;
}

JsonWriter& JsonWriter::end_object() { return close(); }

JsonWriter& JsonWriter::begin_array() {
  open_.push_back(&put(Json::array()));
  return *this;
}

JsonWriter& JsonWriter::end_array() { return close(); }

JsonWriter& JsonWriter::key(std::string_view k) {
  key_.assign(k);
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view v) {
  return scalar(std::string(v));
}

JsonWriter& JsonWriter::value(bool v) {
  return scalar(v);
}

JsonWriter& JsonWriter::value(std::int64_t v) {
  return scalar(v);
}

JsonWriter& JsonWriter::value(std::uint64_t v) {
  return scalar(v);
}

JsonWriter& JsonWriter::value(double v) {
  if (!std::isfinite(v)) return null();
  return scalar(std::round(v * 1000.0) / 1000.0);
}

JsonWriter& JsonWriter::null() {
  return scalar(nullptr);
}

JsonWriter& JsonWriter::string_array(std::string_view k, const std::vector<std::string>& items) {
  key(k).begin_array();
  for (const auto& i : items) value(i);
  return end_array();
}

}  // namespace sslp11::cli
