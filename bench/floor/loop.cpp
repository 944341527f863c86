#include "bench/floor/loop.hpp"

#include <liburing.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace txrt::floor {

namespace {

constexpr int max_events_per_wait = 256;
// Sends per io_uring submission (as txrt's send_ring).
constexpr unsigned max_sends = 256;

// The loop the calling thread runs, if any.
thread_local loop* current_loop = nullptr;

[[noreturn]] void die(const char* what) {
  std::perror(what);
  std::exit(1);
}

}  // namespace

struct loop::uring_state {
  io_uring ring{};
  bool ready = false;
  struct slot {
    msghdr msg;
    std::array<iovec, connection::max_iovecs> iov;
  };
  std::vector<slot> slots;
  ~uring_state() {
    if (ready) io_uring_queue_exit(&ring);
  }
};

loop::loop(std::size_t index, bool io_uring) : index_(index), want_uring_(io_uring) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) die("epoll_create1");
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) die("eventfd");
  add(wake_fd_, this, EPOLLIN);
}

loop::~loop() {
  connections_.clear();
  dead_.clear();
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

// --- any thread ------------------------------------------------------------------------------

void loop::post_socket(int fd) {
  post({fd, {}, {}});
}

void loop::post_event(std::string customer, frame_ptr frame) {
  post({-1, std::move(customer), std::move(frame)});
}

void loop::post(inbox_item item) {
  bool was_empty;
  {
    std::lock_guard lock(inbox_mutex_);
    was_empty = inbox_.empty();
    inbox_.push_back(std::move(item));
  }
  // From the loop's own thread no wake-up is needed: run() drains the inbox after this turn's
  // events (as Asio runs a handler posted from its own thread without a system call). From
  // another thread, an empty inbox means the loop has drained (or is about to drain) everything
  // before: wake it once per batch, not once per item.
  if (current_loop == this) {
    self_posted_ = true;
  } else if (was_empty) {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  }
}

void loop::stop() {
  stopping_ = true;
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

// --- loop thread -----------------------------------------------------------------------------

void loop::add(int fd, io_handler* h, std::uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = h;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) die("epoll_ctl add");
}

void loop::modify(int fd, io_handler* h, std::uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = h;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev);  // fails only for a socket being closed
}

void loop::run() {
  current_loop = this;
  start_uring();
  std::array<epoll_event, max_events_per_wait> events;
  while (!stopping_) {
    const int n = ::epoll_wait(epoll_fd_, events.data(), max_events_per_wait, -1);
    if (n < 0 && errno != EINTR) die("epoll_wait");
    for (int i = 0; i < n; ++i)
      static_cast<io_handler*>(events[i].data.ptr)->on_event(events[i].events);
    if (self_posted_) {
      self_posted_ = false;
      drain_inbox();
    }
    flush_dirty();
    bury();
  }
}

void loop::on_event(std::uint32_t) {
  std::uint64_t count;
  [[maybe_unused]] auto n = ::read(wake_fd_, &count, sizeof count);
  drain_inbox();
}

void loop::drain_inbox() {
  {
    std::lock_guard lock(inbox_mutex_);
    draining_.swap(inbox_);
  }
  for (auto& item : draining_) {
    if (item.fd >= 0)
      accept_socket(item.fd);
    else
      deliver(item.customer, item.frame);
  }
  draining_.clear();
}

void loop::accept_socket(int fd) {
  ++counters_.accepted;
  auto c = std::make_unique<connection>(*this, fd);
  add(fd, c.get(), EPOLLIN);
  connections_.emplace(fd, std::move(c));
}

void loop::subscribe(connection& c) {
  customers_[c.customer()].push_back(&c);
}

// The fan-out: the same bytes queued on every socket of the customer; no allocation per socket
// beyond its queue's slot.
void loop::deliver(const std::string& customer, const frame_ptr& frame) {
  ++counters_.events;
  const auto it = customers_.find(customer);
  if (it == customers_.end()) return;
  // A socket that overflows closes and is swapped out of the list while we walk it.
  for (std::size_t i = 0; i < it->second.size(); ++i) {
    connection* c = it->second[i];
    c->queue(frame);
    if (i < it->second.size() && it->second[i] == c)
      ++counters_.deliveries;
    else
      --i;  // c closed and was swapped out: the next socket is now at i
  }
}

