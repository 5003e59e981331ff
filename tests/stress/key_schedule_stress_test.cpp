// The provider under load (issue 8): 8 threads x SSLP11_STRESS_SCHEDULES
// (default 2,000) full TLS 1.2 key schedules + 20 records each, per token, with
// handles crossing threads:
//  * most handles are handed to a shared queue and freed by another thread;
//  * some write keys are queued at the front (another thread frees them soon)
//    while the thread that made them keeps sealing records with them: each
//    call must give ERROR_SUCCESS or, once freed, NTE_INVALID_HANDLE, never
//    crash or touch freed memory (ASan, TSan);
//  * some handles are freed twice on one thread (the second free:
//    NTE_INVALID_HANDLE), others queued twice so that two threads race to free
//    them (exactly one succeeds);
//  * odd threads use a provider handle of their own for the server side and
//    free it while keys it made may still be queued.
// Afterwards the token holds exactly the objects it held before (C_FindObjects
// in a session of an "anchor" provider that stays open throughout, as in
// tests/core/object_leak_test.cpp) and the handle table is back to its size;
// LeakSanitizer (ASan build) checks that no provider memory is left.
//
// Labels stress and concurrency (the TSan CI run picks it up). Elapsed time
// is printed, never asserted.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "abi/handle_table.h"
#include "core/support/key_checks.h"
#include "core/support/ssl_calls.h"
#include "stress/support/handle_queue.h"
#include "stress/support/schedule_pair.h"
#include "support/provider_env.h"
#include "support/test_tokens.h"

namespace sslp11::stresstest {
namespace {

using coretest::enumerate_suites;
using coretest::Exchange;
using coretest::find_suite_facts;
using coretest::Hash;
using coretest::status_hex;
using test::ProviderHandle;
using test::TestTokens;
using test::TokenName;
using test::TokenSpec;

constexpr int kThreads = 8;
constexpr int kRecordsPerSchedule = 20;
constexpr int kDefaultSchedules = 2000;
// Every kCaseCycle-th schedule of a thread takes one of the special cases.
constexpr int kCaseCycle = 25;
constexpr int kContendedSeals = 200;  // records sealed with a key another thread is freeing
constexpr int kMaxForeignFreesPerSchedule = 16;

int schedules_per_thread() {
  const char* v = std::getenv("SSLP11_STRESS_SCHEDULES");
  if (v == nullptr || *v == '\0') return kDefaultSchedules;
  const int n = std::atoi(v);
  return n > 0 ? n : kDefaultSchedules;
}

// What the threads share and what they count.
struct Shared {
  NCRYPT_PROV_HANDLE provider = 0;  // used by every thread (client side; server side of even threads)
  std::vector<const SuiteFacts*> suites;
  HandleQueue queue;

  std::atomic<int> schedules{0}, records{0}, failures{0};
  std::atomic<int> freed_elsewhere{0};   // freed by a thread other than the one that made it
  std::atomic<int> contended_keys{0}, contended_invalid{0}, contended_seals_ok{0};
  std::atomic<int> double_frees{0};      // same thread: second free gave NTE_INVALID_HANDLE
  std::atomic<int> racing_pairs{0}, racing_ok{0}, racing_invalid{0};
  std::mutex messages_mutex;
  std::vector<std::string> messages;  // the first few failures, reported by the main thread

