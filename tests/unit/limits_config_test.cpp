// The limit keys of config/keys.cpp: defaults, the three sources, bounds, --help.
#include "config/config.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace {
txrt::config::parse_outcome parse(std::vector<std::string> args, std::vector<std::string> env = {}) {
  args.insert(args.begin(), "txrt");
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  std::vector<const char*> envp;
  for (auto& e : env) envp.push_back(e.c_str());
  envp.push_back(nullptr);
  return txrt::config::parse(static_cast<int>(args.size()), argv.data(), envp.data());
}
}  // namespace

TEST_CASE("limit keys: defaults", "[config][limits]") {
  auto out = parse({});
  REQUIRE(out.config);
  CHECK(out.config->max_connections == 0);
  CHECK(out.config->max_connections_per_ip == 0);
  CHECK(out.config->auth_rate_per_socket == 10);
  CHECK(out.config->auth_rate_per_ip == 0);
  CHECK(out.config->request_rate_per_socket == 100);
}

TEST_CASE("limit keys: flags and environment", "[config][limits]") {
  auto out = parse(
      {"--max-connections", "5000", "--max-connections-per-ip=20", "--auth-rate-per-socket", "0"},
      {"TXRT_AUTH_RATE_PER_IP=600", "TXRT_REQUEST_RATE_PER_SOCKET=7"});
  INFO(out.message);
  REQUIRE(out.config);
  CHECK(out.config->max_connections == 5000);
  CHECK(out.config->max_connections_per_ip == 20);
  CHECK(out.config->auth_rate_per_socket == 0);
  CHECK(out.config->auth_rate_per_ip == 600);
  CHECK(out.config->request_rate_per_socket == 7);
}

TEST_CASE("limit keys: bad values name their key", "[config][limits]") {
  for (const char* key : {"max-connections", "max-connections-per-ip", "auth-rate-per-socket",
                          "auth-rate-per-ip", "request-rate-per-socket"}) {
    for (const char* bad : {"-1", "many", "4294967296", ""}) {
      auto out = parse({std::string("--") + key, bad});
      INFO(key << " " << bad << " -> " << out.message);
      CHECK_FALSE(out.config);
      CHECK(out.exit_code == 2);
      CHECK(out.message.find(key) != std::string::npos);
    }
  }
}

TEST_CASE("limit keys: --help lists them with their defaults", "[config][limits]") {
  auto help = parse({"--help"});
  CHECK(help.exit_code == 0);
  for (const char* text :
       {"--max-connections ", "TXRT_MAX_CONNECTIONS]", "--max-connections-per-ip",
        "TXRT_MAX_CONNECTIONS_PER_IP", "--auth-rate-per-socket", "TXRT_AUTH_RATE_PER_SOCKET",
        "--auth-rate-per-ip", "TXRT_AUTH_RATE_PER_IP", "--request-rate-per-socket",
        "TXRT_REQUEST_RATE_PER_SOCKET", "rate_limited"}) {
    INFO(text);
    CHECK(help.message.find(text) != std::string::npos);
  }
}
