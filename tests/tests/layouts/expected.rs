//! Every fixture folder under `tests/fixtures/layouts/` and, written out by hand, what the tool
//! it was made for does with it: the order it applies the migrations in, the file each one's up
//! SQL comes from on each backend, and which run outside a transaction. The test holds Cairn to
//! this list; nothing here is computed from file names.

use cairn::layout::Layout;
use cairn_tests::Kind;

/// One fixture folder.
pub struct Fixture {
    /// Folder under `tests/fixtures/layouts/`.
    pub dir: &'static str,
    /// The layout `detect` must report and `load` reads it as.
    pub layout: Layout,
    /// Whether every migration has a down (the tool supports rollback).
    pub reversible: bool,
    /// The migrations in the tool's order.
    pub steps: &'static [Step],
}

/// One migration as the tool sees it.
pub struct Step {
    /// The version exactly as the file or folder name spells it (empty: Flyway `R__`).
    pub version: &'static str,
    /// The name part of the file or folder name.
    pub name: &'static str,
    /// The file with the up SQL, relative to the fixture folder (for goose and dbmate, the
    /// file whose up section it is).
    pub up: &'static str,
    /// pop: the file that replaces `up` on one backend.
    pub up_on: &'static [(Kind, &'static str)],
    /// Whether it runs in a transaction (false: a no-transaction marker, diesel
    /// `metadata.toml`, Flyway `.sql.conf`, or a pop `.autocommit.` file).
    pub transaction: bool,
}

impl Step {
    /// The file with the up SQL on `kind`.
    pub fn up_file(&self, kind: Kind) -> &'static str {
        self.up_on
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(self.up, |(_, file)| file)
    }
}

/// A migration that runs in a transaction.
const fn tx(version: &'static str, name: &'static str, up: &'static str) -> Step {
    Step {
        version,
        name,
        up,
        up_on: &[],
        transaction: true,
    }
}

/// A migration marked to run outside a transaction.
const fn no_tx(version: &'static str, name: &'static str, up: &'static str) -> Step {
    Step {
        transaction: false,
        ..tx(version, name, up)
    }
}

/// diesel's own rules (`migrations_internals::version_from_string`): the version is the folder
/// name up to the first `_` without `-`, compared as text, never as a time: a `-0000` suffix,
/// a date-only version sorting before a later time of the same day, a name with a space, an
/// impossible date, two folders of one version (ordered by name), a hidden folder ignored;
/// one folder with `run_in_transaction = false`.
pub const DIESEL: Fixture = Fixture {
    dir: "diesel",
    layout: Layout::Diesel,
    reversible: true,
    steps: &[
        tx(
            "00000000000000",
            "diesel_initial_setup",
            "00000000000000_diesel_initial_setup/up.sql",
        ),
        tx(
            "2019-01-01-000000",
            "create_users",
            "2019-01-01-000000_create_users/up.sql",
        ),
        tx(
            "20190102000000",
            "create_posts",
            "20190102000000_create_posts/up.sql",
        ),
        tx(
            "2019-01-03-000000-0000",
            "add_post_title",
            "2019-01-03-000000-0000_add_post_title/up.sql",
        ),
        no_tx(
            "2019-01-10",
            "120000_seed_and_view",
            "2019-01-10_120000_seed_and_view/up.sql",
        ),
        tx(
            "2019-01-10-090000",
            "title index",
            "2019-01-10-090000_title index/up.sql",
        ),
        tx(
            "2019-02-30-250000",
            "a_impossible_time",
            "2019-02-30-250000_a_impossible_time/up.sql",
        ),
        tx(
            "2019-02-30-250000",
            "b_same_version",
            "2019-02-30-250000_b_same_version/up.sql",
        ),
    ],
};

/// sqlx up-only files (`<version>_<name>.sql`): versions of differing length, an empty file,
/// `-- no-transaction`. sqlx cannot revert these.
pub const SQLX: Fixture = Fixture {
    dir: "sqlx",
    layout: Layout::Sqlx,
    reversible: false,
    steps: &[
        tx("1", "create_accounts", "1_create_accounts.sql"),
        tx("2", "add_account_email", "2_add_account_email.sql"),
        tx("3", "intentionally_empty", "3_intentionally_empty.sql"),
        tx("10", "create_sessions", "10_create_sessions.sql"),
        no_tx("20240101093000", "seed", "20240101093000_seed.sql"),
    ],
};

