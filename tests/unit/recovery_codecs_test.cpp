// Connection state recovery's codecs: stream offsets, session records, the CONNECT auth.
#include <catch2/catch.hpp>

#include "protocol/socketio/recovery_auth.hpp"
#include "protocol/telecomx/recovery_record.hpp"
#include "protocol/telecomx/stream_offset.hpp"

using txrt::telecomx::parse_offset;
using txrt::telecomx::stream_offset;

TEST_CASE("stream offsets: wire form round-trips, anything else is refused", "[recovery]") {
  CHECK(to_string(stream_offset{1764633600123, 42}) == "1764633600123-42");
  CHECK(parse_offset("1764633600123-42") == stream_offset{1764633600123, 42});
  CHECK(parse_offset("18446744073709551615-18446744073709551615") ==
        stream_offset{UINT64_MAX, UINT64_MAX});
  CHECK(parse_offset("0-0") == stream_offset{});
  CHECK_FALSE(parse_offset("0-0")->known());
  for (const char* bad : {"", "-", "1-", "-1", "1", "01-1", "1-01", "1-2-3", "a-1", "1-1 ",
                          " 1-1", "+1-1", "18446744073709551616-1", "1--1"})
    CHECK_FALSE(parse_offset(bad));
  // Positions compare by epoch, then index: the same on every node.
  CHECK(stream_offset{5, 100} < stream_offset{6, 1});
  CHECK(stream_offset{6, 1} < stream_offset{6, 2});
}

TEST_CASE("recovery records round-trip and refuse what this version did not write",
          "[recovery]") {
  txrt::telecomx::recovery_record r;
  r.sid = "sid\"1";
  r.token = "tok\\en";
  r.employee = "emp-1";
  r.client_name = "Communicator";
  r.instance_id = "i-1";
  r.reported_ip = "";
  r.since = {7, 3};
  txrt::telecomx::subscription pbx;
  pbx.type = txrt::telecomx::subscription_type::pbx;
  pbx.customer = "c1";
  pbx.events = {"CALL_END", "CALL_START"};
  r.subscriptions.push_back({pbx, {7, 5}});
  txrt::telecomx::subscription admin;
  admin.type = txrt::telecomx::subscription_type::admin;
  admin.types = {txrt::telecomx::event_type::call};
  r.subscriptions.push_back({admin, {8, 1}});

  const auto text = encode(r);
  auto back = txrt::telecomx::parse_recovery_record(text);
  REQUIRE(back);
  CHECK(back->sid == r.sid);
  CHECK(back->token == r.token);
  CHECK(back->employee == r.employee);
  CHECK(back->client_name == r.client_name);
  CHECK(back->instance_id == r.instance_id);
  CHECK(back->since == r.since);
  REQUIRE(back->subscriptions.size() == 2);
  CHECK(back->subscriptions[0].what == pbx);
  CHECK(back->subscriptions[0].since == stream_offset{7, 5});
  CHECK(back->subscriptions[1].what == admin);

  using txrt::telecomx::parse_recovery_record;
  CHECK_FALSE(parse_recovery_record("not json"));
  CHECK_FALSE(parse_recovery_record("[]"));
  std::string v2 = text;
  v2.replace(v2.find("\"v\":1"), 5, "\"v\":2");
  CHECK_FALSE(parse_recovery_record(v2));
  std::string bad_offset = text;
  bad_offset.replace(bad_offset.find("\"7-3\""), 5, "\"7-x\"");
  CHECK_FALSE(parse_recovery_record(bad_offset));
  std::string bad_sub = text;
  bad_sub.replace(bad_sub.find("\"PBX\""), 5, "\"NOPE\"");
  CHECK_FALSE(parse_recovery_record(bad_sub));
  CHECK_FALSE(parse_recovery_record(std::string(txrt::telecomx::max_recovery_record_bytes + 1, ' ')));
}

TEST_CASE("CONNECT auth: pid and offset read, hostile shapes flagged", "[recovery]") {
  using txrt::sio::read_recovery_auth;
  CHECK_FALSE(read_recovery_auth("{}").asked);
  CHECK_FALSE(read_recovery_auth("{\"token\":\"x\"}").asked);
  auto ok = read_recovery_auth("{\"pid\":\"abc\",\"offset\":\"1-2\",\"token\":\"x\"}");
  CHECK(ok.asked);
  CHECK_FALSE(ok.invalid);
  CHECK(ok.pid == "abc");
  CHECK(ok.offset == "1-2");
  auto no_offset = read_recovery_auth("{\"pid\":\"abc\"}");
  CHECK_FALSE(no_offset.invalid);
  CHECK_FALSE(no_offset.offset);
  CHECK_FALSE(read_recovery_auth("{\"pid\":\"abc\",\"offset\":null}").offset);
  CHECK(read_recovery_auth("{\"pid\":1}").invalid);
  CHECK(read_recovery_auth("{\"pid\":\"\"}").invalid);
  CHECK(read_recovery_auth("{\"pid\":\"" + std::string(65, 'a') + "\"}").invalid);
  CHECK(read_recovery_auth("{\"pid\":\"abc\",\"offset\":5}").invalid);
  CHECK(read_recovery_auth("{\"pid\":\"abc\",\"offset\":\"" + std::string(65, '1') + "\"}").invalid);
}
