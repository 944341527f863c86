// config::parse(): defaults, the three sources and their precedence, and one failing case per
// validation rule, each checked for naming its key.
#include "config/config.hpp"

#include <catch2/catch.hpp>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include <unistd.h>

using txrt::config::settings;
using txrt::config::parse_outcome;

namespace {

// Owns argv/environ arrays built from string lists for one parse() call.
parse_outcome run(std::vector<std::string> args, std::vector<std::string> env = {}) {
  args.insert(args.begin(), "txrt");
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  std::vector<const char*> envp;
  for (auto& e : env) envp.push_back(e.c_str());
  envp.push_back(nullptr);
  return txrt::config::parse(static_cast<int>(args.size()), argv.data(), envp.data());
}

struct TempFile {
  std::filesystem::path path;
  explicit TempFile(const std::string& text) {
    static int n = 0;
    path = std::filesystem::temp_directory_path() /
           ("txrt-config-test-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + ".conf");
    std::ofstream(path) << text;
  }
  ~TempFile() { std::filesystem::remove(path); }
};

// clang-format off
const char* const kAllKeys[] = {
    "listen",        "threads",          "server-name",     "redis",
    "prefix",        "auth",             "auth-file",       "auth-url",
    "directory",     "auth-timeout-ms",  "ping-interval-ms", "ping-timeout-ms",
    "max-payload",   "allow-eio3",       "connect-timeout-ms", "cors-origins",
    "cors-credentials", "client-dist-dir", "header-timeout-ms", "publish-secret",
    "send-queue-bytes", "log-level", "allow-demo-tokens", "max-subscriptions-per-socket",
    "subscribe-rate-per-socket", "revalidate-interval-ms", "admin-ui", "admin-ui-dir",
    "admin-username", "admin-password-hash", "admin-ui-disconnect", "admin-ui-write",
    "tls-cert", "tls-key", "compression", "compression-threshold", "io-uring"};
// clang-format on

}  // namespace

TEST_CASE("no sources gives settings's defaults", "[config]") {
  auto out = run({});
  REQUIRE(out.config);
  CHECK(out.exit_code == 0);
  const settings& c = *out.config;
  const settings d;
  CHECK(c.listen == "127.0.0.1:3000");  // the demo tokens: loopback unless told otherwise
  CHECK(c.threads == 0);
  CHECK(c.server_name.empty());
  CHECK(c.redis.empty());
  CHECK(c.prefix == "rt:");
  CHECK(c.auth == "file");
  CHECK(c.auth_file.empty());
  CHECK(c.auth_url.empty());
  CHECK(c.directory.empty());
  CHECK(c.auth_timeout_ms == 10000);
  CHECK(c.ping_interval_ms == 25000);
  CHECK(c.ping_timeout_ms == 20000);
  CHECK(c.max_payload == 1000000);
  CHECK(c.allow_eio3);
  CHECK(c.compression);
  CHECK(c.compression_threshold == 256);
  CHECK(c.connect_timeout_ms == d.connect_timeout_ms);
  CHECK(c.cors_origins == std::vector<std::string>{"*"});
  CHECK_FALSE(c.cors_credentials);
  CHECK(c.client_dist_dir.empty());
  CHECK(c.header_timeout_ms == d.header_timeout_ms);
  CHECK(c.publish_secret.empty());
  CHECK(c.send_queue_bytes == 1048576);
  CHECK(c.log_level == "info");
}

TEST_CASE("every key is read from flags", "[config]") {
  // clang-format off
  auto out = run({"--listen", "[::1]:0", "--threads", "4", "--server-name", "node-a",
                  "--redis", "redis://127.0.0.1:6379", "--prefix", "x:", "--auth", "http",
                  "--auth-file", "/tmp/t.json", "--auth-url", "http://127.0.0.1:1/v",
                  "--directory", "redis", "--auth-timeout-ms", "5", "--ping-interval-ms", "300",
                  "--ping-timeout-ms", "200", "--max-payload", "1024", "--allow-eio3", "no",
                  "--connect-timeout-ms", "7", "--cors-origins", " http://a.test , http://b.test,",
                  "--cors-credentials", "YES", "--client-dist-dir", "/srv/dist",
                  "--header-timeout-ms", "9", "--publish-secret", "s3cret",
                  "--send-queue-bytes", "2048", "--log-level=debug"});
  // clang-format on
  INFO(out.message);
  REQUIRE(out.config);
  const settings& c = *out.config;
  CHECK(c.listen == "[::1]:0");
  CHECK(c.threads == 4);
  CHECK(c.server_name == "node-a");
  CHECK(c.redis == "redis://127.0.0.1:6379");
  CHECK(c.prefix == "x:");
  CHECK(c.auth == "http");
  CHECK(c.auth_file == "/tmp/t.json");
  CHECK(c.auth_url == "http://127.0.0.1:1/v");
  CHECK(c.directory == "redis");
  CHECK(c.auth_timeout_ms == 5);
  CHECK(c.ping_interval_ms == 300);
  CHECK(c.ping_timeout_ms == 200);
  CHECK(c.max_payload == 1024);
  CHECK_FALSE(c.allow_eio3);
  CHECK(c.connect_timeout_ms == 7);
  CHECK(c.cors_origins == std::vector<std::string>{"http://a.test", "http://b.test"});
  CHECK(c.cors_credentials);
  CHECK(c.client_dist_dir == "/srv/dist");
  CHECK(c.header_timeout_ms == 9);
  CHECK(c.publish_secret == "s3cret");
  CHECK(c.send_queue_bytes == 2048);
  CHECK(c.log_level == "debug");
}

TEST_CASE("flags win over the environment, which wins over the file", "[config]") {
  TempFile file(
      "# a comment\n"
      "listen = 127.0.0.1:4000\n"
      "threads = 3\n"
      "prefix = file:\n"
      "allow-eio3 = false\n");
  auto out = run({"--config", file.path.string(), "--prefix", "flag:"},
                 {"TXRT_THREADS=5", "TXRT_PREFIX=env:", "PATH=/usr/bin"});
  INFO(out.message);
  REQUIRE(out.config);
  CHECK(out.config->listen == "127.0.0.1:4000");  // file only
  CHECK(out.config->threads == 5);                // env over file
  CHECK(out.config->prefix == "flag:");           // flag over env and file
  CHECK_FALSE(out.config->allow_eio3);            // file only

  SECTION("the config file can come from TXRT_CONFIG") {
    auto env_out = run({}, {"TXRT_CONFIG=" + file.path.string()});
    REQUIRE(env_out.config);
    CHECK(env_out.config->listen == "127.0.0.1:4000");
  }
}

TEST_CASE("unknown TXRT_ variables and other variables are ignored", "[config]") {
  auto out = run({}, {"TXRT_BIN=/x/txrt", "TXRT_CONFORMANCE_BIN=/x/c", "TXRT_SANITIZE=1",
                      "TXRT_LOG_LEVEL=warn", "HOME=/root", "TXRT_NOEQUALS", "LISTEN=bad"});
  INFO(out.message);
  REQUIRE(out.config);
  CHECK(out.config->log_level == "warn");
  CHECK(out.config->listen == "127.0.0.1:3000");
}

TEST_CASE("booleans accept true/false, 1/0, yes/no", "[config]") {
  for (auto [text, value] : std::initializer_list<std::pair<const char*, bool>>{{"true", true},
                                                                                {"1", true},
                                                                                {"yes", true},
                                                                                {"false", false},
                                                                                {"0", false},
                                                                                {"no", false}}) {
    auto out = run({"--cors-credentials", text});
    REQUIRE(out.config);
    CHECK(out.config->cors_credentials == value);
  }
}

TEST_CASE("valid listen addresses", "[config]") {
  for (const char* listen : {"0.0.0.0:0", "127.0.0.1:65535", "localhost:3000", "[::]:80",
                             "[::1]:3000", "[fe80::1%eth0]:9"}) {
    auto out = run({"--listen", listen});
    INFO(listen << ": " << out.message);
    CHECK(out.config);
  }
}

TEST_CASE("each invalid value is refused with a message naming its key", "[config]") {
  struct Bad {
    std::vector<std::string> args;
    std::string key;
  };
  const std::vector<Bad> cases = {
      {{"--listen", "3000"}, "listen"},
      {{"--listen", "::1:3000"}, "listen"},
      {{"--listen", "[::1]3000"}, "listen"},
      {{"--listen", "host:65536"}, "listen"},
      {{"--listen", "host:"}, "listen"},
      {{"--listen", ":3000"}, "listen"},
      {{"--listen", "host:-1"}, "listen"},
      {{"--threads", "257"}, "threads"},
      {{"--threads", "-1"}, "threads"},
      {{"--threads", "two"}, "threads"},
      {{"--auth", "ldap"}, "auth"},
      {{"--auth", "http"}, "auth-url"},
      {{"--directory", "http"}, "directory"},
      {{"--log-level", "verbose"}, "log-level"},
      {{"--ping-interval-ms", "0"}, "ping-interval-ms"},
      {{"--ping-timeout-ms", "0"}, "ping-timeout-ms"},
      {{"--auth-timeout-ms", "0"}, "auth-timeout-ms"},
      {{"--connect-timeout-ms", "0"}, "connect-timeout-ms"},
      {{"--header-timeout-ms", "0"}, "header-timeout-ms"},
      {{"--ping-interval-ms", "4294967296"}, "ping-interval-ms"},
      {{"--max-payload", "1023"}, "max-payload"},
      {{"--send-queue-bytes", "1023"}, "send-queue-bytes"},
      {{"--allow-eio3", "maybe"}, "allow-eio3"},
      {{"--cors-credentials", ""}, "cors-credentials"},
      {{"--listen"}, "listen"},                            // missing value
      {{"--listen", "a:1", "--listen", "b:2"}, "listen"},  // given twice
  };
  for (const auto& bad : cases) {
    auto out = run(bad.args);
    std::string shown;
    for (const auto& a : bad.args) shown += a + ' ';
    INFO(shown << "-> " << out.message);
    CHECK_FALSE(out.config);
    CHECK(out.exit_code == 2);
    CHECK(out.message.find(bad.key) != std::string::npos);
  }
}

TEST_CASE("a bad value says where it came from", "[config]") {
  auto env = run({}, {"TXRT_PING_TIMEOUT_MS=abc"});
  REQUIRE_FALSE(env.config);
  CHECK(env.message.find("ping-timeout-ms") != std::string::npos);
  CHECK(env.message.find("TXRT_PING_TIMEOUT_MS") != std::string::npos);

  TempFile file("max-payload = 10\n");
  auto from_file = run({"--config", file.path.string()});
  REQUIRE_FALSE(from_file.config);
  CHECK(from_file.message.find("max-payload") != std::string::npos);
  CHECK(from_file.message.find(file.path.string()) != std::string::npos);
}

TEST_CASE("unknown flags, unknown file keys and unreadable files are errors", "[config]") {
  auto flag = run({"--bogus", "1"});
  CHECK_FALSE(flag.config);
  CHECK(flag.exit_code == 2);
  CHECK(flag.message.find("--bogus") != std::string::npos);

  auto prefix = run({"--list", "127.0.0.1:1"});  // no guessing of abbreviated keys
  CHECK_FALSE(prefix.config);
  CHECK(prefix.exit_code == 2);

  auto positional = run({"stray"});
  CHECK_FALSE(positional.config);
  CHECK(positional.exit_code == 2);

  TempFile file("bogus-key = 1\n");
  auto unknown = run({"--config", file.path.string()});
  CHECK_FALSE(unknown.config);
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.message.find("bogus-key") != std::string::npos);

