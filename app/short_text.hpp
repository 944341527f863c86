#pragma once
// A short, fixed text kept in place: up to 31 bytes inline, a longer one on the heap. 32
// bytes, like a std::string, whose own inline room (15 bytes) is too small for the
// 20-character Socket.IO ids this server makes, so each socket's id cost a heap block too.
// Immutable once made (copyable, not editable): for ids fixed at connect.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace txrt::telecomx {

class short_text {
 public:
  short_text() noexcept { set_tag(0); }
  explicit short_text(std::string_view text) {
    set_tag(0);
    assign(text);
  }
  short_text(const short_text& other) {
    set_tag(0);
    assign(other.view());
  }
  short_text& operator=(const short_text& other) {
    if (this != &other) {
      release();
      assign(other.view());
    }
    return *this;
  }
  ~short_text() { release(); }

  std::string_view view() const noexcept {
    if (!on_heap()) return std::string_view(bytes_, tag());
    const heap_text h = heap();
    return std::string_view(h.data, h.size);
  }
  operator std::string_view() const noexcept { return view(); }
  friend bool operator==(const short_text& a, std::string_view b) noexcept {
    return a.view() == b;
  }

 private:
  // The last byte is the tag: the inline length, or heap_tag. The heap form keeps a heap_text
  // in the first 16 (copied in and out with memcpy: no union, no aliasing question).
  struct heap_text {
    char* data;
    std::size_t size;
  };
  static constexpr std::size_t capacity = 31;
  static constexpr std::uint8_t heap_tag = 0xff;

  std::uint8_t tag() const noexcept { return static_cast<std::uint8_t>(bytes_[capacity]); }
  void set_tag(std::uint8_t t) noexcept { bytes_[capacity] = static_cast<char>(t); }
  bool on_heap() const noexcept { return tag() == heap_tag; }
  heap_text heap() const noexcept {
    heap_text h;
    std::memcpy(&h, bytes_, sizeof h);
    return h;
  }
  void assign(std::string_view text) {  // requires: empty
    if (text.size() <= capacity) {
      std::memcpy(bytes_, text.data(), text.size());
      set_tag(static_cast<std::uint8_t>(text.size()));
      return;
    }
    const heap_text h{new char[text.size()], text.size()};
    std::memcpy(h.data, text.data(), text.size());
    std::memcpy(bytes_, &h, sizeof h);
    set_tag(heap_tag);
  }
  void release() noexcept {
    if (on_heap()) delete[] heap().data;
    set_tag(0);
  }

  alignas(heap_text) char bytes_[capacity + 1];
};

static_assert(sizeof(short_text) == 32);

}  // namespace txrt::telecomx
