// protocol/socketio/packet: header parsing, JSON validation, placeholders, the raw spans the
// server relays, and the exact packets of the conformance suite.
#include "protocol/socketio/packet.hpp"

#include <catch2/catch.hpp>

#include <string>

#include "protocol/engineio/packet.hpp"

using namespace txrt::sio;

namespace {

constexpr std::string_view p0 = R"({"_placeholder":true,"num":0})";
constexpr std::string_view p1 = R"({"_placeholder":true,"num":1})";

std::string cat(std::initializer_list<std::string_view> parts) {
  std::string s;
  for (auto p : parts) s += p;
  return s;
}

bool same(const packet& a, const packet& b) {
  return a.type == b.type && a.nsp == b.nsp && a.query == b.query && a.ack_id == b.ack_id &&
         a.attachments == b.attachments && a.data == b.data;
}

errc error_of(std::string_view text, version v = version::v5, decode_limits l = {}) {
  return decode(v, text, l).error;
}

}  // namespace

TEST_CASE("socket.io CONNECT in its wire forms", "[sio][packet]") {
  const auto root = decode(version::v5, "0");
  REQUIRE(root);
  CHECK(root->type == packet_type::connect);
  CHECK(root->nsp == "/");
  CHECK(root->data.empty());
  CHECK_FALSE(root->ack_id);

  const auto auth = decode(version::v5, R"(0{"token":"123"})");
  REQUIRE(auth);
  CHECK(auth->data == R"({"token":"123"})");

  for (const char* text : {"0/custom,", "0/custom"}) {
    const auto p = decode(version::v5, text);
    REQUIRE(p);
    CHECK(p->nsp == "/custom");
    CHECK(p->data.empty());
  }
  const auto both = decode(version::v5, R"(0/custom,{"token":"abc"})");
  REQUIRE(both);
  CHECK(both->nsp == "/custom");
  CHECK(both->data == R"({"token":"abc"})");
}

TEST_CASE("socket.io v4 CONNECT carries the namespace query", "[sio][packet]") {
  const auto p = decode(version::v4, "0/admin?token=x&y=1,");
  REQUIRE(p);
  CHECK(p->nsp == "/admin");
  CHECK(p->query == "token=x&y=1");
  const auto v5 = decode(version::v5, "0/admin?token=x,");
  REQUIRE(v5);
  CHECK(v5->nsp == "/admin?token=x");  // v5 has no such query: the name is just unknown
  CHECK(v5->query.empty());
  // v4 clients send no CONNECT payload; whatever valid JSON arrives is ignored, not refused.
  CHECK(decode(version::v4, "0[1]"));
}

TEST_CASE("socket.io DISCONNECT and CONNECT_ERROR", "[sio][packet]") {
  const auto leave = decode(version::v5, "1/custom");
  REQUIRE(leave);
  CHECK(leave->type == packet_type::disconnect);
  CHECK(leave->nsp == "/custom");
  CHECK(decode(version::v5, "1")->nsp == "/");
  const auto err = decode(version::v5, R"(4/random,{"message":"Invalid namespace"})");
  REQUIRE(err);
  CHECK(err->type == packet_type::connect_error);
  CHECK(err->nsp == "/random");
  CHECK(err->data == R"({"message":"Invalid namespace"})");
}

TEST_CASE("socket.io EVENT and ACK with ids, data views the input", "[sio][packet]") {
  const std::string text = R"(2["message",1,"2",{"3":[true]}])";
  const auto ev = decode(version::v5, text);
  REQUIRE(ev);
  CHECK(ev->type == packet_type::event);
  CHECK_FALSE(ev->ack_id);
  CHECK(ev->data.data() == text.data() + 1);
  CHECK(ev->data.size() == text.size() - 1);

  const auto with_ack = decode(version::v5, R"(2456["message-with-ack",1,"2",{"3":[false]}])");
  REQUIRE(with_ack);
  REQUIRE(with_ack->ack_id);
  CHECK(*with_ack->ack_id == 456);
  CHECK(with_ack->data == R"(["message-with-ack",1,"2",{"3":[false]}])");

  const auto ack = decode(version::v5, R"(3456[1,"2"])");
  REQUIRE(ack);
  CHECK(ack->type == packet_type::ack);
  CHECK(*ack->ack_id == 456);
  CHECK(decode(version::v5, "30[]"));

  const auto nsp = decode(version::v5, R"(2/custom,12["x"])");
  REQUIRE(nsp);
  CHECK(nsp->nsp == "/custom");
  CHECK(*nsp->ack_id == 12);
  CHECK(nsp->data == R"(["x"])");
  CHECK(*decode(version::v5, R"(2999999999999999["m"])")->ack_id == 999999999999999ULL);
}

