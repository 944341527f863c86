#pragma once
// The sessions of one loop, by sid. Touched only from that loop: a request for a session that
// arrives on another loop is posted here, so the map needs no lock.
//
// The key is a view of the session's own sid (session::sid()), not a copy: the entry holds the
// session, so the sid it views lives as long as the entry. That saves a string and its
// allocation per idle session, and a lookup allocates nothing.
#include <memory>
#include <string_view>
#include <unordered_map>

namespace txrt::engine {

class session;

class session_registry {
 public:
  std::shared_ptr<session> find(std::string_view sid) const {
    auto it = sessions_.find(sid);
    return it == sessions_.end() ? nullptr : it->second;
  }
  // `sid` must be s->sid() itself (the key views it): pass that, never a copy.
  void add(std::string_view sid, std::shared_ptr<session> s) {
    sessions_.emplace(sid, std::move(s));
  }
  void remove(std::string_view sid) { sessions_.erase(sid); }
  std::size_t size() const noexcept { return sessions_.size(); }

  template <class F>
  void for_each(F&& f) const {
    for (const auto& [sid, s] : sessions_) f(s);
  }

 private:
  std::unordered_map<std::string_view, std::shared_ptr<session>> sessions_;
};

}  // namespace txrt::engine
