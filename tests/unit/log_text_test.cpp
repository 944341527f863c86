// protocol/log_text: client text escaped for log lines, and cut at a UTF-8 boundary. Exact
// strings, every prefix length of multi-byte text, and malformed UTF-8.
#include "protocol/log_text.hpp"

#include <catch2/catch.hpp>

#include <string>

#include "protocol/json.hpp"
#include "protocol/telecomx/authenticate_payload.hpp"

using txrt::protocol::log_text;
using txrt::protocol::utf8_prefix;

TEST_CASE("log_text copies printable text and UTF-8 as is", "[log_text]") {
  CHECK(log_text("") == "");
  CHECK(log_text("web-client/1.2") == "web-client/1.2");
  CHECK(log_text("Zürich 東京 😀") == "Zürich\\x20東京\\x20😀");
}

TEST_CASE("log_text escapes what could forge or hide a log line", "[log_text]") {
  // The review's forged line: a `client` with a newline and a whole fake entry after it.
  CHECK(log_text("x\n[2026-12-01 10:00:00.000] [info] authenticate: employee=emp-admin") ==
        "x\\n[2026-12-01\\x2010:00:00.000]\\x20[info]\\x20authenticate:\\x20employee=emp-admin");
  CHECK(log_text("a\r\tb\\c\"d") == "a\\r\\tb\\\\c\\x22d");
  CHECK(log_text(std::string("\x00\x1b[31m\x7f", 7)) == "\\x00\\x1b[31m\\x7f");
  CHECK(log_text("ip=1.2.3.4 remoteAddress=10.0.0.1") == "ip=1.2.3.4\\x20remoteAddress=10.0.0.1");
  // Unicode line breaks and bidi overrides.
  CHECK(log_text("a\u2028b\u2029c\u0085d") == "a\\u{2028}b\\u{2029}c\\u{0085}d");
  CHECK(log_text("evil\u202Etxt.exe") == "evil\\u{202e}txt.exe");
}

TEST_CASE("log_text escapes bytes that are not UTF-8, byte by byte", "[log_text]") {
  CHECK(log_text("\xff") == "\\xff");
  CHECK(log_text("a\xc3") == "a\\xc3");                           // truncated sequence
  CHECK(log_text("\xc0\xaf") == "\\xc0\\xaf");                    // overlong '/'
  CHECK(log_text("\xed\xa0\x80") == "\\xed\\xa0\\x80");           // a surrogate
  CHECK(log_text("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");  // past U+10FFFF
}

TEST_CASE("utf8_prefix never ends inside a character", "[log_text]") {
  const std::string text = "aé東😀z";  // 1 + 2 + 3 + 4 + 1 bytes
  const std::size_t boundaries[] = {0, 1, 3, 6, 10, 11};
  for (std::size_t max = 0; max <= text.size() + 1; ++max) {
    const auto cut = utf8_prefix(text, max);
    INFO(max);
    CHECK(cut.size() <= max);
    // The longest character boundary within the bound.
    std::size_t expected = 0;
    for (const auto b : boundaries)
      if (b <= max) expected = b;
    CHECK(cut.size() == expected);
    CHECK(txrt::protocol::json::parse("\"" + std::string(cut) + "\"").error() == simdjson::SUCCESS);
  }
}

TEST_CASE("authenticate's informational fields are cut at a UTF-8 boundary", "[log_text]") {
  // 255 ASCII bytes then "é": the 256-byte cut would fall inside it.
  const std::string client = std::string(255, 'a') + "é";
  const auto p = txrt::telecomx::parse_authenticate(R"({"token":"t","client":")" + client +
                                                    R"(","instanceId":"東東東"})");
  REQUIRE(p);
  CHECK(p->client_name == std::string(255, 'a'));
  CHECK(p->instance_id == "東東東");
  std::string exactly = std::string(254, 'a') + "é";  // 256 bytes: kept whole
  const auto q = txrt::telecomx::parse_authenticate(R"({"token":"t","ip":")" + exactly + "\"}");
  REQUIRE(q);
  CHECK(q->ip == exactly);
}
