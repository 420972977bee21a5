#include "net/dns_txt_resolver.hpp"

#include <utility>

#include "common/thread_name.hpp"

namespace net {

DnsTxtResolver::DnsTxtResolver(DnsTxtResolverConfig config) : config_(std::move(config)) {
    const std::size_t threads = config_.threads == 0 ? 1 : config_.threads;
    workers_.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this] {
        common::name_this_thread("dns");
        work();
    });
}

DnsTxtResolver::~DnsTxtResolver() { stop(); }

void DnsTxtResolver::submit(std::string name, Callback callback) {
    {
        std::lock_guard lock(mutex_);
        if (!stopped_ && queue_.size() < config_.max_queued) {
            queue_.push_back(Job{std::move(name), std::move(callback)});
            wake_.notify_one();
            return;
        }
    }
    callback(tl::unexpected(DnsError{DnsErrorKind::failed, name + ": DNS resolver stopped or overloaded"}));
}

void DnsTxtResolver::stop() {
    std::deque<Job> abandoned;
    {
        std::lock_guard lock(mutex_);
        if (stopped_) return;
        stopped_ = true;
        abandoned.swap(queue_);
    }
    wake_.notify_all();
    for (auto& job : abandoned) {
        job.callback(tl::unexpected(DnsError{DnsErrorKind::failed, job.name + ": DNS resolver stopped"}));
    }
    for (auto& worker : workers_) worker.join();
    workers_.clear();
}

void DnsTxtResolver::work() {
    for (;;) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopped_ || !queue_.empty(); });
            if (queue_.empty()) return;
            job = std::move(queue_.front());
            queue_.pop_front();
        }
        job.callback(lookup_txt(job.name, config_.dns));
    }
}

}  // namespace net
