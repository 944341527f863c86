#pragma once
// The sessions of one loop, by sid. Touched only from that loop: a request for a session that
// arrives on another loop is posted here, so the map needs no lock.
//
// The key is a view of the session's own sid (session::sid()), not a copy: the entry holds the
// session, so the sid it views lives as long as the entry. That saves a string and its
// allocation per idle session, and a lookup allocates nothing.
//
// It also holds the loop's heartbeat schedule: the deadlines of its sessions behind one timer.
#include <memory>
#include <string_view>
#include <unordered_map>

#include "server/engine/heartbeat_schedule.hpp"
#include "server/engine/session.hpp"

namespace txrt::engine {

class session_registry {
 public:
  explicit session_registry(net::io_context& loop)
      : loop_(loop), heartbeats_(loop, &session::on_heartbeat_due) {}

  // The loop of every session here (a session asks its registry rather than keep a reference).
  net::io_context& loop() const noexcept { return loop_; }

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

  heartbeat_schedule& heartbeats() noexcept { return heartbeats_; }

  template <class F>
  void for_each(F&& f) const {
    for (const auto& [sid, s] : sessions_) f(s);
  }

 private:
  net::io_context& loop_;
  // Declared before the map, so destroyed after it: sessions the map frees on its way out unlink from it.
  heartbeat_schedule heartbeats_;
  std::unordered_map<std::string_view, std::shared_ptr<session>> sessions_;
};

}  // namespace txrt::engine
