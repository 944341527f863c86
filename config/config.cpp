// config::parse(): Boost.Program_options reads three sources into one variables_map, then the
// table of keys (keys.cpp) turns the strings into settings fields and validates them.
//
// Precedence comes from program_options itself: store() keeps the first non-defaulted value it
// sees for a key, so we store flags, then the environment, then the file. No key has a
// program_options default; the defaults live in settings's member initialisers only, so there is
// one source of truth and "was this key given?" is just vm.count(key).
#include "config/config.hpp"

#include "config/keys.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <exception>
#include <fstream>
#include <sstream>
#include <string_view>
#include <utility>

#ifndef TXRT_CLIENT_DIST_DIR
#define TXRT_CLIENT_DIST_DIR ""
#endif
#ifndef TXRT_ADMIN_UI_DIR
#define TXRT_ADMIN_UI_DIR ""
#endif
#ifndef TXRT_VERSION
#define TXRT_VERSION "0.1.0"
#endif

namespace txrt::config {

std::string default_client_dist_dir() {
  return TXRT_CLIENT_DIST_DIR;
}

std::string default_auth_file() {
  return TXRT_DATA_DIR "/demo-tokens.json";
}

std::string default_web_dir() {
  return TXRT_WEB_DIR;
}

std::string default_admin_ui_dir() {
  return TXRT_ADMIN_UI_DIR;
}

bool admin_ui_enabled(const settings& cfg) {
  return cfg.admin_ui && (is_loopback_listen(cfg.listen) || !cfg.admin_password_hash.empty());
}

namespace {

namespace po = boost::program_options;
using detail::env_name;
using detail::key_spec;

struct Descriptions {
  po::options_description keys{"Keys"};                 // what the file and the environment may set
  po::options_description general{"General", 100, 50};  // command line only (plus TXRT_CONFIG)
  po::options_description all{"txrt options"};
  std::vector<po::options_description> groups;
  std::vector<std::string> group_names;  // options_description does not expose its caption

