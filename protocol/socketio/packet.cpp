// Socket.IO packet codec. Decoding pipeline (one pass over the header, one JSON validation):
//   1. type digit;  2. "<n>-" attachment count (types 5/6);  3. namespace up to ',' or the end;
//   4. ack id digits;  5. the rest is the JSON payload: validated by simdjson, then checked
//   against the packet type, and for binary packets its placeholders are counted.
// The payload is returned as a view of the input, never re-serialised, so that what a client
// sent can be relayed byte for byte.
#include "protocol/socketio/packet.hpp"

#include <charconv>
#include <vector>

#include "protocol/json.hpp"

namespace txrt::sio {

namespace json = protocol::json;
using simdjson::dom::element;

namespace {

// 15 digits stay below 2^53, so an id survives a round trip through a JavaScript number.
constexpr std::size_t max_ack_id_digits = 15;
constexpr std::size_t max_attachment_digits = 9;

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

std::uint64_t to_u64(std::string_view digits) noexcept {
  std::uint64_t v = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), v);
  return v;
}

bool carries_ack_id(packet_type t) noexcept {
  return t == packet_type::event || t == packet_type::ack || t == packet_type::binary_event ||
         t == packet_type::binary_ack;
}

// Counts binary placeholders. Any object whose "_placeholder" member is `true` is taken for
// one (as the reference decoder does) and must then be exactly {"_placeholder":true,"num":K}
// with an integer K in [0, seen.size()) not used before.
bool count_placeholders(element e, std::vector<bool>& seen, std::size_t& count) {
  // get(x) fills a local: ranging over a temporary simdjson_result would leave a dangling view.
  simdjson::dom::array array;
  if (e.get(array) == simdjson::SUCCESS) {
    for (const element child : array) {
      if (!count_placeholders(child, seen, count)) return false;
    }
    return true;
  }
  simdjson::dom::object object;
  if (e.get(object) != simdjson::SUCCESS) return true;
  bool is_placeholder = false;
  if (const auto flag = object.at_key("_placeholder"); !flag.error()) {
    is_placeholder = flag.value_unsafe().is_bool() && flag.value_unsafe().get_bool().value_unsafe();
  }
  if (!is_placeholder) {
    for (const auto field : object) {
      if (!count_placeholders(field.value, seen, count)) return false;
    }
    return true;
  }
  if (object.size() != 2) return false;
  const auto num = object.at_key("num");
  if (num.error() || !num.value_unsafe().is_uint64()) return false;
  const std::uint64_t k = num.value_unsafe().get_uint64().value_unsafe();
  if (k >= seen.size() || seen[k]) return false;
  seen[k] = true;
  ++count;
  return true;
}

// Checks the JSON payload against what the packet type allows. `data` is non-empty.
errc check_payload(version v, const packet& p) {
  const auto doc = json::parse(p.data);
  if (doc.error()) return errc::bad_json;
  const element root = doc.value_unsafe();
  switch (p.type) {
    case packet_type::connect:
      // v5 clients send their auth object here; v4 clients send nothing (the server ignores it).
      if (v == version::v5 && !root.is_object()) return errc::bad_connect_payload;
      return errc::ok;
    case packet_type::disconnect:
      return errc::bad_connect_payload;
    case packet_type::connect_error:
      return errc::ok;
    case packet_type::event:
    case packet_type::binary_event: {
      if (!root.is_array()) return errc::bad_event_payload;
      const auto first = root.at(0);
      if (first.error() || !first.value_unsafe().is_string()) return errc::bad_event_payload;
      break;
    }
    case packet_type::ack:
    case packet_type::binary_ack:
      if (!root.is_array()) return errc::bad_event_payload;
      break;
  }
  if (p.type == packet_type::binary_event || p.type == packet_type::binary_ack) {
    std::vector<bool> seen(p.attachments, false);
    std::size_t count = 0;
    if (!count_placeholders(root, seen, count) || count != p.attachments) {
      return errc::bad_placeholder;
    }
  }
  return errc::ok;
}

// True when `rest` looks like "name," : a namespace that lacks its leading '/'. Only text that
// reaches a ',' before any '[', '{' or '"' qualifies; anything else is left to the JSON check.
bool is_namespace_without_slash(std::string_view rest) noexcept {
  const std::size_t stop = rest.find_first_of(",[{\"");
  return stop != std::string_view::npos && rest[stop] == ',';
}

}  // namespace

