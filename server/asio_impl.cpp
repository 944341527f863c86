// Asio and Beast are compiled once, here (separate-compilation mode): every other translation
// unit sees only declarations, which keeps builds on two cores bearable.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
