#include "atproto/repo/repo.hpp"

namespace atproto::repo {

Expected<Repo> open_repo(std::span<const std::byte> car, car::Options options) {
    auto reader = car::CarReader::open(car, options);
    if (!reader) return tl::unexpected(reader.error());
    if (reader->roots().empty()) return fail(Errc::bad_car_header, 0);
    auto blocks = car::BlockIndex::build(*reader);
    if (!blocks) return tl::unexpected(blocks.error());
    Repo repo;
    repo.roots = reader->roots();
    repo.blocks = std::move(*blocks);
    repo.commit_cid = repo.roots.front();
    const auto block = repo.blocks.find(repo.commit_cid);
    if (!block) return fail(Errc::missing_block, 0, repo.commit_cid);
    repo.commit_block = *block;
    auto commit = decode_commit(*block);
    if (!commit) {
        Error error = commit.error();
        error.cid = repo.commit_cid;
        return tl::unexpected(error);
    }
    repo.commit = *commit;
    return repo;
}

}  // namespace atproto::repo
