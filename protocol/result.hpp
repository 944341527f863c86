#pragma once
// Errors are values: every codec returns result<T>, never throws on network input.
#include <string_view>
#include <utility>

namespace txrt::protocol {

enum class errc {
  ok = 0,
  empty_packet,
  unknown_packet_type,
  bad_base64,
  bad_length_prefix,
  payload_too_large,
  bad_namespace,
  bad_ack_id,
  bad_attachment_count,
  bad_json,
  bad_event_payload,
  bad_connect_payload,
  bad_placeholder,
  bad_query,
};

// A short, stable, human-readable description (used in logs and error answers).
std::string_view describe(errc e) noexcept;

template <class T>
struct result {
  T value{};
  errc error = errc::ok;

  result() = default;
  result(T v) : value(std::move(v)) {}  // NOLINT: implicit on purpose, like expected<T>
  result(errc e) : error(e) {}          // NOLINT

  explicit operator bool() const noexcept { return error == errc::ok; }
  T& operator*() noexcept { return value; }
  const T& operator*() const noexcept { return value; }
  T* operator->() noexcept { return &value; }
  const T* operator->() const noexcept { return &value; }
};

}  // namespace txrt::protocol
