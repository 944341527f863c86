// Asio is compiled once, here (separate-compilation mode): every other translation unit sees
// only declarations, which keeps builds on two cores bearable.
#include <boost/asio/impl/src.hpp>
