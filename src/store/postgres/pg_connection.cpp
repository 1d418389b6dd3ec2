#include "store/postgres/pg_connection.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "store/errors.h"

namespace stagecast::store::postgres {
namespace {

// The key of the session-level advisory lock held while migrating (any constant of our own).
constexpr const char* kMigrationLock = "SELECT pg_advisory_lock(7305010816)";
constexpr const char* kMigrationUnlock = "SELECT pg_advisory_unlock(7305010816)";

void ignore_notice(void*, const char*) {}  // "relation already exists, skipping" and the like

// "host:port/dbname" of a URL, for messages: never its user or password.
std::string describe(const std::string& url) {
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &err);
  PQfreemem(err);
  if (options == nullptr) return "(unparsable URL)";
  std::string host = "localhost", port = "5432", db;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    if (std::strcmp(o->keyword, "host") == 0) host = o->val;
    if (std::strcmp(o->keyword, "port") == 0) port = o->val;
    if (std::strcmp(o->keyword, "dbname") == 0) db = o->val;
  }
  PQconninfoFree(options);
  return fmt::format("{}:{}/{}", host, port, db);
}

// libpq's message of a failed connection, on one line. It names the host, never the password.
std::string connect_message(PGconn* conn) {
  std::string m = conn != nullptr ? PQerrorMessage(conn) : "out of memory";
  std::replace(m.begin(), m.end(), '\n', ' ');
  while (!m.empty() && m.back() == ' ') m.pop_back();
  return m;
}

}  // namespace

Result<std::unique_ptr<PgConnection>> PgConnection::open(const std::string& url,
                                                         const ConnectionOptions& options) {
  const std::string where = describe(url);
  const std::string timeout = std::to_string(std::max(2, (options.timeout_ms + 999) / 1000));
  // dbname last: what the URL says overrides our defaults.
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), "stagecast", url.c_str(), nullptr};
  PGconn* raw = PQconnectdbParams(keys, values, 1);
  if (raw == nullptr || PQstatus(raw) != CONNECTION_OK) {
    std::string message = connect_message(raw);
    PQfinish(raw);
    return make_error(errc::kDbUnavailable,
                      fmt::format("cannot connect to PostgreSQL at {}: {}", where, message));
  }
  PQsetNoticeProcessor(raw, ignore_notice, nullptr);
  auto conn = std::make_unique<PgConnection>(raw, where, options);
  if (auto set = conn->configure_session(); !set) return set.error();
  return conn;
}

PgConnection::~PgConnection() {
  cache_.clear();
  PQfinish(conn_);
}

Result<void> PgConnection::configure_session() {
  std::string settings = fmt::format("SET lock_timeout = {}; SET client_min_messages = warning",
                                     std::max(1, options_.timeout_ms));
  if (options_.read_only) settings += "; SET default_transaction_read_only = on";
  return exec(settings);
}

Result<void> PgConnection::ensure_open() {
  if (PQstatus(conn_) == CONNECTION_OK) return {};
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    return make_error(errc::kDbUnavailable, fmt::format("cannot reconnect to PostgreSQL at {}: {}",
                                                        where_, connect_message(conn_)));
  }
  ++generation_;  // the new session has none of the old one's prepared statements
  return configure_session();
}

Result<sql::Statement> PgConnection::prepare(const std::string& query) {
  auto it = cache_.find(query);
  if (it == cache_.end()) {
    int params = 0;
    std::string translated = translate_placeholders(query, &params);
    it = cache_.emplace(query, std::make_unique<PgStatement>(*this, std::move(translated), params))
             .first;
  }
  if (it->second->in_use) {
    return make_error(errc::kInternal, "postgres statement used twice at once: " + query);
  }
  it->second->in_use = true;
  return sql::Statement(it->second.get());
}

Result<void> PgConnection::exec(const std::string& query) {
  if (auto open = ensure_open(); !open) return open.error();
  PGresult* result = PQexec(conn_, query.c_str());
  ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    Error error = pg_error(result, conn_, "exec");
    PQclear(result);
    return error;
  }
  PQclear(result);
  return {};
}

Result<void> PgConnection::lock_migrations() {
  return exec(kMigrationLock);
}

Result<void> PgConnection::unlock_migrations() {
  return exec(kMigrationUnlock);
}

Error pg_error(const PGresult* result, PGconn* conn, std::string_view what) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary =
      result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string detail = primary != nullptr ? primary : connect_message(conn);
  std::string sqlstate = state != nullptr ? state : "";
  std::string message =
      fmt::format("postgres {}: {}{}", what, detail, sqlstate.empty() ? "" : " (" + sqlstate + ")");
  // No SQLSTATE: the connection failed (server gone, network), not the statement.
  if (sqlstate.empty() || PQstatus(conn) != CONNECTION_OK) {
    return make_error(errc::kDbUnavailable, std::move(message));
  }
  const std::string_view cls = std::string_view(sqlstate).substr(0, 2);
  if (sqlstate == "23505") return make_error(errc::kConflict, std::move(message));
  if (cls == "23" || cls == "22") return make_error(errc::kInvalidArgument, std::move(message));
  if (sqlstate == "40001" || sqlstate == "40P01") {
    return make_error(sql::kRetryTransaction, std::move(message));
  }
  // Connection, resources, operator intervention (shutdown, statement timeout), system errors,
  // a lock not had within lock_timeout, a read-only standby.
  if (cls == "08" || cls == "53" || cls == "57" || cls == "58" || sqlstate == "55P03" ||
      sqlstate == "25006") {
    return make_error(errc::kDbUnavailable, std::move(message));
  }
  return make_error(errc::kInternal, std::move(message));
}

}  // namespace stagecast::store::postgres
