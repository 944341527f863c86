// protocol/telecomx/request_envelope: the client's request / reply payload, the request record,
// the bus envelope (exact strings: nodes of other versions read them) and the REQUEST / REPLY
// event argument; malformed input, field sizes, and every truncation of a valid text.
#include "protocol/telecomx/request_envelope.hpp"

#include <catch2/catch.hpp>

#include <string>

#include "protocol/telecomx/identity_document.hpp"

using namespace txrt::telecomx;

namespace {

const identity manager{"emp-1", "c1", access_level::manager, "Ann", {}};
const identity reseller{"emp-2", "r1", access_level::reseller, "", {"org-1", "org-2"}};

client_message parse_request(std::string_view args) {
  return parse_client_message(args, message_kind::request);
}
client_message parse_reply(std::string_view args) {
  return parse_client_message(args, message_kind::reply);
}

std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The client's payload

TEST_CASE("a request payload: target, name, raw data, replyTo", "[telecomx][request]") {
  const auto m = parse_request(
      R"({"to":{"employee":"emp-9","instanceId":"tab-2"},"request":"CommunicatorGetStatus",)"
      R"("data":{ "a" : [1, 2.50, "x"] },"replyTo":{"employee":"emp-1"},"from":"forged"},17)");
  REQUIRE(m.error.empty());
  CHECK(m.to == request_target{"emp-9", "tab-2"});
  CHECK(m.request == "CommunicatorGetStatus");
  CHECK(m.data == R"({ "a" : [1, 2.50, "x"] })");  // as written, never re-serialised
  REQUIRE(m.reply_to);
  CHECK(*m.reply_to == request_target{"emp-1", ""});
  CHECK(m.request_id.empty());
}

TEST_CASE("a request payload: data and replyTo absent or null", "[telecomx][request]") {
  auto m = parse_request(R"({"to":{"employee":"e","instanceId":null},"request":"r"})");
  REQUIRE(m.error.empty());
  CHECK(m.to == request_target{"e", ""});
  CHECK(m.data == "null");
  CHECK_FALSE(m.reply_to);
  m = parse_request(R"({"to":{"employee":"e"},"request":"r","data":null,"replyTo":null})");
  REQUIRE(m.error.empty());
  CHECK(m.data == "null");
  CHECK_FALSE(m.reply_to);
  // An empty instanceId addresses every instance, as an absent one does.
  m = parse_request(R"({"to":{"employee":"e","instanceId":""},"request":"r","data":"s"})");
  REQUIRE(m.error.empty());
  CHECK(m.to.instance_id.empty());
  CHECK(m.data == R"("s")");
  // The first `data` wins, as the first of any duplicate key does.
  m = parse_request(R"({"to":{"employee":"e"},"request":"r","data":1,"data":2})");
  CHECK(m.data == "1");
}

TEST_CASE("a reply payload needs a requestId; replyTo is not read", "[telecomx][request]") {
  auto m = parse_reply(R"({"to":{"employee":"e"},"request":"r","requestId":"id-1","replyTo":7})");
  REQUIRE(m.error.empty());
  CHECK(m.request_id == "id-1");
  CHECK_FALSE(m.reply_to);
  m = parse_reply(R"({"to":{"employee":"e"},"request":"r"})");
  CHECK(m.error == "requestId must be a non-empty string");
  // A request ignores requestId.
  m = parse_request(R"({"to":{"employee":"e"},"request":"r","requestId":5})");
  CHECK(m.error.empty());
}

TEST_CASE("malformed payloads say which field is wrong", "[telecomx][request]") {
  const std::string object = "payload must be an object";
  const std::string to = "to must be {employee: string, instanceId?: string}";
  const std::string request = "request must be a non-empty string";
  const std::string reply_to = "replyTo must be {employee: string, instanceId?: string}";
  const std::string request_id = "requestId must be a non-empty string";
  struct row {
    std::string_view args;
    message_kind kind;
    const std::string& error;
  };
  const auto rq = message_kind::request;
  const auto rp = message_kind::reply;
  for (const row& r : {
           row{"", rq, object},
           row{"1", rq, object},
           row{"null", rq, object},
           row{R"("to")", rq, object},
           row{"[{}]", rq, object},
           row{"{}", rq, to},
           row{R"({"to":"emp-1","request":"r"})", rq, to},
           row{R"({"to":null,"request":"r"})", rq, to},
           row{R"({"to":{},"request":"r"})", rq, to},
           row{R"({"to":{"employee":""},"request":"r"})", rq, to},
           row{R"({"to":{"employee":17},"request":"r"})", rq, to},  // ids are strings here
           row{R"({"to":{"employee":"e","instanceId":3},"request":"r"})", rq, to},
           row{R"({"to":["e"],"request":"r"})", rp, to},
           row{R"({"to":{"employee":"e"}})", rq, request},
           row{R"({"to":{"employee":"e"},"request":""})", rq, request},
           row{R"({"to":{"employee":"e"},"request":1})", rq, request},
           row{R"({"to":{"employee":"e"},"request":null})", rp, request},
           row{R"({"to":{"employee":"e"},"request":"r","replyTo":"e"})", rq, reply_to},
           row{R"({"to":{"employee":"e"},"request":"r","replyTo":{}})", rq, reply_to},
           row{R"({"to":{"employee":"e"},"request":"r","replyTo":{"employee":1}})", rq, reply_to},
           row{R"({"to":{"employee":"e"},"request":"r","requestId":""})", rp, request_id},
           row{R"({"to":{"employee":"e"},"request":"r","requestId":7})", rp, request_id},
       }) {
    INFO(r.args);
    CHECK(parse_client_message(r.args, r.kind).error == r.error);
  }
}

TEST_CASE("names and ids are at most 128 bytes", "[telecomx][request]") {
  const std::string ok = quoted(std::string(max_request_field, 'a'));
  const std::string long_ = quoted(std::string(max_request_field + 1, 'a'));
  auto payload = [](const std::string& employee, const std::string& instance,
                    const std::string& request, const std::string& id) {
    return R"({"to":{"employee":)" + employee + R"(,"instanceId":)" + instance + R"(},"request":)" +
           request + R"(,"requestId":)" + id + "}";
  };
  const auto m = parse_reply(payload(ok, ok, ok, ok));
  REQUIRE(m.error.empty());
  CHECK(m.to.employee.size() == 128);
  CHECK(m.to.instance_id.size() == 128);
  CHECK(m.request.size() == 128);
  CHECK(m.request_id.size() == 128);
  CHECK_FALSE(parse_reply(payload(long_, ok, ok, ok)).error.empty());
  CHECK_FALSE(parse_reply(payload(ok, long_, ok, ok)).error.empty());
  CHECK_FALSE(parse_reply(payload(ok, ok, long_, ok)).error.empty());
  CHECK_FALSE(parse_reply(payload(ok, ok, ok, long_)).error.empty());
  // `data` has no bound of its own (the Engine.IO maxPayload bounds the message).
  const std::string big(100'000, 'x');
  CHECK(
      parse_request(R"({"to":{"employee":"e"},"request":"r","data":")" + big + "\"}").data.size() ==
      big.size() + 2);
}

TEST_CASE("every truncation of a valid payload is invalid", "[telecomx][request]") {
  const std::string text =
      R"({"to":{"employee":"e","instanceId":"i"},"request":"r","requestId":"q","data":[1,{"b":"c"}]})";
  REQUIRE(parse_reply(text).error.empty());
  for (std::size_t n = 0; n < text.size(); ++n) {
    INFO(n);
    CHECK_FALSE(parse_reply(text.substr(0, n)).error.empty());
  }
}

// ---------------------------------------------------------------------------------------------
// The request record

// The previous version's fields first, in its order; the addressed instance last (older nodes
// ignore it).
TEST_CASE("the request record's exact text", "[telecomx][request]") {
  auto m = parse_request(R"({"to":{"employee":"emp-9"},"request":"Get","data":{"x":1}})");
  CHECK(request_record_json(m) ==
        R"({"employee":"emp-9","request":"Get","replyTo":null,"instanceId":null})");
  m = parse_request(
      R"({"to":{"employee":"emp-9","instanceId":"t\"1"},"request":"G\"et","replyTo":{"employee":"emp-1","instanceId":"tab-1"}})");
  CHECK(
      request_record_json(m) ==
      R"({"employee":"emp-9","request":"G\"et","replyTo":{"employee":"emp-1","instanceId":"tab-1"},"instanceId":"t\"1"})");
  m = parse_request(
      R"({"to":{"employee":"emp-9"},"request":"Get","replyTo":{"employee":"emp-1"}})");
  CHECK(
      request_record_json(m) ==
      R"({"employee":"emp-9","request":"Get","replyTo":{"employee":"emp-1","instanceId":null},"instanceId":null})");
}

