#include "cli/format.h"

#include <openssl/crypto.h>
#include <openssl/err.h>

#include <algorithm>
#include <array>
#include <utility>

namespace sslp11::cli {

namespace {

template <std::size_t N>
std::vector<std::string> names_of(CK_FLAGS flags, const std::array<std::pair<CK_FLAGS, const char*>, N>& table) {
  std::vector<std::string> out;
  for (const auto& [bit, name] : table)
    if (flags & bit) out.emplace_back(name);
  return out;
}

std::string joined(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ",") + i;
  return s;
}

constexpr std::array<std::pair<CK_FLAGS, const char*>, 13> kTokenFlags{{
    {CKF_TOKEN_INITIALIZED, "initialized"},
    {CKF_LOGIN_REQUIRED, "login-required"},
    {CKF_USER_PIN_INITIALIZED, "user-pin-set"},
    {CKF_WRITE_PROTECTED, "write-protected"},
    {CKF_RNG, "rng"},
    {CKF_PROTECTED_AUTHENTICATION_PATH, "protected-auth-path"},
    {CKF_USER_PIN_COUNT_LOW, "user-pin-count-low"},
    {CKF_USER_PIN_FINAL_TRY, "user-pin-final-try"},
    {CKF_USER_PIN_LOCKED, "user-pin-locked"},
    {CKF_USER_PIN_TO_BE_CHANGED, "user-pin-to-be-changed"},
    {CKF_SO_PIN_COUNT_LOW, "so-pin-count-low"},
    {CKF_SO_PIN_FINAL_TRY, "so-pin-final-try"},
    {CKF_SO_PIN_LOCKED, "so-pin-locked"},
}};

constexpr std::array<std::pair<CK_OBJECT_CLASS, std::string_view>, 6> kClasses{{
    {CKO_DATA, "data"},
    {CKO_CERTIFICATE, "certificate"},
    {CKO_PUBLIC_KEY, "public-key"},
    {CKO_PRIVATE_KEY, "private-key"},
    {CKO_SECRET_KEY, "secret-key"},
    {CKO_DOMAIN_PARAMETERS, "domain-parameters"},
}};

}  // namespace

std::string hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    s += kHex[b >> 4];
    s += kHex[b & 0xf];
  }
  return s;
}

std::string shell_quoted(std::string_view text) {
  const bool safe = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("_@%+=:,./-").find(c) != std::string_view::npos;
  });
  if (safe) return std::string(text);
  std::string q = "'";
  for (char c : text) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::optional<std::vector<std::uint8_t>> parse_hex(std::string_view text) {
  // OpenSSL's reader, ':' between bytes allowed (as `openssl x509 -serial` and p11tool print ids).
  const std::string z(text);
  std::vector<std::uint8_t> out(z.size() / 2 + 1);
  std::size_t len = 0;
  if (z.find('\0') != std::string::npos || OPENSSL_hexstr2buf_ex(out.data(), out.size(), &len, z.c_str(), ':') != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  if (len == 0) return std::nullopt;
  out.resize(len);
  return out;
}

std::vector<std::string> token_flag_names(CK_FLAGS flags) { return names_of(flags, kTokenFlags); }

std::string token_flags_text(CK_FLAGS flags) { return joined(token_flag_names(flags)); }

std::string pin_counter_flags_text(CK_FLAGS flags, CK_USER_TYPE user) {
  const std::array<std::pair<CK_FLAGS, const char*>, 3> user_flags{{
      {CKF_USER_PIN_COUNT_LOW, "user-pin-count-low"},
      {CKF_USER_PIN_FINAL_TRY, "user-pin-final-try"},
      {CKF_USER_PIN_LOCKED, "user-pin-locked"},
  }};
  const std::array<std::pair<CK_FLAGS, const char*>, 3> so_flags{{
      {CKF_SO_PIN_COUNT_LOW, "so-pin-count-low"},
      {CKF_SO_PIN_FINAL_TRY, "so-pin-final-try"},
      {CKF_SO_PIN_LOCKED, "so-pin-locked"},
  }};
  const std::string s = joined(names_of(flags, user == CKU_SO ? so_flags : user_flags));
  return s.empty() ? "none" : s;
}

std::vector<std::string> slot_flag_names(CK_FLAGS flags) {
  const std::array<std::pair<CK_FLAGS, const char*>, 3> table{{
      {CKF_TOKEN_PRESENT, "token-present"},
      {CKF_REMOVABLE_DEVICE, "removable"},
      {CKF_HW_SLOT, "hardware"},
  }};
  return names_of(flags, table);
}

std::string slot_flags_text(CK_FLAGS flags) { return joined(slot_flag_names(flags)); }

std::string_view class_name(CK_OBJECT_CLASS c) {
  for (const auto& [value, name] : kClasses)
    if (value == c) return name;
  return "other";
}

std::optional<CK_OBJECT_CLASS> class_from_name(std::string_view name) {
  for (const auto& [value, n] : kClasses)
    if (n == name) return value;
  // The short forms of pkcs11-tool --type and RFC 7512 type=.
  if (name == "cert") return CKO_CERTIFICATE;
  if (name == "pubkey" || name == "public") return CKO_PUBLIC_KEY;
  if (name == "privkey" || name == "private") return CKO_PRIVATE_KEY;
  if (name == "secret" || name == "secrkey") return CKO_SECRET_KEY;
  return std::nullopt;
}

std::string_view key_type_name(CK_KEY_TYPE t) {
  switch (t) {
    case CKK_RSA: return "rsa";
    case CKK_EC: return "ec";
    case CKK_DH: return "dh";
    case CKK_DSA: return "dsa";
    case CKK_AES: return "aes";
    case CKK_GENERIC_SECRET: return "generic-secret";
    case CKK_DES3: return "des3";
    default: return "other";
  }
}

}  // namespace sslp11::cli
