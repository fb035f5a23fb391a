// opsuite-notify: the notify service alone (`opsuite --target=notify` in one binary); peers'
// addresses come from --peers.
#include "common/server/server.h"
#include "services/notify/notify_module.h"

int main(int argc, char** argv) {
  return opsuite::server::Main({opsuite::notify::NotifyModule()}, argc, argv);
}
