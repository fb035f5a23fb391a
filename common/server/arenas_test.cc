// LimitMallocArenas, checked in a fresh process (a death test's child re-runs this binary for
// this test alone), so arenas made by other tests' threads do not count.
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "common/server/server.h"
#include "gtest/gtest.h"

namespace opsuite::server {
namespace {

// The arenas malloc has made so far: one <heap nr="..."> each in malloc_info's XML.
int Arenas() {
  char* buf = nullptr;
  size_t len = 0;
  FILE* f = open_memstream(&buf, &len);
  malloc_info(0, f);
  fclose(f);
  std::string xml(buf, len);
  free(buf);
  int n = 0;
  for (size_t at = xml.find("<heap nr="); at != std::string::npos;
       at = xml.find("<heap nr=", at + 1)) {
    ++n;
  }
  return n;
}

// Arenas after 32 threads allocated at the same time. A thread gives its arena back when it
// exits, and one that allocates while others hold theirs locked takes a new one: so all start
// together, and none frees or exits before every one has allocated (on a loaded machine a late
// thread would otherwise reuse the arena of one that already finished).
int ArenasAfterBusyThreads() {
  constexpr int kThreads = 32;
  std::atomic<int> started{0}, allocated{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&started, &allocated] {
      started.fetch_add(1);
      while (started.load() < kThreads) std::this_thread::yield();
      std::vector<void*> blocks;
      for (int i = 0; i < 2000; ++i) blocks.push_back(malloc(64 + i % 512));
      allocated.fetch_add(1);
      while (allocated.load() < kThreads) std::this_thread::yield();
      for (void* b : blocks) free(b);
    });
  }
  for (auto& t : threads) t.join();
  return Arenas();
}

class ArenasTest : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

// AddressSanitizer brings its own allocator: glibc's arenas are then never used, so only the
// choice of the cap is checked there.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kGlibcMalloc = false;
#else
constexpr bool kGlibcMalloc = true;
#endif

TEST_F(ArenasTest, TwoPerCoreUnlessTheEnvironmentSays) {
  const int cap = 2 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_EXIT(
      {
        unsetenv("MALLOC_ARENA_MAX");
        exit(LimitMallocArenas() == cap ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
  // An operator's MALLOC_ARENA_MAX is left to glibc.
  EXPECT_EXIT(
      {
        setenv("MALLOC_ARENA_MAX", "1", 1);
        exit(LimitMallocArenas() == 0 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
  if (!kGlibcMalloc) return;
  EXPECT_EXIT(
      {
        unsetenv("MALLOC_ARENA_MAX");
        const int applied = LimitMallocArenas();
        const int arenas = ArenasAfterBusyThreads();
        fprintf(stderr, "applied %d, arenas %d\n", applied, arenas);
        exit(applied == cap && arenas <= cap ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "applied");
  // Without the cap the same threads make more arenas than that (glibc's own limit is eight
  // per core), so the check above is not vacuous.
  EXPECT_EXIT(
      {
        const int arenas = ArenasAfterBusyThreads();
        fprintf(stderr, "arenas %d\n", arenas);
        exit(arenas > cap ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "arenas");
}

}  // namespace
}  // namespace opsuite::server
