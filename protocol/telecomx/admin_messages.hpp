#pragma once
// The Socket.IO Admin UI's messages (npm @socket.io/admin-ui, dist/typed-events.d.ts) as txrt
// reads them, and the messages its nodes exchange on <prefix>admin. Pure: no I/O, no clock.
//
// From the UI:
//   CONNECT auth         {username?, password?, sessionId?}
//   "_disconnect"        nsp, close, filter?        (filter: a socket id or a room)
//   "join" / "leave"     nsp, room, filter?
//   "emit"               nsp, filter, event, ...args
// Between nodes (one JSON object per message, told apart by its first known member):
//   {"stats":{...server_stats...},"admins":N}    every node, at the UI's stats interval
//   {"emit":"<event>","args":[...]}              a socket event for every node's admin sockets
//   {"list":"<request id>"}                      every node answers with its sockets:
//   {"sockets":"<request id>","node":"<id>","list":[...]}
//   {"command":"_disconnect|join|leave|emit","nsp":..,"filter":..,"room":..,"close":..,
//    "event":..,"args":[...],"by":"<who>","id":"<command id>"}
//                                                a UI command, carried out by every node
//   {"result":"<command id>","node":"<id>","outcome":"done|refused|not_found|invalid"}
//                                                join / leave: each node's answer to the node
//                                                whose UI gave the command
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/telecomx/subscription.hpp"

namespace txrt::telecomx {

// A CONNECT auth bigger than this is refused unread.
inline constexpr std::size_t max_admin_auth_bytes = 4096;

struct admin_login {
  std::string username;    // "" when absent
  std::string password;    // a secret: never log it
  std::string session_id;  // "sessionId": a session the server gave earlier; a secret too
};
// Nothing when `auth` is too big, not JSON or not an object; non-string fields count as absent.
std::optional<admin_login> parse_admin_login(std::string_view auth);

enum class admin_command_kind : std::uint8_t { disconnect, join, leave, emit };
std::string_view to_string(admin_command_kind k) noexcept;  // "_disconnect", "join", ...
std::optional<admin_command_kind> parse_admin_command_name(std::string_view event) noexcept;

struct admin_command {
  admin_command_kind kind = admin_command_kind::disconnect;
  std::string nsp;
  std::string filter;  // a socket id or a room; "" = every socket of the namespace
  std::string room;    // join / leave
  bool close = false;  // _disconnect: close the whole connection
  std::string event;   // emit
  std::string args;    // emit: the raw JSON elements after the event name (may be empty)
  std::string by;      // on the bus: who gave it
  std::string id;      // on the bus, join / leave: names the nodes' answers ("result")
};
// The command's event arguments from the UI (raw JSON elements after the event name). Nothing
// when they are malformed: a non-string nsp / room / filter / event, or args over max_bytes.
std::optional<admin_command> parse_admin_command(admin_command_kind kind,
                                                 std::string_view event_args,
                                                 std::size_t max_bytes = 65536);

// A room of the UI's join / leave as a subscription: the key admin_sockets' room_key() writes,
// "PBX:customer-north-2" (a customer type, ':', a customer of 1..max_customer_bytes bytes),
// "ADMIN" or "ADMIN:CALL" (an ADMIN type alone). Nothing for anything else (an unknown type, a
// customer type without its customer, an ADMIN type with one, over max_room_key_bytes).
inline constexpr std::size_t max_room_key_bytes = 16 + 1 + max_customer_bytes;
std::optional<subscription> parse_room_key(std::string_view room);

enum class admin_bus_kind : std::uint8_t { unknown, stats, event, list, sockets, command, result };
struct admin_bus_message {
  admin_bus_kind kind = admin_bus_kind::unknown;
  std::string name;  // event: its name; list / sockets: the request id; result: the command id
  std::string node;  // sockets, result: the answering node; stats: its serverId
  std::string body;  // stats: the object; event: the args' elements; sockets: the list's;
                     // result: the outcome
  std::uint64_t admins = 0;  // stats: admin sockets on the sending node
  admin_command command;     // command
};
admin_bus_message parse_admin_bus_message(std::string_view payload);

// The bus messages, written.
std::string admin_stats_message(std::string_view stats_object, std::uint64_t admins);
std::string admin_event_message(std::string_view event, std::string_view args_elements);
std::string admin_list_message(std::string_view request_id);
std::string admin_sockets_message(std::string_view request_id, std::string_view node,
                                  std::string_view list_elements);
std::string admin_command_message(const admin_command& c);
std::string admin_result_message(std::string_view command_id, std::string_view node,
                                 std::string_view outcome);

}  // namespace txrt::telecomx
