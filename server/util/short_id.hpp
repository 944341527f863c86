#pragma once
// An identifier kept inline: the Engine.IO sid and the Socket.IO socket id of every session.
//
// Why not std::string: both are 20-odd characters (util::random_id(15) is 20, a sid two more),
// past std::string's 15-character inline buffer, so each cost a 32-byte string object and a
// heap block of 32 (+ the allocator's header) per idle session. Here up to 22 characters live
// in the object's 23 bytes (an odd size, so that a one-byte field beside it fills the word); a
// longer id (a sid with a node-id prefix, a recovered id from elsewhere) goes to the heap as
// before.
//
// A view of it (view(), or the conversion) points into the object itself while the id is
// inline: it is valid as long as the object is neither destroyed nor moved. The session
// registry keys on such a view; a session never moves, so that holds.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace txrt::util {

class short_id {
 public:
  static constexpr std::size_t inline_capacity = 22;

  short_id() noexcept { bytes_[inline_capacity] = 0; }
  explicit short_id(std::string_view s) {
    if (s.size() <= inline_capacity) {
      std::memcpy(bytes_, s.data(), s.size());
      bytes_[inline_capacity] = static_cast<char>(s.size());
      return;
    }
    char* heap = new char[s.size()];
    std::memcpy(heap, s.data(), s.size());
    const std::uint64_t size = s.size();
    std::memcpy(bytes_, &heap, sizeof heap);
    std::memcpy(bytes_ + sizeof heap, &size, sizeof size);
    bytes_[inline_capacity] = heap_tag;
  }
  short_id(const short_id& o) : short_id(o.view()) {}
  short_id& operator=(const short_id& o) {
    if (this != &o) {
      short_id copy(o);
      swap(copy);
    }
    return *this;
  }
  ~short_id() {
    if (on_heap()) delete[] heap_data();
  }

  std::string_view view() const noexcept {
    if (!on_heap()) return {bytes_, static_cast<std::size_t>(bytes_[inline_capacity])};
    std::uint64_t size;
    std::memcpy(&size, bytes_ + sizeof(char*), sizeof size);
    return {heap_data(), static_cast<std::size_t>(size)};
  }
  bool empty() const noexcept { return view().empty(); }
  std::size_t size() const noexcept { return view().size(); }

  // Converts where a string or a view is asked for (sio::socket::id() was a std::string).
  operator std::string_view() const noexcept { return view(); }
  operator std::string() const { return std::string(view()); }

  friend bool operator==(const short_id& a, const short_id& b) noexcept {
    return a.view() == b.view();
  }
  friend bool operator==(const short_id& a, std::string_view b) noexcept { return a.view() == b; }
  friend std::string operator+(std::string a, const short_id& b) { return a.append(b.view()); }
  friend std::string operator+(const short_id& a, std::string_view b) {
    return std::string(a.view()).append(b);
  }

 private:
  static constexpr char heap_tag = static_cast<char>(0xff);
  bool on_heap() const noexcept { return bytes_[inline_capacity] == heap_tag; }
  char* heap_data() const noexcept {
    char* p;
    std::memcpy(&p, bytes_, sizeof p);
    return p;
  }
  void swap(short_id& o) noexcept {
    char tmp[sizeof bytes_];
    std::memcpy(tmp, bytes_, sizeof bytes_);
    std::memcpy(bytes_, o.bytes_, sizeof bytes_);
    std::memcpy(o.bytes_, tmp, sizeof bytes_);
  }

  // Inline: the characters, then their count in the last byte. On the heap: the pointer and
  // the size in the first 16 bytes, heap_tag in the last.
  char bytes_[inline_capacity + 1];
};
static_assert(sizeof(short_id) == 23);

}  // namespace txrt::util
