// Tells systemd (Type=notify) where the daemon is in its life: READY once it serves, STOPPING when
// the drain begins, and a STATUS line for `systemctl status`. Outside systemd (no NOTIFY_SOCKET)
// every call does nothing. Thread-safety: any thread.
#pragma once

#include <string_view>

namespace ops {

class ServiceNotifier {
public:
    // After the pipeline and the ops server are up.
    void ready() const;
    // When the first SIGTERM/SIGINT starts the drain.
    void stopping() const;
    // A one-line status, e.g. "live lag 0.4 s, backfill 12%".
    void status(std::string_view text) const;
};

}  // namespace ops
