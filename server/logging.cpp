#include "server/logging.hpp"

#include <chrono>
#include <ctime>
#include <memory>

#include <spdlog/formatter.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include "protocol/json.hpp"

namespace txrt::server {

namespace {

// {"time":"2026-01-31T12:00:00.123Z","level":"info","message":"..."} per line. A formatter of
// its own rather than an spdlog pattern, because a pattern cannot escape the message.
class json_formatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    using namespace std::chrono;
    const auto since_epoch = msg.time.time_since_epoch();
    const std::time_t secs = duration_cast<seconds>(since_epoch).count();
    const auto millis = duration_cast<milliseconds>(since_epoch).count() % 1000;
    std::tm utc{};
    ::gmtime_r(&secs, &utc);
    char stamp[40];
    const std::size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
    std::snprintf(stamp + n, sizeof stamp - n, ".%03dZ", static_cast<int>(millis));

    std::string line = "{\"time\":\"";
    line += stamp;
    line += "\",\"level\":";
    const auto level = spdlog::level::to_string_view(msg.level);
    protocol::json::append_string(std::string_view(level.data(), level.size()), line);
    line += ",\"message\":";
    protocol::json::append_string(std::string_view(msg.payload.data(), msg.payload.size()), line);
    line += "}\n";
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<json_formatter>();
  }
};

}  // namespace

void setup_logging(const config::settings& cfg) {
  spdlog::set_level(spdlog::level::from_str(cfg.log_level));
  if (cfg.log_format == "json")
    spdlog::set_formatter(std::make_unique<json_formatter>());
  else
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
}

bool apply_log_level(const std::string& level) {
  const auto next = spdlog::level::from_str(level);
  // from_str answers "off" for a name it does not know.
  if (next == spdlog::level::off && level != "off") {
    spdlog::error("log-level: unknown level '{}', keeping {}", level,
                  spdlog::level::to_string_view(spdlog::get_level()));
    return false;
  }
  const auto before = spdlog::get_level();
  if (before == next) {
    spdlog::info("log-level unchanged ({})", level);
    return true;
  }
  spdlog::set_level(next);
  spdlog::log(spdlog::level::info, "log-level changed from {} to {}",
              spdlog::level::to_string_view(before), level);
  return true;
}

}  // namespace txrt::server
