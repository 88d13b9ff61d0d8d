//! Each tool's history table, created with the tool's own DDL for the dialect, holding the rows
//! the tool writes after applying the two fixture migrations (`create_items`, `seed_items`).

use cairn::layout::Layout;
use cairn_tests::Kind;

/// SHA-384 of the two sqlx fixture files (`sha384sum tests/fixtures/adopt/sqlx/*.sql`).
const SQLX_CHECKSUMS: [&str; 2] = [
    "826fbe856896804e1a26443099df6ee550615ef36dd13d94b7e7593cbe931a9a6323901689e301c54ae8dd53447c8d39",
    "0df5d0bf05018cc576e1ac33b09a5109f045a4e0cc10702fafc86a3f950fda6f474af7ed9e521dc76b0d156367f47095",
];

/// Flyway's CRC-32 of the two Flyway fixture files (Python `zlib.crc32` over the lines without
/// terminators, as a signed int).
const FLYWAY_CHECKSUMS: [i32; 2] = [-167_830_843, 1_750_912_333];

/// refinery's SipHash-1-3 of the two refinery fixture files (computed with an independent
/// Python SipHash-1-3 over `name 0xff`, the i32 version, `sql 0xff`).
const REFINERY_CHECKSUMS: [u64; 2] = [10_767_414_848_179_088_473, 8_001_045_070_091_099_102];

/// SHA-256 of the two Prisma fixture scripts (`sha256sum tests/fixtures/adopt/prisma/*/migration.sql`).
const PRISMA_CHECKSUMS: [&str; 2] = [
    "f82f2288e6550883ca302cdffa87cbd7f648cdaa38d90310142373c45234f759",
    "ea4c223fb78a1e82f001accf867a898e78d2da522c26b77566011cc6a2f529b6",
];

/// The two files' lines of `tests/fixtures/adopt/atlas/atlas.sum` (computed by an independent
/// Python implementation of Atlas's `NewHashFile`), which Atlas stores as `hash`.
const ATLAS_HASHES: [&str; 2] = [
    "x2RBjAJFNtnGW36S6gZ6nVqIbPe+eXwsJ0Fbt+5Z9EU=",
    "QYlAsT55bB/R2gQkblVVFpKExVd13M532TmSzOe6UyI=",
];

