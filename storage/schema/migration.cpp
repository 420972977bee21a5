#include "storage/schema/migration.hpp"

#include <fmt/core.h>

namespace storage::schema {

std::string migration_label(int version, std::string_view name) { return fmt::format("{:04d}_{}", version, name); }

std::string migration_label(const Migration& migration) { return migration_label(migration.version, migration.name); }

}  // namespace storage::schema