  void fail(int thread, int schedule, const std::string& what) {
    if (failures.fetch_add(1) < 5) {
      std::lock_guard lock(messages_mutex);
      messages.push_back("thread " + std::to_string(thread) + " schedule " + std::to_string(schedule) + ": " + what);
    }
  }
};

// One free of a handle that must still be live.
void free_live(Shared& shared, int thread, int schedule, NCRYPT_HANDLE h, const char* what) {
  const SECURITY_STATUS s = SslFreeObject(h, 0);
  if (s != ERROR_SUCCESS) shared.fail(thread, schedule, std::string("SslFreeObject(") + what + ") returned " + status_hex(s));
}

// A handle popped from the queue: made by another thread.
void free_queued(Shared& shared, int thread, int schedule, const QueuedHandle& q) {
  const SECURITY_STATUS s = SslFreeObject(q.handle, 0);
  if (q.queued_twice) {
    if (s == ERROR_SUCCESS) {
      shared.racing_ok.fetch_add(1);
    } else if (s == NTE_INVALID_HANDLE) {
      shared.racing_invalid.fetch_add(1);
    } else {
      shared.fail(thread, schedule, "racing SslFreeObject returned " + status_hex(s));
    }
    return;
  }
  if (s != ERROR_SUCCESS) {
    shared.fail(thread, schedule, "SslFreeObject of a queued handle returned " + status_hex(s));
    return;
  }
  if (q.made_by != thread) shared.freed_elsewhere.fetch_add(1);
}

// The write key goes to the front of the queue, where the next thread that
// frees looks first; meanwhile this thread keeps sealing with it. Once a call
// has said NTE_INVALID_HANDLE, every later one must too (handles are never reused).
void seal_while_freed(Shared& shared, int thread, int schedule, NCRYPT_PROV_HANDLE provider, NCRYPT_HANDLE write,
                      std::uint64_t next_seq) {
  shared.contended_keys.fetch_add(1);
  shared.queue.push_front({write, thread, false});
  bool freed = false;
  for (int i = 0; i < kContendedSeals; ++i) {
    const SECURITY_STATUS s = seal_one(provider, write, next_seq + static_cast<std::uint64_t>(i));
    if (s == ERROR_SUCCESS && !freed) {
      shared.contended_seals_ok.fetch_add(1);
      continue;
    }
    if (s == NTE_INVALID_HANDLE) {
      if (!freed) shared.contended_invalid.fetch_add(1);
      freed = true;
      continue;
    }
    shared.fail(thread, schedule,
                std::string("sealing with a key being freed elsewhere returned ") + status_hex(s) +
                    (freed ? " after NTE_INVALID_HANDLE" : "") + ": " + test::last_error());
    return;
  }
}

// Where the handles of one finished schedule go.
void dispose(Shared& shared, int thread, int schedule, SchedulePair& pair) {
  const NCRYPT_PROV_HANDLE client_provider = pair.client.provider;
  const NCRYPT_HANDLE client_write = pair.client.write.get();
  const NCRYPT_HANDLE server_master = pair.server.master.get();
  const std::uint64_t next_seq = pair.client_sent;
  std::vector<NCRYPT_HANDLE> handles = release_all(pair);
  auto take = [&](NCRYPT_HANDLE h) { std::erase(handles, h); };

  switch (schedule % kCaseCycle) {
    case 0:  // used here while another thread frees it
      take(client_write);
      seal_while_freed(shared, thread, schedule, client_provider, client_write, next_seq);
      break;
    case 1: {  // freed twice on this thread
      take(server_master);
      free_live(shared, thread, schedule, server_master, "master key");
      const SECURITY_STATUS s = SslFreeObject(server_master, 0);
      if (s == NTE_INVALID_HANDLE) {
        shared.double_frees.fetch_add(1);
      } else {
        shared.fail(thread, schedule, "the second SslFreeObject of a master key returned " + status_hex(s));
      }
      break;
    }
    case 2:  // queued twice: two other threads race to free it
      take(server_master);
      shared.racing_pairs.fetch_add(1);
      shared.queue.push({server_master, thread, true});
      shared.queue.push({server_master, thread, true});
      break;
    default:
      break;
  }
  // Half to the queue (freed by another thread), half freed here.
  for (std::size_t i = 0; i < handles.size(); ++i) {
    if ((i + static_cast<std::size_t>(schedule)) % 2 == 0) {
      shared.queue.push({handles[i], thread, false});
    } else {
      free_live(shared, thread, schedule, handles[i], "own handle");
    }
  }
}

void worker(Shared& shared, int thread, int schedules) {
  std::mt19937 rng(static_cast<unsigned>(thread) * 7919u + 1u);
  NCRYPT_PROV_HANDLE own = 0;
  if (thread % 2 == 1) {
    const SECURITY_STATUS s = SslOpenProvider(&own, nullptr, 0);
    if (s != ERROR_SUCCESS) {
      shared.fail(thread, -1, "SslOpenProvider returned " + status_hex(s) + ": " + test::last_error());
      return;
    }
  }
  for (int i = 0; i < schedules; ++i) {
    const SuiteFacts& suite = *shared.suites[static_cast<std::size_t>(thread + i) % shared.suites.size()];
    // SoftHSM's HMAC-SHA384 wants a key of at least 48 bytes: a P-384 secret.
    const CurveFacts& curve = suite.prf == Hash::sha384 ? coretest::p384() : coretest::p256();
    try {
      SchedulePair pair;
      pair.client.provider = shared.provider;
      pair.server.provider = own != 0 ? own : shared.provider;
      run_schedule(pair, suite, curve);
      shared.schedules.fetch_add(1);
      exchange_records(pair, kRecordsPerSchedule, rng);
      shared.records.fetch_add(kRecordsPerSchedule);
      dispose(shared, thread, i, pair);
    } catch (const std::exception& e) {
      shared.fail(thread, i, std::string(suite.name) + ": " + e.what());
    }
    for (int n = 0; n < kMaxForeignFreesPerSchedule; ++n) {
      auto q = shared.queue.pop_foreign(thread);
      if (!q) break;
      free_queued(shared, thread, i, *q);
    }
  }
  // Keys this provider made may still wait in the queue: they keep its token
  // context alive on their own.
  if (own != 0) free_live(shared, thread, -1, own, "own provider");
}

class KeyScheduleStress : public ::testing::TestWithParam<TokenSpec> {};

TEST_P(KeyScheduleStress, EightThreadsHandOverAndFreeHandles) {
  const TokenSpec& spec = GetParam();
  const int schedules = schedules_per_thread();
  ProviderHandle anchor(spec);
  ASSERT_EQ(anchor.open_status(), ERROR_SUCCESS);
  const std::size_t objects_before = coretest::count_token_objects(anchor.get());
  const std::size_t handles_before = abi::HandleTable::instance().size();

  Shared shared;
  ASSERT_EQ(SslOpenProvider(&shared.provider, nullptr, 0), ERROR_SUCCESS) << test::last_error();
  for (DWORD id : enumerate_suites(shared.provider)) {
    const SuiteFacts* s = find_suite_facts(id);
    if (s != nullptr && s->exchange == Exchange::ecdhe) shared.suites.push_back(s);
  }
  ASSERT_FALSE(shared.suites.empty());

  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, std::ref(shared), t, schedules);
  for (auto& th : threads) th.join();
  // What no other thread was left to free.
  while (auto q = shared.queue.pop_any()) free_queued(shared, -1, -1, *q);
  EXPECT_EQ(SslFreeObject(shared.provider, 0), ERROR_SUCCESS);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const std::size_t objects_after = coretest::count_token_objects(anchor.get());
  const std::size_t handles_after = abi::HandleTable::instance().size();
  std::cout << "[stress] token=" << spec.name << ": " << kThreads << " threads x " << schedules << " schedules ("
            << shared.suites.size() << " suites), " << shared.schedules.load() << " schedules and "
            << shared.records.load() << " records in " << seconds << " s; freed by another thread "
            << shared.freed_elsewhere.load() << ", keys sealed with while freed " << shared.contended_keys.load()
            << " (" << shared.contended_seals_ok.load() << " seals ok, " << shared.contended_invalid.load()
            << " saw NTE_INVALID_HANDLE), double frees " << shared.double_frees.load() << ", racing frees "
            << shared.racing_pairs.load() << " (" << shared.racing_ok.load() << " ok, " << shared.racing_invalid.load()
            << " invalid); objects " << objects_before << " -> " << objects_after << ", handles " << handles_before
            << " -> " << handles_after << std::endl;
  for (const auto& m : shared.messages) ADD_FAILURE() << m;
  EXPECT_EQ(shared.failures.load(), 0);
  EXPECT_EQ(shared.schedules.load(), kThreads * schedules);
  EXPECT_EQ(shared.records.load(), kThreads * schedules * kRecordsPerSchedule);
  // Of each handle queued twice, exactly one free succeeded.
  EXPECT_EQ(shared.racing_ok.load(), shared.racing_pairs.load());
  EXPECT_EQ(shared.racing_invalid.load(), shared.racing_pairs.load());
  EXPECT_EQ(objects_after, objects_before) << "token objects leaked";
  EXPECT_EQ(handles_after, handles_before) << "handles leaked";
}

// Two threads free the same handles at the same moment (both walk one list
// in the same order): of the two SslFreeObject calls on each handle exactly
// one succeeds, the other is NTE_INVALID_HANDLE, and everything goes.
TEST_P(KeyScheduleStress, TwoThreadsFreeTheSameHandlesAtOnce) {
  constexpr int kHandles = 4000;
  ProviderHandle anchor(GetParam());
  ASSERT_EQ(anchor.open_status(), ERROR_SUCCESS);
  const std::size_t objects_before = coretest::count_token_objects(anchor.get());
  const std::size_t handles_before = abi::HandleTable::instance().size();
  std::vector<NCRYPT_HANDLE> handles;
  for (int i = 0; i < kHandles; ++i) {
    // Cheap objects: transcript hashes and imported public keys alternately.
    NCRYPT_HANDLE h = 0;
    if (i % 2 == 0) {
      ASSERT_EQ(SslCreateHandshakeHash(anchor.get(), &h, TLS1_2_PROTOCOL_VERSION,
                                       TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0),
                ERROR_SUCCESS)
          << test::last_error();
    } else {
      NCRYPT_HANDLE eph = 0;
      ASSERT_EQ(SslCreateEphemeralKey(anchor.get(), &eph, TLS1_2_PROTOCOL_VERSION,
                                      TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, coretest::p256().group,
                                      coretest::p256().bits, nullptr, 0, 0),
                ERROR_SUCCESS)
          << test::last_error();
      h = eph;
    }
    handles.push_back(h);
  }
  std::vector<std::vector<SECURITY_STATUS>> statuses(2, std::vector<SECURITY_STATUS>(kHandles));
  std::atomic<int> ready{0};
  auto walk = [&](int t) {
    ready.fetch_add(1);
    while (ready.load() < 2) std::this_thread::yield();
    for (int i = 0; i < kHandles; ++i) statuses[t][i] = SslFreeObject(handles[i], 0);
  };
  std::thread a(walk, 0), b(walk, 1);
  a.join();
  b.join();
  int both_ok = 0, other = 0;
  for (int i = 0; i < kHandles; ++i) {
    const SECURITY_STATUS x = statuses[0][i], y = statuses[1][i];
    if (x == ERROR_SUCCESS && y == ERROR_SUCCESS) {
      ++both_ok;
    } else if (!((x == ERROR_SUCCESS && y == NTE_INVALID_HANDLE) || (x == NTE_INVALID_HANDLE && y == ERROR_SUCCESS))) {
      ++other;
    }
  }
  std::cout << "[stress] token=" << GetParam().name << ": " << kHandles << " handles freed by two threads at once, "
            << both_ok << " freed twice successfully, " << other << " other outcomes" << std::endl;
  EXPECT_EQ(both_ok, 0) << "a handle was freed successfully by both threads";
  EXPECT_EQ(other, 0);
  EXPECT_EQ(coretest::count_token_objects(anchor.get()), objects_before);
  EXPECT_EQ(abi::HandleTable::instance().size(), handles_before);
}

INSTANTIATE_TEST_SUITE_P(Tokens, KeyScheduleStress, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::stresstest
