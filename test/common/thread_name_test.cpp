#include "common/thread_name.hpp"

#include <catch2/catch.hpp>

#include <pthread.h>

#include <string>
#include <thread>

namespace {

std::string name_of_thread_after(std::string_view requested) {
    std::string seen;
    std::thread([&] {
        common::name_this_thread(requested);
        char buffer[32] = {};
        pthread_getname_np(pthread_self(), buffer, sizeof buffer);
        seen = buffer;
    }).join();
    return seen;
}

}  // namespace

TEST_CASE("a thread is named wm-<what it serves>, cut to the 15 characters Linux keeps", "[common]") {
    CHECK(name_of_thread_after("decode") == "wm-decode");
    CHECK(name_of_thread_after("firehose_read") == "wm-firehose_rea");
    CHECK(name_of_thread_after("") == "wm-");
}