TEST_CASE("the request record reads back", "[telecomx][request]") {
  auto r = parse_request_record(
      R"({"employee":"emp-9","request":"G\"et","replyTo":{"employee":"emp-1","instanceId":"tab-1"}})");
  REQUIRE(r);
  CHECK(r->employee == "emp-9");
  CHECK(r->request == "G\"et");  // escapes undone
  CHECK(r->wants_reply);
  REQUIRE(r->reply_to);
  CHECK(*r->reply_to == request_target{"emp-1", "tab-1"});

  CHECK(r->instance_id.empty());  // a previous version's record: any instance may answer

  r = parse_request_record(R"({"employee":"e","request":"r","replyTo":null,"instanceId":"t\"1"})");
  REQUIRE(r);
  CHECK_FALSE(r->wants_reply);
  CHECK(r->instance_id == "t\"1");
  r = parse_request_record(R"({"instanceId":null,"employee":"e","request":"r","replyTo":null})");
  REQUIRE(r);
  CHECK(r->instance_id.empty());
  r = parse_request_record(R"({"employee":"e","request":"r"})");
  REQUIRE(r);
  CHECK_FALSE(r->wants_reply);
  // A replyTo that is there but not a target: a reply was asked for, to nobody valid.
  r = parse_request_record(R"({"employee":"e","request":"r","replyTo":"emp-1"})");
  REQUIRE(r);
  CHECK(r->wants_reply);
  CHECK_FALSE(r->reply_to);

  for (const std::string_view bad :
       {"", "null", "[]", "{}", "not json", R"({"employee":"e"})", R"({"request":"r"})",
        R"({"employee":1,"request":"r"})", R"({"employee":"e","request":["r"]})",
        R"({"employee":"e","request":"r")", R"({"employee":"e","request":"r","instanceId":7})",
        R"({"employee":"e","request":"r","instanceId":["t"]})"}) {
    INFO(bad);
    CHECK_FALSE(parse_request_record(bad));
  }
}

