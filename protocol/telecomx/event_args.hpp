#pragma once
// The first argument of a Socket.IO event, parsed once. The Socket.IO codec hands the
// application an event's arguments as raw JSON text ("{...},2": the elements after the event
// name, already validated); the Telecom X payload codecs read the first of them. Parsing the
// elements as one array finds the first argument and validates it in the same pass, so no
// separate scan cuts it out first.
#include <string_view>

#include <simdjson.h>

namespace txrt::telecomx {

// The first element of `event_args` (comma-separated JSON values, possibly empty). An error
// when there is none or the text is not valid JSON. Like protocol::json::parse(), the element
// lives in a thread_local parser: valid only until the next parse on the same thread.
simdjson::simdjson_result<simdjson::dom::element> parse_first_argument(
    std::string_view event_args) noexcept;

}  // namespace txrt::telecomx
