// The public RAII handle (sslprovider.hpp) with one test aid: freeing the
// object while keeping its value, to pass as a "freed handle" afterwards.
#pragma once

#include <gtest/gtest.h>
#include <sslp11/sslprovider.hpp>

namespace sslp11::test {

class TestHandle : public ::sslp11::SslHandle {
 public:
  using SslHandle::SslHandle;
  // Frees the object (the free must succeed) and returns its now dead value.
  NCRYPT_HANDLE free_keep_value() {
    const NCRYPT_HANDLE h = release();
    EXPECT_EQ(SslFreeObject(h, 0), ERROR_SUCCESS);
    return h;
  }
};

}  // namespace sslp11::test