// ---------------------------------------------------------------------------------------------
// The bus envelope

namespace {

// What the request_router of the previous version wrote, byte for byte.
constexpr std::string_view old_request_envelope =
    R"({"kind":"request","requestId":"RID","request":"CommunicatorGetStatus",)"
    R"("from":{"employee":"emp-1","instanceId":"tab-1"},)"
    R"("sender":{"employee":"emp-1","customer":"c1","accessLevel":"MANAGER","organizationResellers":[]},)"
    R"("to":{"employee":"emp-9","instanceId":null},)"
    R"("replyTo":{"employee":"emp-1","instanceId":"tab-1"},"data":{"x":[1, 2]}})";
constexpr std::string_view old_reply_envelope =
    R"({"kind":"reply","requestId":"RID","request":"CommunicatorGetStatus",)"
    R"("from":{"employee":"emp-9","instanceId":null},)"
    R"("to":{"employee":"emp-1","instanceId":"tab-1"},"data":null})";

}  // namespace

TEST_CASE("the request envelope's exact text is the previous version's", "[telecomx][request]") {
  const auto m = parse_request(
      R"({"to":{"employee":"emp-9"},"request":"CommunicatorGetStatus","data":{"x":[1, 2]},)"
      R"("replyTo":{"employee":"emp-1","instanceId":"tab-1"}})");
  REQUIRE(m.error.empty());
  CHECK(request_envelope_json(m, "RID", {"emp-1", "tab-1"}, manager) == old_request_envelope);

  const auto plain =
      parse_request(R"({"to":{"employee":"e\u00e9","instanceId":"x"},"request":"R"})");
  CHECK(request_envelope_json(plain, "id", {"s", ""}, reseller) ==
        "{\"kind\":\"request\",\"requestId\":\"id\",\"request\":\"R\","
        "\"from\":{\"employee\":\"s\",\"instanceId\":null},"
        "\"sender\":{\"employee\":\"emp-2\",\"customer\":\"r1\",\"accessLevel\":\"RESELLER\","
        "\"organizationResellers\":[\"org-1\",\"org-2\"]},"
        "\"to\":{\"employee\":\"e\xc3\xa9\",\"instanceId\":\"x\"},\"replyTo\":null,\"data\":null}");
}

