#include "bench/loadgen/worker.hpp"

#include <chrono>

namespace txrt::bench {

namespace {
constexpr std::size_t read_buffer_size = 256 * 1024;
constexpr std::size_t max_first_errors = 5;
}  // namespace

worker::worker(const options& o, std::uint32_t index, const sockaddr_in& target)
    : options_(o),
      index_(index),
      target_(target),
      work_(net::make_work_guard(context_)),
      poller_(context_),
      read_buffer_(read_buffer_size),
      random_state_(0x9E3779B97F4A7C15ull ^
                    (static_cast<std::uint64_t>(
                         std::chrono::steady_clock::now().time_since_epoch().count()) +
                     index)) {}

worker::~worker() { stop(); }

void worker::add(std::uint32_t session, std::uint32_t channel, std::string token) {
  clients_.push_back(std::make_unique<ws_client>(*this, session, channel, std::move(token)));
}

void worker::start() {
  thread_ = std::thread([this] {
    net::post(context_, [this] {
      poller_.start();
      start_more();
    });
    context_.run();
  });
}

void worker::stop() {
  if (!thread_.joinable()) return;
  net::post(context_, [this] {
    for (auto& c : clients_) c->close();
    poller_.stop();
    work_.reset();
    context_.stop();
  });
  thread_.join();
}

std::uint64_t worker::random() noexcept {
  // xorshift64*: masks and WebSocket keys need to vary, not to be secret.
  random_state_ ^= random_state_ >> 12;
  random_state_ ^= random_state_ << 25;
  random_state_ ^= random_state_ >> 27;
  return random_state_ * 0x2545F4914F6CDD1Dull;
}

void worker::start_more() {
  while (in_flight_ < options_.concurrency && next_client_ < clients_.size()) {
    auto& c = *clients_[next_client_];
    // Session i leaves from 127.0.0.(1 + i % K): K source addresses, K times the ports.
    in_addr_t source = htonl(INADDR_ANY);  // the kernel chooses
    if (options_.sources > 1) source = htonl((127u << 24) | (1 + c.session() % options_.sources));
    ++next_client_;
    ++in_flight_;
    c.start(target_, source);
  }
}

void worker::on_ready(std::uint64_t now_ns) {
  counters_.ready.fetch_add(1, std::memory_order_relaxed);
  counters_.last_ready_ns.store(now_ns, std::memory_order_relaxed);
  --in_flight_;
  start_more();
}

void worker::on_failed(const ws_client& c, std::string_view why) {
  const bool was_ready = c.state() == ws_client::phase::ready;
  const std::string key = was_ready ? std::string("closed while ready")
                                    : std::string(to_string(c.state())) + " failed";
  ++failures_[key];
  if (first_errors_.size() < max_first_errors)
    first_errors_.push_back(key + ": " + std::string(why.substr(0, 300)));
  if (was_ready) {
    counters_.ready.fetch_sub(1, std::memory_order_relaxed);
    counters_.closed.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  counters_.failed.fetch_add(1, std::memory_order_relaxed);
  --in_flight_;
  start_more();
}

tally worker::collect(const std::vector<std::uint64_t>& published) {
  tally t;
  for (const auto& c : clients_) {
    // Only a client that subscribed can lose events; the others are counted as failures.
    const std::uint64_t expected =
        c->subscribed() && c->channel() < published.size() ? published[c->channel()] : 0;
    t.received += c->received;
    t.reordered += c->reordered;
    t.misrouted += c->misrouted;
    t.expected += expected;
    if (c->received < expected) t.lost += expected - c->received;
    if (c->state() == ws_client::phase::ready) ++t.ready;
    else ++t.not_ready;
  }
  t.failures = failures_;
  t.first_errors = first_errors_;
  return t;
}

std::vector<std::uint64_t> worker::subscribers(std::size_t channels) {
  std::vector<std::uint64_t> n(channels, 0);
  for (const auto& c : clients_)
    if (c->state() == ws_client::phase::ready && c->channel() < channels) ++n[c->channel()];
  return n;
}

}  // namespace txrt::bench
