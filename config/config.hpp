#pragma once
// The settings of the whole process: read from a file (--config FILE, "key = value" lines), the
// environment (TXRT_<KEY>, upper-cased, '-' -> '_') and command-line flags (--<key> VALUE);
// flags win over the environment, which wins over the file. Validated at start-up: a bad value
// fails fast with a message that names the key.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace txrt::config {

struct settings {
  // listener and threads
  // address:port; "[::1]:3000" for IPv6. Not given: 127.0.0.1:3000 with the demo tokens file
  // (as the defaults here are), else 0.0.0.0:3000 (parse() decides).
  std::string listen = "127.0.0.1:3000";
  unsigned threads = 0;                 // 0 = number of cores
  std::string server_name;              // empty = host name

  // bus and auth (used by the Telecom X application layer)
  std::string redis;                    // empty = built-in bus (or Sentinel, below)
  // Sentinel: the sentinels ("host:port" each) and the master's name; `redis` must be empty.
  std::vector<std::string> redis_sentinels;
  std::string redis_master_name;
  std::string redis_user;               // the master's ACL user (with redis-password)
  std::string redis_password;           // the master's password (Sentinel, or a plain URL)
  std::string redis_sentinel_password;  // the sentinels' own password
  // TLS: `rediss://` in `redis`, or redis_tls with Sentinel (the sentinels and the master alike).
  bool redis_tls = false;
  std::string redis_tls_ca_file;    // PEM CA certificates; empty = the system's trust store
  std::string redis_tls_cert_file;  // client certificate, with redis_tls_key_file
  std::string redis_tls_key_file;
  std::string prefix = "rt:";
  std::string auth = "file";            // file | redis | http
  std::string auth_file;                // empty = the demo tokens file
  std::string auth_url;
  std::string auth_ca_file;             // CA certificates for an https auth-url; empty = system's
  std::string directory;                // empty = same as auth (file / redis)
  std::uint32_t auth_timeout_ms = 10000;
  std::uint32_t revalidate_interval_ms = 60000;  // 0 = live sockets are not re-validated
  std::uint32_t validator_timeout_ms = 2000;  // a redis/http validator or directory call
  bool demo_events = false;             // publish a trickle of demo events (embedded default)
  // The demo tokens file (auth=file, auth-file unset) on a listen address that is not loopback.
  bool allow_demo_tokens = false;

  // Engine.IO
  std::uint32_t ping_interval_ms = 25000;
  std::uint32_t ping_timeout_ms = 20000;
  std::uint64_t max_payload = 1000000;
  bool allow_eio3 = true;               // accept socket.io v2 clients (Engine.IO v3)
  bool compression = true;              // permessage-deflate when the client offers it
  std::uint64_t compression_threshold = 256;  // smaller messages go uncompressed
  bool io_uring = true;  // WebSocket writes of a loop turn in one io_uring submission
  std::uint32_t connect_timeout_ms = 45000;  // an Engine.IO session that joins no namespace

  // HTTP
  std::vector<std::string> cors_origins{"*"};
  bool cors_credentials = false;
  std::string client_dist_dir;          // empty = the build-time socket.io-client dist directory
  std::uint32_t header_timeout_ms = 10000;  // a request's headers must arrive within this
  std::vector<std::string> trusted_proxies;  // peers whose X-Forwarded-For is believed
  std::string node_id;                  // prefix of this node's sids (load balancer stickiness)
  std::string web_dir;                  // empty = the build-time web/ directory (demo page)
  // TLS on the listener: PEM certificate chain and private key, both or neither; set = the
  // listener speaks only TLS (HTTPS and WSS). Re-read on SIGHUP.
  std::string tls_cert;
  std::string tls_key;

