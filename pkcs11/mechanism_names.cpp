#include "pkcs11/mechanism_names.h"

#include <array>
#include <cstdio>
#include <map>
#include <utility>

namespace sslp11::p11 {

namespace {

// PKCS#11 3.0 flags p11-kit 0.24 does not define.
constexpr CK_FLAGS kEcF2m = 1UL << 21;
constexpr CK_FLAGS kEcParameters = 1UL << 22;

struct NamedValue {
  CK_MECHANISM_TYPE value;
  std::string_view name;
};

constexpr NamedValue kGenerated[] = {
#include "mechanism_names.inc"
};

// Value -> name, built once. Later rows overwrite earlier ones: the alias
// rule of the header comment.
const std::map<CK_MECHANISM_TYPE, std::string_view>& names() {
  static const std::map<CK_MECHANISM_TYPE, std::string_view> table = [] {
    std::map<CK_MECHANISM_TYPE, std::string_view> t;
    for (const auto& row : kGenerated) t[row.value] = row.name;
    return t;
  }();
  return table;
}

// pkcs11-tool's order (OpenSC 0.23 list_mechs()).
constexpr std::array<std::pair<CK_FLAGS, std::string_view>, 19> kFlags{{
    {CKF_HW, "hw"},
    {CKF_ENCRYPT, "encrypt"},
    {CKF_DECRYPT, "decrypt"},
    {CKF_DIGEST, "digest"},
    {CKF_SIGN, "sign"},
    {CKF_SIGN_RECOVER, "sign_recover"},
    {CKF_VERIFY, "verify"},
    {CKF_VERIFY_RECOVER, "verify_recover"},
    {CKF_GENERATE, "generate"},
    {CKF_GENERATE_KEY_PAIR, "generate_key_pair"},
    {CKF_WRAP, "wrap"},
    {CKF_UNWRAP, "unwrap"},
    {CKF_DERIVE, "derive"},
    {CKF_EC_F_P, "EC F_P"},
    {kEcF2m, "EC F_2M"},
    {kEcParameters, "EC parameters"},
    {CKF_EC_NAMEDCURVE, "EC OID"},
    {CKF_EC_UNCOMPRESS, "EC uncompressed"},
    {CKF_EC_COMPRESS, "EC compressed"},
}};

std::string hex(unsigned long v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%lx", v);
  return buf;
}

}  // namespace

std::optional<std::string_view> known_mechanism_name(CK_MECHANISM_TYPE m) {
  const auto it = names().find(m);
  if (it == names().end()) return std::nullopt;
  return it->second;
}

bool is_vendor_mechanism(CK_MECHANISM_TYPE m) { return (m & CKM_VENDOR_DEFINED) != 0; }

std::string mechanism_name(CK_MECHANISM_TYPE m) {
  if (const auto name = known_mechanism_name(m)) return std::string(*name);
  return hex(m) + (is_vendor_mechanism(m) ? " (vendor)" : " (unknown)");
}

std::vector<std::string> mechanism_flag_names(CK_FLAGS flags) {
  std::vector<std::string> out;
  for (const auto& [bit, name] : kFlags) {
    if ((flags & bit) == 0) continue;
    out.emplace_back(name);
    flags &= ~bit;
  }
  if (flags != 0) out.push_back("other flags=" + hex(flags));
  return out;
}

std::string mechanism_info_line(CK_MECHANISM_TYPE m, const CK_MECHANISM_INFO& info) {
  std::string line = mechanism_name(m);
  if (info.ulMinKeySize != 0 || info.ulMaxKeySize != 0) {
    line.append(", keySize={");
    if (info.ulMinKeySize != 0) line.append(std::to_string(info.ulMinKeySize));
    line.append(",");
    if (info.ulMaxKeySize != 0) line.append(std::to_string(info.ulMaxKeySize));
    line.append("}");
  }
  for (const auto& flag : mechanism_flag_names(info.flags)) line.append(", ").append(flag);
  return line;
}

}  // namespace sslp11::p11
