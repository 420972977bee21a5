// DnsTxtResolver: asynchronous TXT lookups on a few worker threads (res_nquery blocks), with a
// bounded queue. Thread-safety: submit() from any thread; callbacks run on a worker thread (or
// inline in submit() when the queue is full or after stop()) and must not block for long.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/dns_txt.hpp"

namespace net {

struct DnsTxtResolverConfig {
    DnsConfig dns;
    std::size_t threads = 2;
    std::size_t max_queued = 10'000;   // further lookups fail at once (DnsErrorKind::failed)
};

class DnsTxtResolver {
public:
    using Callback = std::function<void(TxtResult)>;

    explicit DnsTxtResolver(DnsTxtResolverConfig config);
    ~DnsTxtResolver();   // stop()
    DnsTxtResolver(const DnsTxtResolver&) = delete;
    DnsTxtResolver& operator=(const DnsTxtResolver&) = delete;

    // Never blocks. The callback runs exactly once.
    void submit(std::string name, Callback callback);
    // Queued lookups fail (DnsErrorKind::failed, "stopped"); running ones finish; joins the
    // workers. Idempotent.
    void stop();

private:
    struct Job {
        std::string name;
        Callback callback;
    };
    void work();

    DnsTxtResolverConfig config_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Job> queue_;
    bool stopped_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace net