/// sqlx reversible files (`.up.sql` / `.down.sql`), with the same tricky parts.
pub const SQLX_REVERSIBLE: Fixture = Fixture {
    dir: "sqlx-reversible",
    layout: Layout::Sqlx,
    reversible: true,
    steps: &[
        tx("1", "create_accounts", "1_create_accounts.up.sql"),
        tx("2", "add_account_email", "2_add_account_email.up.sql"),
        tx("3", "intentionally_empty", "3_intentionally_empty.up.sql"),
        tx("10", "create_sessions", "10_create_sessions.up.sql"),
        no_tx("20240101093000", "seed", "20240101093000_seed.up.sql"),
    ],
};

/// Flyway versions compared part by part (`1_10` after `1_9`), `U` undo files as downs, a
/// script configuration file with `executeInTransaction=false`.
pub const FLYWAY: Fixture = Fixture {
    dir: "flyway",
    layout: Layout::Flyway,
    reversible: true,
    steps: &[
        tx("1", "create_customers", "V1__create_customers.sql"),
        tx("1.2", "add_customer_name", "V1.2__add_customer_name.sql"),
        tx("1_9", "create_orders", "V1_9__create_orders.sql"),
        tx("1_10", "add_order_total", "V1_10__add_order_total.sql"),
        no_tx("2.0.3", "seed", "V2.0.3__seed.sql"),
    ],
};

/// Flyway versioned migrations and a repeatable `R__` one, which runs after them. Flyway has
/// no undo for a repeatable migration, and these versions have no `U` file.
pub const FLYWAY_REPEATABLE: Fixture = Fixture {
    dir: "flyway-repeatable",
    layout: Layout::Flyway,
    reversible: false,
    steps: &[
        tx("1", "create_customers", "V1__create_customers.sql"),
        tx("1.1", "create_orders", "V1.1__create_orders.sql"),
        tx("2", "seed", "V2__seed.sql"),
        tx("", "customer_totals_view", "R__customer_totals_view.sql"),
    ],
};

/// refinery: integer versions (`V10` after `V2`), an empty file; refinery has no down.
pub const REFINERY: Fixture = Fixture {
    dir: "refinery",
    layout: Layout::Refinery,
    reversible: false,
    steps: &[
        tx("1", "create_products", "V1__create_products.sql"),
        tx("2", "add_product_price", "V2__add_product_price.sql"),
        tx("3", "nothing_yet", "V3__nothing_yet.sql"),
        tx("10", "create_stock", "V10__create_stock.sql"),
        tx("11", "seed", "V11__seed.sql"),
        tx("12", "from_subfolder", "2024/V12__from_subfolder.sql"),
    ],
};

/// golang-migrate: `10` after `2`, a 20-digit version, an empty up and down.
pub const GOLANG_MIGRATE: Fixture = Fixture {
    dir: "golang-migrate",
    layout: Layout::GolangMigrate,
    reversible: true,
    steps: &[
        tx("1", "create_teams", "1_create_teams.up.sql"),
        tx("2", "create_members", "2_create_members.up.sql"),
        tx("3", "noop", "3_noop.up.sql"),
        tx("10", "add_member_role", "10_add_member_role.up.sql"),
        tx(
            "10000000000000000001",
            "seed",
            "10000000000000000001_seed.up.sql",
        ),
    ],
};

/// goose on every backend: sequential and timestamp versions in one folder,
/// `StatementBegin`/`StatementEnd`, `NO TRANSACTION`; goose's `NumericComponent` reads
/// `2025_01_01_000000_...` as version 2025 (before the 2024 timestamp), annotations spelled
/// `--+goose Up` / `--   +goose down`, and an `embed.go` goose skips.
pub const GOOSE: Fixture = Fixture {
    dir: "goose",
    layout: Layout::Goose,
    reversible: true,
    steps: &[
        tx("1", "create_projects", "1_create_projects.sql"),
        tx("2", "create_tasks", "2_create_tasks.sql"),
        no_tx("10", "seed", "10_seed.sql"),
        tx(
            "2025",
            "01_01_000000_add_task_priority",
            "2025_01_01_000000_add_task_priority.sql",
        ),
        tx(
            "20240301120000",
            "add_task_status",
            "20240301120000_add_task_status.sql",
        ),
    ],
};

/// goose with a `StatementBegin`/`StatementEnd` block that only one backend can run (a
/// PL/pgSQL function, a trigger body with `BEGIN ... END;`): one folder per backend.
pub fn goose_for(kind: Kind) -> Fixture {
    Fixture {
        dir: match kind {
            Kind::Sqlite => "goose-sqlite",
            Kind::Postgres => "goose-postgres",
            Kind::Mysql => "goose-mysql",
        },
        layout: Layout::Goose,
        reversible: true,
        steps: GOOSE_BLOCK_STEPS,
    }
}

