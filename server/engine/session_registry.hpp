#pragma once
// The sessions of one loop, by sid. Touched only from that loop: a request for a session that
// arrives on another loop is posted here, so the map needs no lock.
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace txrt::engine {

class session;

class session_registry {
 public:
  std::shared_ptr<session> find(std::string_view sid) const {
    auto it = sessions_.find(std::string(sid));
    return it == sessions_.end() ? nullptr : it->second;
  }
  void add(const std::string& sid, std::shared_ptr<session> s) { sessions_.emplace(sid, std::move(s)); }
  void remove(const std::string& sid) { sessions_.erase(sid); }
  std::size_t size() const noexcept { return sessions_.size(); }

  template <class F>
  void for_each(F&& f) const {
    for (const auto& [sid, s] : sessions_) f(s);
  }

 private:
  std::unordered_map<std::string, std::shared_ptr<session>> sessions_;
};

}  // namespace txrt::engine
