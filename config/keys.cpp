// The table of configuration keys and the conversion of each value from text. The table is the
// one place a key is declared: --help, the environment, the file and the flags all come from it.
//
// Every value arrives as a string and is converted here rather than by program_options'
// lexical_cast validators, because those accept "-1" for unsigned fields and cannot say which
// source (flag, environment variable, file) a bad value came from.
#include "config/keys.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <sstream>

namespace txrt::config::detail {
namespace {

template <typename T>
std::string to_unsigned(const std::string& s, T& out, std::uint64_t min, std::uint64_t max) {
  std::uint64_t v = 0;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec == std::errc::invalid_argument || ptr != end) {
    return "must be a non-negative integer";
  }
  if (ec == std::errc::result_out_of_range || v < min || v > max) {
    return "must be between " + std::to_string(min) + " and " + std::to_string(max);
  }
  out = static_cast<T>(v);
  return {};
}

std::string to_bool(const std::string& s, bool& out) {
  std::string v = s;
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  if (v == "true" || v == "1" || v == "yes") {
    out = true;
  } else if (v == "false" || v == "0" || v == "no") {
    out = false;
  } else {
    return "must be true/false, 1/0 or yes/no";
  }
  return {};
}

std::string one_of(const std::string& s, std::initializer_list<const char*> allowed,
                   std::string& out) {
  for (const char* a : allowed) {
    if (s == a) {
      out = s;
      return {};
    }
  }
  std::string list;
  for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + '"' + a + '"';
  return "must be one of " + list;
}

// "host:port", "[v6]:port"; port 0..65535 (0 = any free port). The host is only checked for
// shape here; resolving it is the listener's job.
std::string check_listen(const std::string& s) {
  const std::string why = "must be HOST:PORT (IPv6 in brackets, e.g. [::1]:3000)";
  std::string host, port;
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':') return why;
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
    if (host.empty() || host.find(':') == std::string::npos) return why;
    for (unsigned char c : host) {
      if (!std::isalnum(c) && c != ':' && c != '.' && c != '%') return why;
    }
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string::npos) return why;
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (host.find(':') != std::string::npos)
      return "an IPv6 address must be in brackets, e.g. [::1]:3000";
    if (host.empty()) return why;
    for (unsigned char c : host) {
      if (!std::isalnum(c) && c != '.' && c != '-' && c != '_') return why;
    }
  }
  unsigned p = 0;
  if (port.empty() || !to_unsigned(port, p, 0, 65535).empty()) {
    return "port must be an integer between 0 and 65535";
  }
  return {};
}

