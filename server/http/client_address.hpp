#pragma once
// The address of the client behind an HTTP request, as every layer must see it: the TCP peer,
// or — when the peer is a trusted proxy — the rightmost untrusted hop of all the request's
// X-Forwarded-For lines taken as one list (RFC 7230 §3.2.2).
#include <string>
#include <string_view>

#include "protocol/forwarded.hpp"
#include "server/http/message.hpp"

namespace txrt::http {

std::string client_address_of(std::string_view peer, const request& req,
                              const protocol::address_ranges& trusted_proxies);

}  // namespace txrt::http
