// app/request_flow and app/employee_presence (SPEC §7): presence, routing, access to the
// recipient, replies towards replyTo, and the delivering node's own checks. The isolation rules
// (replyTo's access, the addressed instance, what the delivering node would drop, the record's
// TTL) are in request_isolation_test.cpp; the fixture is request_flow_fixture.hpp.
#include "app/request_flow.hpp"

#include <catch2/catch.hpp>

#include "tests/unit/request_flow_fixture.hpp"

using namespace request_test;

TEST_CASE("presence: one subscription per employee, its customer in the shared hash", "[request]") {
  fixture f;
  f.connect(f.b, viewer);
  f.connect(f.b, viewer);  // a second socket
  CHECK(f.b.bus.subscribes == std::vector<std::string>{"rt:employee:emp-viewer"});
  CHECK(f.b.presence.customer_of("emp-viewer") == "c1");
  CHECK_FALSE(f.b.presence.customer_of("emp-mgr"));
  std::optional<std::string> customer;
  f.shared.hget("rt:employee:customer", "emp-viewer",
                [&](bridge::kv_value v) { customer = v.value; });
  f.drain();
  CHECK(customer == "c1");

  f.b.presence.offline("emp-viewer");
  f.drain();
  CHECK(f.b.bus.unsubscribes.empty());  // one socket left
  f.b.presence.offline("emp-viewer");
  f.b.presence.offline("emp-viewer");  // one too many: ignored
  f.drain();
  CHECK(f.b.bus.unsubscribes == std::vector<std::string>{"rt:employee:emp-viewer"});
  CHECK(f.b.bus.subscribed.empty());
  CHECK_FALSE(f.b.presence.customer_of("emp-viewer"));
}

TEST_CASE("a request crosses nodes with the server's from and sender", "[request]") {
  fixture f;
  f.connect(f.b, viewer);
  sock s{manager, "tab-1", {}};
  const auto out = f.request(
      f.a, s,
      R"({"to":{"employee":"emp-viewer"},"request":"CommunicatorGetStatus","data":{"x":1},)"
      R"("from":{"employee":"forged"},"replyTo":{"employee":"emp-mgr","instanceId":"tab-1"}})");
  REQUIRE(out.ok());
  const std::string& id = out.request_id;
  CHECK(id.size() == 24);  // 18 random bytes, base64url

  REQUIRE(f.a.bus.published.size() == 1);
  CHECK(f.a.bus.published[0].channel == "rt:employee:emp-viewer");
  CHECK(
      f.a.bus.published[0].payload ==
      R"({"kind":"request","requestId":")" + id +
          R"(","request":"CommunicatorGetStatus","from":{"employee":"emp-mgr","instanceId":"tab-1"},)"
          R"("sender":{"employee":"emp-mgr","customer":"c1","accessLevel":"MANAGER","organizationResellers":[]},)"
          R"("to":{"employee":"emp-viewer","instanceId":null},)"
          R"("replyTo":{"employee":"emp-mgr","instanceId":"tab-1"},"data":{"x":1}})");
  CHECK(
      f.stored("rt:request:" + id) ==
      R"({"employee":"emp-viewer","request":"CommunicatorGetStatus","replyTo":{"employee":"emp-mgr","instanceId":"tab-1"},"instanceId":null})");

  f.relay(f.a, f.b);
  REQUIRE(f.b.delivered.size() == 1);
  CHECK(f.b.delivered[0].employee == "emp-viewer");
  CHECK(f.b.delivered[0].instance_id.empty());
  CHECK(
      f.b.delivered[0].packet ==
      R"(42["REQUEST",{"from":{"employee":"emp-mgr","instanceId":"tab-1"},"request":"CommunicatorGetStatus",)"
      R"("requestId":")" +
          id + R"(","data":{"x":1},"replyTo":{"employee":"emp-mgr","instanceId":"tab-1"}}])");
}

TEST_CASE("a request to one instance is delivered to that instance only", "[request]") {
  fixture f;
  f.connect(f.b, viewer);
  sock s{manager, "", {}};
  REQUIRE(
      f.request(f.a, s, R"({"to":{"employee":"emp-viewer","instanceId":"tab-7"},"request":"R"})")
          .ok());
  f.relay(f.a, f.b);
  REQUIRE(f.b.delivered.size() == 1);
  CHECK(f.b.delivered[0].instance_id == "tab-7");
}

