//! The two schemas cannot drift: the SQLite migrations, and (when `TEST_DATABASE_URL`
//! names a PostgreSQL server) the PostgreSQL ones, produce exactly the tables, columns
//! and nullability that `src/db/schema/` declares, and the same indexes as each other.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use partnerdesk::db::{DatabaseUrl, Db, DbConn};

/// Table → column → nullable.
type Columns = BTreeMap<String, BTreeMap<String, bool>>;
/// (index name, table, unique).
type Indexes = BTreeSet<(String, String, bool)>;

/// What `src/db/schema/` declares.
fn declared() -> Columns {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/db/schema");
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        text.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    let mut tables = Columns::new();
    let mut current: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if let Some(head) = line.strip_suffix('{')
            && let Some((name, _)) = head.trim().split_once(" (")
            && !name.contains('!')
        {
            current = Some(name.trim().to_owned());
            tables.entry(name.trim().to_owned()).or_default();
        } else if let Some((column, kind)) = line.split_once("->")
            && let Some(table) = &current
        {
            let nullable = kind.trim().starts_with("Nullable<");
            tables
                .get_mut(table)
                .unwrap()
                .insert(column.trim().to_owned(), nullable);
        } else if line == "}" {
            current = None;
        }
    }
    tables
}

#[derive(QueryableByName)]
struct Named {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Integer)]
    notnull: i32,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

#[derive(QueryableByName)]
struct SqliteIndex {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    tbl_name: String,
    #[diesel(sql_type = Text)]
    sql: String,
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

#[derive(QueryableByName)]
struct PgIndex {
    #[diesel(sql_type = Text)]
    indexname: String,
    #[diesel(sql_type = Text)]
    tablename: String,
    #[diesel(sql_type = Text)]
    indexdef: String,
}

const MIGRATIONS_TABLE: &str = "__diesel_schema_migrations";

fn sqlite_schema(conn: &mut SqliteConnection) -> (Columns, Indexes) {
    let tables: Vec<Named> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .load(conn)
    .unwrap();
    let mut columns = Columns::new();
    for table in tables.iter().filter(|t| t.name != MIGRATIONS_TABLE) {
        let found: Vec<SqliteColumn> =
            diesel::sql_query(format!("PRAGMA table_info(\"{}\")", table.name))
                .load(conn)
                .unwrap();
        columns.insert(
            table.name.clone(),
            found
                .into_iter()
                // A primary key column is never null, whatever its declaration says.
                .map(|c| (c.name, c.notnull == 0 && c.pk == 0))
                .collect(),
        );
    }
    // Indexes written in the migrations (not those SQLite makes for keys by itself).
    let indexes: Vec<SqliteIndex> = diesel::sql_query(
        "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
    )
    .load(conn)
    .unwrap();
    let indexes = indexes
        .into_iter()
        .map(|i| (i.name, i.tbl_name, i.sql.contains("UNIQUE INDEX")))
        .collect();
    (columns, indexes)
}

fn postgres_schema(conn: &mut PgConnection) -> (Columns, Indexes) {
    let found: Vec<PgColumn> = diesel::sql_query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name,
                is_nullable::text AS is_nullable
         FROM information_schema.columns WHERE table_schema = 'public'",
    )
    .load(conn)
    .unwrap();
    let mut columns = Columns::new();
    for c in found
        .into_iter()
        .filter(|c| c.table_name != MIGRATIONS_TABLE)
    {
        columns
            .entry(c.table_name)
            .or_default()
            .insert(c.column_name, c.is_nullable == "YES");
    }
    // Indexes written in the migrations: not those PostgreSQL makes for primary keys and
    // UNIQUE constraints (SQLite has them too, unnamed).
    let indexes: Vec<PgIndex> = diesel::sql_query(
        "SELECT indexname::text AS indexname, tablename::text AS tablename,
                indexdef::text AS indexdef
         FROM pg_indexes i WHERE schemaname = 'public'
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
    )
    .load(conn)
    .unwrap();
    let indexes = indexes
        .into_iter()
        .map(|i| {
            let unique = i.indexdef.contains("UNIQUE INDEX");
            (i.indexname, i.tablename, unique)
        })
        .collect();
    (columns, indexes)
}

fn migrated_sqlite() -> (Columns, Indexes, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::parse(dir.path().join("schema.db").to_str().unwrap()).unwrap();
    let db = Db::connect(&url, 1).unwrap();
    let mut conn = db.get().unwrap();
    let DbConn::Sqlite(lite) = &mut **conn else {
        panic!("an SQLite file opens as SQLite")
    };
    let (columns, indexes) = sqlite_schema(lite);
    (columns, indexes, dir)
}

fn assert_declared(backend: &str, columns: &Columns) {
    let declared = declared();
    assert!(declared.len() > 15, "the schema was read: {declared:?}");
    for (table, want) in &declared {
        let got = columns
            .get(table)
            .unwrap_or_else(|| panic!("{backend} has no table {table}"));
        assert_eq!(
            got, want,
            "{backend}: the columns of {table} (name → nullable)"
        );
    }
    let extra: Vec<&String> = columns
        .keys()
        .filter(|t| !declared.contains_key(*t))
        .collect();
    assert!(
        extra.is_empty(),
        "{backend} has tables the schema does not declare: {extra:?}"
    );
}

#[test]
fn the_sqlite_migrations_make_what_schema_rs_declares() {
    let (columns, indexes, _dir) = migrated_sqlite();
    assert_declared("SQLite", &columns);
    assert!(indexes.len() > 10, "{indexes:?}");
}

#[tokio::test]
async fn the_postgresql_migrations_make_the_same_schema_as_sqlites() {
    let Some(_) = support::postgres_admin_url() else {
        // On a machine without PostgreSQL the SQLite half above still runs; CI runs this
        // whole file on PostgreSQL too.
        return;
    };
    let test_db = tokio::task::spawn_blocking(support::TestDb::new)
        .await
        .unwrap();
    let (pg_columns, pg_indexes) = tokio::task::spawn_blocking(move || {
        let mut conn = test_db.db.get().unwrap();
        let DbConn::Pg(pg) = &mut **conn else {
            panic!("TEST_DATABASE_URL names PostgreSQL")
        };
        postgres_schema(pg)
    })
    .await
    .unwrap();
    assert_declared("PostgreSQL", &pg_columns);
    let (sqlite_columns, sqlite_indexes, _dir) = migrated_sqlite();
    assert_eq!(pg_columns, sqlite_columns, "the same columns on both");
    assert_eq!(
        pg_indexes, sqlite_indexes,
        "the same indexes on both (name, table, unique)"
    );
}
