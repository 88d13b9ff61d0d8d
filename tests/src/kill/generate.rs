//! Generated migration sets for the kill trials: a seeded mix of DDL and long-running DML, so a
//! SIGKILL at a random instant lands in every phase of a run (loading, a big INSERT inside a
//! transaction, between two statements of a `transaction: false` migration, an index build...).

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use super::Rng;
use crate::Kind;

/// A table the generator created, and what later migrations may refer to.
struct Table {
    name: String,
    /// The next free primary key: inserts never collide, so re-running nothing can hide.
    next_id: u64,
    /// Columns added by `ALTER TABLE`, all nullable with a default.
    extra: Vec<String>,
    /// The last migration that touched the table: the next one depends on it.
    last: String,
}

/// The statements of one migration, with what it depends on.
struct Migration {
    id: String,
    description: String,
    depends_on: Vec<String>,
    up: Vec<String>,
    down: Vec<String>,
    transaction: bool,
}

struct Generator {
    rng: Rng,
    kind: Kind,
    tables: Vec<Table>,
    indexes: usize,
    views: usize,
    columns: usize,
    migrations: Vec<Migration>,
}

/// Writes a set of 24 to 40 migrations for `kind` under `dir` (created if needed), the same
/// for the same seed, and returns their ids in file order.
pub fn generate(seed: u64, kind: Kind, dir: &Path) -> Vec<String> {
    let mut g = Generator {
        rng: Rng::new(seed),
        kind,
        tables: Vec::new(),
        indexes: 0,
        views: 0,
        columns: 0,
        migrations: Vec::new(),
    };
    let count = 24 + g.rng.below(17) as usize;
    g.create_table(true);
    while g.migrations.len() < count {
        // Every set has views, an index of its own (concurrent on PostgreSQL) and a
        // `transaction: false` batch, whatever the draws.
        match g.migrations.len() {
            n if n == count / 3 || n + 1 == count => g.view(),
            n if n == count / 2 => g.index_migration(true),
            n if n == 2 * count / 3 => g.multi(false),
            _ => g.next(),
        }
    }
    fs::create_dir_all(dir).unwrap();
    g.migrations
        .iter()
        .map(|m| {
            fs::write(dir.join(format!("{}.yaml", m.id)), yaml(m)).unwrap();
            m.id.clone()
        })
        .collect()
}

fn yaml(m: &Migration) -> String {
    let block = |stmts: &[String]| -> String {
        stmts
            .iter()
            .flat_map(|s| s.lines())
            .map(|l| format!("  {l}\n"))
            .collect()
    };
    let mut out = format!("description: {}\n", m.description);
    if !m.depends_on.is_empty() {
        let _ = writeln!(out, "depends_on: [{}]", m.depends_on.join(", "));
    }
    if !m.transaction {
        out.push_str("transaction: false\n");
    }
    let _ = write!(out, "up: |\n{}down: |\n{}", block(&m.up), block(&m.down));
    out
}

impl Generator {
    /// One more migration, of a kind drawn by weight.
    fn next(&mut self) {
        let (roll, with_rows) = (self.rng.below(100), self.rng.below(2) == 0);
        match roll {
            0..=9 if self.tables.len() < 6 => self.create_table(with_rows),
            0..=29 => self.single(Op::Insert),
            30..=39 => self.single(Op::Update),
            40..=46 => self.single(Op::Delete),
            47..=53 => self.single(Op::AddColumn),
            54..=61 => {
                let concurrently = self.kind == Kind::Postgres && self.rng.below(2) == 0;
                self.index_migration(concurrently);
            }
            62..=67 => self.view(),
            68..=87 => self.multi(true),
            _ => self.multi(false),
        }
    }

    fn push(&mut self, description: String, tables: &[usize], mut m: Migration) {
        let n = self.migrations.len() + 1;
        m.id = format!("{n:03}_{}", description.replace(' ', "_"));
        m.description = description;
        for &t in tables {
            let last = std::mem::replace(&mut self.tables[t].last, m.id.clone());
            if !last.is_empty() && !m.depends_on.contains(&last) {
                m.depends_on.push(last);
            }
        }
        self.migrations.push(m);
    }

