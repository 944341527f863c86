// Tenant isolation in request / reply (SPEC §7): replyTo obeys the access rule of `to`; a
// request addressed to one instance is answered by that instance only; what the delivering node
// would drop is refused before the ack; the record lives request_ttl after the request and after
// each accepted reply. The fixture is request_flow_fixture.hpp (a fake clock for the store).
#include <catch2/catch.hpp>

#include <string>

#include "protocol/telecomx/authenticate_payload.hpp"
#include "protocol/telecomx/request_envelope.hpp"
#include "tests/unit/request_flow_fixture.hpp"

using namespace request_test;

namespace {

std::string ask(std::string_view to, std::string_view reply_to,
                std::string_view request = "CommunicatorGetStatus") {
  return R"({"to":{"employee":")" + std::string(to) + R"("},"request":")" + std::string(request) +
         R"(","replyTo":)" + std::string(reply_to) + "}";
}

}  // namespace

TEST_CASE("replyTo needs the sender's access to its customer, like to", "[request]") {
  fixture f;
  f.connect(f.b, viewer);    // c1, like the manager
  f.connect(f.b, stranger);  // c2
  sock s{manager, "tab-1", {}};
  // The review's leak: a request to a colleague, its replies sent to another tenant.
  const auto out = f.request(f.a, s, ask("emp-viewer", R"({"employee":"emp-other"})"));
  check_failed(out, "access_denied");
  CHECK(out.message == "no access to replyTo's customer");
  // Never recorded in the hash: no customer to check access to (fail closed).
  check_failed(f.request(f.a, s, ask("emp-viewer", R"({"employee":"emp-never-seen"})")),
               "access_denied");
  CHECK(f.a.bus.published.empty());
  f.relay(f.a, f.b);
  CHECK(f.b.delivered.empty());

  // Positive controls: another employee of a customer the sender reaches; the sender's own
  // employee, which needs no lookup (the manager has no socket, so no hash entry, anywhere).
  CHECK(f.request(f.a, s, ask("emp-viewer", R"({"employee":"emp-viewer"})")).ok());
  CHECK(f.request(f.a, s, ask("emp-viewer", R"({"employee":"emp-mgr","instanceId":"x"})")).ok());
  CHECK(f.a.bus.published.size() == 2);
}

TEST_CASE("replyTo: a reseller's reach through the directory; unavailable", "[request]") {
  fixture f;
  f.connect(f.b, client_of_reseller);  // c3, below r1
  f.connect(f.b, stranger);            // c2, below r2
  sock s{reseller, "", {}};
  check_failed(f.request(f.a, s, ask("emp-sub", R"({"employee":"emp-other"})")), "access_denied");
  CHECK(f.directory->asked == std::vector<std::string>{"c3", "c2"});
  CHECK(f.request(f.a, s, ask("emp-sub", R"({"employee":"emp-sub"})")).ok());
  // A recipient of the reseller's own customer needs no directory, replyTo does: its failure
  // is the answer.
  f.connect(f.b, identity{"emp-res-2", "r1", access_level::viewer, "", {}, {}});
  f.directory->available = false;
  f.directory->asked.clear();
  check_failed(f.request(f.a, s, ask("emp-res-2", R"({"employee":"emp-other"})")), "unavailable");
  CHECK(f.directory->asked == std::vector<std::string>{"c2"});
  CHECK(f.a.bus.published.size() == 1);
}

TEST_CASE("CommunicatorZeroTier replies only to the sender's own employee", "[request]") {
  fixture f;
  f.connect(f.b, manager);
  f.connect(f.b, viewer);
  sock s{manager, "tab-1", {}};
  const auto out =
      f.request(f.a, s, ask("emp-mgr", R"({"employee":"emp-viewer"})", "CommunicatorZeroTierJoin"));
  check_failed(out, "access_denied");
  CHECK(out.message == "a CommunicatorZeroTier request replies only to the sender's employee");
  CHECK(f.a.bus.published.empty());
  CHECK(f.request(f.a, s, ask("emp-mgr", R"({"employee":"emp-mgr"})", "CommunicatorZeroTierJoin"))
            .ok());
}

