#pragma once
// How a Telecom X socket looks to the Socket.IO Admin UI (npm @socket.io/admin-ui,
// SerializedSocket in dist/typed-events.d.ts), and how it is picked by a command's filter.
//
//   {"id","clientId","transport","nsp":"/","data":{employee, customer, accessLevel, name,
//    client, instanceId, ip, server},"handshake":{address, headers, query, issued, secure,
//    time, url, xdomain},"rooms":[<socket id>, <subscription keys>...]}
//
// A room is a subscription key, as an operator reads it: "PBX:customer-north-2", "ADMIN",
// "ADMIN:CALL", "CALL:c1" (event / type filters are not part of the key).
#include <string>
#include <string_view>
#include <vector>

#include "rooms/room_index.hpp"

namespace txrt::telecomx {

struct client;
struct subscription;

std::string room_key(const subscription& s);
// The socket's rooms: its own id first, then its subscription keys (each once).
std::vector<std::string> rooms_of(const client& c, const rooms::room_index<client>& index);
// Whether a command's filter ("" = every socket, a socket id or a room) picks `c`.
bool filter_picks(std::string_view filter, const client& c,
                  const rooms::room_index<client>& index);

// The SerializedSocket of an authenticated client on node `server`.
std::string admin_socket_json(const client& c, const rooms::room_index<client>& index,
                              std::string_view server);
// The "data" member alone (for socket_updated).
std::string admin_socket_data(const client& c, std::string_view server);

}  // namespace txrt::telecomx
