#pragma once
// app/request_flow and app/employee_presence (SPEC §7) without a network, shared by
// request_flow_test.cpp and request_isolation_test.cpp: two nodes share one in-process store (as
// they share Redis) and each has a fake bus; what node A publishes is handed to node B's flow by
// the test, which plays the Redis server. The store's clock is the test's (`now`), so TTLs pass
// only when a test says so. Every check is on an outcome, an exact wire string or a delivered
// frame.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "app/employee_presence.hpp"
#include "app/request_flow.hpp"
#include "bridge/memory_kv_store.hpp"
#include "tests/doubles/fake_bus.hpp"
#include "tests/doubles/fake_directory.hpp"

namespace request_test {

using namespace std::chrono_literals;
using txrt::telecomx::access_level;
using txrt::telecomx::identity;
using txrt::telecomx::request_outcome;
namespace bridge = txrt::bridge;
namespace limits = txrt::limits;
namespace tx = txrt::telecomx;

// A store that may be down: every call answers ok=false while `down` is set. Counts expire()s.
class switchable_store final : public bridge::kv_store {
 public:
  explicit switchable_store(bridge::kv_store& inner) : inner_(inner) {}
  bool down = false;
  std::vector<std::string> expired;  // expire() calls, in order
  void set(std::string key, std::string value, std::chrono::milliseconds ttl,
           std::function<void(bool)> done) override {
    if (down) return done(false);
    inner_.set(std::move(key), std::move(value), ttl, std::move(done));
  }
  void expire(std::string key, std::chrono::milliseconds ttl,
              std::function<void(bool)> done) override {
    expired.push_back(key);
    if (down) return done ? done(false) : void();
    inner_.expire(std::move(key), ttl, std::move(done));
  }
  void get(std::string key, bridge::kv_callback done) override {
    if (down) return done({});
    inner_.get(std::move(key), std::move(done));
  }
  void hset(std::string key, std::string field, std::string value) override {
    if (!down) inner_.hset(std::move(key), std::move(field), std::move(value));
  }
  void hget(std::string key, std::string field, bridge::kv_callback done) override {
    if (down) return done({});
    inner_.hget(std::move(key), std::move(field), std::move(done));
  }

 private:
  bridge::kv_store& inner_;
};

struct delivery {
  std::string employee;
  std::string instance_id;
  std::string packet;  // the Engine.IO packet: 42["REQUEST",{...}]
};

// One txrt node: its bus, its presence, its flow, and what it wrote to its sockets.
struct node {
  node(boost::asio::io_context& io, bridge::kv_store& shared,
       std::shared_ptr<txrt::test::fake_directory> directory, limits::rate_limit per_socket,
       std::chrono::milliseconds request_ttl = 300s)
      : store(shared),
        presence(io, "rt:", bus, this->store),
        flow(tx::request_flow_deps{
            "rt:", &bus, &this->store, std::move(directory), io.get_executor(), &presence,
            [this](const std::string& employee, const std::string& instance,
                   const txrt::engine::outgoing& frame) {
              delivered.push_back({employee, instance, std::string(frame.packet())});
            },
            request_ttl, per_socket}) {}
  txrt::test::fake_bus bus;
  switchable_store store;
  tx::employee_presence presence;
  std::vector<delivery> delivered;
  tx::request_flow flow;
};

// A socket: who it is, which instance, and its request budget.
struct sock {
  std::optional<identity> who;
  std::string instance;
  limits::token_bucket budget;
};

inline const identity manager{"emp-mgr", "c1", access_level::manager, "", {}, {}};
inline const identity viewer{"emp-viewer", "c1", access_level::viewer, "", {}, {}};
inline const identity stranger{"emp-other", "c2", access_level::manager, "", {}, {}};
inline const identity reseller{"emp-res", "r1", access_level::reseller, "", {}, {}};
inline const identity client_of_reseller{"emp-sub", "c3", access_level::viewer, "", {}, {}};

struct fixture {
  boost::asio::io_context io;
  bridge::memory_kv_store::clock::time_point now = bridge::memory_kv_store::clock::now();
  bridge::memory_kv_store shared{io, bridge::memory_kv_store::default_max_entries,
                                 [this] { return now; }};  // the Redis both nodes talk to
  std::shared_ptr<txrt::test::fake_directory> directory =
      std::make_shared<txrt::test::fake_directory>(
          std::map<std::string, std::string>{{"c3", "r1"}, {"c2", "r2"}, {"r1", "top"}});
  limits::rate_limit per_socket{};
  node a{io, shared, directory, per_socket};
  node b{io, shared, directory, per_socket};

  void drain() {
    io.restart();
    io.run();
  }
  // `who` has a socket on `n`.
  void connect(node& n, const identity& who) {
    n.presence.online(std::make_shared<const identity>(who));
    drain();
  }
  // Sends and waits for the one outcome.
  request_outcome send(node& n, sock& s, bool reply, std::string_view args) {
    int answers = 0;
    request_outcome out;
    const tx::request_sender sender{s.who ? &*s.who : nullptr, s.instance, s.budget};
    auto answer = [&](const request_outcome& o) {
      ++answers;
      out = o;
    };
    if (reply)
      n.flow.on_reply(sender, args, answer);
    else
      n.flow.on_request(sender, args, answer);
    drain();
    CHECK(answers == 1);
    return out;
  }
  request_outcome request(node& n, sock& s, std::string_view args) {
    return send(n, s, false, args);
  }
  request_outcome reply(node& n, sock& s, std::string_view args) { return send(n, s, true, args); }
  // Redis's part: what `from` published reaches `to` (as if `to` subscribed the channels).
  void relay(node& from, node& to) {
    for (const auto& m : from.bus.published) to.flow.on_employee_message(m.channel, m.payload);
    from.bus.published.clear();
    drain();
  }
  std::optional<std::string> stored(const std::string& key) {
    std::optional<std::string> value;
    shared.get(key, [&](bridge::kv_value v) { value = v.value; });
    drain();
    return value;
  }
};

inline void check_failed(const request_outcome& o, std::string_view code) {
  INFO(o.message);
  CHECK(o.code == code);
  CHECK_FALSE(o.ok());
  CHECK(o.request_id.empty());
}

// node B holds the viewer, node A the manager; the manager asks (to `to`) with replyTo itself.
struct replying : fixture {
  sock asker{manager, "tab-1", {}};
  sock answerer{viewer, "v-1", {}};
  std::string id;

  explicit replying(std::string_view reply_to = R"({"employee":"emp-mgr","instanceId":"tab-1"})",
                    std::string_view to = R"({"employee":"emp-viewer"})") {
    connect(a, manager);
    connect(b, viewer);
    std::string args = R"({"to":)" + std::string(to) + R"(,"request":"CommunicatorGetStatus")";
    if (!reply_to.empty()) args.append(",\"replyTo\":").append(reply_to);
    args += '}';
    const auto out = request(a, asker, args);
    REQUIRE(out.ok());
    id = out.request_id;
    relay(a, b);
  }
  std::string reply_args(std::string_view to, std::string_view request = "CommunicatorGetStatus") {
    return R"({"to":)" + std::string(to) + R"(,"request":")" + std::string(request) +
           R"(","requestId":")" + id + R"(","data":[true]})";
  }
};

}  // namespace request_test
