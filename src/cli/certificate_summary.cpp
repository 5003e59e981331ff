#include "cli/certificate_summary.h"

#include <openssl/bio.h>
#include <openssl/x509.h>

#include <cstdio>
#include <ctime>
#include <memory>

#include "keyfile/openssl_handles.h"

namespace sslp11::cli {

namespace {

std::string name_text(const X509_NAME* name) {
  const keyfile::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

std::string time_text(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return {};
  char out[80];  // room for any int the format could print
  std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  return out;
}

}  // namespace

std::optional<CertificateSummary> summarize_certificate(std::span<const std::uint8_t> der) {
  const unsigned char* data = der.data();
  const keyfile::Certificate cert(d2i_X509(nullptr, &data, static_cast<long>(der.size())));
  if (!cert) return std::nullopt;
  return CertificateSummary{name_text(X509_get_subject_name(cert.get())), time_text(X509_get0_notAfter(cert.get()))};
}

}  // namespace sslp11::cli
