// Redis over TLS, the parts that need no server: rediss:// URLs, and the TLS keys of the
// configuration (which endpoints use TLS, and files that cannot be used failing with the key's
// name). The connections themselves: tests/integration/redis_tls.test.mjs.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>

#include <unistd.h>

#include "bridge/redis_target.hpp"
#include "bridge/redis_tls.hpp"
#include "bridge/redis_url.hpp"
#include "config/config.hpp"

using txrt::bridge::describe;
using txrt::bridge::make_redis_tls_context;
using txrt::bridge::parse_redis_url;
using txrt::bridge::redis_target_from;
using txrt::config::settings;

namespace {

// A file that exists and holds no PEM (removed at the end of the scope).
struct junk_file {
  std::string path = "/tmp/txrt-unit-redis-tls-" + std::to_string(::getpid());
  junk_file() { std::ofstream(path) << "not a certificate\n"; }
  ~junk_file() { std::remove(path.c_str()); }
};

}  // namespace

TEST_CASE("rediss:// URLs", "[redis][tls]") {
  auto ep = parse_redis_url("rediss://app:pw@redis.example.org:6380/3");
  REQUIRE(ep);
  CHECK(ep->tls);
  CHECK(ep->host == "redis.example.org");
  CHECK(ep->port == 6380);
  CHECK(ep->user == "app");
  CHECK(ep->password == "pw");
  CHECK(ep->db == 3);
  CHECK(describe(*ep) == "redis.example.org:6380/3");  // never the password

  ep = parse_redis_url("rediss://127.0.0.1");
  REQUIRE(ep);
  CHECK(ep->tls);
  CHECK(ep->port == 6379);
  ep = parse_redis_url("rediss://[::1]:7000");
  REQUIRE(ep);
  CHECK(ep->host == "::1");
  CHECK(ep->tls);

  ep = parse_redis_url("redis://h:1");
  REQUIRE(ep);
  CHECK_FALSE(ep->tls);
  ep = parse_redis_url("h:1");  // bare host:port: plain
  REQUIRE(ep);
  CHECK_FALSE(ep->tls);

  std::string error;
  CHECK_FALSE(parse_redis_url("redisss://h:1", &error));
  CHECK(error.find("rediss://") != std::string::npos);
  CHECK_FALSE(parse_redis_url("https://h:1"));
  CHECK_FALSE(parse_redis_url("rediss://h:99999"));
  CHECK_FALSE(parse_redis_url("rediss://h:1/x"));
}

TEST_CASE("TLS from the configuration", "[redis][tls][config]") {
  std::string error;
  settings one;
  one.redis = "rediss://127.0.0.1:6390";
  auto t = redis_target_from(one, &error);
  REQUIRE(t);
  CHECK(t->endpoint.tls);
  CHECK(t->tls);  // the system's trust store

  settings plain;
  plain.redis = "redis://127.0.0.1:6379";
  t = redis_target_from(plain, &error);
  REQUIRE(t);
  CHECK_FALSE(t->endpoint.tls);
  CHECK_FALSE(t->tls);
  plain.redis_tls_ca_file = "/etc/ssl/certs/ca-certificates.crt";
  CHECK_FALSE(redis_target_from(plain, &error));
  CHECK(error.starts_with("redis-tls-ca-file: only with TLS"));

  settings s;
  s.redis_sentinels = {"10.0.0.7:26379", "10.0.0.8:26379"};
  s.redis_master_name = "mymaster";
  s.redis_tls = true;
  t = redis_target_from(s, &error);
  REQUIRE(t);
  CHECK(t->endpoint.tls);  // the master ...
  CHECK(t->sentinels[0].tls);  // ... and the sentinels alike
  CHECK(t->sentinels[1].tls);
  CHECK(t->tls);
  s.redis_sentinels = {"rediss://10.0.0.7:26379"};
  CHECK_FALSE(redis_target_from(s, &error));
  CHECK(error.starts_with("redis-sentinels: "));

  settings flag_alone = one;
  flag_alone.redis_tls = true;
  CHECK_FALSE(redis_target_from(flag_alone, &error));
  CHECK(error.starts_with("redis-tls: only with redis-sentinels"));

  settings missing = one;
  missing.redis_tls_ca_file = "/nonexistent/ca.crt";
  CHECK_FALSE(redis_target_from(missing, &error));
  CHECK(error == "redis-tls-ca-file: cannot read /nonexistent/ca.crt");

  junk_file junk;
  settings not_pem = one;
  not_pem.redis_tls_ca_file = junk.path;
  CHECK_FALSE(redis_target_from(not_pem, &error));
  CHECK(error.starts_with("redis-tls-ca-file: " + junk.path + " holds no PEM certificate"));

  settings half = one;
  half.redis_tls_cert_file = junk.path;
  CHECK_FALSE(redis_target_from(half, &error));
  CHECK(error.starts_with("redis-tls-cert-file: needs redis-tls-key-file"));
  half.redis_tls_key_file = junk.path;
  CHECK_FALSE(redis_target_from(half, &error));
  CHECK(error.starts_with("redis-tls-cert-file: " + junk.path + " holds no PEM certificate"));
}

TEST_CASE("the TLS context alone", "[redis][tls]") {
  std::string error;
  CHECK(make_redis_tls_context({}, &error));
  CHECK_FALSE(make_redis_tls_context({"", "", "/nonexistent/key.pem"}, &error));
  CHECK(error == "redis-tls-key-file: needs redis-tls-cert-file");
}
