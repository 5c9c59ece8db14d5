#pragma once

// A loopback port where connecting is refused, for tests of "cannot connect" paths.

namespace gov::testing {

// A TCP port on 127.0.0.1 that is bound but never listens, so a connection to it is refused
// at once; it stays reserved (no other process can take the number) until destruction. This
// replaces "bind, close, reuse the number", which races with every other process on the
// machine. Throws std::runtime_error when no socket can be bound.
class RefusedPort {
 public:
  RefusedPort();
  ~RefusedPort();
  RefusedPort(const RefusedPort&) = delete;
  RefusedPort& operator=(const RefusedPort&) = delete;

  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace gov::testing
