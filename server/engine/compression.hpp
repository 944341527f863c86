#pragma once
// permessage-deflate on the way out, with the loop's own compressor (protocol/websocket/
// permessage_deflate.hpp): no context takeover, so a message is compressed without regard to
// the connection and its bytes serve every session that negotiated the extension.
// Uses the calling thread's compressor: call on a loop (or the bus) thread.
#include <cstdint>
#include <optional>
#include <string>

#include <boost/beast/http/fields.hpp>

#include "protocol/websocket/frame.hpp"
#include "server/engine/types.hpp"

namespace txrt::engine {

// Decides compression for a packet that many sessions will share (a fan-out event): when on,
// some session of the process negotiated compression, and the packet has at least
// `options.threshold` bytes, compresses it once and keeps the compressed frame in
// `packet.deflated` if it is smaller; the packet is then marked decided. With no compressing
// session it is left undecided and costs nothing (a session that negotiates meanwhile
// compresses it for itself).
void deflate_once(outgoing& packet, const compression_options& options);

// The Sec-WebSocket-Extensions value that accepts the permessage-deflate offer of an upgrade
// request (every header line of it read), or nullopt: compression off, or no acceptable offer.
std::optional<std::string> answer_deflate_offers(const boost::beast::http::fields& request,
                                                 const compression_options& options);

// The live WebSocket sessions that negotiated permessage-deflate, over every loop: a
// transport adds itself once when it agrees and removes itself when it goes.
void count_deflate_session(int delta) noexcept;

// A whole compressed frame (RSV1 header + deflated `payload`), or null if compressing does not
// make it smaller. `header_size` receives the header's length.
shared_bytes deflated_frame(protocol::ws::opcode op, std::string_view payload,
                            std::uint8_t& header_size);

}  // namespace txrt::engine
