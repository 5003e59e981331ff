// A token on a remote HSM (here: SoftHSM behind `p11-kit server`, reached
// through p11-kit-client.so) whose server is killed with SIGKILL while a
// client thread keeps calling the provider, then restarted on the same
// socket. Every call returns a status (the ctest TIMEOUT catches a hang; no
// time is asserted), nothing crashes (p11-kit-client's write to the dead
// socket raises SIGPIPE), keys from before the loss report NTE_BAD_KEY_STATE /
// NTE_INVALID_HANDLE even though the new server reuses their handle numbers,
// and the provider works again in the same process once the server is back.
//
// p11-kit 0.24's RPC forwards only mechanisms whose parameters it can
// marshal: no CKM_ECDH1_DERIVE, no AES-GCM/CBC, so no TLS suite can be
// offered through it (see the test below). The token work done remotely is
// therefore what needs no mechanism parameters: an RSA public key imported as
// a token object (C_CreateObject) and signatures verified with it
// (C_VerifyInit/C_Verify, CKM_RSA_PKCS), checked against OpenSSL.
#include <gtest/gtest.h>

#include <sslp11/sslprovider.h>
#include <sslp11/winerror.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "faults/support/fault_kit.h"
#include "records/support/record_session.h"
#include "support/oracle/cng_blobs.h"
#include "support/oracle/keys.h"
#include "support/oracle/signatures.h"
#include "support/provider_env.h"