TEST_CASE("a request name that differs from CommunicatorZeroTier* only by case is invalid",
          "[request]") {
  fixture f;
  f.connect(f.b, viewer);
  sock s{manager, "", {}};
  for (const char* name : {"communicatorZeroTierJoin", "CommunicatorZerotierJoin",
                           "COMMUNICATORZEROTIER", "communicatorzerotier"}) {
    INFO(name);
    const auto out = f.request(f.a, s, ask("emp-viewer", "null", name));
    check_failed(out, "invalid");
    CHECK(out.message == "request differs from a CommunicatorZeroTier name only by case");
    check_failed(f.reply(f.a, s,
                         R"({"to":{"employee":"emp-viewer"},"request":")" + std::string(name) +
                             R"(","requestId":"x"})"),
                 "invalid");
  }
  CHECK(f.a.bus.published.empty());
  // Not lookalikes: shorter than the prefix, or another name.
  CHECK(f.request(f.a, s, ask("emp-viewer", "null", "CommunicatorZeroTie")).ok());
  CHECK(f.request(f.a, s, ask("emp-viewer", "null", "CommunicatorZeroTrust")).ok());
}

TEST_CASE("a request to one instance is answered by that instance only", "[request]") {
  replying f(R"({"employee":"emp-mgr","instanceId":"tab-1"})",
             R"({"employee":"emp-viewer","instanceId":"v-1"})");
  CHECK(
      f.stored("rt:request:" + f.id) ==
      R"({"employee":"emp-viewer","request":"CommunicatorGetStatus","replyTo":{"employee":"emp-mgr","instanceId":"tab-1"},"instanceId":"v-1"})");
  sock other_instance{viewer, "v-2", {}};
  const auto out = f.reply(f.b, other_instance, f.reply_args(R"({"employee":"emp-mgr"})"));
  check_failed(out, "access_denied");
  CHECK(out.message == "only the addressed instance may answer this request");
  sock no_instance{viewer, "", {}};
  check_failed(f.reply(f.b, no_instance, f.reply_args(R"({"employee":"emp-mgr"})")),
               "access_denied");
  CHECK(f.b.bus.published.empty());
  CHECK(f.reply(f.b, f.answerer, f.reply_args(R"({"employee":"emp-mgr"})")).ok());
}

TEST_CASE("a record without instanceId (an older node's) may be answered by any instance",
          "[request]") {
  fixture f;
  f.connect(f.a, manager);
  f.shared.set("rt:request:old",
               R"({"employee":"emp-viewer","request":"R","replyTo":{"employee":"emp-mgr"}})", 10s,
               nullptr);
  sock any{viewer, "v-9", {}};
  CHECK(f.reply(f.b, any, R"({"to":{"employee":"emp-mgr"},"request":"R","requestId":"old"})").ok());
  // And one broadcast to every instance (instanceId null) may be answered by any of them.
  replying g;
  sock other_instance{viewer, "v-2", {}};
  CHECK(g.reply(g.b, other_instance, g.reply_args(R"({"employee":"emp-mgr"})")).ok());
}

