#include "auth/cached_validator.hpp"

#include <iterator>
#include <optional>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/uuid/detail/sha1.hpp>

namespace txrt::auth {

cached_validator::cached_validator(std::shared_ptr<token_validator> inner, clock::duration ttl,
                                   std::size_t max_entries)
    : inner_(std::move(inner)), state_(std::make_shared<state>()) {
  state_->ttl = ttl;
  state_->max_entries = max_entries;
}

cached_validator::digest cached_validator::hash(std::string_view a, std::string_view b,
                                                bool with_b) {
  boost::uuids::detail::sha1 sha;
  sha.process_bytes(a.data(), a.size());
  if (with_b) {
    sha.process_byte(0);  // separator: ("ab", "c") and ("a", "bc") must not collide
    sha.process_bytes(b.data(), b.size());
  }
  boost::uuids::detail::sha1::digest_type raw;
  sha.get_digest(raw);
  digest out;
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = raw[i];
  return out;
}

bool cached_validator::cacheable(auth_error e) noexcept {
  // invalid_token and expired are answers about the token itself, stable for a short TTL;
  // credentials_invalid is about the request, revoked is handled by forget_*, and unavailable
  // must be retried.
  return e == auth_error::none || e == auth_error::invalid_token || e == auth_error::expired;
}

void cached_validator::state::erase(entry& e) {
  (e.older ? e.older->newer : oldest) = e.newer;
  (e.newer ? e.newer->older : newest) = e.older;
  const digest key = *e.key;  // a copy: the node holding *e.key goes now
  index.erase(key);           // destroys `e`
}

void cached_validator::state::prune(clock::time_point now) {
  while (oldest != nullptr && oldest->expires <= now) erase(*oldest);
}

void cached_validator::validate(const auth_request& request, boost::asio::any_io_executor caller,
                                auth_callback done) {
  const digest key = hash(request.token, request.ip, true);
  std::uint64_t generation = 0;
  std::optional<auth_result> hit;
  {
    std::lock_guard lock(state_->mutex);
    state_->prune(clock::now());
    if (const auto it = state_->index.find(key); it != state_->index.end()) {
      hit = it->second.result();
    }
    generation = state_->generation;
  }
  if (hit) {
    boost::asio::post(caller, [done = std::move(done), result = std::move(*hit)]() mutable {
      done(std::move(result));
    });
    return;
  }
  // The token digest is computed now so the completion does not need the token.
  const digest token_digest = hash(request.token, {}, false);
  // `inner` completes on `caller`, so `done` still runs there; the state is captured by
  // shared_ptr because this decorator may be destroyed while the backend is answering.
  inner_->validate(
      request, caller,
      [state = state_, key, token_digest, generation, done = std::move(done)](auth_result result) {
        if (cacheable(result.error)) {
          std::lock_guard lock(state->mutex);
          const auto now = clock::now();
          state->prune(now);
          // A concurrent miss for the same key may have filled it first; keep that one.
          if (state->generation == generation && state->max_entries > 0 &&
              !state->index.contains(key)) {
            while (state->index.size() >= state->max_entries) state->erase(*state->oldest);
            auto& [stored_key, e] = *state->index.try_emplace(key).first;
            e.token_digest = token_digest;
            e.error = result.error;
            e.expires = now + state->ttl;
            e.who = result.who;
            if (!result.message.empty())
              e.message = std::make_unique<const std::string>(result.message);
            e.key = &stored_key;
            e.older = state->newest;
            (state->newest ? state->newest->newer : state->oldest) = &e;
            state->newest = &e;
          }
        }
        done(std::move(result));
      });
}

void cached_validator::forget_employee(std::string_view employee) {
  std::lock_guard lock(state_->mutex);
  ++state_->generation;
  state_->erase_if([&](const entry& e) { return e.who && e.who->employee == employee; });
}

void cached_validator::forget_token(std::string_view token) {
  const digest token_digest = hash(token, {}, false);
  std::lock_guard lock(state_->mutex);
  ++state_->generation;
  state_->erase_if([&](const entry& e) { return e.token_digest == token_digest; });
}

void cached_validator::clear() {
  std::lock_guard lock(state_->mutex);
  ++state_->generation;
  state_->index.clear();
  state_->oldest = state_->newest = nullptr;
}

std::size_t cached_validator::size() const {
  std::lock_guard lock(state_->mutex);
  return state_->index.size();
}

}  // namespace txrt::auth
