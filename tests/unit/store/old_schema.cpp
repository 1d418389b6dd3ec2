#include "old_schema.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/migrations.h"

namespace stagecast::store::testing {
namespace {

bool exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  const bool ok = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) == SQLITE_OK;
  if (!ok) ADD_FAILURE() << (error ? error : "") << "\n" << sql;
  sqlite3_free(error);
  return ok;
}

}  // namespace

void write_database_at_version(const std::string& file, int version, const std::string& rows_sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << file;
    sqlite3_close(db);
    return;
  }
  bool ok = true;
  for (const EmbeddedMigration& m : embedded_migrations()) {
    if (m.version > version || !ok) break;
    ok = exec(db, std::string(m.sql)) &&
         exec(db, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (" +
                      std::to_string(m.version) + ", '" + std::string(m.name) + "', 1)");
  }
  if (ok) exec(db, rows_sql);
  sqlite3_close(db);
}

}  // namespace stagecast::store::testing