/// The table `tool` creates on `kind`, exactly as the tool creates it.
pub fn ddl(tool: Layout, kind: Kind) -> &'static str {
    match (tool, kind) {
        // diesel-rs/diesel diesel_migrations/src/migration/setup_migration_table.sql (every backend).
        (Layout::Diesel, _) => {
            "CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (
       version VARCHAR(50) PRIMARY KEY NOT NULL,
       run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);"
        }
        // launchbadge/sqlx sideeffects.md (sqlx-postgres/src/migrate.rs).
        (Layout::Sqlx, Kind::Postgres) => {
            "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),
    success BOOLEAN NOT NULL,
    checksum BYTEA NOT NULL,
    execution_time BIGINT NOT NULL
);"
        }
        // launchbadge/sqlx sideeffects.md (sqlx-mysql and sqlx-sqlite migrate.rs: the same text).
        (Layout::Sqlx, _) => {
            "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    success BOOLEAN NOT NULL,
    checksum BLOB NOT NULL,
    execution_time BIGINT NOT NULL
);"
        }
        // rust-db/refinery refinery_core/src/traits/mod.rs ASSERT_MIGRATIONS_TABLE_QUERY (every
        // backend).
        (Layout::Refinery, _) => {
            "CREATE TABLE IF NOT EXISTS refinery_schema_history(
             version INT4 PRIMARY KEY,
             name VARCHAR(255),
             applied_on VARCHAR(255),
             checksum VARCHAR(255));"
        }
        // Flyway's createMetaDataTable.sql for PostgreSQL.
        (Layout::Flyway, Kind::Postgres) => {
            r#"CREATE TABLE "flyway_schema_history" (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
);
ALTER TABLE "flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
CREATE INDEX "flyway_schema_history_s_idx" ON "flyway_schema_history" ("success");"#
        }
        // Flyway's createMetaDataTable.sql for MySQL / MariaDB.
        (Layout::Flyway, Kind::Mysql) => {
            "CREATE TABLE `flyway_schema_history` (
    `installed_rank` INT NOT NULL,
    `version` VARCHAR(50),
    `description` VARCHAR(200) NOT NULL,
    `type` VARCHAR(20) NOT NULL,
    `script` VARCHAR(1000) NOT NULL,
    `checksum` INT,
    `installed_by` VARCHAR(100) NOT NULL,
    `installed_on` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    `execution_time` INT NOT NULL,
    `success` BOOL NOT NULL,
    CONSTRAINT `flyway_schema_history_pk` PRIMARY KEY (`installed_rank`)
) ENGINE=InnoDB;
CREATE INDEX `flyway_schema_history_s_idx` ON `flyway_schema_history` (`success`);"
        }
        // Flyway's SQLite schema history table.
        (Layout::Flyway, Kind::Sqlite) => {
            r#"CREATE TABLE "flyway_schema_history" (
    "installed_rank" INT NOT NULL PRIMARY KEY,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INT,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "execution_time" INT NOT NULL,
    "success" BOOLEAN NOT NULL
);
CREATE INDEX "flyway_schema_history_s_idx" ON "flyway_schema_history" ("success");"#
        }
        // golang-migrate database/sqlite3/sqlite3.go ensureVersionTable.
        (Layout::GolangMigrate, Kind::Sqlite) => {
            "CREATE TABLE IF NOT EXISTS schema_migrations (version uint64,dirty bool);
  CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON schema_migrations (version);"
        }
        // golang-migrate database/postgres and database/mysql ensureVersionTable.
        (Layout::GolangMigrate, _) => {
            "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint not null primary key, dirty boolean not null)"
        }
        // pressly/goose internal/dialect/dialectquery/sqlite3.go CreateTable.
        (Layout::Goose, Kind::Sqlite) => {
            "CREATE TABLE goose_db_version (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		version_id INTEGER NOT NULL,
		is_applied INTEGER NOT NULL,
		tstamp TIMESTAMP DEFAULT (datetime('now'))
	)"
        }
        // pressly/goose internal/dialect/dialectquery/postgres.go and mysql.go CreateTable.
        (Layout::Goose, _) => {
            "CREATE TABLE goose_db_version (
		id serial NOT NULL,
		version_id bigint NOT NULL,
		is_applied boolean NOT NULL,
		tstamp timestamp NULL default now(),
		PRIMARY KEY(id)
	)"
        }
        // amacneil/dbmate pkg/driver/*: CreateMigrationsTable.
        (Layout::Dbmate, _) => {
            "create table if not exists schema_migrations (version varchar(128) primary key)"
        }
        // gobuffalo/pop: the fizz `schema_migration` table (version string size 14, unique
        // index) as each dialect renders it (SQLite renders string as TEXT).
        (Layout::Pop, Kind::Sqlite) => {
            r#"CREATE TABLE IF NOT EXISTS "schema_migration" (
"version" TEXT NOT NULL
);
CREATE UNIQUE INDEX "schema_migration_version_idx" ON "schema_migration" (version);"#
        }
        (Layout::Pop, Kind::Postgres) => {
            r#"CREATE TABLE "schema_migration" (
"version" VARCHAR (14) NOT NULL
);
CREATE UNIQUE INDEX "schema_migration_version_idx" ON "schema_migration" (version);"#
        }
        (Layout::Pop, Kind::Mysql) => {
            "CREATE TABLE schema_migration (
version VARCHAR (14) NOT NULL
) ENGINE=InnoDB;
CREATE UNIQUE INDEX schema_migration_version_idx ON schema_migration (version);"
        }
        // go-gorp/gorp `TableMap.SqlForCreate` for sql-migrate's `MigrationRecord` (id string
        // key, applied_at time.Time), per dialect's `ToSqlType`, `QuoteField` and table suffix.
        (Layout::SqlMigrate, Kind::Sqlite) => {
            r#"create table if not exists "gorp_migrations" ("id" varchar(255) not null primary key, "applied_at" datetime) ;"#
        }
        (Layout::SqlMigrate, Kind::Postgres) => {
            r#"create table if not exists "gorp_migrations" ("id" text not null primary key, "applied_at" timestamp with time zone) ;"#
        }
        (Layout::SqlMigrate, Kind::Mysql) => {
            "create table if not exists `gorp_migrations` (`id` varchar(255) not null primary key, `applied_at` datetime)  engine=InnoDB charset=UTF8;"
        }
        // liquibase/liquibase CreateDatabaseChangeLogTableGenerator.getCreateTableStatement
        // (unquoted upper-case names, no key), with each dialect's datetime type.
        (Layout::Liquibase, Kind::Postgres) => {
            "CREATE TABLE DATABASECHANGELOG (ID VARCHAR(255) NOT NULL, AUTHOR VARCHAR(255) NOT NULL, FILENAME VARCHAR(255) NOT NULL, DATEEXECUTED TIMESTAMP WITHOUT TIME ZONE NOT NULL, ORDEREXECUTED INTEGER NOT NULL, EXECTYPE VARCHAR(10) NOT NULL, MD5SUM VARCHAR(35), DESCRIPTION VARCHAR(255), COMMENTS VARCHAR(255), TAG VARCHAR(255), LIQUIBASE VARCHAR(20), CONTEXTS VARCHAR(255), LABELS VARCHAR(255), DEPLOYMENT_ID VARCHAR(10))"
        }
        (Layout::Liquibase, Kind::Mysql) => {
            "CREATE TABLE DATABASECHANGELOG (ID VARCHAR(255) NOT NULL, AUTHOR VARCHAR(255) NOT NULL, FILENAME VARCHAR(255) NOT NULL, DATEEXECUTED datetime NOT NULL, ORDEREXECUTED INT NOT NULL, EXECTYPE VARCHAR(10) NOT NULL, MD5SUM VARCHAR(35) NULL, `DESCRIPTION` VARCHAR(255) NULL, COMMENTS VARCHAR(255) NULL, TAG VARCHAR(255) NULL, LIQUIBASE VARCHAR(20) NULL, CONTEXTS VARCHAR(255) NULL, LABELS VARCHAR(255) NULL, DEPLOYMENT_ID VARCHAR(10) NULL)"
        }
        (Layout::Liquibase, Kind::Sqlite) => {
            "CREATE TABLE DATABASECHANGELOG (ID VARCHAR(255) NOT NULL, AUTHOR VARCHAR(255) NOT NULL, FILENAME VARCHAR(255) NOT NULL, DATEEXECUTED TEXT NOT NULL, ORDEREXECUTED INTEGER NOT NULL, EXECTYPE VARCHAR(10) NOT NULL, MD5SUM VARCHAR(35), DESCRIPTION VARCHAR(255), COMMENTS VARCHAR(255), TAG VARCHAR(255), LIQUIBASE VARCHAR(20), CONTEXTS VARCHAR(255), LABELS VARCHAR(255), DEPLOYMENT_ID VARCHAR(10))"
        }
        (Layout::Cairn | Layout::JsonDocs | Layout::Sqitch, _) => {
            unreachable!("no foreign history table")
        }
        // prisma/prisma-engines sql-schema-connector flavour/postgres.rs
        // (`create_migrations_table`).
        (Layout::Prisma, Kind::Postgres) => {
            r#"CREATE TABLE "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
);"#
        }
        // prisma/prisma-engines sql-schema-connector flavour/mysql.rs.
        (Layout::Prisma, Kind::Mysql) => {
            "CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             DATETIME(3),
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          DATETIME(3),
    started_at              DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    applied_steps_count     INTEGER UNSIGNED NOT NULL DEFAULT 0
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
        }
        // prisma/prisma-engines sql-schema-connector flavour/sqlite.rs.
        (Layout::Prisma, Kind::Sqlite) => {
            r#"CREATE TABLE "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
);"#
        }
        // ariga/atlas cmd/atlas/internal/migrate/ent/migrate/schema.go (the ent schema of
        // `atlas_schema_revisions`), as ent renders its column types per dialect; the table in
        // the connected schema, as Atlas creates it for a schema-scoped URL.
        (Layout::Atlas, Kind::Postgres) => {
            r#"CREATE TABLE "atlas_schema_revisions" ("version" character varying NOT NULL, "description" character varying NOT NULL, "type" bigint NOT NULL DEFAULT 2, "applied" bigint NOT NULL DEFAULT 0, "total" bigint NOT NULL DEFAULT 0, "executed_at" timestamptz NOT NULL, "execution_time" bigint NOT NULL, "error" text NULL, "error_stmt" text NULL, "hash" character varying NOT NULL, "partial_hashes" jsonb NULL, "operator_version" character varying NOT NULL, PRIMARY KEY ("version"))"#
        }
        (Layout::Atlas, Kind::Mysql) => {
            "CREATE TABLE `atlas_schema_revisions` (`version` varchar(255) NOT NULL, `description` varchar(255) NOT NULL, `type` bigint unsigned NOT NULL DEFAULT 2, `applied` bigint NOT NULL DEFAULT 0, `total` bigint NOT NULL DEFAULT 0, `executed_at` timestamp NOT NULL, `execution_time` bigint NOT NULL, `error` longtext NULL, `error_stmt` longtext NULL, `hash` varchar(255) NOT NULL, `partial_hashes` json NULL, `operator_version` varchar(255) NOT NULL, PRIMARY KEY (`version`)) CHARSET utf8mb4 COLLATE utf8mb4_bin"
        }
        (Layout::Atlas, Kind::Sqlite) => {
            "CREATE TABLE `atlas_schema_revisions` (`version` text NOT NULL, `description` text NOT NULL, `type` integer NOT NULL DEFAULT 2, `applied` integer NOT NULL DEFAULT 0, `total` integer NOT NULL DEFAULT 0, `executed_at` datetime NOT NULL, `execution_time` integer NOT NULL, `error` text NULL, `error_stmt` text NULL, `hash` text NOT NULL, `partial_hashes` json NULL, `operator_version` text NOT NULL, PRIMARY KEY (`version`))"
        }
        // jackc/tern migrate/migrate.go `ensureSchemaVersionTableExists` (every backend).
        (Layout::Tern, _) => {
            "create table if not exists schema_version(version int4 not null primary key);
    insert into schema_version(version)
    select 0
    where 0=(select count(*) from schema_version);"
        }
    }
}

