// protocol/telecomx/admin_messages: the Admin UI's login and commands on exact strings, the
// nodes' bus messages written and read back, and malformed input.
#include "protocol/telecomx/admin_messages.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace txrt::telecomx;

TEST_CASE("admin login: username and password, non-strings absent", "[admin]") {
  auto l = parse_admin_login(R"({"username":"ops","password":"pw","sessionId":"s"})");
  REQUIRE(l);
  CHECK(l->username == "ops");
  CHECK(l->password == "pw");
  CHECK(l->session_id == "s");
  l = parse_admin_login(R"({"username":1,"password":null})");
  REQUIRE(l);
  CHECK(l->username.empty());
  CHECK(l->password.empty());
  CHECK(parse_admin_login("{}"));
}

TEST_CASE("admin login: not an object, not JSON, or too big is nothing", "[admin]") {
  CHECK_FALSE(parse_admin_login(R"(["ops","pw"])"));
  CHECK_FALSE(parse_admin_login(R"({"username":)"));
  CHECK_FALSE(parse_admin_login(""));
  const std::string big = R"({"password":")" + std::string(max_admin_auth_bytes, 'x') + "\"}";
  CHECK_FALSE(parse_admin_login(big));
}

TEST_CASE("admin commands: names", "[admin]") {
  CHECK(parse_admin_command_name("_disconnect") == admin_command_kind::disconnect);
  CHECK(parse_admin_command_name("emit") == admin_command_kind::emit);
  CHECK_FALSE(parse_admin_command_name("disconnect"));
  CHECK(to_string(admin_command_kind::leave) == "leave");
}

TEST_CASE("admin commands: _disconnect, join, emit as the UI sends them", "[admin]") {
  auto d = parse_admin_command(admin_command_kind::disconnect, R"("/",false,"AbC")");
  REQUIRE(d);
  CHECK(d->nsp == "/");
  CHECK_FALSE(d->close);
  CHECK(d->filter == "AbC");
  d = parse_admin_command(admin_command_kind::disconnect, R"("/",true)");
  REQUIRE(d);
  CHECK(d->close);
  CHECK(d->filter.empty());

  auto j = parse_admin_command(admin_command_kind::join, R"("/","PBX:c1","AbC")");
  REQUIRE(j);
  CHECK(j->room == "PBX:c1");
  CHECK(j->filter == "AbC");

  auto e = parse_admin_command(admin_command_kind::emit, R"("/",null,"hello",{"a":1}, 2)");
  REQUIRE(e);
  CHECK(e->filter.empty());
  CHECK(e->event == "hello");
  CHECK(e->args == R"({"a":1},2)");
}

TEST_CASE("admin commands: malformed arguments are nothing", "[admin]") {
  using k = admin_command_kind;
  CHECK_FALSE(parse_admin_command(k::disconnect, ""));
  CHECK_FALSE(parse_admin_command(k::disconnect, R"(1,false)"));
  CHECK_FALSE(parse_admin_command(k::disconnect, R"("/","yes")"));
  CHECK_FALSE(parse_admin_command(k::disconnect, R"("/",false,7)"));
  CHECK_FALSE(parse_admin_command(k::join, R"("/")"));
  CHECK_FALSE(parse_admin_command(k::join, R"("/","")"));
  CHECK_FALSE(parse_admin_command(k::emit, R"("/",null)"));
  CHECK_FALSE(parse_admin_command(k::emit, R"("/",null,"x",{)"));
  CHECK_FALSE(parse_admin_command(k::emit, R"("/",null,"x","long")", 10));
}

TEST_CASE("admin commands: join / leave with hostile arguments are nothing", "[admin]") {
  using k = admin_command_kind;
  CHECK_FALSE(parse_admin_command(k::join, R"("/",42,"AbC")"));           // room not a string
  CHECK_FALSE(parse_admin_command(k::join, R"("/",["PBX:c1"],"AbC")"));   // nor an array
  CHECK_FALSE(parse_admin_command(k::join, R"("/","PBX:c1",{"id":1})"));  // filter an object
  CHECK_FALSE(parse_admin_command(k::leave, R"(null,"PBX:c1","AbC")"));   // nsp not a string
  CHECK_FALSE(parse_admin_command(k::leave,
                                  R"("/","PBX:c1","AbC")"
                                  R"(,)",
                                  64));  // malformed JSON
  const std::string huge = "\"" + std::string(100000, 'x') + "\"";
  CHECK_FALSE(parse_admin_command(k::join, R"("/",)" + huge + R"(,"AbC")"));  // over 64 KiB
  // A leave without a socket parses (the namespace then refuses it: one socket at a time).
  auto l = parse_admin_command(k::leave, R"("/","PBX:c1")");
  REQUIRE(l);
  CHECK(l->filter.empty());
}

