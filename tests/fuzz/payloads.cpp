// JSON payloads the server reads: the subscribe / unsubscribe payload (parse_subscription), the
// span helpers on text that protocol::json::parse accepts (first_element, object_members), and
// the tokens file (file_store::parse) and its "expires" timestamps (parse_iso8601).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "auth/file_store.hpp"
#include "protocol/json.hpp"
#include "protocol/telecomx/subscription.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace json = txrt::protocol::json;

namespace {

bool within(std::string_view part, std::string_view whole) {
  if (part.empty()) return true;
  std::less_equal<const char*> le;
  return le(whole.data(), part.data()) && le(part.data() + part.size(), whole.data() + whole.size());
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

  (void)txrt::auth::file_store::parse(input);
  (void)txrt::auth::parse_iso8601(input);

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