/// A binary literal of `hex` on `kind`.
fn bytes(kind: Kind, hex: &str) -> String {
    match kind {
        Kind::Postgres => format!("decode('{hex}', 'hex')"),
        Kind::Sqlite | Kind::Mysql => format!("X'{hex}'"),
    }
}

/// The rows `tool` writes after applying both fixture migrations.
pub fn rows(tool: Layout, kind: Kind) -> String {
    match tool {
        Layout::Diesel => "INSERT INTO __diesel_schema_migrations (version) VALUES ('20190101000000'), ('20190102000000')".into(),
        Layout::Sqlx => format!(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES \
             (20190101000000, 'create items', TRUE, {}, 1200), (20190102000000, 'seed items', TRUE, {}, 900)",
            bytes(kind, SQLX_CHECKSUMS[0]),
            bytes(kind, SQLX_CHECKSUMS[1])
        ),
        Layout::Refinery => format!(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES \
             (1, 'create_items', '2019-01-01T00:00:00Z', '{}'), (2, 'seed_items', '2019-01-02T00:00:00Z', '{}')",
            REFINERY_CHECKSUMS[0], REFINERY_CHECKSUMS[1]
        ),
        Layout::Flyway => format!(
            "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES \
             (1, '1', 'create items', 'SQL', 'V1__create_items.sql', {}, 'app', 12, TRUE), \
             (2, '1.1', 'seed items', 'SQL', 'V1_1__seed_items.sql', {}, 'app', 3, TRUE)",
            FLYWAY_CHECKSUMS[0], FLYWAY_CHECKSUMS[1]
        ),
        Layout::GolangMigrate => "INSERT INTO schema_migrations (version, dirty) VALUES (2, FALSE)".into(),
        Layout::Goose => "INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, TRUE), (1, TRUE), (2, TRUE)".into(),
        Layout::Dbmate => "INSERT INTO schema_migrations (version) VALUES ('20190101000000'), ('20190102000000')".into(),
        Layout::Pop => "INSERT INTO schema_migration (version) VALUES ('20190101000000'), ('20190102000000')".into(),
        Layout::Cairn | Layout::JsonDocs | Layout::Sqitch => unreachable!("no foreign history table"),
        Layout::Prisma => format!(
            "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count) VALUES \
             ('3a55cba8-6288-46c2-9e2a-2d127b060141', '{}', '2019-01-01 00:00:01', '20190101000000_create_items', NULL, NULL, '2019-01-01 00:00:00', 1), \
             ('4e19a6fb-9435-4857-835b-23d8a9dbad6e', '{}', '2019-01-02 00:00:01', '20190102000000_seed_items', NULL, NULL, '2019-01-02 00:00:00', 1)",
            PRISMA_CHECKSUMS[0], PRISMA_CHECKSUMS[1]
        ),
        Layout::Atlas => format!(
            "INSERT INTO atlas_schema_revisions (version, description, type, applied, total, executed_at, execution_time, hash, operator_version) VALUES \
             ('20190101000000', 'create_items', 2, 1, 1, '2019-01-01 00:00:00', 1000, '{}', 'Atlas CLI v0.30.0'), \
             ('20190102000000', 'seed_items', 2, 1, 1, '2019-01-02 00:00:00', 1000, '{}', 'Atlas CLI v0.30.0')",
            ATLAS_HASHES[0], ATLAS_HASHES[1]
        ),
        Layout::Tern => "UPDATE schema_version SET version = 2".into(),
        // sql-migrate records the whole file name as the id.
        Layout::SqlMigrate => "INSERT INTO gorp_migrations (id, applied_at) VALUES ('1_create_items.sql', CURRENT_TIMESTAMP), ('02_seed_items.sql', CURRENT_TIMESTAMP)".into(),
        // FILENAME as Liquibase stores it: the path it was given, here with a folder in front.
        Layout::Liquibase => "INSERT INTO DATABASECHANGELOG (ID, AUTHOR, FILENAME, DATEEXECUTED, ORDEREXECUTED, EXECTYPE, MD5SUM, DESCRIPTION, LIQUIBASE, DEPLOYMENT_ID) VALUES \
             ('create-items', 'dev', 'db/changelog/001_items.sql', CURRENT_TIMESTAMP, 1, 'EXECUTED', '9:0b1f7a2cf3f49ed2b6a6b3c0de3e27aa', 'sql', '4.29.0', '1234567890'), \
             ('seed-items', 'dev', 'db/changelog/001_items.sql', CURRENT_TIMESTAMP, 2, 'EXECUTED', '9:5d3c3fbb0c3bd6a4f6a7b6b9d9a1e2f3', 'sql', '4.29.0', '1234567890')".into(),
    }
}