TEST_CASE("the reply envelope's exact text is the previous version's", "[telecomx][request]") {
  const auto m = parse_reply(
      R"({"to":{"employee":"emp-1","instanceId":"tab-1"},"request":"CommunicatorGetStatus",)"
      R"("requestId":"RID"})");
  REQUIRE(m.error.empty());
  CHECK(reply_envelope_json(m, {"emp-9", ""}) == old_reply_envelope);
}

TEST_CASE("a request envelope decodes to its target, sender and REQUEST argument",
          "[telecomx][request]") {
  const auto r = parse_envelope(old_request_envelope);
  REQUIRE(r.status == envelope_status::ok);
  const auto& env = r.envelope;
  CHECK(env.kind == envelope_kind::request);
  CHECK(event_name(env.kind) == "REQUEST");
  CHECK(env.to == request_target{"emp-9", ""});
  CHECK(env.request == "CommunicatorGetStatus");
  CHECK(env.sender.employee == "emp-1");
  CHECK(env.sender.customer == "c1");
  CHECK(env.sender.level == access_level::manager);
  CHECK(env.sender.organization_resellers.empty());
  CHECK(
      env.event_args ==
      R"({"from":{"employee":"emp-1","instanceId":"tab-1"},"request":"CommunicatorGetStatus",)"
      R"("requestId":"RID","data":{"x":[1, 2]},"replyTo":{"employee":"emp-1","instanceId":"tab-1"}})");
}

TEST_CASE("a reply envelope decodes to its target and REPLY argument", "[telecomx][request]") {
  const auto r = parse_envelope(old_reply_envelope);
  REQUIRE(r.status == envelope_status::ok);
  CHECK(r.envelope.kind == envelope_kind::reply);
  CHECK(event_name(r.envelope.kind) == "REPLY");
  CHECK(r.envelope.to == request_target{"emp-1", "tab-1"});
  CHECK(
      r.envelope.event_args ==
      R"({"from":{"employee":"emp-9","instanceId":null},"to":{"employee":"emp-1","instanceId":"tab-1"},)"
      R"("request":"CommunicatorGetStatus","requestId":"RID","data":null})");
  // Members that are missing become null; a reply's request name is not checked here.
  const auto bare = parse_envelope(R"({"kind":"reply","to":{"employee":"e"},"request":5})");
  REQUIRE(bare.status == envelope_status::ok);
  CHECK(bare.envelope.event_args ==
        R"({"from":null,"to":{"employee":"e"},"request":5,"requestId":null,"data":null})");
}

TEST_CASE("the sender goes through the identity codec", "[telecomx][request]") {
  // Integer ids, as the identity documents allow; a name, which envelopes never carry, is read.
  const auto r = parse_envelope(
      R"({"kind":"request","request":"R","to":{"employee":"e"},)"
      R"("sender":{"employee":7,"customer":"c","accessLevel":"RESELLER","name":"N","organizationResellers":["o",8]}})");
  REQUIRE(r.status == envelope_status::ok);
  CHECK(r.envelope.sender.employee == "7");
  CHECK(r.envelope.sender.name == "N");
  CHECK(r.envelope.sender.organization_resellers == std::vector<std::string>{"o", "8"});
  CHECK(r.envelope.event_args ==
        R"({"from":null,"request":"R","requestId":null,"data":null,"replyTo":null})");
}

