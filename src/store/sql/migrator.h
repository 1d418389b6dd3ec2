#pragma once
// Applies the embedded migrations not yet recorded in schema_migrations, each in its own
// transaction with its record, so a crash leaves the schema at a whole version.

#include <cstdint>
#include <span>
#include <vector>

#include "core/result.h"
#include "store/migrations.h"
#include "store/records.h"
#include "store/sql/database.h"

namespace stagecast::store::sql {

// Returns the versions applied by this call. schema_too_new when the database has a version
// this binary does not know.
Result<std::vector<int>> apply_migrations(Database& db,
                                          std::span<const EmbeddedMigration> migrations,
                                          int64_t now_ms);

Result<std::vector<SchemaMigration>> list_applied_migrations(Database& db);

}  // namespace stagecast::store::sql