TEST_CASE("what the delivering node would drop is refused before the ack", "[request]") {
  // authenticate keeps at most 256 bytes of instanceId and cuts on a character boundary, so a
  // socket's instanceId is UTF-8...
  std::string long_id = "x";
  for (int i = 0; i < 200; ++i) long_id += "\xc3\xa9";  // é
  const auto auth = tx::parse_authenticate(R"({"token":"t","instanceId":")" + long_id + R"("})");
  REQUIRE(auth);
  CHECK(auth->instance_id.size() == tx::max_info_bytes - 1);
  CHECK(auth->instance_id.back() == '\xa9');
  // ... but the sending node does not rely on that: an instanceId that is not UTF-8 (here the
  // same cut one byte into a character) is refused before the ack, never acked and dropped.
  const std::string broken_id = long_id.substr(0, tx::max_info_bytes);
  REQUIRE(static_cast<unsigned char>(broken_id.back()) == 0xc3);
  // The premise: an envelope carrying it is not JSON to the delivering node.
  const tx::client_message m = tx::parse_client_message(
      R"({"to":{"employee":"emp-viewer"},"request":"R"})", tx::message_kind::request);
  REQUIRE(m.error.empty());
  CHECK(tx::parse_envelope(
            tx::request_envelope_json(m, "id", {"emp-mgr", broken_id}, manager))
            .status == tx::envelope_status::malformed);

  replying f;  // one request delivered to the viewer already
  sock s{manager, broken_id, {}};
  const auto out = f.request(f.a, s, R"({"to":{"employee":"emp-viewer"},"request":"R"})");
  check_failed(out, "invalid");
  CHECK(out.message == "the instanceId this socket authenticated with is not valid UTF-8");
  sock answerer{viewer, broken_id, {}};
  check_failed(f.reply(f.b, answerer, f.reply_args(R"({"employee":"emp-mgr"})")), "invalid");
  CHECK(f.a.bus.published.empty());
  CHECK(f.b.bus.published.empty());
  // A valid multi-byte instanceId is fine.
  sock fine{manager, "t\xc3\xa9", {}};
  REQUIRE(f.request(f.a, fine, R"({"to":{"employee":"emp-viewer"},"request":"R"})").ok());
  f.relay(f.a, f.b);
  CHECK(f.b.delivered.size() == 2);
}

TEST_CASE("the record lives request_ttl after the request and after each accepted reply",
          "[request]") {
  fixture f;
  node a{f.io, f.shared, f.directory, f.per_socket, 2000ms};
  node b{f.io, f.shared, f.directory, f.per_socket, 2000ms};
  f.connect(a, manager);
  f.connect(b, viewer);
  sock asker{manager, "tab-1", {}};
  sock answerer{viewer, "v-1", {}};
  const auto out = f.request(
      a, asker, ask("emp-viewer", R"({"employee":"emp-mgr"})", "CommunicatorLoggerStartStream"));
  REQUIRE(out.ok());
  const std::string key = "rt:request:" + out.request_id;
  const std::string args =
      R"({"to":{"employee":"emp-mgr"},"request":"CommunicatorLoggerStartStream",)"
      R"("requestId":")" +
      out.request_id + R"("})";
  // Six replies 1.5 s apart: 9 s in all, far past one TTL, each inside the renewed one.
  for (int i = 0; i < 6; ++i) {
    f.now += 1500ms;
    INFO("reply " << i);
    CHECK(f.reply(b, answerer, args).ok());
  }
  CHECK(b.store.expired == std::vector<std::string>(6, key));
  f.now += 1999ms;
  CHECK(f.stored(key));
  f.now += 1ms;  // 2 s of silence: gone
  CHECK_FALSE(f.stored(key));
  check_failed(f.reply(b, answerer, args), "unknown_request");
  CHECK(b.store.expired.size() == 6);  // a refused reply renews nothing
}

TEST_CASE("a refused reply does not renew the record", "[request]") {
  replying f;
  check_failed(f.reply(f.b, f.answerer, f.reply_args(R"({"employee":"emp-other"})")),
               "access_denied");
  check_failed(f.reply(f.b, f.answerer, f.reply_args(R"({"employee":"emp-mgr"})", "Other")),
               "invalid");
  CHECK(f.b.store.expired.empty());
  CHECK(f.reply(f.b, f.answerer, f.reply_args(R"({"employee":"emp-mgr"})")).ok());
  CHECK(f.b.store.expired.size() == 1);
}
