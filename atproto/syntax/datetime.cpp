#include "atproto/syntax/datetime.hpp"

#include "atproto/syntax/ascii.hpp"

#include <chrono>
#include <stdexcept>

namespace atproto::syntax {

namespace {

namespace chr = std::chrono;

constexpr std::int64_t millis_per_day = 86'400'000;
constexpr std::size_t max_fraction_digits = 20;

// Reads `width` decimal digits at `pos`; -1 when any is not a digit or out of range.
constexpr int read_digits(std::string_view s, std::size_t pos, std::size_t width) noexcept {
    if (pos + width > s.size()) return -1;
    int value = 0;
    for (std::size_t i = pos; i < pos + width; ++i) {
        if (!ascii::is_digit(s[i])) return -1;
        value = value * 10 + (s[i] - '0');
    }
    return value;
}

constexpr bool at(std::string_view s, std::size_t pos, char c) noexcept {
    return pos < s.size() && s[pos] == c;
}

constexpr std::int64_t days_from_civil(int year, unsigned month, unsigned day) noexcept {
    const chr::sys_days days{chr::year{year} / chr::month{month} / chr::day{day}};
    return days.time_since_epoch().count();
}

constexpr std::int64_t min_millis = days_from_civil(0, 1, 1) * millis_per_day;
constexpr std::int64_t end_millis = days_from_civil(10000, 1, 1) * millis_per_day;

// Parses `Z`, `+HH:MM` or `-HH:MM` (not `-00:00`) that must end the string;
// seconds east of UTC, or nullopt.
std::optional<std::int64_t> parse_offset(std::string_view s, std::size_t pos) noexcept {
    if (pos + 1 == s.size() && s[pos] == 'Z') return 0;
    if (pos + 6 != s.size() || (s[pos] != '+' && s[pos] != '-') || s[pos + 3] != ':') return std::nullopt;
    const int hours = read_digits(s, pos + 1, 2);
    const int minutes = read_digits(s, pos + 4, 2);
    if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return std::nullopt;
    const bool negative = s[pos] == '-';
    if (negative && hours == 0 && minutes == 0) return std::nullopt;
    const std::int64_t seconds = hours * 3600 + minutes * 60;
    return negative ? -seconds : seconds;
}

// Writes `value` as `width` zero-padded digits ending just before `end`.
void put_digits(char* end, std::size_t width, unsigned value) noexcept {
    for (std::size_t i = 0; i < width; ++i) {
        *--end = static_cast<char>('0' + value % 10);
        value /= 10;
    }
}

}  // namespace

std::optional<std::int64_t> parse_datetime_millis(std::string_view s) noexcept {
    const int year = read_digits(s, 0, 4);
    const int month = read_digits(s, 5, 2);
    const int day = read_digits(s, 8, 2);
    const int hour = read_digits(s, 11, 2);
    const int minute = read_digits(s, 14, 2);
    const int second = read_digits(s, 17, 2);
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return std::nullopt;
    if (!at(s, 4, '-') || !at(s, 7, '-') || !at(s, 10, 'T') || !at(s, 13, ':') || !at(s, 16, ':')) {
        return std::nullopt;
    }
    if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
    const chr::year_month_day date{chr::year{year} / chr::month{static_cast<unsigned>(month)} /
                                   chr::day{static_cast<unsigned>(day)}};
    if (!date.ok()) return std::nullopt;

    std::size_t pos = 19;
    int millis = 0;
    if (at(s, pos, '.')) {
        const std::size_t first = ++pos;
        while (pos < s.size() && ascii::is_digit(s[pos])) {
            if (pos - first < 3) millis = millis * 10 + (s[pos] - '0');
            ++pos;
        }
        const std::size_t count = pos - first;
        if (count == 0 || count > max_fraction_digits) return std::nullopt;
        for (std::size_t i = count; i < 3; ++i) millis *= 10;
    }
    const auto offset = parse_offset(s, pos);
    if (!offset) return std::nullopt;

    const std::int64_t local = chr::sys_days{date}.time_since_epoch().count() * millis_per_day +
                               (hour * 3600 + minute * 60 + second) * std::int64_t{1000} + millis;
    const std::int64_t utc = local - *offset * 1000;
    if (utc < min_millis || utc >= end_millis) return std::nullopt;
    return utc;
}

bool is_valid_datetime(std::string_view s) noexcept { return parse_datetime_millis(s).has_value(); }

std::string format_iso_millis(std::int64_t unix_millis) {
    if (unix_millis < min_millis || unix_millis >= end_millis) {
        throw std::out_of_range("format_iso_millis: instant outside years 0000..9999");
    }
    std::int64_t days = unix_millis / millis_per_day;
    std::int64_t in_day = unix_millis % millis_per_day;
    if (in_day < 0) {
        in_day += millis_per_day;
        --days;
    }
    const chr::year_month_day date{chr::sys_days{chr::days{days}}};
    const auto ms = static_cast<unsigned>(in_day);
    std::string out = "0000-00-00T00:00:00.000Z";
    char* p = out.data();
    put_digits(p + 4, 4, static_cast<unsigned>(static_cast<int>(date.year())));
    put_digits(p + 7, 2, static_cast<unsigned>(date.month()));
    put_digits(p + 10, 2, static_cast<unsigned>(date.day()));
    put_digits(p + 13, 2, ms / 3'600'000);
    put_digits(p + 16, 2, ms / 60'000 % 60);
    put_digits(p + 19, 2, ms / 1000 % 60);
    put_digits(p + 23, 3, ms % 1000);
    return out;
}

std::optional<std::string> normalize_datetime(std::string_view s) {
    const auto millis = parse_datetime_millis(s);
    if (!millis) return std::nullopt;
    return format_iso_millis(*millis);
}

std::string now_iso_millis() {
    return format_iso_millis(
        chr::duration_cast<chr::milliseconds>(chr::system_clock::now().time_since_epoch()).count());
}

}  // namespace atproto::syntax