TEST_CASE("socket.io BINARY_EVENT and BINARY_ACK", "[sio][packet]") {
  const auto ev = decode(version::v5, cat({R"(52-["message",)", p0, ",", p1, "]"}));
  REQUIRE(ev);
  CHECK(ev->type == packet_type::binary_event);
  CHECK(ev->attachments == 2);
  CHECK_FALSE(ev->ack_id);

  const auto ev_ack = decode(version::v5, cat({R"(52-789["message-with-ack",)", p1, ",", p0, "]"}));
  REQUIRE(ev_ack);
  CHECK(*ev_ack->ack_id == 789);

  const std::string ack_text = cat({"62-/custom,789[", p0, ",", p1, "]"});  // nsp views it
  const auto ack = decode(version::v5, ack_text);
  REQUIRE(ack);
  CHECK(ack->type == packet_type::binary_ack);
  CHECK(ack->nsp == "/custom");
  CHECK(ack->attachments == 2);
  CHECK(*ack->ack_id == 789);

  // Placeholders may nest anywhere, in any order.
  CHECK(decode(version::v5, cat({R"(52-["m",{"a":[)", p1, R"(]},{"b":)", p0, "}]"})));
  // An object whose _placeholder is not true is ordinary data.
  CHECK(decode(version::v5, cat({R"(51-["m",{"_placeholder":false,"num":0},)", p0, "]"})));
}

TEST_CASE("socket.io rejects bad type digits and empty input", "[sio][packet]") {
  CHECK(error_of("") == errc::empty_packet);
  CHECK(error_of("abc") == errc::unknown_packet_type);  // "4abc" after the engine.io digit
  CHECK(error_of("7[]") == errc::unknown_packet_type);
  CHECK(error_of("/") == errc::unknown_packet_type);
}

TEST_CASE("socket.io rejects bad attachment counts", "[sio][packet]") {
  CHECK(error_of(R"(5-["m"])") == errc::bad_attachment_count);
  CHECK(error_of("5") == errc::bad_attachment_count);
  CHECK(error_of(R"(52["m"])") == errc::bad_attachment_count);  // no '-'
  CHECK(error_of(R"(5a-["m"])") == errc::bad_attachment_count);
  CHECK(error_of(R"(50-["m"])") == errc::bad_attachment_count);
  CHECK(error_of(R"(565-["m"])") == errc::bad_attachment_count);  // above the default 64
  CHECK(error_of(R"(54294967297-["m"])") == errc::bad_attachment_count);
  CHECK(error_of(R"(599999999999999999999-["m"])") == errc::bad_attachment_count);
  CHECK(error_of(cat({R"(53-["m",)", p0, "]"}), version::v5, {2}) == errc::bad_attachment_count);
}

TEST_CASE("socket.io rejects bad placeholders", "[sio][packet]") {
  CHECK(error_of("51-[]") == errc::bad_event_payload);  // not even an event
  CHECK(error_of("61-[]") == errc::bad_placeholder);    // an ack without its placeholder
  CHECK(error_of(R"(51-["m"])") == errc::bad_placeholder);
  CHECK(error_of(cat({R"(51-["m",)", p1, "]"})) == errc::bad_placeholder);           // out of range
  CHECK(error_of(cat({R"(52-["m",)", p0, ",", p0, "]"})) == errc::bad_placeholder);  // twice
  CHECK(error_of(cat({R"(51-["m",)", p0, ",", p1, "]"})) == errc::bad_placeholder);  // too many
  CHECK(error_of(R"(51-["m",{"_placeholder":true,"num":0,"x":1}])") == errc::bad_placeholder);
  CHECK(error_of(R"(51-["m",{"_placeholder":true}])") == errc::bad_placeholder);
  CHECK(error_of(R"(51-["m",{"_placeholder":true,"num":-1}])") == errc::bad_placeholder);
  CHECK(error_of(R"(51-["m",{"_placeholder":true,"num":0.5}])") == errc::bad_placeholder);
  CHECK(error_of(R"(51-["m",{"_placeholder":true,"num":"0"}])") == errc::bad_placeholder);
  CHECK(error_of(R"(51-["m",{"_placeholder":false,"num":0}])") == errc::bad_placeholder);
}