  auto missing = run({"--config", "/nonexistent/txrt.conf"});
  CHECK_FALSE(missing.config);
  CHECK(missing.exit_code == 2);
  CHECK(missing.message.find("config") != std::string::npos);
}

TEST_CASE("--help lists every key with its environment name; --version", "[config]") {
  auto help = run({"--help"});
  CHECK_FALSE(help.config);
  CHECK(help.exit_code == 0);
  for (const char* key : kAllKeys) {
    INFO(key);
    CHECK(help.message.find(std::string("--") + key) != std::string::npos);
    std::string env = "TXRT_";
    for (const char* p = key; *p; ++p) env += *p == '-' ? '_' : static_cast<char>(std::toupper(*p));
    CHECK(help.message.find(env) != std::string::npos);
  }
  CHECK(help.message.find("--config") != std::string::npos);
  CHECK(help.message.find("0.0.0.0:3000") != std::string::npos);

  // --help wins even over a bad environment: it must always be reachable.
  CHECK(run({"-h"}, {"TXRT_LISTEN=bad"}).exit_code == 0);

  auto version = run({"--version"});
  CHECK_FALSE(version.config);
  CHECK(version.exit_code == 0);
  CHECK(version.message.rfind("txrt ", 0) == 0);
}

TEST_CASE("default_client_dist_dir is the build-time socket.io-client dist", "[config]") {
  CHECK(txrt::config::default_client_dist_dir().find("socket.io-client/dist") != std::string::npos);
}