TEST_CASE("malformed and foreign envelopes", "[telecomx][request]") {
  for (const std::string_view bad :
       {"", "x", "null", "[]", "{}", R"({"kind":1})", R"({"kind":null,"to":{"employee":"e"}})",
        "{\"kind\":\"reply\""}) {
    INFO(bad);
    CHECK(parse_envelope(bad).status == envelope_status::malformed);
  }
  const std::string sender = R"(,"sender":{"employee":"s","customer":"c","accessLevel":"ADMIN"})";
  for (const std::string& bad : {
           std::string(R"({"kind":"ping","to":{"employee":"e"}})"),
           std::string(R"({"kind":"reply"})"),
           std::string(R"({"kind":"reply","to":"e"})"),
           std::string(R"({"kind":"reply","to":{"employee":""}})"),
           std::string(R"({"kind":"request","to":{"employee":"e"},"request":"R"})"),
           R"({"kind":"request","to":{"employee":"e"})" + sender + "}",
           R"({"kind":"request","to":{"employee":"e"},"request":3)" + sender + "}",
           std::string(R"({"kind":"request","to":{"employee":"e"},"request":"R","sender":"s"})"),
           std::string(R"({"kind":"request","to":{"employee":"e"},"request":"R",)"
                       R"("sender":{"employee":"s","customer":"c","accessLevel":"GOD"}})"),
           std::string(R"({"kind":"request","to":{"employee":"e"},"request":"R",)"
                       R"("sender":{"employee":"s","accessLevel":"ADMIN"}})"),
       }) {
    INFO(bad);
    CHECK(parse_envelope(bad).status == envelope_status::ignored);
  }
}

TEST_CASE("every truncation of a valid envelope is malformed", "[telecomx][request]") {
  for (const auto text : {old_request_envelope, old_reply_envelope}) {
    REQUIRE(parse_envelope(text).status == envelope_status::ok);
    for (std::size_t n = 0; n < text.size(); ++n) {
      INFO(n);
      CHECK(parse_envelope(text.substr(0, n)).status == envelope_status::malformed);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The rest

TEST_CASE("the identity writer: exact text, read back by the identity codec",
          "[telecomx][request]") {
  CHECK(
      to_json(manager) ==
      R"({"employee":"emp-1","customer":"c1","accessLevel":"MANAGER","organizationResellers":[]})");
  const identity odd{"a\"b\\", "c\n", access_level::reseller, "", {"o\"1"}};
  CHECK(
      to_json(odd) ==
      R"({"employee":"a\"b\\","customer":"c\n","accessLevel":"RESELLER","organizationResellers":["o\"1"]})");
  for (const auto& who : {manager, reseller, odd}) {
    const auto back = parse_identity_json(to_json(who));
    REQUIRE(back.status == identity_status::ok);
    CHECK(back.who.employee == who.employee);
    CHECK(back.who.customer == who.customer);
    CHECK(back.who.level == who.level);
    CHECK(back.who.organization_resellers == who.organization_resellers);
    CHECK(back.who.name.empty());  // not carried
  }
}

TEST_CASE("the accepted ack and the zero-tier rule", "[telecomx][request]") {
  CHECK(request_accepted_json("Ab-_9") == R"({"success":true,"requestId":"Ab-_9"})");
  CHECK(is_zero_tier("CommunicatorZeroTier"));
  CHECK(is_zero_tier("CommunicatorZeroTierRestart"));
  CHECK_FALSE(is_zero_tier("CommunicatorZeroTie"));
  CHECK_FALSE(is_zero_tier("communicatorZeroTierX"));
  CHECK_FALSE(is_zero_tier("XCommunicatorZeroTier"));
}
