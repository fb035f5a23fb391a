#include "common/server/rpcs.h"

#include <algorithm>
#include <set>
#include <string>

#include "google/protobuf/descriptor_database.h"

namespace opsuite::server {

std::vector<const google::protobuf::MethodDescriptor*> SuiteRpcs() {
  namespace pb = google::protobuf;
  static const std::set<std::string> kPackages = {"opsuite.planning.v1", "opsuite.crm.v1",
                                                  "opsuite.scoring.v1", "opsuite.notify.v1",
                                                  "opsuite.scheduler.v1"};
  std::vector<std::string> files;
  pb::DescriptorPool::internal_generated_database()->FindAllFileNames(&files);
  std::vector<const pb::MethodDescriptor*> out;
  for (const std::string& name : files) {
    const pb::FileDescriptor* file = pb::DescriptorPool::generated_pool()->FindFileByName(name);
    if (file == nullptr || !kPackages.contains(file->package())) continue;
    for (int s = 0; s < file->service_count(); ++s) {
      for (int m = 0; m < file->service(s)->method_count(); ++m) {
        out.push_back(file->service(s)->method(m));
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const auto* a, const auto* b) { return a->full_name() < b->full_name(); });
  return out;
}

}  // namespace opsuite::server