/// The steps of every `goose-<backend>` folder.
const GOOSE_BLOCK_STEPS: &[Step] = &[
    tx("1", "create_items", "1_create_items.sql"),
    tx("2", "upper_label_trigger", "2_upper_label_trigger.sql"),
    tx("3", "seed", "3_seed.sql"),
    no_tx("4", "no_transaction_index", "4_no_transaction_index.sql"),
];

/// dbmate: `-- migrate:up` / `-- migrate:down` sections, an empty migration,
/// `transaction:false`; file name order (`2024010600_...` after `20240105000000_...`), a file
/// of two up/down sections with an option dbmate ignores, and a `schema.sql` dbmate skips.
pub const DBMATE: Fixture = Fixture {
    dir: "dbmate",
    layout: Layout::Dbmate,
    reversible: true,
    steps: &[
        tx(
            "20240101000000",
            "create_authors",
            "20240101000000_create_authors.sql",
        ),
        tx(
            "20240102000000",
            "create_books",
            "20240102000000_create_books.sql",
        ),
        tx(
            "20240103000000",
            "add_book_year",
            "20240103000000_add_book_year.sql",
        ),
        tx("20240104000000", "nothing", "20240104000000_nothing.sql"),
        no_tx("20240105000000", "seed", "20240105000000_seed.sql"),
        tx(
            "2024010600",
            "isbn_and_publishers",
            "2024010600_isbn_and_publishers.sql",
        ),
    ],
};

/// pop: dialect files overriding the generic one (a `.cockroach.` file no backend here may
/// pick, and a version with only a `.cockroach.` file), a MySQL-only down, empty files,
/// `.autocommit.`, a sub-folder, versions compared as strings.
pub const POP: Fixture = Fixture {
    dir: "pop",
    layout: Layout::Pop,
    reversible: true,
    steps: &[
        tx(
            "20240101000000",
            "create_users",
            "20240101000000_create_users.up.sql",
        ),
        tx(
            "20240101000001",
            "add_users_email_index",
            "20240101000001_add_users_email_index.up.sql",
        ),
        Step {
            up_on: &[
                (Kind::Postgres, "20240102000000_add_balance.postgres.up.sql"),
                (Kind::Sqlite, "20240102000000_add_balance.sqlite3.up.sql"),
            ],
            ..tx(
                "20240102000000",
                "add_balance",
                "20240102000000_add_balance.up.sql",
            )
        },
        tx("20240103000000", "nothing", "20240103000000_nothing.up.sql"),
        no_tx(
            "20240104000000",
            "seed",
            "20240104000000_seed.autocommit.up.sql",
        ),
        tx(
            "20240105000000",
            "create_rich_users",
            "20240105000000_create_rich_users.up.sql",
        ),
        tx(
            "2024010600",
            "nested_view",
            "nested/2024010600_nested_view.up.sql",
        ),
    ],
};

/// Prisma: folders in text order (`9_seed` after the `2024...` folders, though 9 is the
/// smaller number), a `0_init` baseline name, an empty migration; Prisma has no down.
pub const PRISMA: Fixture = Fixture {
    dir: "prisma",
    layout: Layout::Prisma,
    reversible: false,
    steps: &[
        tx("0", "init", "0_init/migration.sql"),
        tx(
            "20240101000000",
            "add_books",
            "20240101000000_add_books/migration.sql",
        ),
        tx(
            "20240102000000",
            "empty",
            "20240102000000_empty/migration.sql",
        ),
        tx(
            "20240103000000",
            "add_book_year",
            "20240103000000_add_book_year/migration.sql",
        ),
        tx("9", "seed", "9_seed/migration.sql"),
    ],
};

/// Atlas: files in text order (`20240104_seed` after `20240103000000_...`), checked against
/// `atlas.sum`; a `-- atlas:delimiter -- end` file, an empty file, `atlas:txmode none`. Atlas
/// has no down files.
pub const ATLAS: Fixture = Fixture {
    dir: "atlas",
    layout: Layout::Atlas,
    reversible: false,
    steps: &[
        tx(
            "20240101000000",
            "create_users",
            "20240101000000_create_users.sql",
        ),
        tx(
            "20240102000000",
            "create_orders",
            "20240102000000_create_orders.sql",
        ),
        tx("20240102120000", "nothing", "20240102120000_nothing.sql"),
        no_tx(
            "20240103000000",
            "index_emails",
            "20240103000000_index_emails.sql",
        ),
        tx("20240104", "seed", "20240104_seed.sql"),
    ],
};

