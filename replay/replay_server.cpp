#include "replay/replay_server.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>

#include <fmt/format.h>
#include <libwebsockets.h>

#include "common/thread_name.hpp"
#include "ops/http_reply.hpp"
#include "ops/lws_listener.hpp"
#include "replay/request.hpp"

namespace replay {
namespace {

using Clock = std::chrono::steady_clock;

int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);

const lws_protocols protocols[] = {
    {"wintermute-replay", callback, sizeof(void*), 16 * 1024, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

// At most this many frames go out in one writable callback (then the other connections get theirs).
constexpr int frames_per_writable = 16;

// One connection: a subscription (plan set) or an HTTP response (plan null). lws keeps a pointer
// to it in the connection's user slot; created on ESTABLISHED / HTTP, deleted on CLOSED / CLOSED_HTTP.
struct Session {
    lws* wsi = nullptr;
    const ReplayPlan* plan = nullptr;
    std::optional<std::int64_t> cursor;
    std::size_t next = 0;
    std::uint64_t sent = 0;
    Clock::time_point started;
    bool future = false;
    bool error_sent = false;
    std::vector<std::byte> buffer;
    ops::HttpReply reply;
};

void append_text(std::vector<std::byte>& out, std::string_view text) {
    if (text.size() < 24) {
        out.push_back(static_cast<std::byte>(0x60 | text.size()));
    } else {
        out.push_back(std::byte{0x78});
        out.push_back(static_cast<std::byte>(text.size()));
    }
    for (const char c : text) out.push_back(static_cast<std::byte>(c));
}

// {"op": -1} {"error": "FutureCursor", "message": …}: what a relay sends before closing.
std::vector<std::byte> future_cursor_frame() {
    std::vector<std::byte> out{std::byte{0xa1}};
    append_text(out, "op");
    out.push_back(std::byte{0x20});
    out.push_back(std::byte{0xa2});
    append_text(out, "error");
    append_text(out, "FutureCursor");
    append_text(out, "message");
    append_text(out, "Cursor in the future.");
    return out;
}

}  // namespace

class ReplayServer::Impl {
public:
    Impl(const ReplayServerConfig& config, ReplayStreams streams, std::vector<HttpRoute> routes,
         std::shared_ptr<spdlog::logger> log)
        : config_(config), streams_(std::move(streams)), routes_(std::move(routes)), log_(std::move(log)) {}

    common::Result<void> start();

    int on_filter(lws* wsi);
    int on_established(lws* wsi, Session*& session);
    int on_ws_writable(lws* wsi, Session& session);
    int on_http(lws* wsi, Session*& session, const char* path);
    void on_closed(Session*& session, bool subscription);
    // The pacer woke the service loop: the sessions now due may write.
    void on_wait_cancelled();

    ReplayServerConfig config_;
    ReplayStreams streams_;
    std::vector<HttpRoute> routes_;
    std::shared_ptr<spdlog::logger> log_;
    std::atomic<std::uint64_t> subscribers_{0};
    std::atomic<std::uint64_t> frames_sent_{0};
    // Paced sessions whose next frame is not due yet (the service thread's only).
    std::vector<Session*> waiting_;
    // lws waits in poll(), whose timeout is whole milliseconds: a timer (lws_sul) due in less than
    // that makes its service loop poll with timeout 0 until it is ripe, which at a rate of
    // thousands of frames a second was a busy loop. pacer_ sleeps until the earliest due frame
    // instead and wakes the loop (lws_cancel_service).
    std::mutex pace_mutex_;
    std::condition_variable_any pace_changed_;
    std::optional<Clock::time_point> wake_at_;  // under pace_mutex_
    // The close callbacks it runs at destruction still find everything above.
    std::unique_ptr<ops::LwsListener> listener_;
    // Last: stopped first, while the context it wakes is still there.
    std::jthread pacer_;

private:
    const ReplayPlan* plan_for(std::string_view path) const;
    [[nodiscard]] Clock::time_point due(const Session& session) const;
    // With a rate, whether this session's next frame is due; if not, it waits for the pacer.
    bool slot_open(Session& session);
    void pace(std::stop_token stop);
    void wake_at(Clock::time_point when);
};

common::Result<void> ReplayServer::Impl::start() {
    const ops::ListenerConfig listen{config_.address, config_.port, config_.tls_cert_file, config_.tls_key_file,
                                     "replay"};
    auto listener = ops::LwsListener::start(listen, protocols, this);
    if (!listener) return tl::unexpected(listener.error());
    listener_ = std::move(*listener);
    if (config_.rate) {
        pacer_ = std::jthread([this](std::stop_token stop) {
            common::name_this_thread("replay-pace");
            pace(std::move(stop));
        });
    }
    return {};
}

void ReplayServer::Impl::pace(std::stop_token stop) {
    std::unique_lock lock(pace_mutex_);
    while (!stop.stop_requested()) {
        if (!wake_at_) {
            pace_changed_.wait(lock, stop, [&] { return wake_at_.has_value(); });
            continue;
        }
        const auto when = *wake_at_;
        // Woken early when a session asks for an earlier time.
        if (pace_changed_.wait_until(lock, stop, when, [&] { return !wake_at_ || *wake_at_ < when; })) continue;
        if (stop.stop_requested()) break;
        wake_at_.reset();
        lws_cancel_service(listener_->context());
    }
}

void ReplayServer::Impl::wake_at(Clock::time_point when) {
    {
        const std::lock_guard lock(pace_mutex_);
        if (wake_at_ && *wake_at_ <= when) return;
        wake_at_ = when;
    }
    pace_changed_.notify_one();
}

void ReplayServer::Impl::on_wait_cancelled() {
    const auto now = Clock::now();
    std::optional<Clock::time_point> next;
    std::erase_if(waiting_, [&](Session* session) {
        const auto at = due(*session);
        if (at <= now) {
            lws_callback_on_writable(session->wsi);
            return true;
        }
        next = std::min(next.value_or(at), at);
        return false;
    });
    if (next) wake_at(*next);
}

const ReplayPlan* ReplayServer::Impl::plan_for(std::string_view path) const {
    if (path == "/xrpc/com.atproto.sync.subscribeRepos" && streams_.repos) return &*streams_.repos;
    if (path == "/xrpc/com.atproto.label.subscribeLabels" && streams_.labels) return &*streams_.labels;
    return nullptr;
}

int ReplayServer::Impl::on_filter(lws* wsi) {
    const HttpRequest request = read_request(wsi);
    if (plan_for(request.path) == nullptr) {
        log_->info("refusing a subscription to {}", request.path);
        return 1;
    }
    if (auto cursor = cursor_param(request); !cursor) {
        log_->info("refusing a subscription: {}", cursor.error().message);
        return 1;
    }
    return 0;
}

int ReplayServer::Impl::on_established(lws* wsi, Session*& session) {
    const HttpRequest request = read_request(wsi);
    session = new Session;
    session->wsi = wsi;
    session->plan = plan_for(request.path);
    if (session->plan == nullptr) return -1;
    session->cursor = cursor_param(request).value_or(std::nullopt);
    session->future = session->plan->is_future(session->cursor);
    session->next = session->plan->start_index(session->cursor);
    session->started = Clock::now();
    ++subscribers_;
    log_->info("subscriber on {} from cursor {}", request.path,
               session->cursor ? fmt::format("{}", *session->cursor) : std::string("(none)"));
    lws_callback_on_writable(wsi);
    return 0;
}

Clock::time_point ReplayServer::Impl::due(const Session& session) const {
    return session.started + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(session.sent / *config_.rate));
}

bool ReplayServer::Impl::slot_open(Session& session) {
    if (!config_.rate) return true;
    const auto at = due(session);
    if (Clock::now() >= at) return true;
    if (std::find(waiting_.begin(), waiting_.end(), &session) == waiting_.end()) waiting_.push_back(&session);
    wake_at(at);
    return false;
}

int ReplayServer::Impl::on_ws_writable(lws* wsi, Session& session) {
    if (session.error_sent) {
        lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, nullptr, 0);
        return -1;
    }
    const auto& plan = *session.plan;
    // Several frames per writable callback while the socket takes them whole: a return to the
    // service loop is a poll() per frame otherwise, as dear as the send (docs/benchmarks.md).
    for (int written = 0; written < frames_per_writable; ++written) {
        while (!session.future && session.next < plan.size() && !plan.serves(session.next, session.cursor)) {
            ++session.next;
        }
        if (!session.future && session.next >= plan.size()) return 0;   // caught up: hold the connection open
        if (!slot_open(session)) return 0;
        session.buffer.assign(LWS_PRE, std::byte{0});
        if (session.future) {
            const auto frame = future_cursor_frame();
            session.buffer.insert(session.buffer.end(), frame.begin(), frame.end());
            session.error_sent = true;
        } else {
            plan.append_frame(session.next++, session.buffer);
        }
        const std::size_t length = session.buffer.size() - LWS_PRE;
        auto* payload = reinterpret_cast<unsigned char*>(session.buffer.data()) + LWS_PRE;
        if (lws_write(wsi, payload, length, LWS_WRITE_BINARY) < static_cast<int>(length)) return -1;
        ++session.sent;
        ++frames_sent_;
        // lws kept part of it for later: no more writes until the socket drains.
        if (session.error_sent || lws_partial_buffered(wsi)) break;
    }
    lws_callback_on_writable(wsi);
    return 0;
}