TEST_CASE("validate: the keys against each other, naming the key", "[config]") {
  using txrt::config::directory_kind;
  using txrt::config::validate;
  settings s;
  CHECK(validate(s).empty());
  CHECK(directory_kind(s) == "file");
  s.auth = "redis";
  CHECK(directory_kind(s) == "redis");
  CHECK(validate(s).starts_with("redis: "));
  s.redis = "redis://127.0.0.1:6379";
  CHECK(validate(s).empty());
  s.directory = "file";
  CHECK(directory_kind(s) == "file");
  settings d;
  d.directory = "redis";
  CHECK(validate(d).starts_with("redis: "));
  settings h;
  h.auth = "http";
  CHECK(validate(h).starts_with("auth-url: "));
  CHECK(directory_kind(h) == "file");
  h.auth_url = "http://127.0.0.1:1/v";
  CHECK(validate(h).empty());
}

TEST_CASE("listen defaults to loopback with the demo tokens, to any address otherwise",
          "[config]") {
  CHECK(run({}).config->listen == "127.0.0.1:3000");
  CHECK(run({"--auth-file", txrt::config::default_auth_file()}).config->listen == "127.0.0.1:3000");
  CHECK(run({"--auth-file", "/etc/txrt/tokens.json"}).config->listen == "0.0.0.0:3000");
  CHECK(run({"--auth", "http", "--auth-url", "http://a/v"}).config->listen == "0.0.0.0:3000");
  CHECK(run({"--listen", "0.0.0.0:80"}).config->listen == "0.0.0.0:80");  // given: kept
}

