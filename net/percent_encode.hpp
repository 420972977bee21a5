// Percent-encoding of a URL query value (RFC 3986): the unreserved characters stay, every other
// byte becomes %XX. Pure function: thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace net {

[[nodiscard]] std::string percent_encode(std::string_view text);

}  // namespace net