  std::string publish_secret;
  std::uint64_t send_queue_bytes = 1048576;
  // Connection and rate limits; 0 = unlimited. Counted in txrt_limited_total{limit}.
  std::uint32_t max_connections = 0;          // HTTP connections + Engine.IO sessions, per node
  std::uint32_t max_connections_per_ip = 0;   // the same, per TCP peer address
  std::uint32_t auth_rate_per_socket = 10;    // authenticate attempts per minute, per socket
  std::uint32_t auth_rate_per_ip = 0;         // authenticate attempts per minute, per client address
  std::uint32_t request_rate_per_socket = 100;  // request + reply messages per second, per socket
  // Connection state recovery (SPEC §11): how long a disconnected session can come back, and
  // the bytes of events each node keeps for it.
  std::uint32_t recovery_window_ms = 120000;  // 0 = off
  std::uint64_t recovery_buffer_bytes = 64ull << 20;

  std::uint32_t request_ttl_ms = 300000;  // request record TTL, renewed by each accepted reply
  std::uint32_t max_subscriptions_per_socket = 100;  // subscriptions one socket holds at most
  std::uint32_t subscribe_rate_per_socket = 20;  // subscribe + unsubscribe per second, per socket
  std::string log_level = "info";
  std::string log_format = "text";        // text | json (one JSON object per line)
  std::uint32_t shutdown_timeout_ms = 5000;  // SIGTERM: how long sessions get to close
  std::uint32_t shutdown_spread_ms = 1000;   // SIGTERM: sessions are closed over this much time

  // The Socket.IO Admin UI (/admin namespace, files at /admin/)
  bool admin_ui = true;             // on where someone can log in (admin_ui_login_possible)
  std::string admin_ui_dir;         // empty = the build-time @socket.io/admin-ui/ui/dist
  std::string admin_username;
  std::string admin_password_hash;  // bcrypt
  bool admin_ui_disconnect = true;  // the UI may disconnect sockets
  bool admin_ui_write = false;      // the UI may emit and make sockets join / leave
};

// Parsed command line: either the settings to run with, or a message to print and an exit code
// (--help, --version, a bad key or value).
struct parse_outcome {
  std::optional<settings> config;
  std::string message;  // help text, or an error naming the offending key
  int exit_code = 0;
  bool check_only = false;  // --check-config: validate, print the verdict, do not serve
};

// `program` names the binary in --help. `environment` is normally ::environ.
parse_outcome parse(int argc, const char* const* argv, const char* const* environment,
                   const std::string& program = "txrt");

// Whether Redis is the bus: `redis` or `redis-sentinels` is set.
bool uses_redis(const settings& cfg);

// The customer directory in use: `directory` when set, else "redis" with auth=redis and
// "file" otherwise.
std::string directory_kind(const settings& cfg);

// The checks between keys that need neither the network nor the file system: "" when the
// combination can work, else an error that begins with the offending key ("auth-url: ...").
// auth=http needs auth-url; auth=redis or directory=redis needs redis (or redis-sentinels);
// redis and redis-sentinels exclude each other, redis-sentinels and redis-master-name go
// together, the passwords need something to be used for; cors-credentials needs
// explicit cors-origins (not *); the demo tokens on a non-loopback listen need
// allow-demo-tokens; tls-cert and tls-key go together. Start-up and
// --check-config both run it (the probes that read files or URLs are the application's:
// app/check_config.hpp).
std::string validate(const settings& cfg);

// Whether the tokens in use are the demo tokens: auth=file with auth-file unset or naming the
// built-in demo tokens file. Anyone can log in with them (as ADMIN too).
bool uses_demo_tokens(const settings& cfg);
// Whether the host part of a listen address ("127.0.0.1:3000", "[::1]:0", "localhost:80") is
// a loopback address or name.
bool is_loopback_listen(const std::string& listen);
// The listen address when the key is not given: loopback with the demo tokens, else any.
inline constexpr const char* demo_tokens_listen = "127.0.0.1:3000";
inline constexpr const char* default_listen = "0.0.0.0:3000";

// The build-time default of client_dist_dir.
std::string default_client_dist_dir();
// The build-time defaults of auth_file (the demo tokens) and web_dir (the demo page).
std::string default_auth_file();
std::string default_web_dir();
// The build-time default of admin_ui_dir.
std::string default_admin_ui_dir();
// Whether the Admin UI serves: admin-ui on, and ADMIN tokens on a loopback listen or an admin
// password configured.
bool admin_ui_enabled(const settings& cfg);

}  // namespace txrt::config
