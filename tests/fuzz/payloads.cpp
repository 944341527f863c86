// JSON payloads the server reads: the subscribe / unsubscribe payload (parse_subscription), the
// span helpers on text that protocol::json::parse accepts (first_element, object_members), the
// tokens file (protocol/telecomx/tokens_file, through auth::file_store::parse as the server
// loads it) and the ISO-8601 codec (its "expires" parser, and the formatter's round trip).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

#include "auth/file_store.hpp"
#include "protocol/iso8601.hpp"
#include "protocol/json.hpp"
#include "protocol/telecomx/subscription.hpp"
#include "protocol/telecomx/tokens_file.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace json = txrt::protocol::json;

namespace {

bool within(std::string_view part, std::string_view whole) {
  if (part.empty()) return true;
  std::less_equal<const char*> le;
  return le(whole.data(), part.data()) && le(part.data() + part.size(), whole.data() + whole.size());
}

void tokens_file(std::string_view input) {
  const auto loaded = txrt::auth::file_store::parse(input);
  const auto parsed = txrt::telecomx::parse_tokens_file(input);
  // The store is exactly the document: loads when it parses, with the same error otherwise.
  TXRT_FUZZ_CHECK(bool(loaded) == parsed.value.has_value());
  TXRT_FUZZ_CHECK(loaded.error == parsed.error);
  if (!loaded) return;
  TXRT_FUZZ_CHECK(loaded.store->token_count() == parsed.value->tokens.size());
  TXRT_FUZZ_CHECK(loaded.store->customer_count() == parsed.value->customers.size());
  for (const auto& t : parsed.value->tokens) {
    TXRT_FUZZ_CHECK(!t.token.empty() && loaded.store->find_token(t.token) != nullptr);
  }
}

void iso8601(std::string_view input) {
  using namespace std::chrono;
  using txrt::protocol::iso8601_precision;
  const auto parsed = txrt::protocol::parse_iso8601(input);
  // Away from the saturated ends, what is written reads back as the same instant, floored.
  constexpr auto margin = duration_cast<system_clock::duration>(seconds{2});
  const auto in_range = [&](system_clock::time_point t) {
    return t > system_clock::time_point::min() + margin &&
           t < system_clock::time_point::max() - margin;
  };
  const auto round_trip = [](system_clock::time_point t) {
    const auto ms = txrt::protocol::format_iso8601(t, iso8601_precision::milliseconds);
    const auto s = txrt::protocol::format_iso8601(t, iso8601_precision::seconds);
    TXRT_FUZZ_CHECK(ms.size() == 24 && s.size() == 20);
    TXRT_FUZZ_CHECK(txrt::protocol::parse_iso8601(ms) == floor<milliseconds>(t));
    TXRT_FUZZ_CHECK(txrt::protocol::parse_iso8601(s) == floor<seconds>(t));
  };
  if (parsed && in_range(*parsed)) round_trip(*parsed);
  // Any instant the clock can hold, taken from the input's first eight bytes.
  if (input.size() >= 8) {
    std::int64_t ns = 0;
    std::memcpy(&ns, input.data(), sizeof ns);
    const system_clock::time_point t{duration_cast<system_clock::duration>(nanoseconds{ns})};
    if (in_range(t)) round_trip(t);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  auto sub = txrt::telecomx::parse_subscription(input);
  TXRT_FUZZ_CHECK(sub.value.has_value() != sub.error.has_value());
  if (sub.value) {
    // The normalised echo parses back to the same subscription.
    auto again = txrt::telecomx::parse_subscription(txrt::telecomx::to_json(*sub.value));
    TXRT_FUZZ_CHECK(again.value && *again.value == *sub.value);
  }

  tokens_file(input);
  iso8601(input);

  // The span helpers' contract: text already validated by json::parse. The spans they find
  // must be the values simdjson sees: as many, and each one valid JSON on its own.
  auto doc = json::parse(input);
  if (doc.error()) return 0;
  const auto root = doc.value_unsafe();
  const bool is_array = root.is_array();
  const std::size_t array_size = is_array ? root.get_array().value_unsafe().size() : 0;
  const bool is_object = root.is_object();
  const std::size_t object_size = is_object ? root.get_object().value_unsafe().size() : 0;
  // From here on json::parse is called again: `root` is no longer valid.
  const auto text = json::trim(input);
  const auto whole = json::first_element(text);
  TXRT_FUZZ_CHECK(whole == text);
  if (array_size > 0) {
    const auto first = json::first_element(text.substr(1, text.size() - 2));
    TXRT_FUZZ_CHECK(within(first, input) && !first.empty());
    TXRT_FUZZ_CHECK(!json::parse(first).error());
  }
  const auto members = json::object_members(input);
  TXRT_FUZZ_CHECK(members.size() == object_size);
  for (const auto& m : members) {
    TXRT_FUZZ_CHECK(within(m.key, input) && within(m.value, input));
    TXRT_FUZZ_CHECK(!json::parse(m.value).error());
  }
  return 0;
}