std::vector<std::string> split_origins(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    auto b = item.find_first_not_of(" \t");
    if (b == std::string::npos) continue;
    auto e = item.find_last_not_of(" \t");
    out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

constexpr std::uint64_t kU32 = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t kU64 = std::numeric_limits<std::uint64_t>::max();

// Appliers for the table below, one instantiation per field.
template <std::string settings::*Field>
std::string set_text(settings& c, const std::string& v) {
  c.*Field = v;
  return {};
}

template <auto Field, std::uint64_t Min, std::uint64_t Max>
std::string set_number(settings& c, const std::string& v) {
  return to_unsigned(v, c.*Field, Min, Max);
}

template <bool settings::*Field>
std::string set_bool(settings& c, const std::string& v) {
  return to_bool(v, c.*Field);
}

std::string set_listen(settings& c, const std::string& v) {
  auto why = check_listen(v);
  if (why.empty()) c.listen = v;
  return why;
}

std::string set_auth(settings& c, const std::string& v) {
  return one_of(v, {"file", "redis", "http"}, c.auth);
}

std::string set_directory(settings& c, const std::string& v) {
  return one_of(v, {"", "file", "redis"}, c.directory);
}

std::string set_cors_origins(settings& c, const std::string& v) {
  c.cors_origins = split_origins(v);
  return {};
}

// "host:port,host:port": each checked for shape like a listen address (a port is required).
std::string set_sentinels(settings& c, const std::string& v) {
  auto list = split_origins(v);
  for (const auto& s : list) {
    if (auto why = check_listen(s); !why.empty()) return "'" + s + "': " + why;
  }
  c.redis_sentinels = std::move(list);
  return {};
}

std::string set_trusted_proxies(settings& c, const std::string& v) {
  c.trusted_proxies = split_origins(v);
  return {};
}

std::string set_node_id(settings& c, const std::string& v) {
  if (v.size() > 16) return "must be at most 16 letters and digits";
  for (unsigned char ch : v)
    if (!std::isalnum(ch)) return "must be letters and digits only";
  c.node_id = v;
  return {};
}

std::string set_log_format(settings& c, const std::string& v) {
  return one_of(v, {"text", "json"}, c.log_format);
}

std::string set_log_level(settings& c, const std::string& v) {
  return one_of(v, {"trace", "debug", "info", "warn", "error", "critical", "off"}, c.log_level);
}

// The one table: --help, the environment mapper, the file parser and the conversion all use it.
// clang-format off
const key_spec all_keys[] = {
  {"listen", "Listener", "HOST:PORT",
   "0.0.0.0:3000; 127.0.0.1:3000 with the demo tokens file",
   "address:port of the HTTP/WebSocket listener; IPv6 in brackets; port 0 = any free port",
   set_listen},
  {"threads", "Listener", "N", "0 = number of cores",
   "event-loop threads (at most 256); with redis, each has its own Redis command connection",
   set_number<&settings::threads, 0, 256>},
  {"server-name", "Listener", "NAME", "host name",
   "this node's name in REALTIME events and logs",
   set_text<&settings::server_name>},

  {"redis", "Bus and authentication", "URL", "empty = built-in bus",
   "Redis used as the shared bus, e.g. redis://127.0.0.1:6379 (redis://user:password@host:port/db; "
   "rediss:// for TLS)",
   set_text<&settings::redis>},
  {"redis-sentinels", "Bus and authentication", "LIST", "empty = no Sentinel",
   "Sentinel instead of redis: comma-separated sentinels, host:port each; txrt asks them for "
   "the master and follows its failovers",
   set_sentinels},
  {"redis-master-name", "Bus and authentication", "NAME", "none",
   "the master's name as the sentinels know it (required with redis-sentinels)",
   set_text<&settings::redis_master_name>},
  {"redis-user", "Bus and authentication", "USER", "empty",
   "the Redis master's ACL user (AUTH user password), with redis-password",
   set_text<&settings::redis_user>},
  {"redis-password", "Bus and authentication", "SECRET", "empty",
   "the Redis master's password (with redis-sentinels, or for a redis URL that has none)",
   set_text<&settings::redis_password>},
  {"redis-sentinel-password", "Bus and authentication", "SECRET", "empty",
   "the sentinels' own password (may differ from the master's)",
   set_text<&settings::redis_sentinel_password>},
  {"redis-tls", "Bus and authentication", "BOOL", "false",
   "with redis-sentinels: TLS to the sentinels and the master (one server: a rediss:// URL)",
   set_bool<&settings::redis_tls>},
  {"redis-tls-ca-file", "Bus and authentication", "FILE", "empty = the system's CA store",
   "PEM CA certificates that Redis' (and the sentinels') TLS certificates must verify against",
   set_text<&settings::redis_tls_ca_file>},
  {"redis-tls-cert-file", "Bus and authentication", "FILE", "empty = none",
   "PEM client certificate for Redis over TLS (tls-auth-clients), with redis-tls-key-file",
   set_text<&settings::redis_tls_cert_file>},
  {"redis-tls-key-file", "Bus and authentication", "FILE", "empty = none",
   "the client certificate's PEM private key (unencrypted)",
   set_text<&settings::redis_tls_key_file>},
  {"prefix", "Bus and authentication", "TEXT", "rt:",
   "prefix of every Redis key and channel",
   set_text<&settings::prefix>},
  {"auth", "Bus and authentication", "KIND", "file",
   "token validator: file, redis or http",
   set_auth},
  {"auth-file", "Bus and authentication", "FILE", "the demo tokens file",
   "tokens (and customer parents) for auth=file",
   set_text<&settings::auth_file>},
  {"auth-url", "Bus and authentication", "URL", "none",
   "validation URL for auth=http (required then): http:// or https://",
   set_text<&settings::auth_url>},
  {"auth-ca-file", "Bus and authentication", "FILE", "empty = the system's CA store",
   "PEM CA certificates that an https auth-url's certificate must verify against",
   set_text<&settings::auth_ca_file>},
  {"directory", "Bus and authentication", "KIND", "empty = same as auth",
   "where customer parent chains come from: file or redis",
   set_directory},
  {"auth-timeout-ms", "Bus and authentication", "MS", "10000",
   "unauthenticated sockets are closed after this",
   set_number<&settings::auth_timeout_ms, 1, kU32>},
  {"revalidate-interval-ms", "Bus and authentication", "MS", "60000",
   "live sockets' tokens are re-validated once per interval, spread over it (0 = off)",
   set_number<&settings::revalidate_interval_ms, 0, kU32>},
  {"recovery-window-ms", "Bus and authentication", "MS", "120000",
   "a client that lost its connection gets its session and missed events back within this "
   "(connection state recovery, Socket.IO v5 clients; 0 = off)",
   set_number<&settings::recovery_window_ms, 0, kU32>},
  {"recovery-buffer-bytes", "Bus and authentication", "BYTES", "67108864",
   "events kept per node for recovery, at most this many bytes (the oldest go first)",
   set_number<&settings::recovery_buffer_bytes, 65536, kU64>},
  {"validator-timeout-ms", "Bus and authentication", "MS", "2000",
   "deadline of one redis/http token validation or directory lookup (then: unavailable)",
   set_number<&settings::validator_timeout_ms, 1, kU32>},
  {"demo-events", "Bus and authentication", "BOOL", "false",
   "publish a steady trickle of demo PBX, CALL, CONFIG and REGISTER events",
   set_bool<&settings::demo_events>},
  {"allow-demo-tokens", "Bus and authentication", "BOOL", "false",
   "allow the demo tokens file (auth=file without auth-file) on a listen address that is not "
   "loopback: anyone who reaches the port can log in, as ADMIN too (a warning at each start)",
   set_bool<&settings::allow_demo_tokens>},

  {"ping-interval-ms", "Engine.IO", "MS", "25000",
   "Engine.IO heartbeat interval",
   set_number<&settings::ping_interval_ms, 1, kU32>},
  {"ping-timeout-ms", "Engine.IO", "MS", "20000",
   "Engine.IO heartbeat timeout",
   set_number<&settings::ping_timeout_ms, 1, kU32>},
  {"max-payload", "Engine.IO", "BYTES", "1000000",
   "largest accepted message or polling payload (at least 1024)",
   set_number<&settings::max_payload, 1024, kU64>},
  {"allow-eio3", "Engine.IO", "BOOL", "true",
   "accept socket.io v2 clients (Engine.IO v3 / Socket.IO v4)",
   set_bool<&settings::allow_eio3>},
  {"compression", "Engine.IO", "BOOL", "true",
   "permessage-deflate (RFC 7692, no context takeover) with clients that offer it",
   set_bool<&settings::compression>},
  {"compression-threshold", "Engine.IO", "BYTES", "256",
   "messages shorter than this are sent uncompressed",
   set_number<&settings::compression_threshold, 0, kU64>},
  {"io-uring", "Engine.IO", "BOOL", "true",
   "each loop submits the WebSocket writes of one turn to io_uring in one system call instead "
   "of one sendmsg per socket; falls back to sendmsg where the kernel refuses io_uring",
   set_bool<&settings::io_uring>},
  {"connect-timeout-ms", "Engine.IO", "MS", "45000",
   "an Engine.IO session that joins no namespace is closed after this",
   set_number<&settings::connect_timeout_ms, 1, kU32>},

  {"cors-origins", "HTTP", "LIST", "*",
   "comma-separated allowed origins; * = any; empty = no cross-origin access",
   set_cors_origins},
  {"cors-credentials", "HTTP", "BOOL", "false",
   "send Access-Control-Allow-Credentials: true",
   set_bool<&settings::cors_credentials>},
  {"client-dist-dir", "HTTP", "DIR", "empty = the build-time socket.io-client/dist",
   "directory holding socket.io.js served at /socket.io/socket.io.js",
   set_text<&settings::client_dist_dir>},
  {"web-dir", "HTTP", "DIR", "empty = the build-time web/ directory",
   "directory of the demo page served at /",
   set_text<&settings::web_dir>},
  {"trusted-proxies", "HTTP", "LIST", "empty = none",
   "comma-separated addresses and CIDR ranges (10.0.0.0/8) of load balancers whose "
   "X-Forwarded-For is believed",
   set_trusted_proxies},
  {"node-id", "HTTP", "ID", "empty",
   "this node's tag ([A-Za-z0-9]{1,16}); sids start with <node-id>_ so a load balancer can route by sid",
   set_node_id},
  {"header-timeout-ms", "HTTP", "MS", "10000",
   "a request's headers must arrive within this",
   set_number<&settings::header_timeout_ms, 1, kU32>},
  {"tls-cert", "HTTP", "FILE", "empty = plain HTTP",
   "PEM certificate chain (server certificate first): the listener then speaks only TLS, "
   "HTTPS and WSS (TLS 1.2+); re-read on SIGHUP; needs tls-key",
   set_text<&settings::tls_cert>},
  {"tls-key", "HTTP", "FILE", "empty = plain HTTP",
   "PEM private key of tls-cert; re-read on SIGHUP",
   set_text<&settings::tls_key>},
  {"publish-secret", "HTTP", "SECRET", "empty = POST /events disabled",
   "bearer secret for POST /events",
   set_text<&settings::publish_secret>},

  {"send-queue-bytes", "Limits and logging", "BYTES", "1048576",
   "per-socket outbound bound before the slow-consumer policy (at least 1024)",
   set_number<&settings::send_queue_bytes, 1024, kU64>},
  {"max-connections", "Limits and logging", "N", "0 = unlimited",
   "open HTTP connections plus Engine.IO sessions on this node (a WebSocket client holds 1; a "
   "long-polling one its session and each connection it keeps open, often 3 or more); a TCP "
   "connection past it is closed at accept, a session at its handshake. Set it below the "
   "descriptor limit (LimitNOFILE)",
   set_number<&settings::max_connections, 0, kU32>},
  {"max-connections-per-ip", "Limits and logging", "N", "0 = unlimited",
   "the same, per TCP peer address (trusted-proxies are exempt). Off by default: offices and "
   "mobile carriers put many employees behind one address",
   set_number<&settings::max_connections_per_ip, 0, kU32>},
  {"auth-rate-per-socket", "Limits and logging", "N", "10",
   "authenticate attempts per minute per socket (a burst of N, then one every 60/N s); past "
   "it: unauthorized rate_limited, without asking the validator; 0 = unlimited",
   set_number<&settings::auth_rate_per_socket, 0, kU32>},
  {"auth-rate-per-ip", "Limits and logging", "N", "0 = unlimited",
   "authenticate attempts per minute per client address (the X-Forwarded-For of a trusted "
   "proxy, else the peer), all sockets together; e.g. 600 where clients do not share addresses",
   set_number<&settings::auth_rate_per_ip, 0, kU32>},
  {"request-rate-per-socket", "Limits and logging", "N", "100",
   "request and reply messages per second per socket (a burst of N); past it the ack is "
   "{success:false, code:rate_limited}; 0 = unlimited",
   set_number<&settings::request_rate_per_socket, 0, kU32>},
  {"request-ttl-ms", "Limits and logging", "MS", "300000",
   "how long a request can be replied to: its record lives this long after the request and "
   "after each accepted reply, so a stream of replies lasts while replies keep coming",
   set_number<&settings::request_ttl_ms, 1, kU32>},
  {"max-subscriptions-per-socket", "Limits and logging", "N", "100",
   "subscriptions one socket holds at most (an identical one again is not counted); past it "
   "subscribe_failed limit_reached",
   set_number<&settings::max_subscriptions_per_socket, 1, kU32>},
  {"subscribe-rate-per-socket", "Limits and logging", "N", "20",
   "subscribe and unsubscribe messages per second per socket (a burst of N); past it "
   "subscribe_failed rate_limited and the socket stays connected; 0 = unlimited",
   set_number<&settings::subscribe_rate_per_socket, 0, kU32>},
  {"log-level", "Limits and logging", "LEVEL", "info",
   "spdlog level: trace, debug, info, warn, error, critical or off",
   set_log_level},
  {"log-format", "Limits and logging", "FORMAT", "text",
   "log line format: text, or json (one object per line: time, level, message)",
   set_log_format},
  {"shutdown-timeout-ms", "Limits and logging", "MS", "5000",
   "on SIGTERM/SIGINT, how long sessions get to close before the process exits",
   set_number<&settings::shutdown_timeout_ms, 1, kU32>},
  {"shutdown-spread-ms", "Limits and logging", "MS", "1000",
   "on SIGTERM, sessions are closed at random moments over this much time, so that their "
   "clients do not all reconnect to the other nodes at once (0 = all at once)",
   set_number<&settings::shutdown_spread_ms, 0, kU32>},

  {"admin-ui", "Admin UI", "BOOL", "true",
   "the Socket.IO Admin UI at /admin/ and its /admin namespace; on only where someone can log "
   "in: a loopback listen (ADMIN tokens) or an admin-password-hash",
   set_bool<&settings::admin_ui>},
  {"admin-ui-dir", "Admin UI", "DIR", "empty = the build-time @socket.io/admin-ui/ui/dist",
   "directory of the Admin UI's built files served at /admin/",
   set_text<&settings::admin_ui_dir>},
  {"admin-username", "Admin UI", "NAME", "empty",
   "user name that logs in to the Admin UI with admin-password-hash",
   set_text<&settings::admin_username>},
  {"admin-password-hash", "Admin UI", "HASH", "empty",
   "bcrypt hash ($2b$...) of admin-username's password; with it the Admin UI is on on any "
   "listen address",
   set_text<&settings::admin_password_hash>},
  {"admin-ui-disconnect", "Admin UI", "BOOL", "true",
   "the Admin UI may disconnect sockets",
   set_bool<&settings::admin_ui_disconnect>},
  {"admin-ui-write", "Admin UI", "BOOL", "false",
   "the Admin UI may also emit to sockets and make them join / leave rooms (off: read-only)",
   set_bool<&settings::admin_ui_write>},
};
// clang-format on

}  // namespace

std::span<const key_spec> keys() {
  return all_keys;
}

std::string env_name(std::string_view key) {
  std::string out = "TXRT_";
  for (char ch : key) {
    out += ch == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  return out;
}

}  // namespace txrt::config::detail
