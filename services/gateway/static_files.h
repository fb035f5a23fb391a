// The web console's built files (web/dist) at "/": index.html for "/" and for any path that
// is not a file (the console routes in the browser), long-lived caching for hashed assets,
// ETag/If-None-Match, and no way out of the root.
#pragma once

#include <string>

#include "services/gateway/http_server.h"

namespace opsuite::gateway {

class StaticFiles {
 public:
  explicit StaticFiles(std::string root) : root_(std::move(root)) {}
  // True when the root holds an index.html.
  bool available() const;
  const std::string& root() const { return root_; }
  // GET/HEAD of `path` (percent-encoded, no query).
  HttpResponse Serve(const HttpRequest& request, const std::string& path) const;

 private:
  std::string root_;
};

// "text/html; charset=utf-8" for ".html", ...
const char* ContentTypeFor(const std::string& path);

}  // namespace opsuite::gateway
