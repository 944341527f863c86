// Sentinel's answers parsed, and the Redis target built from the configuration (plain URL or
// Sentinel, with the master's and the sentinels' passwords apart).
#include <catch2/catch.hpp>

#include "bridge/redis_sentinel.hpp"
#include "bridge/redis_target.hpp"

using txrt::bridge::redis_reply;
using txrt::bridge::redis_sentinel;
using txrt::bridge::redis_target_from;
using txrt::config::settings;

namespace {

redis_reply text(std::string s, redis_reply::kind k = redis_reply::kind::string) {
  redis_reply r;
  r.type = k;
  r.str = std::move(s);
  return r;
}

redis_reply pair(std::string host, std::string port) {
  redis_reply r;
  r.type = redis_reply::kind::array;
  r.elements = {text(std::move(host)), text(std::move(port))};
  return r;
}

}  // namespace

TEST_CASE("+switch-master payloads", "[sentinel]") {
  auto s = redis_sentinel::parse_switch("mymaster 10.0.0.1 6379 10.0.0.2 6380");
  REQUIRE(s);
  CHECK(s->name == "mymaster");
  CHECK(s->from.host == "10.0.0.1");
  CHECK(s->from.port == 6379);
  CHECK(s->to.host == "10.0.0.2");
  CHECK(s->to.port == 6380);
  CHECK_FALSE(redis_sentinel::parse_switch(""));
  CHECK_FALSE(redis_sentinel::parse_switch("mymaster 10.0.0.1 6379 10.0.0.2"));
  CHECK_FALSE(redis_sentinel::parse_switch("mymaster 10.0.0.1 6379 10.0.0.2 6380 extra"));
  CHECK_FALSE(redis_sentinel::parse_switch("mymaster 10.0.0.1 6379 10.0.0.2 0"));
  CHECK_FALSE(redis_sentinel::parse_switch("mymaster 10.0.0.1 x 10.0.0.2 6380"));
  CHECK_FALSE(redis_sentinel::parse_switch("mymaster 10.0.0.1 6379 10.0.0.2 65536"));
}

TEST_CASE("SENTINEL get-master-addr-by-name replies", "[sentinel]") {
  auto ep = redis_sentinel::parse_master_address(pair("127.0.0.1", "6380"));
  REQUIRE(ep);
  CHECK(ep->host == "127.0.0.1");
  CHECK(ep->port == 6380);
  redis_reply nil;
  nil.type = redis_reply::kind::nil;
  CHECK_FALSE(redis_sentinel::parse_master_address(nil));  // unknown master name
  CHECK_FALSE(redis_sentinel::parse_master_address(text("ERR no", redis_reply::kind::error)));
  CHECK_FALSE(redis_sentinel::parse_master_address(redis_reply{}));  // unavailable
  CHECK_FALSE(redis_sentinel::parse_master_address(pair("", "6380")));
  CHECK_FALSE(redis_sentinel::parse_master_address(pair("h", "63a0")));
  CHECK_FALSE(redis_sentinel::parse_master_address(pair("h", "0")));
}

TEST_CASE("the Redis target from the configuration", "[sentinel][config]") {
  std::string error;
  settings none;
  CHECK_FALSE(redis_target_from(none, &error));

  settings plain;
  plain.redis = "redis://10.0.0.5:6379/2";
  plain.redis_password = "pw";
  auto t = redis_target_from(plain, &error);
  REQUIRE(t);
  CHECK_FALSE(t->sentinel());
  CHECK(t->endpoint.host == "10.0.0.5");
  CHECK(t->endpoint.db == 2);
  CHECK(t->endpoint.password == "pw");
  plain.redis = "redis://:other@10.0.0.5";
  CHECK_FALSE(redis_target_from(plain, &error));
  CHECK(error.starts_with("redis-password: "));

  settings s;
  s.redis_sentinels = {"10.0.0.7:26379", "sentinel-b:26380"};
  s.redis_master_name = "mymaster";
  s.redis_user = "app";
  s.redis_password = "master-pw";
  s.redis_sentinel_password = "sentinel-pw";
  t = redis_target_from(s, &error);
  REQUIRE(t);
  REQUIRE(t->sentinel());
  CHECK(t->master_name == "mymaster");
  REQUIRE(t->sentinels.size() == 2);
  CHECK(t->sentinels[1].host == "sentinel-b");
  CHECK(t->sentinels[1].port == 26380);
  CHECK(t->sentinels[0].password == "sentinel-pw");  // the sentinels' password ...
  CHECK(t->endpoint.password == "master-pw");        // ... and the master's, apart
  CHECK(t->endpoint.user == "app");

  settings both = s;
  both.redis = "redis://127.0.0.1:6379";
  CHECK_FALSE(redis_target_from(both, &error));
  CHECK(error.starts_with("redis-sentinels: "));
  settings bad_port = s;
  bad_port.redis_sentinels = {"10.0.0.7:0"};
  CHECK_FALSE(redis_target_from(bad_port, &error));
  CHECK(error.starts_with("redis-sentinels: "));
  settings no_name = s;
  no_name.redis_master_name.clear();
  CHECK_FALSE(redis_target_from(no_name, &error));
  CHECK(error.starts_with("redis-master-name: "));
}

TEST_CASE("validate: the Sentinel keys against each other", "[sentinel][config]") {
  using txrt::config::validate;
  settings s;
  s.redis_master_name = "m";
  CHECK(validate(s).starts_with("redis-master-name: "));
  settings p;
  p.redis_sentinel_password = "x";
  CHECK(validate(p).starts_with("redis-sentinel-password: "));
  settings u;
  u.redis = "redis://127.0.0.1:6379";
  u.redis_user = "app";
  CHECK(validate(u).starts_with("redis-user: "));
  settings w;
  w.redis_password = "x";
  CHECK(validate(w).starts_with("redis-password: "));
  settings a;
  a.auth = "redis";
  a.redis_sentinels = {"127.0.0.1:26379"};
  a.redis_master_name = "m";
  CHECK(validate(a).empty());  // auth=redis is satisfied by Sentinel too
}