namespace sslp11::faults {
namespace {

using oracle::Bytes;

bool key_lost(SECURITY_STATUS s) { return s == NTE_BAD_KEY_STATE || s == NTE_INVALID_HANDLE; }

// An RSA key of OpenSSL's, and a PKCS#1 v1.5 signature by it (flags 0: the
// value is signed as is, as TLS 1.0 did).
struct Signer {
  oracle::Pkey key = oracle::rsa_generate(2048);
  Bytes blob = oracle::rsa_public_blob(oracle::rsa_modulus(key.get()), oracle::rsa_public_exponent(key.get()));
  Bytes value = oracle::random_bytes(36);
  Bytes signature = oracle::sign_pkcs1_raw(key.get(), value);
};

SECURITY_STATUS verify(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE key, Bytes value, Bytes signature) {
  return SslVerifySignature(p, key, value.data(), static_cast<DWORD>(value.size()), signature.data(),
                            static_cast<DWORD>(signature.size()), 0);
}

// Import (a token object) + verify; the first failing status. Keeps the key when asked.
Handshake remote_work(NCRYPT_PROV_HANDLE p, const Signer& s, NCRYPT_KEY_HANDLE* keep = nullptr) {
  Handshake h;
  NCRYPT_KEY_HANDLE key = 0;
  Bytes blob = s.blob;
  SECURITY_STATUS st = SslImportKey(p, &key, BCRYPT_RSAPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0);
  if (st != 0) {
    h = {st, "SslImportKey", test::last_error(), 0};
    return h;
  }
  st = verify(p, key, s.value, s.signature);
  if (st != 0) h = {st, "SslVerifySignature", test::last_error(), 0};
  if (keep != nullptr && st == 0) {
    *keep = key;
  } else {
    SslFreeObject(key, 0);
  }
  return h;
}

// The recovered provider gives right answers, not just 0: a good signature
// verifies, a bad one does not.
void expect_verification_right(NCRYPT_PROV_HANDLE p, const Signer& s) {
  NCRYPT_KEY_HANDLE key = 0;
  const Handshake h = remote_work(p, s, &key);
  ASSERT_EQ(h.status, 0) << h.failed_call << ": " << status_name(h.status) << " " << h.why;
  Bytes bad = s.signature;
  bad[bad.size() / 2] ^= 1;
  EXPECT_EQ(verify(p, key, s.value, bad), NTE_BAD_SIGNATURE) << test::last_error();
  SslFreeObject(key, 0);
}

TEST(RemoteToken, WorksThroughP11KitServerButOffersNoSuites) {
  RemoteToken remote("sslp11-remote-ok");
  test::ProviderHandle provider(remote.client_spec(), "", "remote-ok");
  ASSERT_EQ(provider.open_status(), 0);
  const Signer s;
  expect_verification_right(provider.get(), s);
  // p11-kit 0.24 does not forward ECDH derivation or AES-GCM/CBC: the
  // provider says so instead of failing mid-handshake.
  EXPECT_TRUE(recordtest::offered_suites(provider.get()).empty());
  const Handshake h = handshake(provider.get());
  EXPECT_EQ(h.status, NTE_NOT_SUPPORTED) << h.failed_call << ": " << h.why;
}

struct Attempt {
  Clock::time_point start;
  double ms;
  SECURITY_STATUS status;
  std::string call;
  std::string why;
};

TEST(RemoteToken, ServerKilledMidRunThenRestarted) {
  RemoteToken remote("sslp11-remote-kill");
  test::ProviderHandle provider(remote.client_spec(), "", "remote-kill");
  ASSERT_EQ(provider.open_status(), 0);
  const NCRYPT_PROV_HANDLE p = provider.get();
  const Signer signer;
  NCRYPT_KEY_HANDLE old_key = 0;
  const Handshake before = remote_work(p, signer, &old_key);
  ASSERT_EQ(before.status, 0) << before.failed_call << ": " << status_name(before.status) << " " << before.why;

  std::mutex mutex;
  std::vector<Attempt> attempts;
  std::atomic<bool> stop{false};
  std::thread client([&] {
    while (!stop.load()) {
      const auto t0 = Clock::now();
      const Handshake h = remote_work(p, signer);
      const double ms = ms_since(t0);
      std::lock_guard lock(mutex);
      attempts.push_back({t0, ms, h.status, h.failed_call, h.why});
    }
  });
  const auto count = [&](auto&& pred) {
    std::lock_guard lock(mutex);
    return static_cast<std::size_t>(std::count_if(attempts.begin(), attempts.end(), pred));
  };
  const auto wait_for = [&](auto&& pred, std::size_t n) {
    while (count(pred) < n) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  };

  wait_for([](const Attempt& a) { return a.status == 0; }, 3);
  const auto killed_at = Clock::now();
  remote.kill();
  wait_for([&](const Attempt& a) { return a.start > killed_at && a.status != 0; }, 5);

  // While it is down: a clear status from a call that makes a new token object.
  NCRYPT_KEY_HANDLE k = 0;
  Bytes blob = signer.blob;
  const SECURITY_STATUS down =
      SslImportKey(p, &k, BCRYPT_RSAPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0);
  EXPECT_EQ(down, NTE_DEVICE_NOT_READY) << status_name(down) << " " << test::last_error();
  const std::string down_why = test::last_error();

  const auto restarted_at = Clock::now();
  remote.start();
  wait_for([&](const Attempt& a) { return a.start > restarted_at && a.status == 0; }, 3);
  stop = true;
  client.join();

  double max_ms = 0, first_failure_ms = -1, recovered_ms = -1;
  std::size_t failures = 0, after_restart_failures = 0;
  for (const Attempt& a : attempts) {
    max_ms = std::max(max_ms, a.ms);
    const double since_kill = std::chrono::duration<double, std::milli>(a.start - killed_at).count() + a.ms;
    const double since_restart = std::chrono::duration<double, std::milli>(a.start - restarted_at).count() + a.ms;
    if (a.status != 0) {
      ++failures;
      if (a.start > restarted_at) ++after_restart_failures;
      EXPECT_TRUE(a.status == NTE_DEVICE_NOT_READY || key_lost(a.status))
          << a.call << ": " << status_name(a.status) << " " << a.why;
      if (first_failure_ms < 0 && since_kill > 0) first_failure_ms = since_kill;
    } else if (a.start > restarted_at && recovered_ms < 0) {
      recovered_ms = since_restart;
    }
  }
  std::printf("remote: %zu operations, %zu failed while the server was down (%zu after restart); longest call "
              "%.1f ms; first failure %.1f ms after kill -9; first success %.1f ms after restart\n  down: %s\n",
              attempts.size(), failures, after_restart_failures, max_ms, first_failure_ms, recovered_ms,
              down_why.c_str());

  // New objects first, so the new server has handed out the old handle numbers again.
  for (int i = 0; i < 3; ++i) {
    const Handshake again = remote_work(p, signer);
    EXPECT_EQ(again.status, 0) << again.failed_call << ": " << status_name(again.status) << " " << again.why;
  }
  const SECURITY_STATUS stale = verify(p, old_key, signer.value, signer.signature);
  EXPECT_TRUE(key_lost(stale)) << "a key from before the loss: " << status_name(stale) << " " << test::last_error();
  SslFreeObject(old_key, 0);
  expect_verification_right(p, signer);
}

// A provider opened while the server is down fails cleanly, and one opened
// after it is back works.
TEST(RemoteToken, OpenWhileServerDownThenUp) {
  RemoteToken remote("sslp11-remote-open");
  remote.kill();
  test::use_token(remote.client_spec(), "", "remote-open");
  NCRYPT_PROV_HANDLE h = 0;
  const SECURITY_STATUS s = SslOpenProvider(&h, nullptr, 0);
  EXPECT_TRUE(s == NTE_DEVICE_NOT_FOUND || s == NTE_DEVICE_NOT_READY) << status_name(s) << " " << test::last_error();
  std::printf("open while down: %s %s\n", status_name(s).c_str(), test::last_error().c_str());
  remote.start();
  test::ProviderHandle provider(remote.client_spec(), "", "remote-open");
  ASSERT_EQ(provider.open_status(), 0);
  expect_verification_right(provider.get(), Signer{});
}

// fork() with a remote module: the child inherits the parent's socket to the
// server, and one byte written on it by the child would corrupt the parent's
// RPC stream. The child's use of the parent's handles fails cleanly without a
// call; its own provider connects anew; the parent keeps working throughout.
TEST(RemoteToken, ForkedChildNeverTouchesTheParentsConnection) {
  RemoteToken remote("sslp11-remote-fork");
  test::ProviderHandle provider(remote.client_spec(), "", "remote-fork");
  ASSERT_EQ(provider.open_status(), 0);
  const NCRYPT_PROV_HANDLE p = provider.get();
  const Signer signer;
  NCRYPT_KEY_HANDLE key = 0;
  ASSERT_EQ(remote_work(p, signer, &key).status, 0);

  const pid_t child = fork();  // no other thread runs yet
  ASSERT_GE(child, 0);
  if (child == 0) {
    int bits = 0;
    if (verify(p, key, signer.value, signer.signature) != NTE_INVALID_HANDLE &&
        verify(p, key, signer.value, signer.signature) != NTE_BAD_KEY_STATE) {
      bits |= 1;
    }
    if (remote_work(p, signer).status != NTE_INVALID_HANDLE) bits |= 2;
    NCRYPT_PROV_HANDLE own = 0;
    const SECURITY_STATUS opened = SslOpenProvider(&own, nullptr, 0);
    if (opened == 0) {
      for (int i = 0; i < 5; ++i)
        if (remote_work(own, signer).status != 0) bits |= 4;
    } else if (opened != NTE_DEVICE_NOT_READY && opened != NTE_INVALID_HANDLE) {
      bits |= 8;
    }
    _exit(bits);
  }
  std::atomic<bool> child_done{false};
  std::atomic<int> during = 0, during_failed = 0;
  std::thread parent_work([&] {
    while (!child_done.load()) {
      ++during;
      if (remote_work(p, signer).status != 0) ++during_failed;
    }
  });
  int status = 0;
  waitpid(child, &status, 0);
  child_done = true;
  parent_work.join();
  ASSERT_TRUE(WIFEXITED(status)) << "the child crashed (signal " << WTERMSIG(status) << ")";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "child findings (bits): 1 parent's key usable, 2 parent's provider usable, "
                                       "4 own provider failed, 8 unclear error";
  EXPECT_EQ(during_failed.load(), 0) << "of " << during.load() << " parent operations while the child ran";
  std::printf("remote fork: parent ran %d operations while the child ran, %d failed\n", during.load(),
              during_failed.load());
  EXPECT_EQ(verify(p, key, signer.value, signer.signature), 0) << test::last_error();
  SslFreeObject(key, 0);
  expect_verification_right(p, signer);
}

}  // namespace
}  // namespace sslp11::faults