TEST_CASE("validate: the demo tokens on a non-loopback listen need allow-demo-tokens", "[config]") {
  using txrt::config::validate;
  for (const char* listen : {"127.0.0.1:3000", "127.1.2.3:0", "localhost:80", "[::1]:3000"}) {
    settings s;
    s.listen = listen;
    INFO(listen);
    CHECK(txrt::config::is_loopback_listen(listen));
    CHECK(validate(s).empty());
  }
  for (const char* listen : {"0.0.0.0:3000", "[::]:3000", "10.0.0.1:3000", "example.com:80"}) {
    settings s;
    s.listen = listen;
    INFO(listen);
    CHECK_FALSE(txrt::config::is_loopback_listen(listen));
    const std::string error = validate(s);
    CHECK(error.starts_with("allow-demo-tokens: "));
    CHECK(error.find("--auth-file") != std::string::npos);
    s.allow_demo_tokens = true;
    CHECK(validate(s).empty());
    s.allow_demo_tokens = false;
    s.auth_file = "/etc/txrt/tokens.json";  // not the demo tokens
    CHECK(validate(s).empty());
  }
}

TEST_CASE("validate: cors-credentials with cors-origins * is refused", "[config]") {
  using txrt::config::validate;
  settings s;
  s.cors_credentials = true;
  const std::string error = validate(s);
  CHECK(error.starts_with("cors-credentials: "));
  CHECK(error.find("cors-origins") != std::string::npos);
  s.cors_origins = {"https://a.example", "*"};
  CHECK_FALSE(validate(s).empty());
  s.cors_origins = {"https://a.example"};
  CHECK(validate(s).empty());
  s.cors_credentials = false;
  s.cors_origins = {"*"};
  CHECK(validate(s).empty());
}

