#include "atproto/verify/commit_proof.hpp"

#include "atproto/car/car_reader.hpp"
#include "atproto/repo/commit.hpp"
#include "atproto/repo/mst_tree.hpp"
#include "atproto/syntax/identifier.hpp"

namespace atproto::verify {

namespace {

enum class Action : std::uint8_t { create, update, remove };

bool valid_path(std::string_view path) {
    const auto slash = path.find('/');
    if (slash == std::string_view::npos) return false;
    return syntax::is_valid_nsid(path.substr(0, slash)) && syntax::is_valid_record_key(path.substr(slash + 1));
}

// The op's action when it is well-formed enough to invert.
std::optional<Action> invertible(const frame::RepoOp& op) {
    if (!valid_path(op.path)) return std::nullopt;
    if (op.action == "create" && op.cid) return Action::create;
    if (op.action == "update" && op.cid && op.prev) return Action::update;
    if (op.action == "delete" && !op.cid && op.prev) return Action::remove;
    return std::nullopt;
}

// Inverts one op; an absent or different value where the op says what the new tree holds is a
// mismatch, any other error passes through.
Expected<void> invert(repo::MstTree& tree, const frame::RepoOp& op, Action action, std::size_t index) {
    const auto mismatch = [index] { return fail(Errc::op_mismatch, index); };
    const auto key_error = [&](const Error& error) -> Expected<void> {
        if (error.code == Errc::mst_key_absent || error.code == Errc::mst_key_exists) return mismatch();
        return tl::unexpected(error);
    };
    switch (action) {
        case Action::create: {
            auto old = tree.remove(op.path);
            if (!old) return key_error(old.error());
            if (*old != *op.cid) return mismatch();
            return {};
        }
        case Action::update: {
            auto old = tree.update(op.path, *op.prev);
            if (!old) return key_error(old.error());
            if (*old != *op.cid) return mismatch();
            return {};
        }
        case Action::remove: {
            if (auto r = tree.insert(op.path, *op.prev); !r) return key_error(r.error());
            return {};
        }
    }
    return mismatch();
}

}  // namespace

Expected<Cid> invert_ops(const car::BlockIndex& blocks, const Cid& data, std::span<const frame::RepoOp> ops) {
    repo::MstTree tree(blocks, data);
    for (std::size_t i = 0; i < ops.size(); ++i) {
        const auto action = invertible(ops[i]);
        if (!action) return fail(Errc::bad_repo_op, i);
        if (auto r = invert(tree, ops[i], *action, i); !r) return tl::unexpected(r.error());
    }
    return tree.root_cid();
}

Expected<void> check_commit(const frame::Commit& commit) {
    if (!commit.prev_data) return fail(Errc::missing_field, 0);
    auto reader = car::CarReader::open(commit.blocks);
    if (!reader) return tl::unexpected(reader.error());
    auto blocks = car::BlockIndex::build(*reader);
    if (!blocks) return tl::unexpected(blocks.error());
    const auto block = blocks->find(commit.commit);
    if (!block) return fail(Errc::missing_block, 0, commit.commit);
    auto decoded = repo::decode_commit(*block);
    if (!decoded) {
        Error error = decoded.error();
        error.cid = commit.commit;
        return tl::unexpected(error);
    }
    auto root = invert_ops(*blocks, decoded->data, commit.ops);
    if (!root) return tl::unexpected(root.error());
    if (*root != *commit.prev_data) return fail(Errc::proof_mismatch, 0, *root);
    return {};
}

}  // namespace atproto::verify
