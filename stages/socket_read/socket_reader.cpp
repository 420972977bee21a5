#include "stages/socket_read/socket_reader.hpp"

#include <cstring>
#include <thread>
#include <type_traits>

#include <fmt/format.h>
#include <libwebsockets.h>

#include "common/thread_name.hpp"
#include "stages/socket_read/backoff.hpp"
#include "stages/socket_read/lws_context.hpp"
#include "stages/socket_read/message_assembler.hpp"
#include "stages/socket_read/tls_session.hpp"
#include "stages/socket_read/websocket_frames.hpp"
#include "stages/socket_read/websocket_handshake.hpp"

namespace stages::socket_read {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* protocol_name = "wintermute-subscribe";

int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);

const lws_protocols protocols[] = {
    {protocol_name, callback, 0, 64 * 1024, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

lws_usec_t to_usec(Clock::duration d) {
    return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

}  // namespace

// The connection is an lws RAW client (TCP or TLS); the WebSocket handshake and frames are ours
// (websocket_frames.hpp says why).
class SocketReader::Impl final : private WsFrameReader::Handler {
public:
    Impl(RelayEndpoint endpoint, Stream stream, const SocketReadConfig& config, Callbacks callbacks,
         SocketReadMetrics& metrics, std::shared_ptr<spdlog::logger> log)
        : endpoint_(std::move(endpoint)), stream_(stream), config_(config), callbacks_(std::move(callbacks)),
          metrics_(metrics), log_(std::move(log)), assembler_(config.max_frame_bytes),
          backoff_(config.backoff_initial, config.backoff_max, std::random_device{}()) {}

    common::Result<void> start() {
        lws_context_creation_info info{};
        info.port = CONTEXT_PORT_NO_LISTEN;
        info.protocols = protocols;
        info.user = this;
        info.fd_limit_per_thread = 64;
        // lws reads a RAW socket into this buffer: 64 KiB a read instead of the default 4 KiB
        // takes ≈ 3 µs of CPU off every firehose event (docs/benchmarks.md).
        info.pt_serv_buf_size = 64 * 1024;
        if (endpoint_.tls) {
            auto tls = TlsContext::create(config_.ca_file);
            if (!tls) return tl::unexpected(tls.error());
            tls_context_.emplace(std::move(*tls));
        }
        auto context = LwsContext::create(info);
        if (!context) return tl::unexpected(context.error());
        context_.emplace(std::move(*context));
        thread_ = std::jthread([this](std::stop_token stop) {
            common::name_this_thread("socket");
            run(std::move(stop));
        });
        return {};
    }

    void stop() {
        if (thread_.joinable()) {
            thread_.request_stop();
            thread_.join();
        }
    }

    ~Impl() { stop(); }

    bool on_connected(lws* wsi);
    bool on_receive(lws* wsi, const void* in, size_t len);
    bool on_writeable(lws* wsi);
    void on_down(lws* wsi, std::string_view why);

private:
    // The sul must be the first member: the lws callback gets its address back and casts.
    struct Timer {
        lws_sorted_usec_list_t sul{};
        Impl* owner = nullptr;
        void (Impl::*action)() = nullptr;
    };
    enum class State : std::uint8_t { idle, connecting, connected };

    void run(std::stop_token stop);
    void connect();
    void check_idle();
    void schedule(Timer& timer, Clock::duration delay);
    void on_established();
    // Plaintext read: the handshake's answer, then frames. False: drop the connection (an error,
    // or stop requested).
    bool handle(std::span<const std::byte> bytes);
    void send(std::string bytes);
    bool payload(std::span<const std::byte> piece, bool final, std::size_t remaining) override;
    bool control(WsOpcode opcode, std::span<const std::byte> payload) override;

    RelayEndpoint endpoint_;
    Stream stream_;
    SocketReadConfig config_;
    Callbacks callbacks_;
    SocketReadMetrics& metrics_;
    std::shared_ptr<spdlog::logger> log_;
    MessageAssembler assembler_;
    std::optional<TlsContext> tls_context_;  // for wss
    std::optional<TlsSession> tls_;          // this connection's, for wss
    WsFrameReader frames_;
    std::optional<WsHandshake> handshake_;  // until the relay has accepted the upgrade
    std::string out_;                       // bytes waiting for the socket to be writeable
    bool close_after_write_ = false;        // a close frame is queued: drop the connection once sent
    std::string down_reason_;               // why we are closing the connection ourselves
    Backoff backoff_;

    std::stop_token stop_;
    bool stopping_ = false;
    State state_ = State::idle;
    bool attempted_ = false;
    lws* wsi_ = nullptr;
    std::string path_;
    std::string host_header_;
    Clock::time_point established_at_;
    Clock::time_point last_data_;
    Timer connect_timer_{{}, this, &Impl::connect};
    Timer idle_timer_{{}, this, &Impl::check_idle};

    // Declared last: the context is destroyed after the thread that services it has ended.
    std::optional<LwsContext> context_;
    std::jthread thread_;
};

void SocketReader::Impl::run(std::stop_token stop) {
    stop_ = stop;
    std::stop_callback wake(stop, [this] { lws_cancel_service(context_->get()); });
    connect();
    while (!stop.stop_requested()) {
        if (lws_service(context_->get(), 0) < 0) break;
    }
    stopping_ = true;
    lws_sul_cancel(&connect_timer_.sul);
    lws_sul_cancel(&idle_timer_.sul);
    metrics_.connected = false;
}

void SocketReader::Impl::schedule(Timer& timer, Clock::duration delay) {
    static_assert(std::is_standard_layout_v<Timer>);
    auto fire = [](lws_sorted_usec_list_t* sul) {
        auto* t = reinterpret_cast<Timer*>(sul);
        (t->owner->*(t->action))();
    };
    lws_sul_schedule(context_->get(), 0, &timer.sul, fire, to_usec(delay));
}

void SocketReader::Impl::connect() {
    if (stop_.stop_requested() || state_ != State::idle) return;
    if (attempted_) ++metrics_.reconnect_attempts;
    attempted_ = true;
    const std::optional<std::int64_t> cursor = callbacks_.cursor ? callbacks_.cursor() : std::nullopt;
    path_ = std::string(subscribe_path(stream_));
    if (cursor) path_ += fmt::format("?cursor={}", *cursor);
    host_header_ = endpoint_.host_header();
    log_->info("connecting to {}://{}{}", endpoint_.tls ? "wss" : "ws", host_header_, path_);

    lws_client_connect_info info{};
    info.context = context_->get();
    info.address = endpoint_.host.c_str();
    info.port = endpoint_.port;
    info.ssl_connection = 0;  // TLS is ours (tls_session.hpp)
    info.path = path_.c_str();
    info.host = host_header_.c_str();
    info.method = "RAW";
    info.local_protocol_name = protocol_name;
    info.pwsi = &wsi_;
    state_ = State::connecting;
    last_data_ = Clock::now();
    schedule(idle_timer_, config_.idle_timeout);
    if (lws_client_connect_via_info(&info) == nullptr && state_ == State::connecting) {
        on_down(nullptr, "connect failed");
    }
}

void SocketReader::Impl::check_idle() {
    if (state_ == State::idle) return;
    const auto silent = Clock::now() - last_data_;
    if (silent < config_.idle_timeout) {
        schedule(idle_timer_, config_.idle_timeout - silent);
        return;
    }
    ++metrics_.idle_timeouts;
    log_->warn("{}: no data for {} ms, closing a dead connection", endpoint_.authority,
               std::chrono::duration_cast<std::chrono::milliseconds>(silent).count());
    if (wsi_ != nullptr) lws_set_timeout(wsi_, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    else on_down(nullptr, "idle");
}

bool SocketReader::Impl::on_connected(lws* wsi) {
    wsi_ = wsi;
    if (tls_context_) {
        auto session = TlsSession::start(*tls_context_, endpoint_.host);
        if (!session) {
            down_reason_ = session.error().message;
            return false;
        }
        tls_.emplace(std::move(*session));
    }
    handshake_.emplace(host_header_, path_);
    send(handshake_->request());
    return down_reason_.empty();
}

void SocketReader::Impl::on_established() {
    handshake_.reset();
    state_ = State::connected;
    established_at_ = last_data_ = Clock::now();
    ++metrics_.connects;
    metrics_.connected = true;
    log_->info("connected to {}", endpoint_.authority);
}

void SocketReader::Impl::send(std::string bytes) {
    if (tls_) {
        if (auto sent = tls_->send(bytes); !sent) {
            down_reason_ = sent.error().message;
            close_after_write_ = true;
        }
        out_ += tls_->take_output();
    } else {
        out_ += bytes;
    }
    if (wsi_ != nullptr && !out_.empty()) lws_callback_on_writable(wsi_);
}

bool SocketReader::Impl::on_writeable(lws* wsi) {
    if (!out_.empty()) {
        std::vector<unsigned char> buffer(LWS_PRE + out_.size());
        std::memcpy(buffer.data() + LWS_PRE, out_.data(), out_.size());
        // lws keeps and sends later whatever the socket does not take now.
        if (lws_write(wsi, buffer.data() + LWS_PRE, out_.size(), LWS_WRITE_RAW) < 0) return false;
        out_.clear();
    }
    return !close_after_write_;
}

bool SocketReader::Impl::on_receive(lws*, const void* in, size_t len) {
    const std::span bytes(static_cast<const std::byte*>(in), len);
    if (!tls_) return handle(bytes);
    // Decrypted data goes on as it comes, also when the session ends in this same read: a relay's
    // last frames (an error frame, its close) often arrive together with its close_notify.
    bool keep = true;
    const auto received = tls_->receive(bytes, [&](std::span<const std::byte> plain) { return keep = handle(plain); });
    // Handshake messages and the request held for the handshake's end go out now.
    out_ += tls_->take_output();
    if (!out_.empty()) lws_callback_on_writable(wsi_);
    if (!keep) return false;
    if (!received) {
        if (!tls_->ended()) ++metrics_.protocol_errors;  // a failed handshake or a broken record
        if (down_reason_.empty()) down_reason_ = received.error().message;
        return false;
    }
    return true;
}

bool SocketReader::Impl::handle(std::span<const std::byte> bytes) {
    // After a close frame nothing more is read; the connection drops once the answer is sent.
    if (close_after_write_) return true;
    if (handshake_) {
        if (bytes.empty()) return true;
        const auto answer = handshake_->feed(bytes);
        if (answer.status == WsHandshake::Status::incomplete) return true;
        if (answer.status == WsHandshake::Status::rejected) {
            ++metrics_.protocol_errors;
            down_reason_ = answer.error;
            return false;
        }
        on_established();
        bytes = bytes.subspan(answer.consumed);
    }
    const auto fed = frames_.feed(bytes, *this);
    if (callbacks_.read_done) callbacks_.read_done();
    if (!fed) {
        ++metrics_.protocol_errors;
        down_reason_ = "protocol error: " + fed.error().message;
        return false;
    }
    return !stop_.stop_requested();
}

bool SocketReader::Impl::payload(std::span<const std::byte> piece, bool final, std::size_t remaining) {
    last_data_ = Clock::now();
    const auto status = assembler_.add(piece, final, remaining);
    if (status == MessageAssembler::Status::refused) {
        ++metrics_.oversize_frames;
        log_->warn("{}: refusing a message over {} bytes", endpoint_.authority, config_.max_frame_bytes);
    }
    if (status != MessageAssembler::Status::complete) return true;
    RawFrame frame;
    frame.host = endpoint_.authority;
    frame.stream = stream_;
    frame.bytes = assembler_.take();
    frame.received = last_data_;
    ++metrics_.frames;
    metrics_.bytes += frame.bytes.size();
    callbacks_.sink(std::move(frame), stop_);
    // Time spent blocked in the sink is our own backpressure, not the relay's silence.
    last_data_ = Clock::now();
    return !stop_.stop_requested();
}

bool SocketReader::Impl::control(WsOpcode opcode, std::span<const std::byte> payload) {
    if (opcode == WsOpcode::ping) {
        send(client_frame(WsOpcode::pong, payload));
    } else if (opcode == WsOpcode::close) {
        // Echo the status code (RFC 6455 §5.5.1), then drop the connection once that is sent.
        const auto code = payload.size() >= 2 ? (static_cast<unsigned>(payload[0]) << 8) | static_cast<unsigned>(payload[1])
                                              : 1005U;
        const auto reason = payload.size() > 2 ? payload.subspan(2) : std::span<const std::byte>{};
        const std::string_view text(reinterpret_cast<const char*>(reason.data()), reason.size());
        down_reason_ = text.empty() ? fmt::format("the relay closed the connection ({})", code)
                                    : fmt::format("the relay closed the connection ({}: {:.120})", code, text);
        send(client_frame(WsOpcode::close, payload.size() >= 2 ? payload.first(2) : std::span<const std::byte>{}));
        close_after_write_ = true;
        return false;
    }
    return true;
}

void SocketReader::Impl::on_down(lws* wsi, std::string_view why) {
    if (state_ == State::idle || (wsi != nullptr && wsi_ != nullptr && wsi != wsi_)) return;
    const bool was_connected = state_ == State::connected;
    state_ = State::idle;
    wsi_ = nullptr;
    assembler_.reset();
    frames_.reset();
    handshake_.reset();
    tls_.reset();
    out_.clear();
    close_after_write_ = false;
    const std::string reason = std::exchange(down_reason_, {});
    if (stopping_) return;
    lws_sul_cancel(&idle_timer_.sul);
    if (was_connected) {
        ++metrics_.disconnects;
        metrics_.connected = false;
        if (Clock::now() - established_at_ >= config_.healthy_after) backoff_.reset();
    }
    if (stop_.stop_requested()) return;
    const auto delay = backoff_.next();
    // Our own reasons (a refused handshake, a protocol error, the relay's close frame) say more than lws's.
    log_->log(reason.empty() ? spdlog::level::info : spdlog::level::warn, "{}: {}; reconnecting in {} ms",
              endpoint_.authority, reason.empty() ? why : std::string_view(reason), delay.count());
    schedule(connect_timer_, delay);
}

namespace {

int callback(lws* wsi, lws_callback_reasons reason, void*, void* in, size_t len) {
    auto* impl = static_cast<SocketReader::Impl*>(lws_context_user(lws_get_context(wsi)));
    switch (reason) {
    case LWS_CALLBACK_RAW_CONNECTED:
        return impl->on_connected(wsi) ? 0 : -1;
    case LWS_CALLBACK_RAW_RX:
        return impl->on_receive(wsi, in, len) ? 0 : -1;
    case LWS_CALLBACK_RAW_WRITEABLE:
        return impl->on_writeable(wsi) ? 0 : -1;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        impl->on_down(wsi, in != nullptr ? static_cast<const char*>(in) : "connection error");
        return 0;
    case LWS_CALLBACK_RAW_CLOSE:
        impl->on_down(wsi, "connection closed");
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        impl->on_down(wsi, "connection gone");
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, nullptr, in, len);
    }
}

}  // namespace

common::Result<std::unique_ptr<SocketReader>> SocketReader::start(RelayEndpoint endpoint, Stream stream,
                                                                  const SocketReadConfig& config,
                                                                  Callbacks callbacks, SocketReadMetrics& metrics,
                                                                  std::shared_ptr<spdlog::logger> log) {
    auto impl = std::make_unique<Impl>(std::move(endpoint), stream, config, std::move(callbacks), metrics,
                                       std::move(log));
    if (auto started = impl->start(); !started) return tl::unexpected(started.error());
    return std::unique_ptr<SocketReader>(new SocketReader(std::move(impl)));
}

SocketReader::SocketReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SocketReader::~SocketReader() = default;

void SocketReader::stop() { impl_->stop(); }

}  // namespace stages::socket_read
