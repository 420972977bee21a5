#include "net/http_client.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/thread_name.hpp"
#include "net/transfer.hpp"

namespace net {

using detail::Transfer;
using Clock = std::chrono::steady_clock;

namespace {

HttpError shutdown_error(const std::string& url) {
    return HttpError{HttpErrorKind::shutdown, url + ": HTTP client stopped"};
}

void count_failure(HttpClientMetrics& metrics, HttpErrorKind kind) {
    metrics.failures_total.fetch_add(1, std::memory_order_relaxed);
    if (kind == HttpErrorKind::refused_address) metrics.refused_total.fetch_add(1, std::memory_order_relaxed);
    if (kind == HttpErrorKind::body_too_large) metrics.too_large_total.fetch_add(1, std::memory_order_relaxed);
    if (kind == HttpErrorKind::timeout) metrics.timeouts_total.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

// The transfer thread's state. `incoming_` is the only thing other threads touch (under mutex_);
// everything else belongs to the thread.
class HttpClient::Loop {
public:
    Loop(HttpClientConfig config, std::shared_ptr<spdlog::logger> log)
        : config_(std::move(config)), log_(std::move(log)), multi_(curl_multi_init()) {
        if (!multi_) throw std::runtime_error("curl_multi_init failed");
        curl_multi_setopt(multi_.get(), CURLMOPT_PIPELINING, static_cast<long>(CURLPIPE_MULTIPLEX));
        curl_multi_setopt(multi_.get(), CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(config_.max_per_host));
        thread_ = std::jthread([this](std::stop_token stop) {
            common::name_this_thread("http-client");
            run(stop);
        });
    }

    void submit(HttpRequest request, Callback callback) {
        metrics_.requests_total.fetch_add(1, std::memory_order_relaxed);
        auto key = detail::host_key_of(request.url);
        if (!key) {
            count_failure(metrics_, key.error().kind);
            return deliver(std::move(callback), tl::unexpected(key.error()));
        }
        auto transfer = std::make_unique<Transfer>(std::move(request), std::move(callback), std::move(*key));
        {
            std::lock_guard lock(mutex_);
            if (!stopped_) {
                incoming_.push_back(std::move(transfer));
                curl_multi_wakeup(multi_.get());
                return;
            }
        }
        fail(*transfer, shutdown_error(transfer->request().url));
    }

    void stop() {
        {
            std::lock_guard lock(mutex_);
            if (stopped_) return;
            stopped_ = true;
        }
        thread_.request_stop();
        curl_multi_wakeup(multi_.get());
        if (thread_.joinable()) thread_.join();
    }

    HttpClientMetrics metrics_;

private:
    struct Host {
        std::size_t running = 0;
        std::deque<std::unique_ptr<Transfer>> waiting;
        bool scheduled = false;   // in ready_hosts_
    };

    void run(const std::stop_token& stop) {
        while (!stop.stop_requested()) {
            take_incoming();
            release_delayed(Clock::now());
            start_ready();
            int running = 0;
            curl_multi_perform(multi_.get(), &running);
            collect_finished();
            curl_multi_poll(multi_.get(), nullptr, 0, poll_timeout_ms(), nullptr);
        }
        abort_everything();
    }

    void take_incoming() {
        std::deque<std::unique_ptr<Transfer>> batch;
        {
            std::lock_guard lock(mutex_);
            batch.swap(incoming_);
        }
        for (auto& transfer : batch) {
            const auto start = transfer->request().not_before;
            if (start > Clock::now()) {
                delayed_.emplace(start, std::move(transfer));
            } else {
                enqueue(std::move(transfer));
            }
        }
    }

    void release_delayed(Clock::time_point now) {
        while (!delayed_.empty() && delayed_.begin()->first <= now) {
            enqueue(std::move(delayed_.begin()->second));
            delayed_.erase(delayed_.begin());
        }
    }

    void enqueue(std::unique_ptr<Transfer> transfer) {
        Host& host = hosts_[transfer->host_key()];
        host.waiting.push_back(std::move(transfer));
        schedule(host, host.waiting.back()->host_key());
    }

    void schedule(Host& host, const std::string& key) {
        if (host.scheduled || host.waiting.empty() || host.running >= config_.max_per_host) return;
        host.scheduled = true;
        ready_hosts_.push_back(key);
    }

    // Round-robin over hosts with waiting transfers and a free slot, one transfer per turn.
    void start_ready() {
        while (running_.size() < config_.max_concurrent && !ready_hosts_.empty()) {
            const std::string key = std::move(ready_hosts_.front());
            ready_hosts_.pop_front();
            Host& host = hosts_.at(key);
            host.scheduled = false;
            auto transfer = std::move(host.waiting.front());
            host.waiting.pop_front();
            ++host.running;
            start(std::move(transfer));
            schedule(host, key);
        }
    }

    void start(std::unique_ptr<Transfer> transfer) {
        auto easy = transfer->prepare(config_);
        if (easy && curl_multi_add_handle(multi_.get(), *easy) == CURLM_OK) {
            running_.emplace(*easy, std::move(transfer));
            return;
        }
        release_slot(transfer->host_key());
        fail(*transfer, easy ? HttpError{HttpErrorKind::transport, "curl_multi_add_handle failed"} : easy.error());
    }

    void collect_finished() {
        int left = 0;
        while (CURLMsg* message = curl_multi_info_read(multi_.get(), &left)) {
            if (message->msg != CURLMSG_DONE) continue;
            CURL* easy = message->easy_handle;
            const CURLcode code = message->data.result;
            curl_multi_remove_handle(multi_.get(), easy);
            auto node = running_.extract(easy);
            release_slot(node.mapped()->host_key());
            Transfer& transfer = *node.mapped();
            HttpResult result = transfer.finish(code);
            if (result) {
                metrics_.responses_total.fetch_add(1, std::memory_order_relaxed);
                if (result->status == 429) metrics_.rate_limited_total.fetch_add(1, std::memory_order_relaxed);
            } else {
                count_failure(metrics_, result.error().kind);
            }
            deliver(transfer.take_callback(), std::move(result));
        }
    }

    void release_slot(const std::string& key) {
        auto it = hosts_.find(key);
        if (it == hosts_.end()) return;
        Host& host = it->second;
        if (host.running > 0) --host.running;
        if (host.running == 0 && host.waiting.empty()) {
            hosts_.erase(it);
        } else {
            schedule(host, key);
        }
    }

    int poll_timeout_ms() const {
        constexpr int idle_ms = 1000;
        if (delayed_.empty()) return idle_ms;
        const auto wait = std::chrono::ceil<std::chrono::milliseconds>(delayed_.begin()->first - Clock::now());
        return static_cast<int>(std::clamp<std::int64_t>(wait.count(), 0, idle_ms));
    }

    void abort_everything() {
        for (auto& [easy, transfer] : running_) {
            curl_multi_remove_handle(multi_.get(), easy);
            fail(*transfer, shutdown_error(transfer->request().url));
        }
        running_.clear();
        for (auto& [when, transfer] : delayed_) fail(*transfer, shutdown_error(transfer->request().url));
        delayed_.clear();
        for (auto& [key, host] : hosts_) {
            for (auto& transfer : host.waiting) fail(*transfer, shutdown_error(transfer->request().url));
        }
        hosts_.clear();
        std::deque<std::unique_ptr<Transfer>> late;
        {
            std::lock_guard lock(mutex_);
            late.swap(incoming_);
        }
        for (auto& transfer : late) fail(*transfer, shutdown_error(transfer->request().url));
    }

    void fail(Transfer& transfer, HttpError error) {
        count_failure(metrics_, error.kind);
        deliver(transfer.take_callback(), tl::unexpected(std::move(error)));
    }

    void deliver(Callback callback, HttpResult result) {
        if (callback) callback(std::move(result));
    }

    HttpClientConfig config_;
    std::shared_ptr<spdlog::logger> log_;
    detail::CurlMulti multi_;

    std::mutex mutex_;
    bool stopped_ = false;
    std::deque<std::unique_ptr<Transfer>> incoming_;

    std::multimap<Clock::time_point, std::unique_ptr<Transfer>> delayed_;
    std::unordered_map<std::string, Host> hosts_;
    std::deque<std::string> ready_hosts_;
    std::unordered_map<CURL*, std::unique_ptr<Transfer>> running_;

    std::jthread thread_;   // last: starts after, and is joined before, everything above
};

namespace {
std::once_flag curl_global_once;
}

HttpClient::HttpClient(HttpClientConfig config, std::shared_ptr<spdlog::logger> log) {
    // libcurl's global init is not thread-safe; everything later is per handle.
    std::call_once(curl_global_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    loop_ = std::make_unique<Loop>(std::move(config), std::move(log));
}

HttpClient::~HttpClient() { stop(); }

void HttpClient::submit(HttpRequest request, Callback callback) {
    loop_->submit(std::move(request), std::move(callback));
}

std::future<HttpResult> HttpClient::fetch(HttpRequest request) {
    auto promise = std::make_shared<std::promise<HttpResult>>();
    auto future = promise->get_future();
    submit(std::move(request), [promise](HttpResult result) { promise->set_value(std::move(result)); });
    return future;
}

void HttpClient::stop() { loop_->stop(); }

const HttpClientMetrics& HttpClient::metrics() const noexcept { return loop_->metrics_; }

std::string_view to_string(HttpErrorKind kind) noexcept {
    switch (kind) {
        case HttpErrorKind::refused_address: return "refused_address";
        case HttpErrorKind::body_too_large: return "body_too_large";
        case HttpErrorKind::timeout: return "timeout";
        case HttpErrorKind::resolve_failed: return "resolve_failed";
        case HttpErrorKind::connect_failed: return "connect_failed";
        case HttpErrorKind::tls_failed: return "tls_failed";
        case HttpErrorKind::transport: return "transport";
        case HttpErrorKind::bad_url: return "bad_url";
        case HttpErrorKind::shutdown: return "shutdown";
    }
    return "unknown";
}

}  // namespace net
