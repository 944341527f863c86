#include "protocol/engineio/handshake.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "protocol/json.hpp"

namespace txrt::eio {

std::string encode_open(version v, const open_params& p) {
  // Written by hand rather than by a JSON library: the key set and order are part of what the
  // conformance suites assert, and every value but the sid is a number.
  std::string out = "0{\"sid\":";
  protocol::json::append_string(p.sid, out);
  out += p.upgrade_to_websocket ? ",\"upgrades\":[\"websocket\"]" : ",\"upgrades\":[]";
  out += ",\"pingInterval\":";
  out += std::to_string(p.ping_interval_ms);
  out += ",\"pingTimeout\":";
  out += std::to_string(p.ping_timeout_ms);
  if (v == version::v4) {
    out += ",\"maxPayload\":";
    out += std::to_string(p.max_payload);
  }
  out.push_back('}');
  return out;
}

result<engine_query> parse_engine_query(std::string_view target) {
  const auto url = boost::urls::parse_origin_form(target);
  if (!url) return errc::bad_query;
  engine_query q;
  bool seen_sid = false, seen_b64 = false;
  // The first occurrence of a repeated parameter wins.
  for (const auto& param : url->params()) {
    if (param.key == "EIO" && !q.has_eio) {
      q.has_eio = true;
      q.eio_raw = param.value;
      q.eio = param.value == "4" ? 4 : param.value == "3" ? 3 : 0;
    } else if (param.key == "transport" && !q.has_transport) {
      q.has_transport = true;
      q.transport_valid = param.value == "polling" || param.value == "websocket";
      q.transport =
          param.value == "websocket" ? transport_kind::websocket : transport_kind::polling;
    } else if (param.key == "sid" && !seen_sid) {
      seen_sid = true;
      q.sid = param.value;
    } else if (param.key == "b64" && !seen_b64) {
      seen_b64 = true;
      q.b64 = param.value == "1" || param.value == "true";
    } else if (param.key == "j") {
      q.jsonp = true;
    }
  }
  return q;
}

std::string_view target_path(std::string_view target) noexcept {
  return target.substr(0, target.find('?'));
}

}  // namespace txrt::eio
