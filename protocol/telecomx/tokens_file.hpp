#pragma once
// The tokens file (auth=file, the embedded default for development and demos), read into plain
// values; auth/file_store turns them into its lookup tables. Pure: the caller reads the file.
//
//   {"customers": {"<id>": {"name": "...", "parent": "<id>" | null}, ...},
//    "tokens": {"<token>": {"employee": "...", "customer": "...", "accessLevel": "VIEWER",
//                           "name": "...", "organizationResellers": ["..."],
//                           "ip": "<bound address>", "expires": "<ISO-8601>",
//                           "success": true | false}, ...}}
//
// "customers" is optional; "tokens" is required. A token entry with "success": false needs no
// other field (it mirrors the http/redis validators' {success:false}). Unknown keys are ignored;
// null is the same as absent for every optional member.
//
// The file is authoritative configuration, so the whole document is checked here and the first
// fault, in file order, fails it: each customer's fields and id (unique), then the customer tree
// (every parent listed, no cycle), then each token's fields and the token itself (non-empty,
// unique). Errors name a token by its index in "tokens", never by the token.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/telecomx/identity.hpp"

namespace txrt::telecomx {

struct tokens_file_customer {
  std::string id;      // non-empty
  std::string name;    // empty when absent
  std::string parent;  // empty: a root customer; otherwise another customer of the file
};

struct tokens_file_token {
  std::string token;  // non-empty; a secret: never log it
  identity who;       // unset fields when !success
  std::string ip;     // the address the token is bound to; empty: any address
  std::optional<std::chrono::system_clock::time_point> expires;
  bool success = true;  // false: the token is known and always invalid
};

struct tokens_file {
  std::vector<tokens_file_customer> customers;  // file order, ids unique, parents form a forest
  std::vector<tokens_file_token> tokens;        // file order, tokens unique
};

struct parsed_tokens_file {
  std::optional<tokens_file> value;
  std::string
      error;  // when !value: where and what, e.g. `tokens[3] (employee e1): missing "customer"`
};

// Never throws on bad input; the error is in the result.
parsed_tokens_file parse_tokens_file(std::string_view json);

}  // namespace txrt::telecomx