TEST_CASE("room keys: the subscription each names", "[admin]") {
  auto pbx = parse_room_key("PBX:customer-north-2");
  REQUIRE(pbx);
  CHECK(pbx->type == subscription_type::pbx);
  CHECK(pbx->customer == "customer-north-2");
  auto admin = parse_room_key("ADMIN");
  REQUIRE(admin);
  CHECK(admin->type == subscription_type::admin);
  CHECK(admin->customer.empty());
  auto admin_call = parse_room_key("ADMIN:CALL");
  REQUIRE(admin_call);
  CHECK(admin_call->type == subscription_type::admin_call);
  auto not_iptv = parse_room_key("CONFIG-NOT-IPTV:c:with:colons");
  REQUIRE(not_iptv);
  CHECK(not_iptv->type == subscription_type::config_not_iptv);
  CHECK(not_iptv->customer == "c:with:colons");
  CHECK(parse_room_key("CALL:" + std::string(max_customer_bytes, 'c')));
}

TEST_CASE("room keys: anything else is nothing", "[admin]") {
  CHECK_FALSE(parse_room_key(""));
  CHECK_FALSE(parse_room_key("PBX"));  // a customer type without its customer
  CHECK_FALSE(parse_room_key("PBX:"));
  CHECK_FALSE(parse_room_key("ADMIN:c1"));       // ADMIN with a customer
  CHECK_FALSE(parse_room_key("ADMIN:CALL:c1"));  // ADMIN:CALL with one
  CHECK_FALSE(parse_room_key("pbx:c1"));         // type names are exact
  CHECK_FALSE(parse_room_key("TRUNK:c1"));       // an event type, no subscription type
  CHECK_FALSE(parse_room_key("AbCdEf123"));      // a socket id
  CHECK_FALSE(parse_room_key(":c1"));
  CHECK_FALSE(parse_room_key("CALL:" + std::string(max_customer_bytes + 1, 'c')));
  CHECK_FALSE(parse_room_key(std::string(1 << 20, 'P')));
}

TEST_CASE("admin bus messages round-trip", "[admin]") {
  auto s = parse_admin_bus_message(admin_stats_message(R"({"serverId":"n1","pid":1})", 2));
  CHECK(s.kind == admin_bus_kind::stats);
  CHECK(s.body == R"({"serverId":"n1","pid":1})");
  CHECK(s.node == "n1");
  CHECK(s.admins == 2);

  auto e = parse_admin_bus_message(admin_event_message("socket_disconnected", R"("/","id","r")"));
  CHECK(e.kind == admin_bus_kind::event);
  CHECK(e.name == "socket_disconnected");
  CHECK(e.body == R"("/","id","r")");

  auto l = parse_admin_bus_message(admin_list_message("n1#3"));
  CHECK(l.kind == admin_bus_kind::list);
  CHECK(l.name == "n1#3");

  auto a = parse_admin_bus_message(admin_sockets_message("n1#3", "n2", R"({"id":"x"})"));
  CHECK(a.kind == admin_bus_kind::sockets);
  CHECK(a.name == "n1#3");
  CHECK(a.node == "n2");
  CHECK(a.body == R"({"id":"x"})");
  auto empty = parse_admin_bus_message(admin_sockets_message("n1#4", "n2", ""));
  CHECK(empty.kind == admin_bus_kind::sockets);
  CHECK(empty.body.empty());

  admin_command c;
  c.kind = admin_command_kind::emit;
  c.nsp = "/";
  c.filter = "PBX:c1";
  c.event = "hello";
  c.args = R"(1,"two")";
  c.by = "emp-admin";
  auto m = parse_admin_bus_message(admin_command_message(c));
  REQUIRE(m.kind == admin_bus_kind::command);
  CHECK(m.command.kind == admin_command_kind::emit);
  CHECK(m.command.filter == "PBX:c1");
  CHECK(m.command.event == "hello");
  CHECK(m.command.args == R"(1,"two")");
  CHECK(m.command.by == "emp-admin");
  CHECK(m.command.id.empty());

  admin_command j;
  j.kind = admin_command_kind::join;
  j.nsp = "/";
  j.filter = "AbC";
  j.room = "PBX:c1";
  j.by = "ops";
  j.id = "node-1#c7";
  auto jm = parse_admin_bus_message(admin_command_message(j));
  REQUIRE(jm.kind == admin_bus_kind::command);
  CHECK(jm.command.kind == admin_command_kind::join);
  CHECK(jm.command.room == "PBX:c1");
  CHECK(jm.command.filter == "AbC");
  CHECK(jm.command.id == "node-1#c7");

  auto r = parse_admin_bus_message(admin_result_message("node-1#c7", "node-2", "access_denied"));
  CHECK(r.kind == admin_bus_kind::result);
  CHECK(r.name == "node-1#c7");
  CHECK(r.node == "node-2");
  CHECK(r.body == "access_denied");
}

TEST_CASE("admin bus messages: anything else is unknown", "[admin]") {
  CHECK(parse_admin_bus_message("not json").kind == admin_bus_kind::unknown);
  CHECK(parse_admin_bus_message("[1]").kind == admin_bus_kind::unknown);
  CHECK(parse_admin_bus_message(R"({"stats":1})").kind == admin_bus_kind::unknown);
  CHECK(parse_admin_bus_message(R"({"command":"rm -rf","nsp":"/"})").kind ==
        admin_bus_kind::unknown);
  CHECK(parse_admin_bus_message(R"({"command":"emit"})").kind == admin_bus_kind::unknown);
}
