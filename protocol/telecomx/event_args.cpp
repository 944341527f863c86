#include "protocol/telecomx/event_args.hpp"

#include <string>

#include "protocol/json.hpp"

namespace txrt::telecomx {

simdjson::simdjson_result<simdjson::dom::element> parse_first_argument(
    std::string_view event_args) noexcept {
  // "[" + args + "]" is one array; its element 0 is the first argument. The bracketed copy is
  // the one protocol::json::parse() pads anyway; the buffer is reused on this thread.
  thread_local std::string array;
  try {
    array.assign(1, '[');
    array.append(event_args);
    array.push_back(']');
  } catch (...) {
    return simdjson::MEMALLOC;
  }
  simdjson::dom::element root;
  if (auto error = protocol::json::parse(array).get(root)) return error;
  return root.at(0);
}

}  // namespace txrt::telecomx