  Descriptions() {
    auto add = general.add_options();
    add("config", po::value<std::string>()->value_name("FILE"),
        "read keys from FILE, one `key = value` per line, # starts a comment (also TXRT_CONFIG)");
    add("check-config", "validate the configuration (no network), print the verdict and exit");
    add("help,h", "print this help and exit");
    add("version", "print the version and exit");
    for (const key_spec& k : detail::keys()) {
      if (group_names.empty() || group_names.back() != k.group) {
        group_names.emplace_back(k.group);
        groups.emplace_back(k.group, 100, 50);
      }
      std::string shown_default = k.default_text;
      if (std::string_view(k.name) == "client-dist-dir") {
        shown_default = "empty = " + default_client_dist_dir();
      }
      std::string text = std::string(k.meaning) + " [default: " + shown_default + "; env " +
                         env_name(k.name) + "]";
      auto* value = po::value<std::string>()->value_name(k.value_name);
      groups.back().add_options()(k.name, value, text.c_str());
      keys.add_options()(k.name, po::value<std::string>(), k.meaning);
    }
    all.add(general);
    for (auto& g : groups) all.add(g);
  }
};

std::string help_text(const Descriptions& d, const std::string& program) {
  std::ostringstream out;
  out << "Usage: " << program << " [--config FILE] [--KEY VALUE]...\n"
      << "A Socket.IO (Engine.IO v4 / v3) server for the Telecom X realtime API.\n\n"
      << "Every KEY below can also be set in the environment as TXRT_<KEY> (upper case,\n"
      << "'-' -> '_') and in the --config file as `KEY = VALUE`. Flags win over the\n"
      << "environment, which wins over the file. BOOL accepts true/false, 1/0, yes/no.\n";
  // One description holding every group, so that all groups share one description column.
  po::options_description shown("", 100, 50);
  shown.add(d.general);
  for (const auto& g : d.groups) shown.add(g);
  out << shown << '\n';
  return out.str();
}

// program_options' parse_environment() reads ::environ; the API takes the environment as a
// parameter (tests pass their own), so this is the same loop over `environment`. TXRT_ names
// that are not keys (TXRT_BIN, TXRT_BUILD_DIR, ... used by scripts and tests) are ignored.
po::parsed_options parse_env(const po::options_description& desc, const char* const* environment) {
  po::parsed_options result(&desc);
  if (environment == nullptr) return result;
  for (const char* const* e = environment; *e != nullptr; ++e) {
    std::string entry = *e;
    auto eq = entry.find('=');
    if (eq == std::string::npos || entry.compare(0, 5, "TXRT_") != 0) continue;
    std::string name = entry.substr(0, eq);
    std::string key;
    if (name == "TXRT_CONFIG") {
      key = "config";
    } else {
      for (const key_spec& k : detail::keys()) {
        if (env_name(k.name) == name) key = k.name;
      }
    }
    if (key.empty()) continue;
    po::option opt;
    opt.string_key = key;
    opt.value.push_back(entry.substr(eq + 1));
    opt.original_tokens.push_back(name);
    result.options.push_back(std::move(opt));
  }
  return result;
}

bool contains(const po::parsed_options& parsed, const std::string& key) {
  return std::any_of(parsed.options.begin(), parsed.options.end(),
                     [&](const po::option& o) { return o.string_key == key; });
}

parse_outcome failure(const std::string& program, const std::string& what) {
  return {std::nullopt, program + ": " + what + "\nTry '" + program + " --help'.\n", 2};
}

}  // namespace

parse_outcome parse(int argc, const char* const* argv, const char* const* environment,
                   const std::string& program) {
  try {
    Descriptions d;
    po::variables_map vm;

    // Prefix guessing (--list for --listen) is off: a typo must fail, not pick a key.
    const int style =
        po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    static const char* const no_args[] = {"txrt", nullptr};
    if (argc < 1 || argv == nullptr) {
      argc = 1;
      argv = no_args;
    }
    // An empty positional description makes a stray argument an error instead of ignored.
    po::positional_options_description no_positional;
    po::parsed_options flags = po::command_line_parser(argc, argv)
                                   .options(d.all)
                                   .positional(no_positional)
                                   .style(style)
                                   .run();
    po::store(flags, vm);
    if (vm.count("help")) return {std::nullopt, help_text(d, program), 0};
    if (vm.count("version")) return {std::nullopt, program + " " + TXRT_VERSION + "\n", 0};

    po::options_description env_desc;
    env_desc.add(d.general).add(d.keys);
    po::parsed_options env = parse_env(env_desc, environment);
    po::store(env, vm);

    std::string file;
    if (vm.count("config")) {
      file = vm["config"].as<std::string>();
      std::ifstream in(file);
      if (!in) return failure(program, "config: cannot read file '" + file + "'");
      try {
        po::store(po::parse_config_file(in, d.keys, false), vm);
      } catch (const po::error& e) {
        return failure(program, std::string(e.what()) + " (in config file '" + file + "')");
      }
    }

    settings config;
    for (const key_spec& k : detail::keys()) {
      if (!vm.count(k.name)) continue;
      const std::string& value = vm[k.name].as<std::string>();
      std::string why = k.apply(config, value);
      if (why.empty()) continue;
      std::string source = contains(flags, k.name) ? "--" + std::string(k.name)
                           : contains(env, k.name) ? env_name(k.name)
                                                   : "config file '" + file + "'";
      return failure(program, std::string(k.name) + ": invalid value '" + value + "' (from " +
                                  source + "): " + why);
    }
    if (config.auth == "http" && config.auth_url.empty()) {
      return failure(program, "auth-url: required when auth = http");
    }
    // The demo tokens let anyone in: unless told where to listen, stay on loopback.
    if (!vm.count("listen"))
      config.listen = uses_demo_tokens(config) ? demo_tokens_listen : default_listen;
    return {std::move(config), {}, 0, vm.count("check-config") > 0};
  } catch (const po::error& e) {
    return failure(program, e.what());
  } catch (const std::exception& e) {
    return failure(program, std::string("configuration: ") + e.what());
  }
}

std::string directory_kind(const settings& cfg) {
  if (!cfg.directory.empty()) return cfg.directory;
  return cfg.auth == "redis" ? "redis" : "file";
}

bool uses_demo_tokens(const settings& cfg) {
  return cfg.auth == "file" && (cfg.auth_file.empty() || cfg.auth_file == default_auth_file());
}

bool is_loopback_listen(const std::string& listen) {
  std::string_view host = listen;
  if (host.starts_with('[')) {
    host = host.substr(1, host.find(']') - 1);
  } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

bool uses_redis(const settings& cfg) {
  return !cfg.redis.empty() || !cfg.redis_sentinels.empty();
}

namespace {

// The Redis keys against each other (the values themselves: bridge::redis_target_from).
std::string validate_redis(const settings& cfg) {
  const bool sentinel = !cfg.redis_sentinels.empty();
  if (sentinel && !cfg.redis.empty())
    return "redis-sentinels: give either redis (one server) or redis-sentinels (Sentinel), not "
           "both";
  if (sentinel && cfg.redis_master_name.empty())
    return "redis-master-name: required by redis-sentinels";
  if (!sentinel && !cfg.redis_master_name.empty())
    return "redis-master-name: only with redis-sentinels";
  if (!sentinel && !cfg.redis_sentinel_password.empty())
    return "redis-sentinel-password: only with redis-sentinels";
  if (!cfg.redis_user.empty() && cfg.redis_password.empty())
    return "redis-user: needs redis-password";
  if (!uses_redis(cfg) && !cfg.redis_password.empty())
    return "redis-password: needs redis or redis-sentinels";
  if (cfg.redis_tls && !sentinel)
    return "redis-tls: only with redis-sentinels (one server: give redis as rediss://host:port)";
  const bool tls = cfg.redis_tls || (!sentinel && cfg.redis.starts_with("rediss://"));
  for (const auto& [key, value] : {std::pair{"redis-tls-ca-file", &cfg.redis_tls_ca_file},
                                   std::pair{"redis-tls-cert-file", &cfg.redis_tls_cert_file},
                                   std::pair{"redis-tls-key-file", &cfg.redis_tls_key_file}}) {
    if (!value->empty() && !tls)
      return std::string(key) + ": only with TLS (a rediss:// redis URL, or redis-tls)";
  }
  return {};
}

}  // namespace

std::string validate(const settings& cfg) {
  if (cfg.auth == "http" && cfg.auth_url.empty()) return "auth-url: required by auth=http";
  if (auto error = validate_redis(cfg); !error.empty()) return error;
  if ((cfg.auth == "redis" || directory_kind(cfg) == "redis") && !uses_redis(cfg))
    return "redis: required by auth=redis or directory=redis (or redis-sentinels)";
  // Browsers refuse "Access-Control-Allow-Origin: *" with credentials; echoing any origin
  // instead would hand every web site the user's cookies for this server.
  if (cfg.cors_credentials &&
      std::find(cfg.cors_origins.begin(), cfg.cors_origins.end(), "*") != cfg.cors_origins.end())
    return "cors-credentials: true needs cors-origins to list the allowed origins, not *";
  if (cfg.tls_cert.empty() != cfg.tls_key.empty())
    return cfg.tls_cert.empty() ? "tls-cert: required with tls-key (give both or neither)"
                                : "tls-key: required with tls-cert (give both or neither)";
  if (!cfg.admin_password_hash.empty() && cfg.admin_username.empty())
    return "admin-username: required with admin-password-hash";
  if (uses_demo_tokens(cfg) && !cfg.allow_demo_tokens && !is_loopback_listen(cfg.listen))
    return "allow-demo-tokens: listen " + cfg.listen +
           " is not loopback and the tokens are the demo tokens file, with which anyone can log "
           "in (as ADMIN too): give --auth-file your tokens file (or --auth redis / http), listen "
           "on 127.0.0.1, or accept it with --allow-demo-tokens true";
  return {};
}

}  // namespace txrt::config
