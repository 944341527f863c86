#include "app/demo_events.hpp"

#include <array>
#include <chrono>
#include <string>

#include "bridge/channels.hpp"
#include "protocol/iso8601.hpp"

namespace txrt::telecomx {

namespace {

// The demo customers of data/demo-tokens.json.
constexpr std::array<const char*, 3> customers = {"customer-north-2", "customer-north-1a",
                                                  "customer-south-1"};

}  // namespace

demo_events::demo_events(boost::asio::io_context& loop, bridge::bus& bus, std::string prefix,
                         std::chrono::milliseconds interval)
    : timer_(loop), bus_(bus), prefix_(std::move(prefix)), interval_(interval) {}

void demo_events::start() {
  running_ = true;
  schedule();
}

void demo_events::stop() {
  running_ = false;
  timer_.cancel();
}

void demo_events::schedule() {
  timer_.expires_after(interval_);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || !running_) return;
    publish_one();
    schedule();
  });
}

void demo_events::publish_one() {
  const std::uint64_t n = counter_++;
  // Each round of five events (a call starting and ending, a CALL, CONFIG and REGISTER event)
  // belongs to one customer, so that CALL_END closes the CALL_START of the same session.
  const std::uint64_t round = n / 5;
  const std::string customer = customers[round % customers.size()];
  const std::string session = "s-" + std::to_string(round);
  const std::string id = std::to_string(1000 + n);
  const std::string time = protocol::format_iso8601(std::chrono::system_clock::now(),
                                                    protocol::iso8601_precision::seconds);
  std::string payload;
  telecomx::event_type type;
  switch (n % 5) {
    case 0:
      type = telecomx::event_type::pbx;
      payload = R"({"event":"CALL_START","customer":")" + customer +
                R"(","pbxServer":"pbx1.demo","eventId":"demo-)" + id +
                R"(","sessionId":")" + session +
                R"(","caller":"+4512345678","callerName":"Demo Caller","callee":"201","direction":"I","leg":"I","extensionState":"RINGING"})";
      break;
    case 1:
      type = telecomx::event_type::pbx;
      payload = R"({"event":"CALL_END","customer":")" + customer +
                R"(","pbxServer":"pbx1.demo","eventId":"demo-)" + id +
                R"(","sessionId":")" + session +
                R"(","caller":"+4512345678","callee":"201","direction":"I","leg":"I","extensionState":"IDLE"})";
      break;
    case 2:
      type = telecomx::event_type::call;
      payload = R"({"event":"START","customer":")" + customer +
                R"(","data":{"callid":"c-)" + id +
                R"(@demo","direction":"O","from":"+4587654321","to":"+4511223344","voiceaccount":"va-1"}})";
      break;
    case 3:
      type = telecomx::event_type::config;
      payload = (n % 2 ? R"({"event":"EMPLOYEE_UPDATED","customer":")"
                       : R"({"event":"IPTV_DEVICE_LOGIN","customer":")") +
                customer + R"(","employee":"emp-owner","id":"obj-)" + id +
                R"(","data":{"time":")" + time + R"("}})";
      break;
    default:
      type = telecomx::event_type::reg;
      payload = R"({"event":"REGISTER","customer":")" + customer +
                R"(","data":{"ip":"198.51.100.)" + std::to_string(n % 250) +
                R"(","port":5060,"expires":600,"username":"demo-phone","source":"pbx","pbxServer":"192.0.2.10"}})";
      break;
  }
  bus_.publish(bridge::event_channel_name(prefix_, type, customer), std::move(payload));
}

}  // namespace txrt::telecomx