result<packet> decode(version v, std::string_view text, const decode_limits& limits) {
  if (text.empty()) return errc::empty_packet;
  if (!is_digit(text[0]) || text[0] > '6') return errc::unknown_packet_type;
  packet p;
  p.type = static_cast<packet_type>(text[0] - '0');
  std::size_t i = 1;

  if (p.type == packet_type::binary_event || p.type == packet_type::binary_ack) {
    const std::size_t start = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    const std::size_t digits = i - start;
    if (digits == 0 || digits > max_attachment_digits || i == text.size() || text[i] != '-') {
      return errc::bad_attachment_count;
    }
    const std::uint64_t n = to_u64(text.substr(start, digits));
    if (n < 1 || n > limits.max_attachments) return errc::bad_attachment_count;
    p.attachments = static_cast<std::uint32_t>(n);
    ++i;  // '-'
  }

  if (i < text.size() && text[i] == '/') {
    const std::size_t comma = text.find(',', i);
    const std::size_t end = comma == std::string_view::npos ? text.size() : comma;
    p.nsp = text.substr(i, end - i);
    i = comma == std::string_view::npos ? text.size() : comma + 1;
    if (v == version::v4 && p.type == packet_type::connect) {
      // socket.io-client v2 appends the namespace's query: "0/admin?token=x,".
      if (const std::size_t q = p.nsp.find('?'); q != std::string_view::npos) {
        p.query = p.nsp.substr(q + 1);
        p.nsp = p.nsp.substr(0, q);
      }
    }
  } else if (i < text.size() && !is_digit(text[i]) && is_namespace_without_slash(text.substr(i))) {
    return errc::bad_namespace;
  }

  if (i < text.size() && is_digit(text[i])) {
    const std::size_t start = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    if (!carries_ack_id(p.type) || i - start > max_ack_id_digits) return errc::bad_ack_id;
    p.ack_id = to_u64(text.substr(start, i - start));
  }

  p.data = text.substr(i);
  if (p.data.empty()) {
    // Events and acks carry their arguments; a binary packet needs the JSON that places its
    // attachments.
    switch (p.type) {
      case packet_type::event:
      case packet_type::binary_event:
      case packet_type::ack:
      case packet_type::binary_ack:
        return errc::bad_event_payload;
      default:
        return p;
    }
  }
  if (const errc e = check_payload(v, p); e != errc::ok) return e;
  return p;
}

void encode_header(packet_type type, std::string_view nsp, std::optional<std::uint64_t> ack_id,
                   std::uint32_t attachments, std::string& out) {
  out.push_back(static_cast<char>('0' + static_cast<unsigned>(type)));
  if (type == packet_type::binary_event || type == packet_type::binary_ack) {
    out += std::to_string(attachments);
    out.push_back('-');
  }
  if (!nsp.empty() && nsp != "/") {
    out.append(nsp);
    out.push_back(',');
  }
  if (ack_id) out += std::to_string(*ack_id);
}

result<event_view> split_event(std::string_view array_json) {
  const auto doc = json::parse(array_json);
  if (doc.error()) return errc::bad_json;
  const auto first = doc.value_unsafe().at(0);
  if (!doc.value_unsafe().is_array() || first.error() || !first.value_unsafe().is_string()) {
    return errc::bad_event_payload;
  }
  event_view ev;
  ev.name.assign(first.value_unsafe().get_string().value_unsafe());
  // The text is valid JSON, so a plain scan finds the spans: '[', the name, then ',' or ']'.
  const std::string_view array = json::trim(array_json);
  std::size_t i = array.find('"');
  i = json::skip_string(array, i);
  const std::string_view after_name = json::trim(array.substr(i, array.size() - 1 - i));
  if (!after_name.empty()) ev.args = json::trim(after_name.substr(1));  // skip the ','
  return ev;
}

result<std::string_view> array_body(std::string_view array_json) {
  const auto doc = json::parse(array_json);
  if (doc.error()) return errc::bad_json;
  if (!doc.value_unsafe().is_array()) return errc::bad_event_payload;
  const std::string_view array = json::trim(array_json);
  return json::trim(array.substr(1, array.size() - 2));
}

void append_json_string(std::string_view s, std::string& out) {
  json::append_string(s, out);
}

void encode_event_array(std::string_view name, std::string_view raw_args, std::string& out) {
  out.push_back('[');
  json::append_string(name, out);
  if (!raw_args.empty()) {
    out.push_back(',');
    out.append(raw_args);
  }
  out.push_back(']');
}

}  // namespace txrt::sio
