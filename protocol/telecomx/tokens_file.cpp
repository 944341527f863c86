#include "protocol/telecomx/tokens_file.hpp"

#include <unordered_map>
#include <unordered_set>

#include <simdjson.h>

#include "protocol/iso8601.hpp"

namespace txrt::telecomx {

namespace {

namespace dom = simdjson::dom;

parsed_tokens_file fail(std::string message) {
  return parsed_tokens_file{std::nullopt, std::move(message)};
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
std::string read_token(const dom::object& t, std::string& where, tokens_file_token& entry) {
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
  const auto level = parse_access_level(text);
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
      entry.expires = protocol::parse_iso8601(text);
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

// One entry of "customers"; `parent` is the parent id as the DOM holds it (empty for a root).
// Returns the error message, or empty when the entry is valid.
std::string read_customer(std::string_view id, dom::element value, tokens_file_customer& entry,
                          std::string_view& parent) {
  const std::string where = "customer \"" + std::string(id) + "\"";
  if (id.empty()) return "customers: a customer id is empty";
  dom::object c;
  if (value.get_object().get(c) != simdjson::SUCCESS) return where + ": must be an object";
  entry.id = id;
  std::string_view text;
  switch (string_member(c, "name", text)) {
    case field::wrong_type:
      return where + ": \"name\" must be a string";
    case field::ok:
      entry.name = text;
      break;
    case field::absent:
      break;
  }
  switch (string_member(c, "parent", text)) {
    case field::wrong_type:
      return where + ": \"parent\" must be a customer id or null";
    case field::ok:
      if (text.empty()) return where + ": \"parent\" must not be empty (use null)";
      if (text == id) return where + ": is its own parent";
      entry.parent = text;
      parent = text;
      break;
    case field::absent:
      break;
  }
  return {};
}

// The file is authoritative, so a dangling parent or a cycle is a configuration error found at
// start-up rather than a walk that silently stops (the directory's walk is bounded anyway).
// `parent_of` maps every id to its parent (empty for a root). Returns the first error in file
// order, or empty.
std::string check_tree(const std::vector<tokens_file_customer>& customers,
                       const std::unordered_map<std::string_view, std::string_view>& parent_of) {
  for (const auto& c : customers) {
    if (c.parent.empty()) continue;
    if (!parent_of.contains(c.parent)) {
      return "customer \"" + c.id + "\": parent \"" + c.parent + "\" is not in \"customers\"";
    }
    std::unordered_set<std::string_view> seen{c.id};
    for (std::string_view at = c.parent; !at.empty();) {
      if (!seen.insert(at).second) {
        return "customer \"" + c.id + "\": its parent chain has a cycle";
      }
      // A grandparent may be missing although the parent is not (its own check comes later in
      // the file's order): never step past the end of the map (found by fuzz_payloads).
      const auto up = parent_of.find(at);
      if (up == parent_of.end()) {
        return "customer \"" + c.id + "\": its parent chain reaches \"" + std::string(at) +
               "\", which is not in \"customers\"";
      }
      at = up->second;
    }
  }
  return {};
}

}  // namespace

parsed_tokens_file parse_tokens_file(std::string_view json) {
  // A parser of its own rather than protocol::json::parse(): that one keeps a thread_local
  // buffer as large as the largest input (the whole file, here) and would invalidate a DOM the
  // calling thread might still hold. Loading is rare, so the allocation does not matter. Every
  // string_view below points into this parser's DOM, which outlives them.
  dom::parser parser;
  const simdjson::padded_string padded(json);
  dom::element root;
  if (const auto err = parser.parse(padded).get(root); err != simdjson::SUCCESS) {
    return fail(std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  dom::object top;
  if (root.get_object().get(top) != simdjson::SUCCESS)
    return fail("the top level must be an object");

  tokens_file out;

  // --- customers: optional; in file order so the first error reported is the first one ---
  std::unordered_map<std::string_view, std::string_view> parent_of;
  dom::element customers_el;
  if (top.at_key("customers").get(customers_el) == simdjson::SUCCESS && !customers_el.is_null()) {
    dom::object customers;
    if (customers_el.get_object().get(customers) != simdjson::SUCCESS) {
      return fail("\"customers\" must be an object");
    }
    for (auto [id, value] : customers) {
      tokens_file_customer entry;
      std::string_view parent;
      if (auto e = read_customer(id, value, entry, parent); !e.empty()) return fail(std::move(e));
      if (!parent_of.emplace(id, parent).second) {
        return fail("customer \"" + std::string(id) + "\": listed twice");
      }
      out.customers.push_back(std::move(entry));
    }
  }
  if (auto e = check_tree(out.customers, parent_of); !e.empty()) return fail(std::move(e));

  // --- tokens: required; named by index so no error message or log line carries a token ---
  dom::object tokens;
  {
    dom::element tokens_el;
    if (top.at_key("tokens").get(tokens_el) != simdjson::SUCCESS) return fail("missing \"tokens\"");
    if (tokens_el.get_object().get(tokens) != simdjson::SUCCESS) {
      return fail("\"tokens\" must be an object");
    }
  }
  std::unordered_set<std::string_view> seen_tokens;
  std::size_t index = 0;
  for (auto [token, value] : tokens) {
    std::string where = "tokens[" + std::to_string(index++) + "]";
    if (token.empty()) return fail(where + ": the token is empty");
    dom::object t;
    if (value.get_object().get(t) != simdjson::SUCCESS) return fail(where + ": must be an object");

    tokens_file_token entry;
    if (auto e = read_token(t, where, entry); !e.empty()) return fail(std::move(e));
    if (!seen_tokens.insert(token).second) {
      return fail(where + ": the same token appears earlier in the file");
    }
    entry.token = token;
    out.tokens.push_back(std::move(entry));
  }
  return parsed_tokens_file{std::move(out), {}};
}

}  // namespace txrt::telecomx
