#include "common/executor.h"

#include <pthread.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "common/thread_name.h"
#include "gtest/gtest.h"

namespace opsuite {
namespace {

std::string ThisThreadName() {
  char name[16] = {};
  pthread_getname_np(pthread_self(), name, sizeof(name));
  return name;
}

TEST(ExecutorTest, RunsEverythingQueuedBeforeShutdownReturns) {
  Executor pool(3);
  std::atomic<int> ran{0};
  for (int i = 0; i < 100; ++i) pool.Submit([&] { ran.fetch_add(1); });
  pool.Shutdown();
  EXPECT_EQ(ran.load(), 100);
  EXPECT_EQ(pool.Ran(), 100u);
  // After Shutdown a function runs on the caller.
  bool here = false;
  pool.Submit([&] { here = true; });
  EXPECT_TRUE(here);
}

TEST(ExecutorTest, ItsThreadsCarryItsName) {
  Executor pool(2, "read-worker");
  absl::Mutex mu;
  std::set<std::string> names;
  for (int i = 0; i < 20; ++i) {
    pool.Submit([&] {
      absl::MutexLock lock(&mu);
      names.insert(ThisThreadName());
    });
  }
  pool.Shutdown();
  EXPECT_EQ(names, std::set<std::string>{"read-worker"});
}

TEST(ThreadNameTest, ANameOverFifteenBytesIsCutNotRefused) {
  std::thread t = StartThread("a-very-long-thread-name",
                              [] { EXPECT_EQ(ThisThreadName(), "a-very-long-thr"); });
  t.join();
}

}  // namespace
}  // namespace opsuite
