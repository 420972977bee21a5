// Names the calling thread, so `top -H`, `perf` and gdb show which stage a thread serves.
// Thread-safety: names only the calling thread.
#pragma once

#include <pthread.h>

#include <string>
#include <string_view>

namespace common {

// Linux keeps 15 bytes of a thread's name: the prefix "wm-" and the first 12 of `name`.
inline void name_this_thread(std::string_view name) {
    std::string shown = "wm-";
    shown.append(name.substr(0, 12));
    pthread_setname_np(pthread_self(), shown.c_str());
}

}  // namespace common
