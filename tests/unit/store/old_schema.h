#pragma once
// Migration tests start from a database as an older binary left it: the embedded migrations up to
// `version` applied by hand, then rows of that era.

#include <string>

namespace stagecast::store::testing {

// Creates the SQLite file `file` at schema `version` and runs `rows_sql` on it. Fails the test
// (ADD_FAILURE) on any SQL error.
void write_database_at_version(const std::string& file, int version, const std::string& rows_sql);

}  // namespace stagecast::store::testing
