// How one connection ends, for both roles: the one place that turns each way
// a connection can fail into its report line and the alert the peer gets.
#pragma once

#include <functional>
#include <iosfwd>

#include "tls/account.h"
#include "tls/connection.h"

namespace sslp11::tls {

// Runs `body` (the handshake and the data exchange) on `conn`. When it
// returns: our close_notify, `report` marked ok with the connection's
// traffic. When it throws: the failure logged and put in `report`, and the
// alert it calls for sent (none for the peer's own alert or a broken
// transport). `peer` names the other side in a decode error ("the server").
ConnectionReport run_connection(Connection& conn, ConnectionReport& report, std::ostream& log, const char* peer,
                                const std::function<void()>& body);

}  // namespace sslp11::tls
