#pragma once
// Decoded Engine.IO packets turned back into what the payload encoders take, for the round
// trips of the engineio_v3 and engineio_v4 targets: text packets in their full text form
// (kept in `texts`, which the views point into), binary messages as their raw bytes.
#include <string>
#include <vector>

#include "protocol/engineio/packet.hpp"
#include "protocol/engineio/payload.hpp"

namespace txrt::eio::fuzz {

template <class Packets>
std::vector<outgoing_packet> to_outgoing(const Packets& packets, std::vector<std::string>& texts) {
  texts.clear();
  texts.reserve(packets.size());  // no reallocation: the views below stay valid
  std::vector<outgoing_packet> out;
  for (const auto& p : packets) {
    if (p.binary) {
      out.push_back({true, p.data});
    } else {
      texts.emplace_back();
      encode_text(p.type, p.data, texts.back());
      out.push_back({false, texts.back()});
    }
  }
  return out;
}

}  // namespace txrt::eio::fuzz
