#pragma once
// The node's side of the Socket.IO Admin UI across the cluster (npm @socket.io/admin-ui): every
// node's admin sockets see every node.
//   - server_stats: each node publishes its stats on <prefix>admin every stats_interval (the
//     UI's 2 s); every node passes every node's stats to its own admin sockets.
//   - socket_connected / socket_disconnected: published when a socket authenticates / leaves,
//     room_joined / room_left when it takes its first / drops its last subscription of a key,
//     while some admin socket is watching anywhere (the stats say how many each node has).
//   - all_sockets: the asking node publishes a list request; every node answers with its
//     sockets; the answer is sent when every node seen lately has answered, or after
//     list_timeout with what came.
//   - commands (_disconnect, emit): published; every node carries them out on its sockets.
//   - join / leave (a socket's subscription, on its behalf): published with an id; the node
//     holding the socket carries it out (room_control: the permission check of subscribe) and
//     every node answers; the asking node counts and logs the outcome once the holder answered,
//     or as not_found when every node answered without it or after list_timeout.
//   - aggregatedEvents in server_stats (the UI's AGGREGATED_EVENTS): what this node's counters
//     (txrt_connections_opened_total, _closed_total{reason}, txrt_deliveries_total) rose by
//     since its last stats, as rawConnection, rawDisconnection (subType: the reason) and
//     packetsOut: read at the stats tick, nothing added to the hot path. The UI adds up every
//     server's buckets, so each node reports only its own.
// It is also the client_observer of the main namespace, passing every notification on to
// `next` (the lifecycle) first.
//
// Threading: bus messages, the stats timer and the list requests live on the bus loop (loop
// 0); admin sockets and Telecom X clients on their own loops, reached by posting.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "app/telecomx_namespace.hpp"
#include "protocol/telecomx/admin_messages.hpp"

namespace txrt::bridge {
class bus;
}

namespace txrt::telecomx {

struct admin_hub_deps {
  server::loop_pool* loops = nullptr;
  bridge::bus* bus = nullptr;
  std::string prefix;
  std::string server_id;  // serverId in server_stats and "server" in the sockets' data
  std::vector<employee_index*> employees;           // one per loop
  std::vector<rooms::room_index<client>*> indexes;  // one per loop
  client_observer* next = nullptr;                  // may be null
  bool disconnect_enabled = true;                   // this node carries out _disconnect
  bool write_enabled = false;                       // this node carries out emit
  std::chrono::milliseconds stats_interval{2000};
  std::chrono::milliseconds list_timeout{1500};
};

// The main namespace's side of join / leave (telecomx_namespace::join_for_admin /
// leave_for_admin); called on the client's loop.
struct admin_room_control {
  std::function<void(client&, const subscription&, std::function<void(std::string_view code)>)>
      join;
  std::function<std::size_t(client&, const subscription&)> leave;
};

class admin_hub final : public client_observer {
 public:
  explicit admin_hub(admin_hub_deps deps);
  ~admin_hub() override;

  const std::string& channel() const noexcept { return channel_; }
  // Starts the stats timer. Call on the bus loop, once.
  void start();
  // A message on channel(). Call on the bus loop.
  void on_bus_message(std::string_view payload);

  // Admin sockets; call on the socket's loop `loop`.
  void add_admin(std::size_t loop, std::shared_ptr<sio::socket> s);
  void remove_admin(std::size_t loop, const sio::socket& s);
  // Sends all_sockets to `s` (every node's), later, on its loop. Any thread.
  void request_sockets(std::shared_ptr<sio::socket> s);
  // Publishes a command for every node. Any thread.
  void publish_command(const admin_command& c);
  // join / leave of the socket c.filter: published, carried out by the node that holds it,
  // counted (txrt_admin_commands_total) and logged here with c.by once the nodes answered.
  // c.room must be a room key (parse_room_key). Any thread.
  void request_membership(admin_command c);
  // Set once the main namespace exists, before the loops run.
  void set_room_control(admin_room_control control) { rooms_ = std::move(control); }

  // client_observer (called on the client's loop).
  void on_connected(const client& c) override;
  void on_authenticated(const client& c) override;
  void on_disconnected(const client& c, std::string_view reason) override;
  // A subscription added or removed (on the client's loop): room_joined when it is the first
  // of its key, room_left when it was the last.
  void on_room_change(const client& c, const subscription& s, bool joined);

 private:
  struct pending_list;
  struct pending_command;

  void publish_stats();
  void schedule_stats();
  std::string stats_json(std::string_view aggregated) const;
  std::string aggregated_events();
  bool watched() const noexcept;
  void broadcast(std::string_view event, std::string args);
  void publish_event(std::string_view event, std::string args);
  void answer_list(const std::string& request_id);
  void collect_list(const admin_bus_message& m);
  void finish_list(const std::string& request_id);
  void carry_out(const admin_command& c);
  void carry_out_membership(const admin_command& c);
  void collect_result(const admin_bus_message& m);
  void finish_command(const std::string& id, std::string_view outcome);
  std::size_t nodes_seen_lately();

  admin_hub_deps deps_;
  std::string channel_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();

  // Per loop, touched only there.
  std::vector<std::vector<std::shared_ptr<sio::socket>>> admins_;
  std::atomic<std::size_t> admin_count_{0};
  std::atomic<std::int64_t> client_count_{0};
  // Until when (steady clock, ms) someone watches: stats with admins > 0 push it forward.
  std::atomic<std::int64_t> watched_until_ms_{0};

  // Bus loop only.
  boost::asio::steady_timer stats_timer_;
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> nodes_;
  std::unordered_map<std::string, std::shared_ptr<pending_list>> lists_;
  std::uint64_t next_list_ = 0;
  std::unordered_map<std::string, std::shared_ptr<pending_command>> commands_;
  std::uint64_t next_command_ = 0;
  // The counters' values at the last stats (aggregated_events).
  std::uint64_t last_opened_ = 0;
  std::vector<std::uint64_t> last_closed_;
  std::uint64_t last_deliveries_ = 0;

  admin_room_control rooms_;
};

}  // namespace txrt::telecomx
