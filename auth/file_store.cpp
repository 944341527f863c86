#include "auth/file_store.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "protocol/telecomx/tokens_file.hpp"

namespace txrt::auth {

namespace {

store_load fail(std::string message) {
  return store_load{nullptr, std::move(message)};
}

}  // namespace

store_load file_store::parse(std::string_view json) {
  auto parsed = telecomx::parse_tokens_file(json);
  if (!parsed.value) return fail(std::move(parsed.error));
  // The codec has checked everything (ids and tokens unique, the tree a forest): only the
  // tables are built here.
  auto store = std::make_shared<file_store>();
  store->customers_.reserve(parsed.value->customers.size());
  for (auto& c : parsed.value->customers) {
    store->customers_.emplace(std::move(c.id),
                              customer_entry{std::move(c.name), std::move(c.parent)});
  }
  store->tokens_.reserve(parsed.value->tokens.size());
  for (auto& t : parsed.value->tokens) {
    store->tokens_.emplace(std::move(t.token), token_entry{std::move(t.who), std::move(t.ip),
                                                           t.expires, t.success});
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

}  // namespace txrt::auth