/// A third migration in `tool`'s layout: (relative path, text).
pub fn new_migration(tool: Layout) -> (&'static str, &'static str) {
    const SQL: &str = "CREATE TABLE notes (body VARCHAR(50));\n";
    match tool {
        Layout::Diesel => ("2019-01-03-000000_add_notes/up.sql", SQL),
        Layout::Sqlx => ("20190103000000_add_notes.sql", SQL),
        Layout::Flyway => ("V2__add_notes.sql", SQL),
        Layout::Refinery => ("V3__add_notes.sql", SQL),
        Layout::GolangMigrate => ("3_add_notes.up.sql", SQL),
        Layout::Goose => (
            "00003_add_notes.sql",
            "-- +goose Up\nCREATE TABLE notes (body VARCHAR(50));\n\n-- +goose Down\nDROP TABLE notes;\n",
        ),
        Layout::Dbmate => (
            "20190103000000_add_notes.sql",
            "-- migrate:up\nCREATE TABLE notes (body VARCHAR(50));\n\n-- migrate:down\nDROP TABLE notes;\n",
        ),
        Layout::Pop => ("20190103000000_add_notes.up.sql", SQL),
        Layout::Cairn | Layout::JsonDocs | Layout::Sqitch => unreachable!("not another tool"),
        Layout::Prisma => ("20190103000000_add_notes/migration.sql", SQL),
        Layout::Atlas => ("20190103000000_add_notes.sql", SQL),
        Layout::Tern => (
            "003_add_notes.sql",
            "CREATE TABLE notes (body VARCHAR(50));\n---- create above / drop below ----\nDROP TABLE notes;\n",
        ),
        Layout::SqlMigrate => (
            "3_add_notes.sql",
            "-- +migrate Up\nCREATE TABLE notes (body VARCHAR(50));\n\n-- +migrate Down\nDROP TABLE notes;\n",
        ),
        Layout::Liquibase => (
            "002_notes.sql",
            "--liquibase formatted sql\n\n--changeset dev:notes\nCREATE TABLE notes (body VARCHAR(50));\n--rollback DROP TABLE notes;\n",
        ),
    }
}
