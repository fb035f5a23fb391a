#include "common/file_clock.h"

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "gtest/gtest.h"

namespace opsuite {
namespace {

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          (name + "_" + std::to_string(getpid())))
      .string();
}

TEST(FileClockTest, InMemoryUntilShared) {
  FileClock clock(absl::FromUnixSeconds(100));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(100));
  clock.Advance(absl::Seconds(5));
  clock.Advance(absl::Nanoseconds(1));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(105) + absl::Nanoseconds(1));
  clock.Set(absl::FromUnixSeconds(7));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(7));
}

TEST(FileClockTest, ReadersSeeTheWritersTimeAtOnce) {
  std::string path = TempPath("file_clock_test");
  FileClock writer(absl::FromUnixSeconds(1'772'416'800));
  ASSERT_TRUE(writer.ShareAt(path).ok());
  auto reader = FileClock::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->Now(), absl::FromUnixSeconds(1'772'416'800));  // kept across ShareAt
  writer.Advance(absl::Hours(2));
  EXPECT_EQ((*reader)->Now(), absl::FromUnixSeconds(1'772'416'800 + 7200));
  std::filesystem::remove(path);
}

TEST(FileClockTest, AnotherProcessSeesTheTime) {
  std::string path = TempPath("file_clock_child");
  FileClock writer(absl::FromUnixSeconds(1000));
  ASSERT_TRUE(writer.ShareAt(path).ok());
  writer.Set(absl::FromUnixSeconds(2000));
  pid_t pid = fork();
  if (pid == 0) {
    auto clock = FileClock::Open(path);
    _exit(clock.ok() && (*clock)->Now() == absl::FromUnixSeconds(2000) ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::filesystem::remove(path);
}

TEST(FileClockTest, OpenSaysWhatIsWrong) {
  auto missing = FileClock::Open("/nonexistent/clock");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  std::string path = TempPath("file_clock_short");
  { FILE* f = fopen(path.c_str(), "w"); fputs("x", f); fclose(f); }
  auto shorter = FileClock::Open(path);
  EXPECT_EQ(shorter.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(shorter.status().message().find("shorter than 8 bytes"), std::string::npos);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace opsuite
