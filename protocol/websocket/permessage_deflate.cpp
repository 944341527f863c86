#include "protocol/websocket/permessage_deflate.hpp"
#include "protocol/websocket/header_text.hpp"

#include <zlib.h>

#include <algorithm>
#include <limits>
#include <vector>

#include <simdjson.h>

namespace txrt::protocol::ws {

namespace {

// The tail a sender strips from each compressed message and a receiver puts back.
constexpr unsigned char sync_tail[4] = {0x00, 0x00, 0xff, 0xff};
constexpr int window_bits = 15;

// What zlib may be given at once (it counts in uInt).
uInt room(std::size_t n) noexcept {
  return static_cast<uInt>(std::min<std::size_t>(n, std::numeric_limits<uInt>::max()));
}

// Splits at `sep` outside double quotes.
std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"')
      quoted = !quoted;
    else if (s[i] == sep && !quoted) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(s.substr(start));
  return parts;
}

// A window size parameter: 8 to 15, digits only (quoted or not, RFC 7692 §7.1.2).
std::optional<int> window_value(std::string_view v) noexcept {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  if (v.empty() || v.size() > 2) return std::nullopt;
  int n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (v.size() == 2 && v[0] == '0') return std::nullopt;
  if (n < 8 || n > 15) return std::nullopt;
  return n;
}

// The answer to one offer (its parameters after the name), or nullopt to decline it.
std::optional<std::string> answer(const std::vector<std::string_view>& params) {
  bool server_nct = false, client_nct = false, server_bits = false, client_bits = false;
  for (std::size_t i = 1; i < params.size(); ++i) {
    const auto p = trim_ows(params[i]);
    const auto eq = p.find('=');
    const auto name = trim_ows(p.substr(0, eq));
    const bool has_value = eq != std::string_view::npos;
    const auto value = has_value ? trim_ows(p.substr(eq + 1)) : std::string_view{};
    if (iequals(name, "server_no_context_takeover")) {
      if (server_nct || has_value) return std::nullopt;
      server_nct = true;
    } else if (iequals(name, "client_no_context_takeover")) {
      if (client_nct || has_value) return std::nullopt;
      client_nct = true;
    } else if (iequals(name, "server_max_window_bits")) {
      if (server_bits || !has_value) return std::nullopt;
      const auto bits = window_value(value);
      // Every subscriber shares one compressed frame, made with the full window.
      if (!bits || *bits != window_bits) return std::nullopt;
      server_bits = true;
    } else if (iequals(name, "client_max_window_bits")) {
      if (client_bits || (has_value && !window_value(value))) return std::nullopt;
      client_bits = true;
    } else {
      return std::nullopt;  // an unknown parameter: decline the offer (§5.1)
    }
  }
  std::string a = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
  // Accepting a server_max_window_bits offer means answering it (§7.1.2.1).
  if (server_bits) a += "; server_max_window_bits=15";
  return a;
}

}  // namespace

