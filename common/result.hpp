// Result<T>: the value-or-error type for fallible setup and for errors that
// cross a stage boundary. Plain value types; thread-safety is that of T.
#pragma once

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace common {

struct Error {
    std::string message;
};

template <class T>
using Result = tl::expected<T, Error>;

// Shorthand for `return fail("…")` inside a function returning Result<T>.
inline tl::unexpected<Error> fail(std::string message) {
    return tl::unexpected<Error>(Error{std::move(message)});
}

}  // namespace common
