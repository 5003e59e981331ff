// A custom global allocator for the wipe test: while armed, every block
// released through operator delete (any of its sized/aligned/nothrow forms)
// is not returned to malloc but kept - with its size and the library that
// released it - until the test has learnt the secrets, then searched for them
// and released. That way the test needs no secret while the provider runs
// (its own copies would otherwise be freed blocks too), and nothing a freed
// block held can be overwritten by a later allocation before the search.
//
// Only blocks freed through operator delete are seen: sslp11's C++ code and
// the C++ inside the tokens (SoftHSMv2); OpenSSL's and NSS's malloc/free are
// not. Link freed_memory.cpp into one test executable only: it replaces the
// process's operator new/delete.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "secrets/support/secret_patterns.h"

namespace sslp11::secretstest {

class FreedMemory {
 public:
  // Starts keeping freed blocks (the previous quarantine must be released).
  static void arm();
  // Stops keeping; the kept blocks stay until release().
  static void disarm();
  static std::size_t kept_blocks();
  static std::size_t kept_bytes();
  // True when more blocks were freed than the quarantine holds.
  static bool overflowed();

  struct Hit {
    std::string library;  // who called operator delete (dladdr of the return address)
    std::size_t size;
    std::vector<Finding> findings;
  };
  // Every kept block that holds a secret of `secrets`.
  static std::vector<Hit> search(const SecretSet& secrets);
  // Returns the kept blocks to malloc.
  static void release();
};

std::string describe(const std::vector<FreedMemory::Hit>& hits);

}  // namespace sslp11::secretstest
