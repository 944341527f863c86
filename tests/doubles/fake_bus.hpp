#pragma once
// A bridge::bus for tests: records what is published and subscribed, answers publish_counted
// with a receiver count the test chooses, and lets the test deliver a message as if it had
// arrived on a subscribed channel. Single-threaded; callbacks run inline (a test that wants
// them later queues them itself).
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bridge/bus.hpp"

namespace txrt::test {

class fake_bus final : public bridge::bus {
 public:
  struct message {
    std::string channel;
    std::string payload;
  };

  // What the next publish_counted() reports: the number of nodes reached, or -1 (bus down).
  long receivers = 1;
  bool is_ready = true;

  std::vector<message> published;         // publish() and publish_counted(), in order
  std::set<std::string> subscribed;       // current plain subscriptions
  std::vector<std::string> subscribes;    // every subscribe() call, in order
  std::vector<std::string> unsubscribes;  // every unsubscribe() call, in order

  void start(bridge::event_sink on_event, bridge::ready_sink on_ready,
             bridge::message_sink on_message) override {
    on_event_ = std::move(on_event);
    on_message_ = std::move(on_message);
    if (on_ready) on_ready(is_ready);
  }
  void publish(std::string channel, std::string payload) override {
    published.push_back({std::move(channel), std::move(payload)});
  }
  void publish_counted(std::string channel, std::string payload,
                       bridge::publish_callback done) override {
    publish(std::move(channel), std::move(payload));
    if (done) done(receivers);
  }
  void subscribe(std::string channel) override {
    subscribes.push_back(channel);
    subscribed.insert(std::move(channel));
  }
  void unsubscribe(std::string channel) override {
    unsubscribes.push_back(channel);
    subscribed.erase(channel);
  }
  bool ready() const noexcept override { return is_ready; }
  void stop() override {
    on_event_ = nullptr;
    on_message_ = nullptr;
  }

  // As if `payload` arrived on `channel`: an event channel's message goes to on_event, any
  // other to on_message (the bus does not filter by subscription; the test decides).
  void deliver(std::string_view channel, std::string_view payload, bool event = false) {
    if (event && on_event_) return on_event_(channel, payload, {});
    if (!event && on_message_) on_message_(channel, payload);
  }

 private:
  bridge::event_sink on_event_;
  bridge::message_sink on_message_;
};

}  // namespace txrt::test
