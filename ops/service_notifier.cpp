#include "ops/service_notifier.hpp"

#include <string>

#include <systemd/sd-daemon.h>

namespace ops {

// sd_notify's result only says whether systemd was listening; outside systemd that is expected,
// and inside it a lost notification shows up as a start timeout, so the result is not needed.
void ServiceNotifier::ready() const { static_cast<void>(sd_notify(0, "READY=1")); }

void ServiceNotifier::stopping() const { static_cast<void>(sd_notify(0, "STOPPING=1")); }

void ServiceNotifier::status(std::string_view text) const {
    const std::string message = "STATUS=" + std::string(text);
    static_cast<void>(sd_notify(0, message.c_str()));
}

}  // namespace ops
