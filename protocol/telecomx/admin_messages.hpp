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
//    "event":..,"args":[...],"by":"<who>"}     a UI command, carried out by every node
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace txrt::telecomx {

// A CONNECT auth bigger than this is refused unread.
inline constexpr std::size_t max_admin_auth_bytes = 4096;

struct admin_login {
  std::string username;  // "" when absent
  std::string password;  // a secret: never log it
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
};
// The command's event arguments from the UI (raw JSON elements after the event name). Nothing
// when they are malformed: a non-string nsp / room / filter / event, or args over max_bytes.
std::optional<admin_command> parse_admin_command(admin_command_kind kind,
                                                 std::string_view event_args,
                                                 std::size_t max_bytes = 65536);

enum class admin_bus_kind : std::uint8_t { unknown, stats, event, list, sockets, command };
struct admin_bus_message {
  admin_bus_kind kind = admin_bus_kind::unknown;
  std::string name;    // event: its name; list / sockets: the request id
  std::string node;    // sockets: the answering node; stats: its serverId
  std::string body;    // stats: the object; event: the args' elements; sockets: the list's
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

}  // namespace txrt::telecomx