std::optional<std::string> negotiate_deflate(std::string_view offers) {
  for (const auto offer : split(offers, ',')) {
    const auto params = split(offer, ';');
    if (!iequals(trim_ows(params.front()), "permessage-deflate")) continue;
    if (auto a = answer(params)) return a;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------

deflater::deflater() noexcept = default;

deflater::~deflater() {
  if (z_) deflateEnd(z_.get());
}

bool deflater::compress(std::string_view in, std::string& out) {
  out.clear();
  if (in.size() > std::numeric_limits<uInt>::max() / 2) return false;  // zlib counts in uInt
  if (!z_) {
    auto z = std::make_unique<z_stream_s>();
    if (deflateInit2(z.get(), Z_DEFAULT_COMPRESSION, Z_DEFLATED, -window_bits, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
      return false;
    z_ = std::move(z);
  } else if (deflateReset(z_.get()) != Z_OK) {
    return false;
  }
  // Room for the worst case plus the flush marker, so that one call does it all.
  out.resize(deflateBound(z_.get(), in.size()) + 16);
  z_->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z_->avail_in = static_cast<uInt>(in.size());
  z_->next_out = reinterpret_cast<Bytef*>(out.data());
  z_->avail_out = static_cast<uInt>(out.size());
  const int rc = ::deflate(z_.get(), Z_SYNC_FLUSH);
  if ((rc != Z_OK && rc != Z_BUF_ERROR) || z_->avail_in != 0 || z_->avail_out == 0) {
    out.clear();
    return false;
  }
  out.resize(out.size() - z_->avail_out);
  if (out.size() >= 4 && std::string_view(out).substr(out.size() - 4) ==
                             std::string_view(reinterpret_cast<const char*>(sync_tail), 4))
    out.resize(out.size() - 4);
  return true;
}

inflater::inflater() noexcept = default;

inflater::~inflater() {
  if (z_) inflateEnd(z_.get());
}

inflater::result inflater::inflate(std::string_view in, std::uint64_t max_size, std::string& out) {
  out.clear();
  if (in.size() > std::numeric_limits<uInt>::max()) return result::too_big;  // zlib counts in uInt
  if (!z_) {
    auto z = std::make_unique<z_stream_s>();
    if (inflateInit2(z.get(), -window_bits) != Z_OK) return result::bad_data;
    z_ = std::move(z);
  } else if (inflateReset(z_.get()) != Z_OK) {
    return result::bad_data;
  }
  // Grow the output as needed but never past max_size + 1: one byte over is enough to know.
  const std::uint64_t cap = max_size + 1;
  std::size_t produced = 0;
  const std::string_view inputs[2] = {
      in, std::string_view(reinterpret_cast<const char*>(sync_tail), 4)};
  for (const auto input : inputs) {
    z_->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    z_->avail_in = static_cast<uInt>(input.size());
    while (z_->avail_in > 0) {
      if (produced == out.size()) {
        if (produced >= cap) return out.clear(), result::too_big;
        const std::uint64_t want = std::max<std::uint64_t>(4096, std::uint64_t{produced} * 2);
        out.resize(static_cast<std::size_t>(std::min(cap, want)));
      }
      z_->next_out = reinterpret_cast<Bytef*>(out.data() + produced);
      z_->avail_out = room(out.size() - produced);
      const auto before = z_->avail_out;
      const int rc = ::inflate(z_.get(), Z_SYNC_FLUSH);
      produced += before - z_->avail_out;
      if (rc == Z_STREAM_END) {
        // A final block: the message ends here, whatever follows (the tail we appended).
        z_->avail_in = 0;
        break;
      }
      if (rc == Z_BUF_ERROR && z_->avail_out != 0) break;  // no progress possible: input used
      if (rc != Z_OK && rc != Z_BUF_ERROR) return out.clear(), result::bad_data;
    }
    if (produced > max_size) return out.clear(), result::too_big;
  }
  // Output may be waiting in zlib's window with no input left: drain it.
  for (;;) {
    if (produced == out.size()) {
      if (produced >= cap) return out.clear(), result::too_big;
      out.resize(static_cast<std::size_t>(std::min<std::uint64_t>(cap, produced + 4096)));
    }
    z_->next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    z_->avail_out = room(out.size() - produced);
    const auto before = z_->avail_out;
    const int rc = ::inflate(z_.get(), Z_SYNC_FLUSH);
    produced += before - z_->avail_out;
    if (rc != Z_OK || z_->avail_out != 0) break;
  }
  if (produced > max_size) return out.clear(), result::too_big;
  out.resize(produced);
  return result::ok;
}

error inflate_message(inflater& in, reader::message& m, std::uint64_t max_size,
                      std::string& buffer) {
  if (!m.compressed) return error::none;
  switch (in.inflate(m.payload, max_size, buffer)) {
    case inflater::result::ok:
      break;
    case inflater::result::too_big:
      return error::too_big;
    case inflater::result::bad_data:
      return error::bad_data;
  }
  if (m.op == opcode::text && !simdjson::validate_utf8(buffer.data(), buffer.size()))
    return error::bad_utf8;
  m.payload = buffer;
  m.compressed = false;
  return error::none;
}

}  // namespace txrt::protocol::ws