TEST_CASE("socket.io rejects bad namespaces and ack ids", "[sio][packet]") {
  CHECK(error_of(R"(2custom,["m"])") == errc::bad_namespace);
  CHECK(error_of("0admin,") == errc::bad_namespace);
  CHECK(error_of(R"(2,["m"])") == errc::bad_namespace);
  CHECK(error_of(R"(212345678901234567890["m"])") == errc::bad_ack_id);  // 20 digits
  CHECK(error_of(R"(21234567890123456["m"])") == errc::bad_ack_id);      // 16 digits
  CHECK(error_of("01") == errc::bad_ack_id);  // CONNECT carries no ack id
  CHECK(error_of("1/custom,5") == errc::bad_ack_id);
  CHECK(error_of(R"(4/x,5{"message":"m"})") == errc::bad_ack_id);
}

TEST_CASE("socket.io rejects invalid JSON", "[sio][packet]") {
  CHECK(error_of(R"(2abc["message-with-ack",1,"2",{"3":[false]}])") == errc::bad_json);
  CHECK(error_of(R"(2["m")") == errc::bad_json);  // unterminated
  CHECK(error_of(R"(0{"a":)") == errc::bad_json);
  CHECK(error_of(R"(2["m"]x)") == errc::bad_json);    // trailing text
  CHECK(error_of(R"(2["m"][1])") == errc::bad_json);  // two values
  CHECK(error_of(R"(2['m'])") == errc::bad_json);
  CHECK(error_of("2[\"\xff\"]") == errc::bad_json);  // not UTF-8
  CHECK(error_of(R"(2123,["m"])") == errc::bad_json);
}

TEST_CASE("socket.io rejects payloads of the wrong shape", "[sio][packet]") {
  CHECK(error_of("2{}") == errc::bad_event_payload);  // "42{}" in the suite
  CHECK(error_of("2[]") == errc::bad_event_payload);
  CHECK(error_of("2[1]") == errc::bad_event_payload);
  CHECK(error_of(R"(2"m")") == errc::bad_event_payload);
  CHECK(error_of("2") == errc::bad_event_payload);
  CHECK(error_of("3") == errc::bad_event_payload);
  CHECK(error_of("31{}") == errc::bad_event_payload);
  CHECK(error_of("0[1]") == errc::bad_connect_payload);
  CHECK(error_of(R"(0"x")") == errc::bad_connect_payload);
  CHECK(error_of("0/custom,null") == errc::bad_connect_payload);
  CHECK(error_of("1{}") == errc::bad_connect_payload);  // DISCONNECT has no payload
}

TEST_CASE("socket.io prefixes of a packet fail or decode to another packet", "[sio][packet]") {
  const std::string packets[] = {
      R"(2["message",1,"2",{"3":[true]}])",
      R"(2/custom,456["message-with-ack",1,"2",{"3":[false]}])",
      cat({R"(52-789["message-with-ack",)", p0, ",", p1, "]"}),
      cat({"62-/custom,789[", p0, ",", p1, "]"}),
      R"(0/custom,{"token":"abc"})",
      R"(4/random,{"message":"Invalid namespace"})",
  };
  for (const auto& text : packets) {
    const auto full = decode(version::v5, text);
    REQUIRE(full);
    for (std::size_t k = 0; k < text.size(); ++k) {
      const std::string_view prefix = std::string_view(text).substr(0, k);
      INFO(prefix);
      const auto p = decode(version::v5, prefix);
      if (p) CHECK_FALSE(same(*p, *full));
    }
  }
  // The one intended exception: the comma after a namespace is optional.
  CHECK(same(*decode(version::v5, "0/custom"), *decode(version::v5, "0/custom,")));
}

TEST_CASE("socket.io headers encode exactly", "[sio][packet]") {
  const auto header = [](packet_type t, std::string_view nsp, std::optional<std::uint64_t> id,
                         std::uint32_t n) {
    std::string out;
    encode_header(t, nsp, id, n, out);
    return out;
  };
  CHECK(header(packet_type::event, "/", std::nullopt, 0) == "2");
  CHECK(header(packet_type::connect, "/custom", std::nullopt, 0) == "0/custom,");
  CHECK(header(packet_type::ack, "/", 456, 0) == "3456");
  CHECK(header(packet_type::binary_event, "/", std::nullopt, 2) == "52-");
  CHECK(header(packet_type::binary_ack, "/", 789, 2) == "62-789");
  CHECK(header(packet_type::binary_event, "/custom", 12, 1) == "51-/custom,12");
  CHECK(header(packet_type::connect_error, "/random", std::nullopt, 0) == "4/random,");
  CHECK(header(packet_type::disconnect, "", std::nullopt, 0) == "1");
}

