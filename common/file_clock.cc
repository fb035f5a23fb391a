#include "common/file_clock.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace opsuite {

static_assert(std::atomic<int64_t>::is_always_lock_free,
              "the shared clock needs a lock-free 64-bit atomic to live in shared memory");

FileClock::FileClock(absl::Time now) : local_(absl::ToUnixNanos(now)), nanos_(&local_) {}

FileClock::~FileClock() {
  if (mapped_ != nullptr) munmap(mapped_, sizeof(int64_t));
}

absl::Status FileClock::Map(int fd, const std::string& path) {
  void* p = mmap(nullptr, sizeof(int64_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  int err = errno;
  close(fd);
  if (p == MAP_FAILED) {
    return absl::InternalError(absl::StrCat("mmap ", path, ": ", std::strerror(err)));
  }
  mapped_ = p;
  nanos_ = static_cast<std::atomic<int64_t>*>(p);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<FileClock>> FileClock::Open(const std::string& path) {
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat("clock file ", path, ": ", std::strerror(errno)));
  }
  if (lseek(fd, 0, SEEK_END) < static_cast<off_t>(sizeof(int64_t))) {
    close(fd);
    return absl::InvalidArgumentError(
        absl::StrCat("clock file ", path, " is shorter than 8 bytes: not written by ShareAt"));
  }
  auto clock = std::make_unique<FileClock>();
  absl::Status mapped = clock->Map(fd, path);
  if (!mapped.ok()) return mapped;
  return clock;
}

absl::Status FileClock::ShareAt(const std::string& path) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("clock file ", path, ": ", std::strerror(errno)));
  }
  int64_t now = nanos_->load();
  if (pwrite(fd, &now, sizeof(now), 0) != static_cast<ssize_t>(sizeof(now))) {
    int err = errno;
    close(fd);
    return absl::InternalError(absl::StrCat("write ", path, ": ", std::strerror(err)));
  }
  if (mapped_ != nullptr) {
    munmap(mapped_, sizeof(int64_t));
    mapped_ = nullptr;
    nanos_ = &local_;
  }
  return Map(fd, path);
}

absl::Time FileClock::Now() const { return absl::FromUnixNanos(nanos_->load()); }

void FileClock::Set(absl::Time t) { nanos_->store(absl::ToUnixNanos(t)); }

void FileClock::Advance(absl::Duration d) { nanos_->fetch_add(absl::ToInt64Nanoseconds(d)); }

}  // namespace opsuite
