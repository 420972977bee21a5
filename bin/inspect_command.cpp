#include "bin/inspect_command.hpp"

#include <cstdio>
#include <string>
#include <string_view>

#include <fmt/core.h>

#include "atproto/cbor/json.hpp"
#include "atproto/repo/mst_walker.hpp"
#include "atproto/repo/repo.hpp"
#include "bin/inspect_frames.hpp"
#include "bin/read_file.hpp"

namespace bin {

namespace {

void append_commit_line(std::string& line, const atproto::repo::Commit& commit) {
    using atproto::cbor::append_json_string;
    line.append(R"({"commit":{"did":)");
    append_json_string(line, commit.did);
    line.append(R"(,"rev":)");
    if (commit.rev.empty()) {
        line.append("null");
    } else {
        append_json_string(line, commit.rev);
    }
    line.append(R"(,"data":")");
    commit.data.append_to(line);
    line.append(R"(","version":)");
    line.append(std::to_string(commit.version));
    line.append(R"(,"prev":)");
    if (commit.prev) {
        line.push_back('"');
        commit.prev->append_to(line);
        line.push_back('"');
    } else {
        line.append("null");
    }
    line.append("}}\n");
}

int fail_with(std::string_view path, const atproto::Error& error) {
    fmt::print(stderr, "wintermute inspect: {}: {}\n", path, error.describe());
    return 1;
}

int inspect_car(const std::string& path) {
    const auto bytes = read_file(path);
    if (!bytes) {
        fmt::print(stderr, "wintermute inspect: cannot read {}\n", path);
        return 1;
    }
    auto repo = atproto::repo::open_repo(*bytes);
    if (!repo) return fail_with(path, repo.error());
    std::string line;
    append_commit_line(line, repo->commit);
    std::fwrite(line.data(), 1, line.size(), stdout);
    atproto::repo::MstWalker walker(repo->blocks, repo->commit.data);
    atproto::repo::Leaf leaf;
    for (;;) {
        auto more = walker.next(leaf);
        if (!more) return fail_with(path, more.error());
        if (!*more) break;
        line.assign(R"({"uri":"at://)");
        line.append(repo->commit.did);
        line.push_back('/');
        line.append(leaf.key);
        line.append(R"(","cid":")");
        leaf.cid.append_to(line);
        line.append(R"(","record":)");
        if (auto r = atproto::cbor::to_json(leaf.record, line); !r) {
            atproto::Error error = r.error();
            error.cid = leaf.cid;
            return fail_with(path, error);
        }
        line.append("}\n");
        std::fwrite(line.data(), 1, line.size(), stdout);
    }
    return 0;
}

}  // namespace

int inspect_command(std::span<char* const> args) {
    const std::string_view what = args.size() == 2 ? std::string_view(args[0]) : std::string_view();
    if (what == "car") return inspect_car(args[1]);
    if (what == "frames") return inspect_frames(args[1]);
    fmt::print(stderr, "usage: wintermute inspect car FILE.car\n       wintermute inspect frames FILE\n");
    return 2;
}

}  // namespace bin
