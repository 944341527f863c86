#pragma once
// Redis Sentinel: where the master is, and when it moves. Asks the sentinels for the master
// (SENTINEL get-master-addr-by-name) before every connection attempt of a master connection
// (redis_options::locate = locate()), and follows "+switch-master" on a sentinel's pub/sub: on a
// switch every followed connection that is not on the new master reconnects at once (and, with
// require_master, checks the new server with ROLE). A change of the master's address, however
// it is learnt, is logged and counted once (txrt_redis_failovers_total).
//
// Its sentinel connections are plain redis_connections: one for queries, which takes the
// sentinels in turn on each (re)connect, and one per sentinel subscribed to +switch-master, so
// that the first sentinel to announce a switch is heard (the others learn it up to seconds
// later, and answer queries with the old master meanwhile: an answer naming a master that a
// switch has left is not believed). Sentinel and master
// passwords may differ: the sentinels' is in each sentinel endpoint, the master's in
// `master` (user, password, db; host and port unused). With TLS (redis-tls) the sentinels and the
// master are reached over TLS alike, and the master's certificate must name the address the
// sentinels announce for it.
//
// Threading: as redis_connection — create() anywhere, everything else on the loop.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/redis_connection.hpp"

namespace txrt::bridge {

struct sentinel_options {
  std::vector<redis_endpoint> sentinels;  // at least one; each with the sentinels' password
  std::string master_name;
  redis_endpoint master;                   // the master's user, password, db and tls
  std::shared_ptr<net::ssl::context> tls;  // for the endpoints with tls (redis_options::tls)
  std::chrono::milliseconds query_deadline{1000};
};

// "+switch-master" payload: "<master-name> <old-ip> <old-port> <new-ip> <new-port>".
struct master_switch {
  std::string name;
  redis_endpoint from, to;  // host and port only
};

class redis_sentinel : public std::enable_shared_from_this<redis_sentinel> {
 public:
  static std::shared_ptr<redis_sentinel> create(net::io_context& loop, sentinel_options options);
  redis_sentinel(const redis_sentinel&) = delete;
  redis_sentinel& operator=(const redis_sentinel&) = delete;

  void start();
  void close();

  // A redis_options::locate: asks a sentinel for the master now; `done` gets it with the
  // master's credentials, or nullopt and why (no sentinel answered, unknown master name).
  void locate(locate_callback done);
  // Master options for a connection named `name`: locate() and require_master.
  redis_options master_options(std::string name, std::chrono::milliseconds deadline =
                                                    std::chrono::milliseconds(2000));
  // The same for a connection that runs on `conn_loop`, which may be another loop than the
  // sentinel's: its locate() asks on the sentinel's loop and answers on `conn_loop`.
  redis_options master_options_on(net::io_context& conn_loop, std::string name);
  // `conn` follows the master: reconnected (on its own loop) when it switches. Held weakly.
  // Call on the sentinel's loop or before it runs.
  void follow(const std::shared_ptr<redis_connection>& conn);

  // The master as last learnt (for tests and logs).
  const std::optional<redis_endpoint>& master() const noexcept { return known_; }

  // Sentinel's answers, parsed (public for tests).
  static std::optional<redis_endpoint> parse_master_address(const redis_reply& reply);
  static std::optional<master_switch> parse_switch(std::string_view payload);

 private:
  redis_sentinel(net::io_context& loop, sentinel_options options);
  std::shared_ptr<redis_connection> sentinel_connection(std::string name,
                                                        std::vector<redis_endpoint> list);
  void watch(redis_connection& events);
  void learn(redis_endpoint master, std::string_view how);
  void on_switch(master_switch change);

  net::io_context& loop_;
  sentinel_options options_;
  std::shared_ptr<redis_connection> queries_;
  std::vector<std::shared_ptr<redis_connection>> events_;  // one per sentinel
  std::optional<redis_endpoint> known_;
  std::vector<redis_endpoint> left_;  // masters a +switch-master moved away from
  std::vector<std::weak_ptr<redis_connection>> followers_;
  bool closed_ = false;
};

}  // namespace txrt::bridge
