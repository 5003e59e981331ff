#include "tls/connection_run.h"

#include <optional>
#include <ostream>
#include <string>

namespace sslp11::tls {

ConnectionReport run_connection(Connection& conn, ConnectionReport& report, std::ostream& log, const char* peer,
                                const std::function<void()>& body) {
  const auto fail = [&](const std::string& why, std::optional<AlertDescription> alert) {
    if (alert) conn.send_fatal(*alert);
    report.ok = false;
    report.failure = why;
    report.traffic = conn.stats();
    log << "!! " << why << "\n";
    return report;
  };
  try {
    body();
    conn.close();
    report.ok = true;
    report.traffic = conn.stats();
    return report;
  } catch (const TlsFailure& e) {
    return fail(e.what(), e.alert());
  } catch (const DecodeError& e) {
    return fail(std::string("malformed message from ") + peer + ": " + e.what(), AlertDescription::decode_error);
  } catch (const PeerAlert& e) {
    return fail(e.what(), std::nullopt);
  } catch (const TransportError& e) {
    return fail(e.what(), std::nullopt);
  } catch (const ProviderError& e) {
    return fail(e.what(), AlertDescription::internal_error);
  }
}

}  // namespace sslp11::tls