    fn table(&mut self) -> usize {
        self.rng.below(self.tables.len() as u64) as usize
    }

    fn create_table(&mut self, with_rows: bool) {
        let name = format!("t{}", self.tables.len() + 1);
        self.tables.push(Table {
            name: name.clone(),
            next_id: 1,
            extra: Vec::new(),
            last: String::new(),
        });
        let t = self.tables.len() - 1;
        let mut up = vec![format!(
            "CREATE TABLE {name} (\n  id INTEGER PRIMARY KEY,\n  name VARCHAR(64) NOT NULL,\n  qty INTEGER NOT NULL,\n  grp INTEGER\n);"
        )];
        if with_rows {
            up.push(self.insert(t, 800, 2500));
            up.push(self.create_index(t, false).0);
        }
        let m = Migration {
            up,
            down: vec![format!("DROP TABLE {name};")],
            transaction: true,
            ..Migration::empty()
        };
        self.push(format!("create {name}"), &[t], m);
    }

    fn single(&mut self, op: Op) {
        let t = self.table();
        let (up, down) = self.op(op, t, 1500, 6000);
        let m = Migration {
            up: vec![up],
            down: vec![down],
            transaction: true,
            ..Migration::empty()
        };
        let description = format!("{} {}", op.name(), self.tables[t].name);
        self.push(description, &[t], m);
    }

    /// A plain index, or on PostgreSQL when asked `CREATE INDEX CONCURRENTLY`, which refuses a
    /// transaction and must be its statement alone.
    fn index_migration(&mut self, concurrently: bool) {
        let t = self.table();
        let concurrently = concurrently && self.kind == Kind::Postgres;
        let (up, down) = self.create_index(t, concurrently);
        let m = Migration {
            up: vec![up],
            down: vec![down],
            transaction: !concurrently,
            ..Migration::empty()
        };
        let description = format!("index {}", self.tables[t].name);
        self.push(description, &[t], m);
    }

    fn view(&mut self) {
        let t = self.table();
        self.views += 1;
        let (table, view) = (self.tables[t].name.clone(), format!("v{}", self.views));
        let m = Migration {
            up: vec![format!(
                "CREATE VIEW {view} AS\nSELECT grp, COUNT(*) AS n, SUM(qty) AS total, MAX(id) AS top\nFROM {table}\nWHERE grp IS NOT NULL\nGROUP BY grp;"
            )],
            down: vec![format!("DROP VIEW {view};")],
            transaction: true,
            ..Migration::empty()
        };
        self.push(format!("view {view}"), &[t], m);
    }

    /// 3 to 6 statements over one or two tables; outside a transaction, a kill between two of
    /// them leaves the first ones applied, which the next `up` must not run again.
    fn multi(&mut self, transaction: bool) {
        let first = self.table();
        let second = self.table();
        let mut touched = vec![first];
        if second != first {
            touched.push(second);
        }
        let n = 3 + self.rng.below(4);
        let (mut up, mut down) = (Vec::new(), Vec::new());
        for i in 0..n {
            let t = touched[i as usize % touched.len()];
            let op = match self.rng.below(8) {
                0..=2 => Op::Insert,
                3 => Op::Delete,
                4 | 5 => Op::Update,
                6 => Op::AddColumn,
                _ => Op::Index,
            };
            let (u, d) = self.op(op, t, 800, 3000);
            up.push(u);
            down.insert(0, d);
        }
        if !transaction && self.kind == Kind::Postgres && self.rng.below(2) == 0 {
            let (u, d) = self.create_index(first, true);
            up.push(u);
            down.insert(0, d);
        }
        let names: Vec<&str> = touched
            .iter()
            .map(|&t| self.tables[t].name.as_str())
            .collect();
        let tx = if transaction { "batch" } else { "notx batch" };
        let description = format!("{tx} {}", names.join(" "));
        let m = Migration {
            up,
            down,
            transaction,
            ..Migration::empty()
        };
        self.push(description, &touched, m);
    }

