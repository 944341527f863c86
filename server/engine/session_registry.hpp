#pragma once
// The sessions of one loop, by sid. Touched only from that loop: a request for a session that
// arrives on another loop is posted here, so the map needs no lock.
//
// The entries are the sessions themselves, found by their own sid (session::sid()), with no key
// of their own: not a copy of the sid (a string and its allocation per idle session), not even
// a view of it, and no cached hash (the hash is a function of the session, so the node is two
// words: the link and the shared_ptr). A lookup allocates nothing; a rehash reads each sid
// again, which is rare and cheap next to a per-session word.
//
// It also holds the loop's heartbeat schedule: the deadlines of its sessions behind one timer.
#include <memory>
#include <string_view>
#include <unordered_set>

#include "server/engine/heartbeat_schedule.hpp"
#include "server/engine/session.hpp"

namespace txrt::engine {

class session_registry {
 public:
  // `admission`, when not null, decides which sessions may open (session::admit).
  explicit session_registry(net::io_context& loop, session_admission* admission = nullptr)
      : loop_(loop), admission_(admission), heartbeats_(loop, &session::on_heartbeat_due) {}
  // A session let in is in its registry until it ends (session::finish releases it); those
  // still here release their admission now, before they go, as a server torn down leaves them.
  ~session_registry() {
    for (const auto& s : sessions_) s->release_admission();
  }

  session_admission* admission() const noexcept { return admission_; }

  // The loop of every session here (a session asks its registry rather than keep a reference).
  net::io_context& loop() const noexcept { return loop_; }

  std::shared_ptr<session> find(std::string_view sid) const {
    auto it = sessions_.find(sid);
    return it == sessions_.end() ? nullptr : *it;
  }
  // Adds `s` under s->sid(); `sid` must be that (it is asked of the session).
  void add([[maybe_unused]] std::string_view sid, std::shared_ptr<session> s) {
    sessions_.insert(std::move(s));
  }
  void remove(std::string_view sid) {
    auto it = sessions_.find(sid);
    if (it != sessions_.end()) sessions_.erase(it);
  }
  std::size_t size() const noexcept { return sessions_.size(); }

  heartbeat_schedule& heartbeats() noexcept { return heartbeats_; }

  template <class F>
  void for_each(F&& f) const {
    for (const auto& s : sessions_) f(s);
  }

 private:
  // Hash and equality by sid, for the sessions and for a sid looked up (transparent). noexcept
  // and not std::hash itself, so that the table does not cache the hash in each node.
  struct by_sid {
    using is_transparent = void;
    static std::string_view sid_of(std::string_view sid) noexcept { return sid; }
    static std::string_view sid_of(const std::shared_ptr<session>& s) noexcept {
      return s->sid();
    }
    template <class K>
    std::size_t operator()(const K& k) const noexcept {
      return std::hash<std::string_view>{}(sid_of(k));
    }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const noexcept {
      return sid_of(a) == sid_of(b);
    }
  };

  net::io_context& loop_;
  session_admission* admission_;
  // Declared before the map, so destroyed after it: sessions the map frees on its way out unlink from it.
  heartbeat_schedule heartbeats_;
  std::unordered_set<std::shared_ptr<session>, by_sid, by_sid> sessions_;
};

}  // namespace txrt::engine
