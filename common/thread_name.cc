#include "common/thread_name.h"

#include <pthread.h>

#include <algorithm>
#include <string>

namespace opsuite {

void SetThreadName(std::string_view name) {
  const std::string cut(name.substr(0, std::min<size_t>(name.size(), 15)));
  pthread_setname_np(pthread_self(), cut.c_str());  // fails only for a name over 15 bytes
}

}  // namespace opsuite
