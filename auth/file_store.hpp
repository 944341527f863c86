#pragma once
// The tokens file (auth=file, the embedded default for development and demos): tokens resolved
// to identities, and the customer tree the file directory answers from. Loaded once, immutable
// afterwards; a reload builds a new store and swaps the shared_ptr (file_validator::replace,
// file_directory::replace), so readers never lock. The file's format, and every check made on
// it, are protocol/telecomx/tokens_file.hpp's; this is the lookup side.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "protocol/telecomx/identity.hpp"

namespace txrt::auth {

// Who a token stands for, in the Telecom X vocabulary (protocol/telecomx/identity.hpp).
using telecomx::access_level;
using telecomx::identity;

// The longest parent chain a directory walk returns (customer_directory's contract).
inline constexpr std::size_t max_parent_chain = 32;

struct token_entry {
  identity who;    // unset fields when !success
  std::string ip;  // the address the token is bound to; empty: any address
  std::optional<std::chrono::system_clock::time_point> expires;
  bool success = true;  // false: the token is known and always invalid
};

struct customer_entry {
  std::string name;
  std::string parent;  // empty: a root customer
};

class file_store;

// The outcome of a load: a store, or an error naming the file, the token by its index in
// "tokens" (never the token itself) or the customer id, and what is wrong.
struct store_load {
  std::shared_ptr<const file_store> store;
  std::string error;
  explicit operator bool() const noexcept { return store != nullptr; }
};

class file_store {
 public:
  // Parses the file's text. Never throws on bad input; the error is in the result.
  static store_load parse(std::string_view json);
  // Reads and parses `path`; errors are prefixed with the path.
  static store_load load(const std::filesystem::path& path);

  // nullptr when unknown.
  const token_entry* find_token(std::string_view token) const;
  const customer_entry* find_customer(std::string_view id) const;

  // `customer`'s parent, its parent, ... up to the root; empty for a root or unknown customer.
  // At most max_parent_chain entries, and a walk that meets a customer twice stops there.
  std::vector<std::string> parent_chain(std::string_view customer) const;

  std::size_t token_count() const noexcept { return tokens_.size(); }
  std::size_t customer_count() const noexcept { return customers_.size(); }

 private:
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  template <class T>
  using string_map = std::unordered_map<std::string, T, string_hash, std::equal_to<>>;

  string_map<token_entry> tokens_;
  string_map<customer_entry> customers_;
};

}  // namespace txrt::auth
