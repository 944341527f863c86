#include "server/http/router.hpp"

namespace txrt::http {

const router::engine_endpoint* router::find_engine(std::string_view path) const {
  for (const auto& e : engines) {
    std::string_view p = e.path;
    if (path == p) return &e;
    if (p.ends_with('/') && path == p.substr(0, p.size() - 1)) return &e;
  }
  return nullptr;
}

}  // namespace txrt::http
