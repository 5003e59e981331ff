// A one-connection TCP proxy on 127.0.0.1 that relays between a TLS client
// and server and lets a test change one record in one direction (flip a byte
// of the first application-data record, alter the ClientHello). It parses
// records only in the direction it tampers with; the other is relayed as is.
// The relay thread stops and is joined in the destructor.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace sslp11::tlstest {

class TamperProxy {
 public:
  enum class Direction { to_client, to_server };
  // Called for each whole record (header included) travelling in `direction`
  // until it returns true (it changed the record).
  using Tamper = std::function<bool(std::vector<std::uint8_t>& record)>;

  TamperProxy(std::uint16_t upstream_port, Direction direction, Tamper tamper);
  ~TamperProxy();
  TamperProxy(const TamperProxy&) = delete;
  TamperProxy& operator=(const TamperProxy&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  bool tampered() const noexcept { return tampered_.load(); }

 private:
  void relay();

  std::uint16_t upstream_;
  Direction direction_;
  Tamper tamper_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> tampered_{false};
  std::thread thread_;
};

// The tampering the tests use: flip one byte in the middle of the first
// application_data record's body.
bool flip_first_application_data(std::vector<std::uint8_t>& record);

}  // namespace sslp11::tlstest