TEST_CASE("no access to the recipient's customer: access_denied, nothing sent", "[request]") {
  fixture f;
  f.connect(f.b, viewer);
  sock s{stranger, "", {}};
  check_failed(f.request(f.a, s, R"({"to":{"employee":"emp-viewer"},"request":"R"})"),
               "access_denied");
  CHECK(f.a.bus.published.empty());
  CHECK(f.directory->asked.empty());  // a MANAGER's reach needs no directory
}

TEST_CASE("a reseller reaches the customers below it, through the directory", "[request]") {
  fixture f;
  f.connect(f.b, client_of_reseller);
  f.connect(f.b, stranger);
  sock s{reseller, "", {}};
  CHECK(f.request(f.a, s, R"({"to":{"employee":"emp-sub"},"request":"R"})").ok());
  check_failed(f.request(f.a, s, R"({"to":{"employee":"emp-other"},"request":"R"})"),
               "access_denied");
  CHECK(f.directory->asked == std::vector<std::string>{"c3", "c2"});
  f.directory->available = false;
  check_failed(f.request(f.a, s, R"({"to":{"employee":"emp-sub"},"request":"R"})"), "unavailable");
  REQUIRE(f.a.bus.published.size() == 1);  // only the first
}

TEST_CASE("offline: the recipient was never seen, or PUBLISH reached no node", "[request]") {
  fixture f;
  sock s{manager, "", {}};
  check_failed(f.request(f.a, s, R"({"to":{"employee":"emp-viewer"},"request":"R"})"), "offline");
  CHECK(f.a.bus.published.empty());
  f.connect(f.b, viewer);
  f.a.bus.receivers = 0;
  check_failed(f.request(f.a, s, R"({"to":{"employee":"emp-viewer"},"request":"R"})"), "offline");
  CHECK(f.a.bus.published.size() == 1);
}

TEST_CASE("unavailable: the store or the bus fails", "[request]") {
  fixture f;
  f.connect(f.b, viewer);
  sock s{manager, "", {}};
  const std::string args =
      R"({"to":{"employee":"emp-viewer"},"request":"R","replyTo":{"employee":"emp-mgr"}})";
  f.a.store.down = true;
  check_failed(f.request(f.a, s, args), "unavailable");
  check_failed(f.reply(f.a, s, R"({"to":{"employee":"e"},"request":"R","requestId":"x"})"),
               "unavailable");
  f.a.store.down = false;
  f.a.bus.receivers = -1;
  check_failed(f.request(f.a, s, args), "unavailable");
  CHECK(f.a.bus.published.size() == 1);
}

TEST_CASE("not_authenticated and invalid are answered before any round trip", "[request]") {
  fixture f;
  sock anonymous{std::nullopt, "", {}};
  check_failed(f.request(f.a, anonymous, R"({"to":{"employee":"e"},"request":"R"})"),
               "not_authenticated");
  check_failed(f.reply(f.a, anonymous, "{}"), "not_authenticated");
  sock s{manager, "", {}};
  const auto out = f.request(f.a, s, R"({"to":{"employee":"e"}})");
  check_failed(out, "invalid");
  CHECK(out.message == "request must be a non-empty string");
  check_failed(f.reply(f.a, s, R"({"to":{"employee":"e"},"request":"R"})"), "invalid");
  CHECK(f.a.bus.published.empty());
}

TEST_CASE("requests and replies share one budget per socket: rate_limited", "[request]") {
  fixture f;
  f.per_socket = {3, 1h};
  node n{f.io, f.shared, f.directory, f.per_socket};
  f.connect(n, viewer);
  sock s{manager, "", {}};
  const std::string args = R"({"to":{"employee":"emp-viewer"},"request":"R"})";
  CHECK(f.request(n, s, args).ok());
  check_failed(f.reply(n, s, R"({"to":{"employee":"e"},"request":"R","requestId":"x"})"),
               "unknown_request");
  CHECK(f.request(n, s, args).ok());
  check_failed(f.request(n, s, args), "rate_limited");
  check_failed(f.reply(n, s, R"({"to":{"employee":"e"},"request":"R","requestId":"x"})"),
               "rate_limited");
  CHECK(n.bus.published.size() == 2);
  // Checked first: even an unauthenticated socket or an invalid payload spends the budget.
  sock anonymous{std::nullopt, "", {}};
  for (int i = 0; i < 3; ++i) check_failed(f.request(n, anonymous, "1"), "not_authenticated");
  check_failed(f.request(n, anonymous, "1"), "rate_limited");
  // Another socket has its own budget.
  sock other{manager, "", {}};
  CHECK(f.request(n, other, args).ok());
}