/// tern: numbers by value whatever their zeros (`1`, `02`, `003`, `0004`, `5`), up and down
/// around `---- create above / drop below ----`, `---- tern: disable-tx ----`.
pub const TERN: Fixture = Fixture {
    dir: "tern",
    layout: Layout::Tern,
    reversible: true,
    steps: &[
        tx("1", "create_projects", "1_create_projects.sql"),
        tx("02", "create_tasks", "02_create_tasks.sql"),
        tx("003", "add_task_status", "003_add_task_status.sql"),
        no_tx("0004", "seed", "0004_seed.sql"),
        tx("5", "open_tasks_view", "5_open_tasks_view.sql"),
    ],
};

/// JSON documents: `dependencies` form a graph (`members` needs `teams` and `people`);
/// among ready ones the smallest id goes first; `000_seed.json` sorts first by file name
/// but depends on `members`.
pub const JSON_DOCS: Fixture = Fixture {
    dir: "json-docs",
    layout: Layout::JsonDocs,
    reversible: true,
    steps: &[
        tx("people", "create_people", "002_people.json"),
        tx("teams", "create_teams", "001_teams.json"),
        tx("members", "create_members", "003_members.json"),
        tx("seed", "seed_rows", "000_seed.json"),
        tx("roster", "roster_view", "004_roster.json"),
    ],
};

/// The `depends_on` of each JSON document, as its `dependencies` say (not a chain).
pub const JSON_DOCS_GRAPH: &[(&str, &[&str])] = &[
    ("people", &[]),
    ("teams", &[]),
    ("members", &["teams", "people"]),
    ("seed", &["members"]),
    ("roster", &["seed", "members"]),
];

/// sql-migrate: a Down section before the Up one, version 2 twice (`2-` before `2_`, by file
/// name), `10` after `2`, `notransaction` with a `StatementBegin` block around a string holding
/// `;` at a line end, and a file without a number, which runs last.
pub const SQL_MIGRATE: Fixture = Fixture {
    dir: "sql-migrate",
    layout: Layout::SqlMigrate,
    reversible: true,
    steps: &[
        tx("1", "create_customers", "1_create_customers.sql"),
        tx("2", "create_orders", "2-create_orders.sql"),
        tx("2", "add_order_note", "2_add_order_note.sql"),
        no_tx("10", "seed", "10_seed.sql"),
        tx("customer_totals", "customer_totals", "customer_totals.sql"),
    ],
};

/// Liquibase formatted SQL: two changesets in one file (file order), files in `includeAll`
/// order (`002-pets.sql` before `002/seed.sql`: paths compare as strings), `runInTransaction:
/// false`, `splitStatements:false`, single-line, multi-line and `not required` rollbacks, and
/// one changeset id in two files whose `dbms` lists pick one per backend. Version: the
/// changeset id; name: its author.
pub const LIQUIBASE: Fixture = Fixture {
    dir: "liquibase",
    layout: Layout::Liquibase,
    reversible: true,
    steps: &[
        tx("create-people", "alice", "001_people.sql"),
        tx("add-email", "alice", "001_people.sql"),
        tx("1", "bob", "002-pets.sql"),
        no_tx("1", "bob", "002/seed.sql"),
        tx("2", "bob", "002/seed.sql"),
        tx("owners-view", "carol", "003_view.sql"),
        Step {
            up_on: &[(Kind::Mysql, "004_email_index_plain.sql")],
            ..tx("email-index", "carol", "004_email_index_expr.sql")
        },
    ],
};

/// Sqitch: plan order (not file name order), scripts with their own `BEGIN;`/`COMMIT;` (run
/// outside Cairn's transaction), a change reworked after tag `@v1.0` whose first version is
/// `deploy/animals@v1.0.sql`, a conflict (noted, not checked), verify scripts (noted, not run).
/// Version: the Cairn id (`animals~2` for the reworked change); name: the change name.
pub const SQITCH: Fixture = Fixture {
    dir: "sqitch",
    layout: Layout::Sqitch,
    reversible: true,
    steps: &[
        no_tx("keepers", "keepers", "deploy/keepers.sql"),
        tx("animals", "animals", "deploy/animals@v1.0.sql"),
        tx("feedings", "feedings", "deploy/feedings.sql"),
        no_tx("animals~2", "animals", "deploy/animals.sql"),
        no_tx("seed", "seed", "deploy/seed.sql"),
    ],
};