    /// The SQL of `op` on table `t` and a down that undoes it as far as SQL can.
    fn op(&mut self, op: Op, t: usize, min_rows: u64, max_rows: u64) -> (String, String) {
        let table = self.tables[t].name.clone();
        match op {
            Op::Insert => {
                let first = self.tables[t].next_id;
                let up = self.insert(t, min_rows, max_rows);
                let last = self.tables[t].next_id - 1;
                let down = format!("DELETE FROM {table} WHERE id BETWEEN {first} AND {last};");
                (up, down)
            }
            Op::Update => {
                let (m, r, k) = (
                    2 + self.rng.below(5),
                    self.rng.below(2),
                    1 + self.rng.below(9),
                );
                let extra = self.tables[t].extra.clone();
                let set = match self.rng.below(3) {
                    0 if !extra.is_empty() => {
                        let c = &extra[self.rng.below(extra.len() as u64) as usize];
                        format!("{c} = qty % 97")
                    }
                    1 => format!("grp = (id + {k}) % 13"),
                    _ => format!("qty = qty + {k}"),
                };
                let up = format!("UPDATE {table} SET {set} WHERE id % {m} = {r};");
                let down = format!("UPDATE {table} SET qty = qty WHERE id % {m} = {r};");
                (up, down)
            }
            Op::Delete => {
                let (m, r) = (5 + self.rng.below(8), self.rng.below(5));
                let up = format!("DELETE FROM {table} WHERE id % {m} = {r} AND qty < 60;");
                let down = format!("DELETE FROM {table} WHERE id < 0;");
                (up, down)
            }
            Op::AddColumn => {
                self.columns += 1;
                let c = format!("c{}", self.columns);
                self.tables[t].extra.push(c.clone());
                let default = self.rng.below(50);
                let up = format!("ALTER TABLE {table} ADD COLUMN {c} INTEGER DEFAULT {default};");
                (up, format!("ALTER TABLE {table} DROP COLUMN {c};"))
            }
            Op::Index => self.create_index(t, false),
        }
    }

    /// One multi-row `INSERT` of `min..max` rows with fresh ids.
    fn insert(&mut self, t: usize, min: u64, max: u64) -> String {
        let rows = min + self.rng.below(max - min);
        let first = self.tables[t].next_id;
        self.tables[t].next_id += rows;
        let mut sql = format!(
            "INSERT INTO {} (id, name, qty, grp) VALUES",
            self.tables[t].name
        );
        for (i, id) in (first..first + rows).enumerate() {
            let sep = if i == 0 { "" } else { "," };
            let line = if i % 8 == 0 { "\n" } else { " " };
            let (qty, grp) = (self.rng.below(100), self.rng.below(13));
            let grp = if grp == 0 {
                "NULL".to_string()
            } else {
                grp.to_string()
            };
            let tag = self.rng.next() % 0xff_ffff;
            let _ = write!(sql, "{sep}{line}({id}, 'r{id}-{tag:06x}', {qty}, {grp})");
        }
        sql.push(';');
        sql
    }

    fn create_index(&mut self, t: usize, concurrently: bool) -> (String, String) {
        self.indexes += 1;
        let (table, ix) = (self.tables[t].name.clone(), format!("ix{}", self.indexes));
        let cols = match self.rng.below(3) {
            0 => "name",
            1 => "grp, qty",
            _ => "qty",
        };
        if concurrently {
            return (
                format!("CREATE INDEX CONCURRENTLY {ix} ON {table} ({cols});"),
                format!("DROP INDEX CONCURRENTLY {ix};"),
            );
        }
        let down = match self.kind {
            Kind::Mysql => format!("DROP INDEX {ix} ON {table};"),
            _ => format!("DROP INDEX {ix};"),
        };
        (format!("CREATE INDEX {ix} ON {table} ({cols});"), down)
    }
}

impl Migration {
    fn empty() -> Migration {
        Migration {
            id: String::new(),
            description: String::new(),
            depends_on: Vec::new(),
            up: Vec::new(),
            down: Vec::new(),
            transaction: true,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Insert,
    Update,
    Delete,
    AddColumn,
    Index,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Insert => "insert",
            Op::Update => "update",
            Op::Delete => "delete",
            Op::AddColumn => "add column",
            Op::Index => "index",
        }
    }
}