int ReplayServer::Impl::on_http(lws* wsi, Session*& session, const char* path) {
    delete std::exchange(session, new Session);
    return session->reply.begin(wsi, ops::dispatch(routes_, read_request(wsi, path)));
}

void ReplayServer::Impl::on_closed(Session*& session, bool subscription) {
    if (session == nullptr) return;
    std::erase(waiting_, session);
    if (subscription && session->plan != nullptr) --subscribers_;
    delete std::exchange(session, nullptr);
}

namespace {

int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
    auto* impl = static_cast<ReplayServer::Impl*>(lws_context_user(lws_get_context(wsi)));
    auto** slot = static_cast<Session**>(user);
    // A connection that failed before lws allocated its user slot (a TLS handshake refused by the
    // client, say) still gets its close callbacks, with user == nullptr.
    Session* none = nullptr;
    if (slot == nullptr) {
        if (reason == LWS_CALLBACK_ESTABLISHED || reason == LWS_CALLBACK_HTTP) return -1;
        slot = &none;
    }
    switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED: impl->on_wait_cancelled(); return 0;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: return impl->on_filter(wsi);
    case LWS_CALLBACK_ESTABLISHED: return impl->on_established(wsi, *slot);
    case LWS_CALLBACK_SERVER_WRITEABLE: return *slot != nullptr ? impl->on_ws_writable(wsi, **slot) : 0;
    case LWS_CALLBACK_CLOSED: impl->on_closed(*slot, true); return 0;
    case LWS_CALLBACK_HTTP: return impl->on_http(wsi, *slot, static_cast<const char*>(in));
    case LWS_CALLBACK_HTTP_WRITEABLE: return *slot != nullptr ? (*slot)->reply.on_writable(wsi) : 0;
    case LWS_CALLBACK_CLOSED_HTTP: impl->on_closed(*slot, false); return 0;
    default: return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

}  // namespace

common::Result<std::unique_ptr<ReplayServer>> ReplayServer::start(const ReplayServerConfig& config,
                                                                  ReplayStreams streams, std::vector<HttpRoute> routes,
                                                                  std::shared_ptr<spdlog::logger> log) {
    auto impl = std::make_unique<Impl>(config, std::move(streams), std::move(routes), std::move(log));
    if (auto started = impl->start(); !started) return tl::unexpected(started.error());
    return std::unique_ptr<ReplayServer>(new ReplayServer(std::move(impl)));
}

ReplayServer::ReplayServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ReplayServer::~ReplayServer() = default;
std::uint16_t ReplayServer::port() const noexcept { return impl_->listener_->port(); }
std::uint64_t ReplayServer::subscribers() const noexcept { return impl_->subscribers_; }
std::uint64_t ReplayServer::frames_sent() const noexcept { return impl_->frames_sent_; }

}  // namespace replay
