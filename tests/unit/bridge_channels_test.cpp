// bridge/channels: event channel names both ways (strict parsing), the subscription pattern
// and the other Redis names.
#include "bridge/channels.hpp"

#include <catch2/catch.hpp>

using namespace txrt::bridge;
using txrt::telecomx::event_type;

namespace {

bool parses_to(std::string_view prefix, std::string_view channel, event_type type,
               std::string_view customer) {
  const auto c = parse_event_channel(prefix, channel);
  return c && c->type == type && c->customer == customer;
}

}  // namespace

TEST_CASE("parse_event_channel reads type and customer", "[bridge]") {
  CHECK(parses_to("rt:", "rt:event:PBX:c1", event_type::pbx, "c1"));
  CHECK(parses_to("rt:", "rt:event:TRUNK", event_type::trunk, ""));
  CHECK(parses_to("rt:", "rt:event:REGISTER:42", event_type::reg, "42"));
  CHECK(parses_to("rt:", "rt:event:REALTIME", event_type::realtime, ""));
  CHECK(parses_to("rt:", "rt:event:CONFIG:a:b", event_type::config, "a:b"));  // opaque customer
  CHECK(parses_to("", "event:CALL:c", event_type::call, "c"));
  CHECK(parses_to("tx.", "tx.event:REDIS", event_type::redis, ""));
  // The customer views the channel text, not a copy.
  const std::string channel = "rt:event:PBX:c1";
  const auto c = parse_event_channel("rt:", channel);
  REQUIRE(c);
  CHECK(c->customer.data() == channel.data() + 13);
}

TEST_CASE("parse_event_channel rejects everything else", "[bridge]") {
  for (const std::string_view bad :
       {"", "rt:", "rt:event", "rt:event:", "rt:event::c1", "rt:event:PBX:", "rt:event:pbx:c1",
        "rt:event:FOO", "rt:event:FOO:c1", "rt:event:PBXX:c1", "rt:event:PB", "rt:event:PBX ",
        "rt:events:PBX:c1", "rt:control", "xx:event:PBX:c1", "event:PBX:c1", "rt:employee:1",
        "RT:event:PBX:c1", "rt:event: PBX:c1"}) {
    INFO(bad);
    CHECK_FALSE(parse_event_channel("rt:", bad));
  }
  CHECK_FALSE(parse_event_channel("", "rt:event:PBX:c1"));
}

TEST_CASE("event channel names round-trip", "[bridge]") {
  CHECK(event_channel_name("rt:", event_type::pbx, "c1") == "rt:event:PBX:c1");
  CHECK(event_channel_name("rt:", event_type::trunk, "") == "rt:event:TRUNK");
  CHECK(event_channel_name("", event_type::reg, "x") == "event:REGISTER:x");
  for (std::size_t i = 0; i < txrt::telecomx::event_type_count; ++i) {
    const auto t = static_cast<event_type>(i);
    CHECK(parses_to("p:", event_channel_name("p:", t, "cust"), t, "cust"));
    CHECK(parses_to("p:", event_channel_name("p:", t, ""), t, ""));
  }
}

TEST_CASE("the event pattern escapes glob characters of the prefix", "[bridge]") {
  CHECK(event_pattern("rt:") == "rt:event:*");
  CHECK(event_pattern("") == "event:*");
  CHECK(event_pattern("a*b?[c]\\:") == "a\\*b\\?\\[c\\]\\\\:event:*");
}

TEST_CASE("the other Redis names", "[bridge]") {
  CHECK(control_channel("rt:") == "rt:control");
  CHECK(employee_channel("rt:", "17") == "rt:employee:17");
  CHECK(session_key("rt:", "tok") == "rt:session:tok");
  CHECK(customer_parent_key("rt:") == "rt:customer:parent");
  CHECK(employee_customer_key("rt:") == "rt:employee:customer");
}

TEST_CASE("the request record key", "[bridge]") {
  CHECK(request_key("rt:", "AbC-_9") == "rt:request:AbC-_9");
  CHECK(request_key("", "x") == "request:x");
}

TEST_CASE("parse_employee_channel reads the employee id", "[bridge]") {
  CHECK(parse_employee_channel("rt:", "rt:employee:17") == "17");
  CHECK(parse_employee_channel("", "employee:a:b") == "a:b");  // ids are opaque
  CHECK(parse_employee_channel("rt:", employee_channel("rt:", "emp-7")) == "emp-7");
  // The id views the channel text, not a copy.
  const std::string channel = "rt:employee:17";
  const auto id = parse_employee_channel("rt:", channel);
  REQUIRE(id);
  CHECK(id->data() == channel.data() + 12);
}

TEST_CASE("parse_employee_channel rejects everything else", "[bridge]") {
  for (const std::string_view bad : {"", "rt:", "rt:employee", "rt:employee:", "rt:employees:1",
                                     "rt:Employee:1", "xx:employee:1", "employee:1", "rt:control",
                                     "rt:event:PBX:c1", "rt:request:1"}) {
    INFO(bad);
    CHECK_FALSE(parse_employee_channel("rt:", bad));
  }
}