TEST_CASE("split_event gives the unescaped name and the raw arguments", "[sio][packet]") {
  const std::string json = R"(["message",1,"2",{"3":[true]}])";
  const auto ev = split_event(json);
  REQUIRE(ev);
  CHECK(ev->name == "message");
  CHECK(ev->args == R"(1,"2",{"3":[true]})");
  CHECK(ev->args.data() == json.data() + 11);  // a view of the input

  const auto spaced = split_event(R"( [ "a" , 1 , [2] ] )");
  REQUIRE(spaced);
  CHECK(spaced->name == "a");
  CHECK(spaced->args == "1 , [2]");

  const auto alone = split_event(R"(["only"])");
  REQUIRE(alone);
  CHECK(alone->args.empty());

  const auto tricky = split_event(R"(["a\"],\\\u00e9",",]"])");
  REQUIRE(tricky);
  CHECK(tricky->name == "a\"],\\\xc3\xa9");
  CHECK(tricky->args == R"(",]")");

  CHECK(split_event("{}").error == errc::bad_event_payload);
  CHECK(split_event("[]").error == errc::bad_event_payload);
  CHECK(split_event("[1]").error == errc::bad_event_payload);
  CHECK(split_event("[").error == errc::bad_json);
  CHECK(split_event("").error == errc::bad_json);
}

TEST_CASE("array_body gives the raw elements", "[sio][packet]") {
  const std::string json = R"([1,"2",{"3":[false]}])";
  const auto body = array_body(json);
  REQUIRE(body);
  CHECK(*body == R"(1,"2",{"3":[false]})");
  CHECK(body->data() == json.data() + 1);
  CHECK(*array_body("[]") == "");
  CHECK(*array_body(" [ 1 ] ") == "1");
  CHECK(array_body("{}").error == errc::bad_event_payload);
  CHECK(array_body("[1,").error == errc::bad_json);
}

TEST_CASE("JSON strings and event arrays encode exactly", "[sio][packet]") {
  std::string s;
  append_json_string("a\"b\\c\n\t\x01\x1f/é", s);
  CHECK(s == R"("a\"b\\c\n\t\u0001\u001f/é")");
  std::string ev;
  encode_event_array("auth", "{}", ev);
  CHECK(ev == R"(["auth",{}])");
  ev.clear();
  encode_event_array("x", "", ev);
  CHECK(ev == R"(["x"])");
}

TEST_CASE("the conformance replies are built byte for byte", "[sio][packet]") {
  using txrt::eio::encode_text;
  namespace eio = txrt::eio;
  const auto reply = [](std::string_view in, packet_type type, std::string_view name) {
    const auto p = decode(version::v5, in);
    REQUIRE(p);
    std::string sio;
    encode_header(type, p->nsp, type == packet_type::event ? std::nullopt : p->ack_id,
                  p->attachments, sio);
    const auto ev = split_event(p->data);
    REQUIRE(ev);
    if (name.empty()) {
      sio += "[" + std::string(ev->args) + "]";
    } else {
      encode_event_array(name, ev->args, sio);
    }
    std::string frame;
    encode_text(eio::packet_type::message, sio, frame);
    return frame;
  };
  CHECK(reply(R"(2["message",1,"2",{"3":[true]}])", packet_type::event, "message-back") ==
        R"(42["message-back",1,"2",{"3":[true]}])");
  CHECK(reply(R"(2456["message-with-ack",1,"2",{"3":[false]}])", packet_type::ack, "") ==
        R"(43456[1,"2",{"3":[false]}])");
  CHECK(reply(cat({R"(52-["message",)", p0, ",", p1, "]"}), packet_type::binary_event,
              "message-back") == cat({R"(452-["message-back",)", p0, ",", p1, "]"}));
  CHECK(reply(cat({R"(52-789["message-with-ack",)", p0, ",", p1, "]"}), packet_type::binary_ack,
              "") == cat({"462-789[", p0, ",", p1, "]"}));
}
