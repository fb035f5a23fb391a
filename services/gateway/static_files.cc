#include "services/gateway/static_files.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/gateway/http_status.h"
#include "services/gateway/path_template.h"

namespace opsuite::gateway {
namespace {

namespace http = boost::beast::http;

struct FileInfo {
  bool regular = false;
  size_t size = 0;
  int64_t mtime_ns = 0;
};

FileInfo Stat(const std::string& path) {
  struct stat st;
  FileInfo info;
  if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
    info.regular = true;
    info.size = static_cast<size_t>(st.st_size);
    info.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  }
  return info;
}

HttpResponse Plain(http::status status, grpc::StatusCode code, const std::string& message) {
  HttpResponse r{status, 11};
  r.set(http::field::content_type, "application/json");
  r.body() = StatusJson(code, message);
  return r;
}

}  // namespace

const char* ContentTypeFor(const std::string& path) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},   {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},           {".svg", "image/svg+xml"},
      {".png", "image/png"},                   {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},                {".woff2", "font/woff2"},
      {".woff", "font/woff"},                  {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},            {".webmanifest", "application/manifest+json"}};
  for (const auto& [ext, type] : kTypes) {
    if (absl::EndsWith(path, ext)) return type;
  }
  return "application/octet-stream";
}

bool StaticFiles::available() const { return !root_.empty() && Stat(root_ + "/index.html").regular; }

HttpResponse StaticFiles::Serve(const HttpRequest& request, const std::string& raw_path) const {
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    HttpResponse r = Plain(http::status::method_not_allowed, grpc::StatusCode::UNIMPLEMENTED,
                           "only GET and HEAD are served outside /v1/");
    r.set(http::field::allow, "GET, HEAD");
    return r;
  }
  if (!available()) {
    return Plain(http::status::not_found, grpc::StatusCode::NOT_FOUND,
                 absl::StrCat("the web console is not built (no ", root_.empty() ? "--web_dir" : root_,
                              "/index.html); run: cd web && npm ci && npm run build"));
  }
  std::optional<std::string> path = PercentDecode(raw_path);
  if (!path || path->empty() || (*path)[0] != '/' || path->find('\0') != std::string::npos) {
    return Plain(http::status::bad_request, grpc::StatusCode::INVALID_ARGUMENT, "bad path");
  }
  for (absl::string_view seg : absl::StrSplit(*path, '/')) {
    if (seg == ".." || seg == ".") {
      return Plain(http::status::bad_request, grpc::StatusCode::INVALID_ARGUMENT,
                   "paths may not contain . or .. segments");
    }
  }
  std::string rel = *path == "/" ? "/index.html" : *path;
  std::string file = root_ + rel;
  FileInfo info = Stat(file);
  bool fallback = false;
  if (!info.regular) {
    // A console route ("/goals/123") gets the app; a missing asset ("/x.js") a 404.
    std::string last = rel.substr(rel.rfind('/') + 1);
    if (absl::StrContains(last, '.')) {
      return Plain(http::status::not_found, grpc::StatusCode::NOT_FOUND,
                   absl::StrCat("no such file: ", rel));
    }
    file = root_ + "/index.html";
    info = Stat(file);
    fallback = true;
  }
  std::string etag = absl::StrCat("\"", info.size, "-", info.mtime_ns, "\"");
  HttpResponse r{http::status::ok, 11};
  r.set(http::field::etag, etag);
  bool hashed = absl::StartsWith(rel, "/assets/") && !fallback;
  r.set(http::field::cache_control, hashed ? "public, max-age=31536000, immutable" : "no-cache");
  r.set(http::field::content_type, ContentTypeFor(fallback ? std::string("index.html") : file));
  r.set("X-Content-Type-Options", "nosniff");
  if (request[http::field::if_none_match] == etag) {
    r.result(http::status::not_modified);
    return r;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return Plain(http::status::not_found, grpc::StatusCode::NOT_FOUND,
                 absl::StrCat("cannot read ", rel));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  r.body() = ss.str();
  if (request.method() == http::verb::head) {
    r.content_length(r.body().size());
    r.body().clear();
  }
  return r;
}

}  // namespace opsuite::gateway