TEST_CASE("subscription bounds: defaults and ranges", "[config]") {
  const settings d;
  CHECK(d.max_subscriptions_per_socket == 100);
  CHECK(d.subscribe_rate_per_socket == 20);
  CHECK_FALSE(d.allow_demo_tokens);
  auto out = run({"--max-subscriptions-per-socket", "5", "--subscribe-rate-per-socket", "0",
                  "--allow-demo-tokens", "true"});
  REQUIRE(out.config);
  CHECK(out.config->max_subscriptions_per_socket == 5);
  CHECK(out.config->subscribe_rate_per_socket == 0);
  CHECK(out.config->allow_demo_tokens);
  auto zero = run({"--max-subscriptions-per-socket", "0"});
  CHECK(zero.exit_code == 2);
  CHECK(zero.message.find("max-subscriptions-per-socket") != std::string::npos);
}

TEST_CASE("redis-sentinels: a list of host:port, checked when read", "[config][sentinel]") {
  auto out = run({"--redis-sentinels", "10.0.0.1:26379, sentinel-b:26380", "--redis-master-name",
                  "mymaster", "--redis-sentinel-password", "s", "--redis-password", "m"});
  REQUIRE(out.config);
  CHECK(out.config->redis_sentinels == std::vector<std::string>{"10.0.0.1:26379", "sentinel-b:26380"});
  CHECK(out.config->redis_master_name == "mymaster");
  CHECK(out.config->redis_sentinel_password == "s");
  CHECK(out.config->redis_password == "m");
  auto bad = run({"--redis-sentinels", "10.0.0.1"});
  CHECK_FALSE(bad.config);
  CHECK(bad.exit_code == 2);
  CHECK(bad.message.find("redis-sentinels") != std::string::npos);
  auto env = run({}, {"TXRT_REDIS_SENTINELS=127.0.0.1:1", "TXRT_REDIS_MASTER_NAME=m"});
  REQUIRE(env.config);
  CHECK(env.config->redis_sentinels.size() == 1);
}

TEST_CASE("tls-cert and tls-key: read from every source, and only together", "[config][tls]") {
  auto out = run({"--tls-cert", "/etc/txrt/cert.pem"}, {"TXRT_TLS_KEY=/etc/txrt/key.pem"});
  REQUIRE(out.config);
  CHECK(out.config->tls_cert == "/etc/txrt/cert.pem");
  CHECK(out.config->tls_key == "/etc/txrt/key.pem");
  CHECK(txrt::config::validate(*out.config).empty());
  const settings none;
  CHECK(none.tls_cert.empty());
  CHECK(none.tls_key.empty());
  CHECK(txrt::config::validate(none).empty());
  settings cert_only;
  cert_only.tls_cert = "cert.pem";
  CHECK(txrt::config::validate(cert_only).starts_with("tls-key: "));
  settings key_only;
  key_only.tls_key = "key.pem";
  CHECK(txrt::config::validate(key_only).starts_with("tls-cert: "));
}
