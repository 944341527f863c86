#include "auth/file_store.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include <simdjson.h>

namespace txrt::auth {

namespace {

namespace dom = simdjson::dom;

store_load fail(std::string message) {
  return store_load{nullptr, std::move(message)};
}

enum class field { absent, ok, wrong_type };

// An optional member: absent and null are the same; anything else must have the right type.
field string_member(const dom::object& o, std::string_view key, std::string_view& out) {
  dom::element e;
  if (o.at_key(key).get(e) != simdjson::SUCCESS || e.is_null()) return field::absent;
  return e.get_string().get(out) == simdjson::SUCCESS ? field::ok : field::wrong_type;
}

// A required member: a non-empty string. Returns the error suffix, or empty when fine.
std::string required_string(const dom::object& o, std::string_view key, std::string_view& out) {
  switch (string_member(o, key, out)) {
    case field::absent:
      return "missing \"" + std::string(key) + "\"";
    case field::wrong_type:
      return "\"" + std::string(key) + "\" must be a string";
    case field::ok:
      break;
  }
  return out.empty() ? "\"" + std::string(key) + "\" must not be empty" : std::string{};
}

// One entry of "tokens". `where` ("tokens[3]") gains the employee id once known. Returns the
// error message, or empty when the entry is valid.
std::string read_token(const dom::object& t, std::string& where, token_entry& entry) {
  dom::element success_el;
  if (t.at_key("success").get(success_el) == simdjson::SUCCESS && !success_el.is_null()) {
    if (success_el.get_bool().get(entry.success) != simdjson::SUCCESS) {
      return where + ": \"success\" must be true or false";
    }
  }
  if (!entry.success) return {};  // nothing else is needed: the token is always invalid
  std::string_view text;
  if (auto e = required_string(t, "employee", text); !e.empty()) return where + ": " + e;
  entry.who.employee = text;
  where += " (employee " + entry.who.employee + ")";
  if (auto e = required_string(t, "customer", text); !e.empty()) return where + ": " + e;
  entry.who.customer = text;
  if (auto e = required_string(t, "accessLevel", text); !e.empty()) {
    return where + ": " + e;
  }
  const auto level = telecomx::parse_access_level(text);
  if (!level) return where + ": unknown accessLevel \"" + std::string(text) + "\"";
  entry.who.level = *level;
  switch (string_member(t, "name", text)) {
    case field::wrong_type:
      return where + ": \"name\" must be a string";
    case field::ok:
      entry.who.name = text;
      break;
    case field::absent:
      break;
  }
  dom::element resellers_el;
  if (t.at_key("organizationResellers").get(resellers_el) == simdjson::SUCCESS &&
      !resellers_el.is_null()) {
    dom::array resellers;
    if (resellers_el.get_array().get(resellers) != simdjson::SUCCESS) {
      return where + ": \"organizationResellers\" must be an array of customer ids";
    }
    for (auto r : resellers) {
      std::string_view id;
      if (r.get_string().get(id) != simdjson::SUCCESS || id.empty()) {
        return where + ": \"organizationResellers\" must be an array of customer ids";
      }
      entry.who.organization_resellers.emplace_back(id);
    }
  }
  switch (string_member(t, "ip", text)) {
    case field::wrong_type:
      return where + ": \"ip\" must be a string";
    case field::ok:
      if (text.empty()) return where + ": \"ip\" must not be empty (omit it)";
      entry.ip = text;
      break;
    case field::absent:
      break;
  }
  switch (string_member(t, "expires", text)) {
    case field::wrong_type:
      return where + ": \"expires\" must be an ISO-8601 string";
    case field::ok:
      entry.expires = parse_iso8601(text);
      if (!entry.expires) {
        return where + ": \"expires\" is not an ISO-8601 time with a zone (\"" + std::string(text) +
               "\")";
      }
      break;
    case field::absent:
      break;
  }
  return {};
}

}  // namespace

store_load file_store::parse(std::string_view json) {
  // A parser of its own rather than protocol::json::parse(): that one keeps a thread_local
  // buffer as large as the largest input (the whole file, here) and would invalidate a DOM the
  // calling thread might still hold. Loading is rare, so the allocation does not matter.
  dom::parser parser;
  const simdjson::padded_string padded(json);
  dom::element root;
  if (const auto err = parser.parse(padded).get(root); err != simdjson::SUCCESS) {
    return fail(std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  dom::object top;
  if (root.get_object().get(top) != simdjson::SUCCESS)
    return fail("the top level must be an object");

  auto store = std::make_shared<file_store>();

  // --- customers: optional; ids in file order so the first error reported is the first one ---
  std::vector<std::string_view> customer_order;
  dom::element customers_el;
  if (top.at_key("customers").get(customers_el) == simdjson::SUCCESS && !customers_el.is_null()) {
    dom::object customers;
    if (customers_el.get_object().get(customers) != simdjson::SUCCESS) {
      return fail("\"customers\" must be an object");
    }
    for (auto [id, value] : customers) {
      const std::string where = "customer \"" + std::string(id) + "\"";
      if (id.empty()) return fail("customers: a customer id is empty");
      dom::object c;
      if (value.get_object().get(c) != simdjson::SUCCESS)
        return fail(where + ": must be an object");
      customer_entry entry;
      std::string_view text;
      switch (string_member(c, "name", text)) {
        case field::wrong_type:
          return fail(where + ": \"name\" must be a string");
        case field::ok:
          entry.name = text;
          break;
        case field::absent:
          break;
      }
      switch (string_member(c, "parent", text)) {
        case field::wrong_type:
          return fail(where + ": \"parent\" must be a customer id or null");
        case field::ok:
          if (text.empty()) return fail(where + ": \"parent\" must not be empty (use null)");
          if (text == id) return fail(where + ": is its own parent");
          entry.parent = text;
          break;
        case field::absent:
          break;
      }
      if (!store->customers_.emplace(std::string(id), std::move(entry)).second) {
        return fail(where + ": listed twice");
      }
      customer_order.push_back(id);
    }
  }
  // The file is authoritative, so a dangling parent or a cycle is a configuration error found at
  // start-up rather than a walk that silently stops (the walk is bounded anyway).
  for (const auto id : customer_order) {
    const auto& parent = store->customers_.find(id)->second.parent;
    if (parent.empty()) continue;
    if (!store->customers_.contains(parent)) {
      return fail("customer \"" + std::string(id) + "\": parent \"" + parent +
                  "\" is not in \"customers\"");
    }
    std::unordered_set<std::string_view> seen{id};
    for (std::string_view at = parent; !at.empty();) {
      if (!seen.insert(at).second) {
        return fail("customer \"" + std::string(id) + "\": its parent chain has a cycle");
      }
      // A grandparent may be missing although the parent is not (its own check comes later in
      // the file's order): never step past the end of the map (found by fuzz_payloads).
      const auto up = store->customers_.find(at);
      if (up == store->customers_.end()) {
        return fail("customer \"" + std::string(id) + "\": its parent chain reaches \"" +
                    std::string(at) + "\", which is not in \"customers\"");
      }
      at = up->second.parent;
    }
  }

  // --- tokens: required; named by index so no error message or log line carries a token ---
  dom::object tokens;
  {
    dom::element tokens_el;
    if (top.at_key("tokens").get(tokens_el) != simdjson::SUCCESS) return fail("missing \"tokens\"");
    if (tokens_el.get_object().get(tokens) != simdjson::SUCCESS) {
      return fail("\"tokens\" must be an object");
    }
  }
  std::size_t index = 0;
  for (auto [token, value] : tokens) {
    std::string where = "tokens[" + std::to_string(index++) + "]";
    if (token.empty()) return fail(where + ": the token is empty");
    dom::object t;
    if (value.get_object().get(t) != simdjson::SUCCESS) return fail(where + ": must be an object");

    token_entry entry;
    if (auto e = read_token(t, where, entry); !e.empty()) return fail(e);
    if (!store->tokens_.emplace(std::string(token), std::move(entry)).second) {
      return fail(where + ": the same token appears earlier in the file");
    }
  }
  return store_load{std::move(store), {}};
}

store_load file_store::load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(path.string() + ": cannot open (" + std::strerror(errno) + ")");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail(path.string() + ": cannot read");
  auto loaded = parse(text.str());
  if (!loaded) loaded.error = path.string() + ": " + loaded.error;
  return loaded;
}

const token_entry* file_store::find_token(std::string_view token) const {
  const auto it = tokens_.find(token);
  return it == tokens_.end() ? nullptr : &it->second;
}

const customer_entry* file_store::find_customer(std::string_view id) const {
  const auto it = customers_.find(id);
  return it == customers_.end() ? nullptr : &it->second;
}

std::vector<std::string> file_store::parent_chain(std::string_view customer) const {
  std::vector<std::string> chain;
  const customer_entry* at = find_customer(customer);
  while (at != nullptr && !at->parent.empty() && chain.size() < max_parent_chain) {
    // Load rejects cycles; the check keeps the walk's contract independent of that.
    if (at->parent == customer ||
        std::find(chain.begin(), chain.end(), at->parent) != chain.end()) {
      break;
    }
    chain.push_back(at->parent);
    at = find_customer(at->parent);
  }
  return chain;
}

namespace {

// Reads exactly `n` decimal digits at `pos`.
bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view s) {
  using namespace std::chrono;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || s[10] != 'T' || !digits(s, 11, 2, h) || s[13] != ':' ||
      !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, sec)) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  nanoseconds fraction{0};
  if (pos < s.size() && s[pos] == '.') {
    const std::size_t start = ++pos;
    long long ns = 0;
    for (; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos) {
      if (pos - start < 9) ns = ns * 10 + (s[pos] - '0');  // finer digits are dropped
    }
    if (pos == start) return std::nullopt;
    for (std::size_t n = std::min<std::size_t>(pos - start, 9); n < 9; ++n) ns *= 10;
    fraction = nanoseconds{ns};
  }
  // A zone is required: a time without one would silently depend on the server's clock zone.
  minutes offset{0};
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset = hours{oh} + minutes{om};
    if (s[pos] == '-') offset = -offset;
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const year_month_day date{year{y}, month{static_cast<unsigned>(mo)},
                            day{static_cast<unsigned>(d)}};
  if (!date.ok() || h > 23 || mi > 59 || sec > 59) return std::nullopt;
  // system_clock counts nanoseconds in 64 bits (years 1677..2262); "9999-12-31" is a common way
  // to say "never", so times beyond the range saturate instead of overflowing.
  const sys_seconds whole = sys_days{date} + hours{h} + minutes{mi} + seconds{sec} - offset;
  constexpr auto limit = duration_cast<seconds>(system_clock::duration::max()) - seconds{1};
  if (whole.time_since_epoch() >= limit) return system_clock::time_point::max();
  if (whole.time_since_epoch() <= -limit) return system_clock::time_point::min();
  return time_point_cast<system_clock::duration>(whole) +
         duration_cast<system_clock::duration>(fraction);
}

}  // namespace txrt::auth
