#pragma once
// The applications of the conformance server (see shared/CONFORMANCE.md): a raw Engine.IO
// echo, and the Socket.IO namespaces "/" and "/custom" of the official test suites, plus
// "/test", which the project's own client tests use (acks from the server, server-side
// disconnect). The official suites never open "/test".
#include <memory>

#include "server/engine/types.hpp"
#include "server/socketio/namespace_handler.hpp"

namespace txrt::conformance {

engine::handler_factory make_echo_factory();

std::shared_ptr<sio::namespace_handler> make_main_namespace();    // "/"
std::shared_ptr<sio::namespace_handler> make_custom_namespace();  // "/custom"
std::shared_ptr<sio::namespace_handler> make_test_namespace();    // "/test"

}  // namespace txrt::conformance
