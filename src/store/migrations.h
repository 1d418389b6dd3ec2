#pragma once
// The numbered SQL migrations of src/store/migrations/, embedded into the binary at build time
// (see embed_migrations.cmake) so the server runs from any directory.

#include <span>
#include <string_view>

namespace stagecast::store {

struct EmbeddedMigration {
  int version;            // from the file name: 0001_init.sql -> 1
  std::string_view name;  // "0001_init"
  std::string_view sql;
};

// In ascending version order, versions 1, 2, 3, ... without gaps (checked at build time).
std::span<const EmbeddedMigration> embedded_migrations();

}  // namespace stagecast::store