TEST_CASE("CommunicatorZeroTier only between one employee's sockets", "[request]") {
  fixture f;
  f.connect(f.b, viewer);
  f.connect(f.b, manager);
  sock s{manager, "tab-1", {}};
  check_failed(
      f.request(f.a, s,
                R"({"to":{"employee":"emp-viewer"},"request":"CommunicatorZeroTierRestart"})"),
      "access_denied");
  CHECK(f.a.bus.published.empty());
  REQUIRE(
      f.request(
           f.a, s,
           R"({"to":{"employee":"emp-mgr","instanceId":"tab-2"},"request":"CommunicatorZeroTierRestart"})")
          .ok());
  f.relay(f.a, f.b);
  REQUIRE(f.b.delivered.size() == 1);
  CHECK(f.b.delivered[0].employee == "emp-mgr");
  CHECK(f.b.delivered[0].instance_id == "tab-2");

  // The delivering node checks again: a zero-tier envelope from another employee is dropped.
  f.b.flow.on_employee_message(
      "rt:employee:emp-viewer",
      R"({"kind":"request","requestId":"x","request":"CommunicatorZeroTierRestart","from":null,)"
      R"("sender":{"employee":"emp-mgr","customer":"c1","accessLevel":"ADMIN"},"to":{"employee":"emp-viewer"}})");
  f.drain();
  CHECK(f.b.delivered.size() == 1);
}

TEST_CASE("a reply goes back to replyTo, on the asker's node", "[request]") {
  replying f;
  const auto out = f.reply(f.b, f.answerer, f.reply_args(R"({"employee":"emp-mgr"})"));
  REQUIRE(out.ok());
  CHECK(out.request_id == f.id);
  REQUIRE(f.b.bus.published.size() == 1);
  CHECK(f.b.bus.published[0].channel == "rt:employee:emp-mgr");
  // The replyTo instance is filled in; from is the answering socket.
  CHECK(
      f.b.bus.published[0].payload ==
      R"({"kind":"reply","requestId":")" + f.id +
          R"(","request":"CommunicatorGetStatus","from":{"employee":"emp-viewer","instanceId":"v-1"},)"
          R"("to":{"employee":"emp-mgr","instanceId":"tab-1"},"data":[true]})");
  f.relay(f.b, f.a);
  REQUIRE(f.a.delivered.size() == 1);
  CHECK(f.a.delivered[0].employee == "emp-mgr");
  CHECK(f.a.delivered[0].instance_id == "tab-1");
  CHECK(
      f.a.delivered[0].packet ==
      R"(42["REPLY",{"from":{"employee":"emp-viewer","instanceId":"v-1"},"to":{"employee":"emp-mgr","instanceId":"tab-1"},)"
      R"("request":"CommunicatorGetStatus","requestId":")" +
          f.id + R"(","data":[true]}])");
  // A stream: the record stays, so a second reply is accepted too.
  CHECK(f.reply(f.b, f.answerer, f.reply_args(R"({"employee":"emp-mgr","instanceId":"tab-1"})"))
            .ok());
}

TEST_CASE("a reply to a replyTo without instanceId reaches every instance", "[request]") {
  replying f(R"({"employee":"emp-mgr"})");
  REQUIRE(f.reply(f.b, f.answerer, f.reply_args(R"({"employee":"emp-mgr"})")).ok());
  f.relay(f.b, f.a);
  REQUIRE(f.a.delivered.size() == 1);
  CHECK(f.a.delivered[0].instance_id.empty());
  // The replier may also pick one of them.
  REQUIRE(f.reply(f.b, f.answerer, f.reply_args(R"({"employee":"emp-mgr","instanceId":"tab-9"})"))
              .ok());
  f.relay(f.b, f.a);
  REQUIRE(f.a.delivered.size() == 2);
  CHECK(f.a.delivered[1].instance_id == "tab-9");
}

