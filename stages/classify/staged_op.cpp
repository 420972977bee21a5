#include "stages/classify/staged_op.hpp"

#include <fmt/core.h>

#include "stages/classify/classified_event.hpp"

namespace stages::classify {

std::string_view to_string(OpKind kind) noexcept {
    switch (kind) {
        case OpKind::commit: return "commit";
        case OpKind::sync: return "sync";
        case OpKind::create: return "create";
        case OpKind::update: return "update";
        case OpKind::del: return "delete";
        case OpKind::actor: return "actor";
        case OpKind::account: return "account";
        case OpKind::delete_actor: return "delete_actor";
        case OpKind::label: return "label";
        case OpKind::repo_begin: return "repo_begin";
        case OpKind::repo_record: return "repo_record";
        case OpKind::repo_end: return "repo_end";
        case OpKind::repo_status: return "repo_status";
    }
    return "unknown";
}

std::string ClassifiedEvent::describe() const {
    return fmt::format("source {} ordinal {} seq {}", source, ordinal, seq ? fmt::format("{}", *seq) : "-");
}

}  // namespace stages::classify
