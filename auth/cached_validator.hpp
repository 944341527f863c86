#pragma once
// A caching decorator over any token_validator: a socket that reconnects, or many tabs of one
// user, authenticate without a round trip to the backend. Entries are keyed by
// SHA-1(token '\0' ip), so the cache never holds a token in clear; they live for a fixed TTL,
// the oldest is evicted when full. Successes, invalid_token and expired answers are cached;
// `unavailable` (and every other error) never is, so an outage is not remembered.
//
// Thread-safe behind one mutex: validation happens once per authenticate, not per message.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/validator.hpp"

namespace txrt::auth {

class cached_validator final : public token_validator {
 public:
  using clock = std::chrono::steady_clock;

  // `max_entries` 0 disables caching (every call goes to `inner`).
  cached_validator(std::shared_ptr<token_validator> inner, clock::duration ttl,
                   std::size_t max_entries);

  // A fresh cached answer is posted to `caller`; otherwise `inner` answers and its answer is
  // cached. Completes exactly once, never inline.
  void validate(const auth_request& request, boost::asio::any_io_executor caller,
                auth_callback done) override;

  // Revocation: drops every cached identity of `employee` / every entry for `token` (any ip).
  // A validation in flight when these run is answered but not cached.
  void forget_employee(std::string_view employee);
  void forget_token(std::string_view token);
  void clear();

  std::size_t size() const;

 private:
  using digest = std::array<std::uint32_t, 5>;
  struct digest_hash {
    std::size_t operator()(const digest& d) const noexcept {
      return (std::size_t{d[0]} << 32) ^ d[1];  // SHA-1 output is uniform; two words suffice
    }
  };
  // What a hit needs and no more: a success is the identity, shared with every socket that
  // authenticated with it (auth_result::who); a refusal is its code and its message, behind a
  // pointer as refusals are the rare case.
  //
  // One allocation per entry: the entries live in the index's nodes (whose addresses are
  // stable) and are chained oldest to newest through `older` / `newer`. With one TTL for all,
  // insertion order is also expiry order, so both pruning and eviction work from the oldest.
  struct entry {
    digest token_digest;  // SHA-1(token), for forget_token
    auth_error error = auth_error::none;
    clock::time_point expires;
    std::shared_ptr<const identity> who;
    std::unique_ptr<const std::string> message;  // null when empty (successes)
    const digest* key = nullptr;  // SHA-1(token '\0' ip): this entry's own key in the index
    entry* older = nullptr;
    entry* newer = nullptr;

    auth_result result() const {
      return auth_result{who, error, message ? *message : std::string()};
    }
  };

  // Shared with in-flight completions, which may outlive this object.
  struct state {
    clock::duration ttl;
    std::size_t max_entries;
    std::mutex mutex;
    std::unordered_map<digest, entry, digest_hash> index;
    entry* oldest = nullptr;
    entry* newest = nullptr;
    // Bumped by forget_* and clear(): an answer whose lookup started before a revocation must
    // not be cached after it.
    std::uint64_t generation = 0;

    void prune(clock::time_point now);  // requires mutex
    void erase(entry& e);               // requires mutex
    // Drops every entry `drop` selects. Requires mutex.
    template <class Pred>
    void erase_if(Pred drop) {
      for (entry* e = oldest; e != nullptr;) {
        entry* next = e->newer;
        if (drop(*e)) erase(*e);
        e = next;
      }
    }
  };

  static digest hash(std::string_view a, std::string_view b, bool with_b);
  static bool cacheable(auth_error e) noexcept;

  std::shared_ptr<token_validator> inner_;
  std::shared_ptr<state> state_;
};

}  // namespace txrt::auth