TEST_CASE("unknown_request: no record, or not the addressed employee", "[request]") {
  replying f;
  sock other{manager, "", {}};  // the asker itself is not the recipient
  check_failed(f.reply(f.a, other, f.reply_args(R"({"employee":"emp-mgr"})")), "unknown_request");
  check_failed(
      f.reply(
          f.b, f.answerer,
          R"({"to":{"employee":"emp-mgr"},"request":"CommunicatorGetStatus","requestId":"nope"})"),
      "unknown_request");
  CHECK(f.a.bus.published.empty());
  CHECK(f.b.bus.published.empty());
}

TEST_CASE("a reply goes only to replyTo, with the request's name", "[request]") {
  replying f;
  check_failed(f.reply(f.b, f.answerer, f.reply_args(R"({"employee":"emp-other"})")),
               "access_denied");
  check_failed(
      f.reply(f.b, f.answerer, f.reply_args(R"({"employee":"emp-mgr","instanceId":"tab-2"})")),
      "access_denied");
  check_failed(f.reply(f.b, f.answerer, f.reply_args(R"({"employee":"emp-mgr"})", "Other")),
               "invalid");
  CHECK(f.b.bus.published.empty());

  replying no_reply("");
  const auto out = no_reply.reply(no_reply.b, no_reply.answerer,
                                  no_reply.reply_args(R"({"employee":"emp-mgr"})"));
  check_failed(out, "access_denied");
  CHECK(out.message == "the request asked for no reply");
}

TEST_CASE("the delivering node drops what it must not write", "[request]") {
  fixture f;
  f.connect(f.b, viewer);
  const std::string sender_c1 =
      R"("sender":{"employee":"emp-mgr","customer":"c1","accessLevel":"MANAGER"})";
  const std::string sender_c2 =
      R"("sender":{"employee":"emp-other","customer":"c2","accessLevel":"MANAGER"})";
  auto envelope = [](std::string_view to, const std::string& sender) {
    return R"({"kind":"request","requestId":"x","request":"R","from":null,)" + sender +
           R"(,"to":{"employee":")" + std::string(to) + R"("},"data":1})";
  };
  // Malformed, for another employee than the channel's, for an employee not on this node, from
  // a sender without access to the recipient's customer (as this node knows it).
  for (const auto& [channel, payload] : std::vector<std::pair<std::string, std::string>>{
           {"rt:employee:emp-viewer", "not json"},
           {"rt:employee:emp-viewer", envelope("emp-mgr", sender_c1)},
           {"rt:employee:emp-mgr", envelope("emp-mgr", sender_c1)},
           {"rt:employee:emp-viewer", envelope("emp-viewer", sender_c2)},
           {"rt:control", envelope("emp-viewer", sender_c1)},
       }) {
    INFO(channel << " " << payload);
    f.b.flow.on_employee_message(channel, payload);
    f.drain();
    CHECK(f.b.delivered.empty());
  }
  f.b.flow.on_employee_message("rt:employee:emp-viewer", envelope("emp-viewer", sender_c1));
  f.drain();
  REQUIRE(f.b.delivered.size() == 1);
  CHECK(f.b.delivered[0].packet ==
        R"(42["REQUEST",{"from":null,"request":"R","requestId":"x","data":1,"replyTo":null}])");
}

TEST_CASE("the delivering node asks the directory for a reseller sender", "[request]") {
  fixture f;
  f.connect(f.b, client_of_reseller);
  sock s{reseller, "", {}};
  REQUIRE(f.request(f.a, s, R"({"to":{"employee":"emp-sub"},"request":"R"})").ok());
  f.directory->asked.clear();
  f.directory->parents["c3"] = "r2";  // moved under another reseller meanwhile
  f.relay(f.a, f.b);
  CHECK(f.directory->asked == std::vector<std::string>{"c3"});
  CHECK(f.b.delivered.empty());
}

TEST_CASE("employee channels", "[request]") {
  fixture f;
  CHECK(f.a.flow.is_employee_channel("rt:employee:emp-1"));
  CHECK_FALSE(f.a.flow.is_employee_channel("rt:employee:"));
  CHECK_FALSE(f.a.flow.is_employee_channel("rt:control"));
  CHECK_FALSE(f.a.flow.is_employee_channel("xx:employee:emp-1"));
}