void loop::mark_dirty(connection& c) {
  c.dirty = true;
  dirty_.push_back(&c);
}

// On the loop's own thread: a SINGLE_ISSUER ring belongs to the thread that made it.
void loop::start_uring() {
  if (!want_uring_) return;
  uring_ = std::make_unique<uring_state>();
  io_uring_params p{};
  p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN;
  if (int r = io_uring_queue_init_params(max_sends, &uring_->ring, &p); r < 0) {
    std::fprintf(stderr, "txrt-floor: io_uring refused (%s): sendmsg per socket\n",
                 std::strerror(-r));
    uring_.reset();
    return;
  }
  uring_->ready = true;
}

void loop::flush_dirty_uring() {
  flushing_.swap(dirty_);
  auto& u = *uring_;
  // One slot per send of a submission (the ring's size), reused by the next submission.
  if (u.slots.size() < max_sends) u.slots.resize(max_sends);
  std::size_t next = 0;
  while (next < flushing_.size()) {
    unsigned submitted = 0;
    const std::size_t start = next;
    for (; next < flushing_.size() && submitted < max_sends; ++next) {
      connection* c = flushing_[next];
      c->dirty = false;
      auto& slot = u.slots[submitted];
      if (!c->prepare_send(slot.msg, slot.iov.data())) {
        slot.msg.msg_iovlen = 0;
        continue;
      }
      io_uring_sqe* sqe = io_uring_get_sqe(&u.ring);
      if (!sqe) {  // the ring is full: send this one in the next submission
        c->dirty = true;
        break;
      }
      io_uring_prep_sendmsg(sqe, c->fd(), &slot.msg, MSG_NOSIGNAL | MSG_DONTWAIT);
      io_uring_sqe_set_data64(sqe, next);  // the connection's place in flushing_
      ++submitted;
    }
    if (submitted == 0) continue;
    // MSG_DONTWAIT makes each send complete at submission (never parked on a poll): waiting
    // for all of them returns at once.
    int r;
    do r = io_uring_submit_and_wait(&u.ring, submitted);
    while (r == -EINTR);
    if (r < 0) {
      errno = -r;
      die("io_uring_submit_and_wait");
    }
    unsigned seen = 0;
    while (seen < submitted) {
      io_uring_cqe* cqe;
      if (int w = io_uring_wait_cqe(&u.ring, &cqe); w < 0) {
        if (w == -EINTR) continue;
        errno = -w;
        die("io_uring_wait_cqe");
      }
      const auto at = static_cast<std::size_t>(io_uring_cqe_get_data64(cqe));
      const long res = cqe->res;
      io_uring_cqe_seen(&u.ring, cqe);
      ++seen;
      if (at >= start && at < flushing_.size()) flushing_[at]->sent(res);
    }
  }
  flushing_.clear();
}

void loop::flush_dirty() {
  if (uring_) return flush_dirty_uring();
  // Swap into a second list whose capacity is kept: no allocation per turn.
  flushing_.swap(dirty_);
  for (connection* c : flushing_) {
    c->dirty = false;
    c->flush();
  }
  flushing_.clear();
}

void loop::closed(connection& c, bool overflow) {
  ++counters_.closed;
  if (overflow) ++counters_.overflowed;
  if (!c.customer().empty()) {
    auto it = customers_.find(c.customer());
    if (it != customers_.end()) {
      auto& list = it->second;
      const auto at = std::find(list.begin(), list.end(), &c);
      if (at != list.end()) {
        *at = list.back();
        list.pop_back();
      }
    }
  }
  // Kept alive until the end of the turn: the dirty list and this turn's epoll events may
  // still point at it (it ignores them once closed).
  auto node = connections_.extract(c.fd());
  if (!node.empty()) dead_.push_back(std::move(node.mapped()));
}

void loop::bury() {
  if (dead_.empty()) return;
  // A dead connection may still be on the dirty list of this turn; the list was flushed
  // (closed ones do nothing) before this runs.
  dead_.clear();
}

}  // namespace txrt::floor
